"""Tags on stories, admin overrides, the taxonomy and the rules admins edit.

Admins win: the tags stored on a story are always ``merge(computed, overrides)``: what the rules
and the source imply, plus every tag an admin added, minus every tag an admin removed. Re-tagging
recomputes the first part only, so an admin's decision survives every later re-tagging.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from aggregator.store import audit, versions
from aggregator.store.db import transaction_memo
from aggregator.store.items import bulk_table, chunked
from aggregator.store.models import ItemTag, RuleRow, TagOverride, TagRow
from aggregator.types import TagAssignment, TagKind, TagOrigin

_KINDS = "tags.kinds"
_UNTAGGED = "tags.untagged"
_ORIGIN_RANK = {
    TagOrigin.ADMIN.value: 4,
    TagOrigin.SOURCE.value: 3,
    TagOrigin.RULE.value: 2,
    TagOrigin.MODEL.value: 1,
}


def merge(
    computed: Sequence[TagAssignment],
    overrides: Sequence[TagOverride],
    kinds: Mapping[str, TagKind],
) -> dict[str, tuple[TagKind, str, list[dict[str, Any]]]]:
    """tag id -> (kind, strongest origin, reasons): computed tags with the admins' decisions."""
    result: dict[str, tuple[TagKind, str, list[dict[str, Any]]]] = {}
    for assignment in computed:
        kind, origin, reasons = result.get(
            assignment.tag_id, (assignment.kind, assignment.origin.value, [])
        )
        if _ORIGIN_RANK[assignment.origin.value] > _ORIGIN_RANK[origin]:
            origin = assignment.origin.value
        result[assignment.tag_id] = (kind, origin, [*reasons, assignment.why()])
    for override in overrides:
        if override.action == "remove":
            result.pop(override.tag_id, None)
            continue
        reason = TagAssignment(
            tag_id=override.tag_id,
            kind=kinds.get(override.tag_id, TagKind.TOPIC),
            origin=TagOrigin.ADMIN,
            admin=override.admin,
            at=override.at,
            note=override.note,
            note_public=override.note_public,
        ).why()
        kind = kinds.get(override.tag_id, TagKind.TOPIC)
        result[override.tag_id] = (kind, TagOrigin.ADMIN.value, [reason])
    return result


