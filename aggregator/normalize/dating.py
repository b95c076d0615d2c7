"""Which date a story carries: its publisher's, or the time we first saw it (pure).

A story's date is when its publisher published it, read from the list, the article, the page's
metadata or the feed (``origin`` says which, see :data:`ORIGINS`). What is not a publication
date is never taken for one:

- a grant call's opening or closing day (the grant portal's API gives no publication time, so
  its stories carry none; :mod:`aggregator.sources.json_api`);
- a date after the story was first seen: nobody publishes in the future, so such a date is an
  event, an opening day or a typo. Within :data:`CLOCK_SKEW` of the sighting it is the
  publisher's clock running ahead and is clamped to the sighting; later than that it is
  discarded, and ``note`` says why.

A story without a publication date is dated, shown and fed as **first seen**, explicitly
(``kind`` is :data:`FIRST_SEEN`). The dates themselves are read by the one date grammar,
:mod:`aggregator.normalize.dates`; this module only decides between them.

A grant call that had already closed when it was first seen is no news
(:func:`closed_before_seen`): digests leave it out, and unless its publisher dated it, feeds do
too and it sorts at its deadline, not at the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aggregator.clock import end_of_day, helsinki_date

PUBLISHED = "published"
FIRST_SEEN = "first_seen"
KINDS = (PUBLISHED, FIRST_SEEN)
# Where a publication date was read. "list": the site's news list; "article": a labelled line
# on the article page (Liferay's "Julkaisuajankohta", "Publication date"), or its date element;
# "meta": <meta> article:published_time / DC / og; "json-ld": schema.org datePublished;
# "time": a <time datetime> element; "feed": the feed's published (or, lacking it, updated).
ORIGINS = ("list", "article", "meta", "json-ld", "time", "feed")
CLOCK_SKEW = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class StoryDate:
    """The date a story is shown, fed and sorted by.

    ``at`` is the publication moment when ``kind`` is :data:`PUBLISHED`, else the first
    sighting; ``has_time`` says the publisher gave a time of day (first sightings always have
    one); ``origin`` is one of :data:`ORIGINS` ("" for a first sighting); ``note`` says why a
    publisher's date was clamped or discarded ("" otherwise).
    """

    at: datetime
    has_time: bool
    kind: str
    origin: str = ""
    note: str = ""

    @property
    def published(self) -> datetime | None:
        return self.at if self.kind == PUBLISHED else None


def story_date(
    published: datetime | None, has_time: bool, origin: str, first_seen: datetime
) -> StoryDate:
    """The publisher's date when it is one, else the first sighting (see the module doc)."""
    if published is None:
        return StoryDate(first_seen, True, FIRST_SEEN)
    if published <= first_seen:
        return StoryDate(published, has_time, PUBLISHED, origin)
    if not has_time and helsinki_date(published) == helsinki_date(first_seen):
        return StoryDate(published, False, PUBLISHED, origin)  # a date: its midnight has passed
    shown = _shown(published, has_time)
    if published - first_seen <= CLOCK_SKEW:
        note = f"{origin} date {shown} was after the first sighting: clamped to it"
        return StoryDate(first_seen, True, PUBLISHED, origin, note)
    note = f"{origin} date {shown} is after the first sighting: not a publication date"
    return StoryDate(first_seen, True, FIRST_SEEN, "", note)


def shown_date(
    kind: str, published_at: datetime | None, first_seen_at: datetime
) -> tuple[datetime, bool]:
    """(the date a stored story is shown and fed with, whether it is the first sighting):
    the one rule pages, feeds, digests and the CLI all follow (the calendar shows calls'
    deadlines, not story dates)."""
    if kind == PUBLISHED and published_at is not None:
        return published_at, False
    return first_seen_at, True


def deadline_moment(closes_at: datetime | date | None) -> datetime | None:
    """A call's deadline as a moment: a date alone means the end of that day in Helsinki."""
    if closes_at is None or isinstance(closes_at, datetime):
        return closes_at
    return end_of_day(closes_at)


def closed_before_seen(closes_at: datetime | date | None, first_seen: datetime) -> bool:
    """True when a call's deadline had passed when the story was first seen."""
    deadline = deadline_moment(closes_at)
    return deadline is not None and deadline < first_seen


def closed_call_sort(kind: str, sort_at: datetime, closes_at: datetime | date | None) -> datetime:
    """Where a call that had closed when it was first seen sorts in "latest": at its
    publication date when it has one, else at its deadline, among the news of that time and
    never on top as new."""
    deadline = deadline_moment(closes_at)
    if kind == FIRST_SEEN and deadline is not None:
        return min(deadline, sort_at)
    return sort_at


def _shown(moment: datetime, has_time: bool) -> str:
    return moment.isoformat() if has_time else helsinki_date(moment).isoformat()
