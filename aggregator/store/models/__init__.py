"""SQLModel tables, one module per area; importing this package registers them all.

Only :mod:`aggregator.store` uses these classes: the pipeline stages exchange the plain
dataclasses of :mod:`aggregator.types`.
"""

from aggregator.store.models.grants import GrantCallRow, ItemGrantLink
from aggregator.store.models.ingest import (
    AddedSource,
    HttpValidator,
    ItemRow,
    Sighting,
    SourceRun,
    SourceState,
    StoryKey,
    StoryVersion,
    UrlFailure,
)
from aggregator.store.models.mail import DeliveredItem, Delivery, MailEvent, Subscriber
from aggregator.store.models.ops import (
    AdminSession,
    AdminUser,
    ContentVersion,
    JobState,
    LoginAttempt,
    LoginLimit,
    SchedulerLease,
)
from aggregator.store.models.tagging import (
    AuditEntry,
    ItemTag,
    RuleRow,
    TagModelRow,
    TagOverride,
    TagRow,
    TagSuggestion,
)

__all__ = [
    "AddedSource",
    "AdminSession",
    "AdminUser",
    "AuditEntry",
    "ContentVersion",
    "DeliveredItem",
    "Delivery",
    "GrantCallRow",
    "HttpValidator",
    "ItemGrantLink",
    "ItemRow",
    "ItemTag",
    "JobState",
    "LoginAttempt",
    "LoginLimit",
    "MailEvent",
    "RuleRow",
    "SchedulerLease",
    "Sighting",
    "SourceRun",
    "SourceState",
    "StoryKey",
    "StoryVersion",
    "Subscriber",
    "TagModelRow",
    "TagOverride",
    "TagRow",
    "TagSuggestion",
    "UrlFailure",
]
