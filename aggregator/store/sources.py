"""Source health rows, run history and conditional-GET validators in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from aggregator.health import Health, RunReport
from aggregator.store.db import session_scope
from aggregator.store.models import HttpValidator, SourceRun, SourceState, UrlFailure
from aggregator.store.pass_state import StoredPage

_HEALTH_FIELDS = tuple(f.name for f in fields(Health))
URL_CHARS, ETAG_CHARS, LAST_MODIFIED_CHARS, HASH_CHARS = 1024, 255, 64, 64  # HttpValidator


@dataclass(frozen=True, slots=True)
class UrlRetries:
    """Pages that failed before: ``waiting`` for their retry time, or ``due`` again."""

    waiting: frozenset[str] = frozenset()
    due: frozenset[str] = frozenset()


class SourceStore:
    """Per-source state within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def state(self, source_id: str) -> SourceState:
        """The source's row, created on first use."""
        row = self.session.get(SourceState, source_id)
        if row is None:
            row = SourceState(source_id=source_id)
            self.session.add(row)
            self.session.flush()
        return row

    def all_states(self) -> dict[str, SourceState]:
        return {row.source_id: row for row in self.session.exec(select(SourceState))}

    def health(self, source_id: str) -> Health:
        row = self.state(source_id)
        values = {name: getattr(row, name) for name in _HEALTH_FIELDS}
        values["proposed_selectors"] = dict(row.proposed_selectors or {})
        return Health(**values)

    def set_health(self, source_id: str, health: Health) -> None:
        row = self.state(source_id)
        for name in _HEALTH_FIELDS:
            setattr(row, name, getattr(health, name))
        row.proposed_selectors = dict(health.proposed_selectors)
        self.session.add(row)

    def set_enabled(self, source_id: str, enabled: bool) -> None:
        row = self.state(source_id)
        row.enabled = enabled
        self.session.add(row)

    def add_run(self, report: RunReport) -> None:
        self.session.add(
            SourceRun(
                source_id=report.source_id,
                started_at=report.started_at,
                finished_at=report.finished_at,
                status=report.status.value,
                error_kind=report.error_kind,
                error_message=report.error_message,
                warnings=list(report.warnings),
                pages_fetched=report.pages_fetched,
                pages_not_modified=report.pages_not_modified,
                items_found=report.items_found,
                items_new=report.items_new,
                items_updated=report.items_updated,
                used_fallback=report.used_fallback,
            )
        )

    def recent_runs(self, source_id: str, limit: int = 20) -> list[SourceRun]:
        return list(
            self.session.exec(
                select(SourceRun)
                .where(SourceRun.source_id == source_id)
                .order_by(col(SourceRun.started_at).desc())
                .limit(limit)
            )
        )

    def new_items_since(self, since: datetime) -> dict[str, int]:
        """New stories per source since ``since`` (the dashboard's items per week)."""
        rows = self.session.exec(
            select(SourceRun.source_id, func.sum(SourceRun.items_new))
            .where(col(SourceRun.started_at) >= since)
            .group_by(SourceRun.source_id)
        ).all()
        return {source_id: int(total or 0) for source_id, total in rows}

    def validators(self, source_id: str, url: str) -> tuple[str | None, str | None] | None:
        row = self.session.get(HttpValidator, (source_id, url))
        return None if row is None else (row.etag, row.last_modified)

    def page_state(self, source_id: str, url: str) -> StoredPage | None:
        """The validators and the body's hash stored for ``url`` as ``source_id`` reads it."""
        row = self.session.get(HttpValidator, (source_id, url))
        if row is None:
            return None
        return StoredPage(row.etag, row.last_modified, row.content_hash)

    def save_validators(
        self,
        source_id: str,
        url: str,
        etag: str | None,
        last_modified: str | None,
        now: datetime,
        content_hash: str | None = None,
    ) -> None:
        """Remember a page's validators and its body's hash; a value wider than its column (no
        real server sends one) is dropped, so the next pass simply fetches that page in full."""
        etag = etag if etag is None or len(etag) <= ETAG_CHARS else None
        if last_modified is not None and len(last_modified) > LAST_MODIFIED_CHARS:
            last_modified = None
        if content_hash is not None and len(content_hash) > HASH_CHARS:
            content_hash = None
        if len(url) > URL_CHARS or (etag is None and last_modified is None and not content_hash):
            return
        row = self.session.get(HttpValidator, (source_id, url))
        if row is None:
            row = HttpValidator(source_id=source_id, url=url, updated_at=now)
        row.etag, row.last_modified, row.updated_at = etag, last_modified, now
        row.content_hash = content_hash
        self.session.add(row)

    def forget_validators(self, source_id: str) -> None:
        """Drop a source's validators so its next pass refetches everything (after an edit)."""
        for row in self.session.exec(
            select(HttpValidator).where(HttpValidator.source_id == source_id)
        ):
            self.session.delete(row)

    # --- pages that failed (an article, a later list page) ------------------------------

    def url_failures(self, source_id: str) -> list[UrlFailure]:
        """The source's failing pages, most recent failure first."""
        return list(
            self.session.exec(
                select(UrlFailure)
                .where(UrlFailure.source_id == source_id)
                .order_by(col(UrlFailure.last_failed_at).desc(), col(UrlFailure.url))
            )
        )

    def url_failures_by_source(self) -> dict[str, list[UrlFailure]]:
        """Every failing page, per source, most recent failure first (the dashboard)."""
        grouped: dict[str, list[UrlFailure]] = {}
        query = select(UrlFailure).order_by(
            col(UrlFailure.last_failed_at).desc(), col(UrlFailure.url)
        )
        for row in self.session.exec(query):
            grouped.setdefault(row.source_id, []).append(row)
        return grouped

    def waiting_urls(self, source_id: str, now: datetime) -> frozenset[str]:
        """The source's failed pages whose retry time has not come."""
        query = select(UrlFailure.url).where(
            UrlFailure.source_id == source_id, col(UrlFailure.retry_at) > now
        )
        return frozenset(self.session.exec(query))

    def failed_urls(self, source_id: str, urls: Iterable[str], now: datetime) -> UrlRetries:
        """Those of ``urls`` that failed before: still waiting for their retry time, or due."""
        wanted = [url for url in set(urls) if len(url) <= URL_CHARS]
        if not wanted:
            return UrlRetries()
        rows = self.session.exec(
            select(UrlFailure.url, UrlFailure.retry_at).where(
                UrlFailure.source_id == source_id, col(UrlFailure.url).in_(wanted)
            )
        ).all()
        return UrlRetries(
            waiting=frozenset(url for url, at in rows if at > now),
            due=frozenset(url for url, at in rows if at <= now),
        )

    def record_url_failure(
        self,
        source_id: str,
        url: str,
        error: tuple[str, str],
        now: datetime,
        delay: Callable[[int], timedelta],
    ) -> None:
        """Count one more failure of ``url`` (``error`` is kind and message); its next try waits
        ``delay(failures)``. A URL wider than the column is not remembered (retried each pass)."""
        if len(url) > URL_CHARS:
            return
        row = self.session.get(UrlFailure, (source_id, url))
        if row is None:
            row = UrlFailure(
                source_id=source_id,
                url=url,
                failures=0,
                first_failed_at=now,
                last_failed_at=now,
                retry_at=now,
            )
        row.failures += 1
        row.last_failed_at = now
        row.retry_at = now + delay(row.failures)
        row.error_kind, row.error_message = error[0][:64], error[1][:2000]
        self.session.add(row)

    def clear_url_failures(self, source_id: str, urls: Iterable[str]) -> None:
        """Forget the failures of pages that were read again."""
        read = [url for url in set(urls) if len(url) <= URL_CHARS]
        if read:
            self.session.exec(
                delete(UrlFailure).where(
                    col(UrlFailure.source_id) == source_id, col(UrlFailure.url).in_(read)
                )
            )


WEEK = timedelta(days=7)


def read_health(engine: Engine, source_id: str) -> Health:
    """The source's health as stored (a fresh one for a source never run)."""
    with session_scope(engine) as session:
        return SourceStore(session).health(source_id)


def read_states(engine: Engine) -> dict[str, SourceState]:
    """Every stored source state (admins' switches and edits, health), by source id."""
    with session_scope(engine) as session:
        return SourceStore(session).all_states()