class TagStore:
    """Tag reads and writes within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- taxonomy ----------------------------------------------------------------------

    def kinds(self) -> dict[str, TagKind]:
        """Every tag's kind (read once per transaction: tags change only through this class)."""
        memo = transaction_memo(self.session)
        if _KINDS not in memo:
            memo[_KINDS] = {row.id: TagKind(row.kind) for row in self.session.exec(select(TagRow))}
        return dict(memo[_KINDS])

    def taxonomy(self, *, active_only: bool = True) -> list[TagRow]:
        query = select(TagRow).order_by(col(TagRow.kind), col(TagRow.position), col(TagRow.id))
        if active_only:
            query = query.where(col(TagRow.active).is_(True))
        return list(self.session.exec(query))

    def seed_taxonomy(self, tags: Iterable[Mapping[str, Any]], now: datetime) -> int:
        """Insert configured tags the database lacks; admins' edits to existing ones stay."""
        transaction_memo(self.session).pop(_KINDS, None)
        added = 0
        for position, data in enumerate(tags):
            if self.session.get(TagRow, data["id"]) is None:
                self.session.add(TagRow(**{**data, "position": position, "updated_at": now}))
                added += 1
        self.session.flush()
        if added:
            versions.bump(self.session, now)  # feed titles and categories show tag labels
        return added

    def save_tag(self, data: Mapping[str, Any], actor: str, now: datetime) -> None:
        transaction_memo(self.session).pop(_KINDS, None)
        row = self.session.get(TagRow, data["id"])
        before = row.model_dump(exclude={"updated_at"}) if row else None
        row = row or TagRow(**{**data, "updated_at": now})
        for key, value in data.items():
            setattr(row, key, value)
        row.updated_at = now
        self.session.add(row)
        versions.bump(self.session, now)  # feed titles and categories show tag labels
        after = row.model_dump(exclude={"updated_at"})
        audit.record(
            self.session,
            actor=actor,
            action="tag.save",
            entity_type="tag",
            entity_id=row.id,
            before=before,
            after=after,
            at=now,
        )

    # --- rules -------------------------------------------------------------------------

    def rules(self, *, enabled_only: bool = False) -> list[RuleRow]:
        query = select(RuleRow).order_by(col(RuleRow.position), col(RuleRow.id))
        if enabled_only:
            query = query.where(col(RuleRow.enabled).is_(True))
        return list(self.session.exec(query))

    def seed_rules(self, rules: Iterable[Mapping[str, Any]], now: datetime) -> int:
        added = 0
        for position, definition in enumerate(rules):
            if self.session.get(RuleRow, definition["id"]) is None:
                self.session.add(_rule_row(definition, position, now, "config"))
                added += 1
        self.session.flush()
        return added

    def save_rule(self, definition: Mapping[str, Any], actor: str, now: datetime) -> None:
        """Insert or replace a rule (already validated by the caller) and audit it."""
        row = self.session.get(RuleRow, definition["id"])
        before = dict(row.definition) if row else None
        if row is None:
            position = len(self.rules())
            row = _rule_row(definition, position, now, actor)
        else:
            row.definition = dict(definition)
            row.tag_id = str(definition["tag"])
            row.enabled = bool(definition.get("enabled", True))
            row.updated_at, row.updated_by = now, actor
        self.session.add(row)
        audit.record(
            self.session,
            actor=actor,
            action="rule.save",
            entity_type="rule",
            entity_id=row.id,
            before=before,
            after=dict(definition),
            at=now,
        )

    def delete_rule(self, rule_id: str, actor: str, now: datetime) -> bool:
        row = self.session.get(RuleRow, rule_id)
        if row is None:
            return False
        audit.record(
            self.session,
            actor=actor,
            action="rule.delete",
            entity_type="rule",
            entity_id=rule_id,
            before=dict(row.definition),
            after=None,
            at=now,
        )
        self.session.delete(row)
        return True

    # --- tags on items -----------------------------------------------------------------

    def overrides(self, item_ids: Iterable[int]) -> dict[int, list[TagOverride]]:
        found: dict[int, list[TagOverride]] = defaultdict(list)
        for chunk in chunked(list(item_ids)):
            query = select(TagOverride).where(col(TagOverride.item_id).in_(chunk))
            for row in self.session.exec(query):
                found[row.item_id].append(row)
        return found

    def item_tags(self, item_ids: Iterable[int]) -> dict[int, list[ItemTag]]:
        found: dict[int, list[ItemTag]] = defaultdict(list)
        for chunk in chunked(list(item_ids)):
            query = select(ItemTag).where(col(ItemTag.item_id).in_(chunk))
            for row in self.session.exec(query.order_by(col(ItemTag.kind), col(ItemTag.tag_id))):
                found[row.item_id].append(row)
        return found

    def apply(
        self,
        item_id: int,
        computed: Sequence[TagAssignment],
        now: datetime,
        *,
        kinds: Mapping[str, TagKind] | None = None,
    ) -> bool:
        """Store ``computed`` merged with the item's overrides; True when the tags changed."""
        return bool(self.apply_many({item_id: computed}, now, kinds=kinds))

    def apply_many(
        self,
        computed: Mapping[int, Sequence[TagAssignment]],
        now: datetime,
        *,
        kinds: Mapping[str, TagKind] | None = None,
    ) -> set[int]:
        """:meth:`apply` for many stories with a few queries; the ids whose tags changed."""
        kinds = kinds if kinds is not None else self.kinds()
        known = self._known_untagged(computed)
        unknown = [item_id for item_id in computed if item_id not in known]
        overrides, current_rows = self.overrides(unknown), self.item_tags(unknown)
        changed: set[int] = set()
        # A few hundred stories at a time: their rows (explanations built now) are written and
        # dropped before the next, so a 10,000-story pass never holds them all (14 MB).
        for stories in chunked(computed.items(), 500):
            retagged: list[int] = []
            rows: list[dict[str, Any]] = []
            for item_id, assignments in stories:
                wanted = merge(assignments, overrides.get(item_id, []), kinds)
                current = {row.tag_id: row for row in current_rows.get(item_id, [])}
                if _same(current, wanted):
                    continue
                changed.add(item_id)
                if current:
                    retagged.append(item_id)
                rows += _tag_rows(item_id, wanted, now)
            if retagged:
                self.session.exec(delete(ItemTag).where(col(ItemTag.item_id).in_(retagged)))
            if rows:
                self.session.execute(insert(bulk_table(ItemTag)), rows)
        if changed:
            versions.bump(self.session, now)
        return changed

    def _known_untagged(self, item_ids: Iterable[int]) -> set[int]:
        """Which of ``item_ids`` were inserted in this transaction and not tagged since (they
        have neither tags nor overrides, so there is nothing to read); forgets them."""
        fresh: set[int] = transaction_memo(self.session).get(_UNTAGGED, set())
        known = fresh.intersection(item_ids)
        fresh.difference_update(known)
        return known

    def set_override(
        self,
        item_id: int,
        tag_id: str,
        action: str,
        admin: str,
        now: datetime,
        note: str = "",
        note_public: bool = False,
    ) -> None:
        """Record an admin's add/remove of one tag on one story (applied by the caller).

        ``note`` is for the editors; ``note_public`` shows it on the public story page.
        """
        if action not in ("add", "remove"):
            raise ValueError(f"override action must be add or remove, not {action!r}")
        self._known_untagged([item_id])
        row = self.session.get(TagOverride, (item_id, tag_id))
        before = (
            {"action": row.action, "admin": row.admin, "note": row.note, "public": row.note_public}
            if row
            else None
        )
        row = row or TagOverride(item_id=item_id, tag_id=tag_id, action=action, admin=admin, at=now)
        row.action, row.admin, row.at, row.note = action, admin, now, note
        row.note_public = bool(note and note_public)
        self.session.add(row)
        self.session.flush()
        audit.record(
            self.session,
            actor=admin,
            action=f"item_tag.{action}",
            entity_type="item",
            entity_id=str(item_id),
            before=before,
            after={"tag": tag_id, "action": action, "note": note, "public": row.note_public},
            at=now,
        )

    def clear_override(self, item_id: int, tag_id: str, admin: str, now: datetime) -> bool:
        row = self.session.get(TagOverride, (item_id, tag_id))
        if row is None:
            return False
        audit.record(
            self.session,
            actor=admin,
            action="item_tag.reset",
            entity_type="item",
            entity_id=str(item_id),
            before={"tag": tag_id, "action": row.action},
            after=None,
            at=now,
        )
        self.session.delete(row)
        self.session.flush()
        return True


