"""How much each audience and topic is used: the stories carrying it and the rules giving it.

The taxonomy editor shows these next to every tag and refuses to deactivate a tag while an
enabled rule still gives it (the admin is told which rules to disable first). Counting goes
through the ``item_tag`` index on ``(tag_id, item_id)``, one grouped query for all tags.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from aggregator.store.models import ItemTag, RuleRow


@dataclass(frozen=True, slots=True)
class TagUsage:
    """One tag's use: stories that carry it now, and the rules (by id) that give it."""

    stories: int = 0
    rules: tuple[str, ...] = ()  # enabled: they tag new stories with it
    disabled_rules: tuple[str, ...] = ()


def tag_usage(session: Session, tag_id: str | None = None) -> dict[str, TagUsage]:
    """tag id -> its usage, for every tag used at all (or only ``tag_id``); unused tags are
    missing, so callers read ``.get(tag_id, TagUsage())``."""
    stories = select(ItemTag.tag_id, func.count()).group_by(col(ItemTag.tag_id))
    rules = select(RuleRow.id, RuleRow.tag_id, RuleRow.enabled)
    if tag_id is not None:
        stories = stories.where(col(ItemTag.tag_id) == tag_id)
        rules = rules.where(col(RuleRow.tag_id) == tag_id)
    counts: dict[str, int] = dict(session.exec(stories).all())
    enabled: dict[str, list[str]] = {}
    disabled: dict[str, list[str]] = {}
    for rule_id, rule_tag, is_enabled in session.exec(
        rules.order_by(col(RuleRow.position), col(RuleRow.id))
    ):
        (enabled if is_enabled else disabled).setdefault(rule_tag, []).append(rule_id)
    return {
        name: TagUsage(
            stories=counts.get(name, 0),
            rules=tuple(enabled.get(name, ())),
            disabled_rules=tuple(disabled.get(name, ())),
        )
        for name in {*counts, *enabled, *disabled}
    }