def mark_untagged(session: Session, item_ids: Iterable[int]) -> None:
    """Tell :meth:`TagStore.apply` that these stories were just inserted in this transaction,
    so they have no tags or overrides to read yet."""
    transaction_memo(session).setdefault(_UNTAGGED, set()).update(item_ids)


def _tag_rows(
    item_id: int, wanted: Mapping[str, tuple[TagKind, str, list[dict[str, Any]]]], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "item_id": item_id,
            "tag_id": tag_id,
            "kind": kind.value,
            "origin": origin,
            "reasons": reasons,
            "tagged_at": now,
        }
        for tag_id, (kind, origin, reasons) in sorted(wanted.items())
    ]


def _rule_row(definition: Mapping[str, Any], position: int, now: datetime, actor: str) -> RuleRow:
    return RuleRow(
        id=str(definition["id"]),
        tag_id=str(definition["tag"]),
        definition=dict(definition),
        enabled=bool(definition.get("enabled", True)),
        position=position,
        updated_at=now,
        updated_by=actor,
    )


def _same(
    current: Mapping[str, ItemTag], wanted: Mapping[str, tuple[TagKind, str, list[Any]]]
) -> bool:
    if current.keys() != wanted.keys():
        return False
    return all(
        (row.origin, row.reasons) == (wanted[tag_id][1], wanted[tag_id][2])
        for tag_id, row in current.items()
    )
