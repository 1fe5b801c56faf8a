"""Reading the audit trail for the viewer: one keyset-paginated list of changes and accesses.

The list reads ``AuditEntry`` (one indexed table holding both kinds, newest first by chain position), then
fills in the details of the page's rows with a bounded number of queries: one for the page's accesses and,
for each kind of record changed on the page, one for the changed rows and one for their previous versions.
The number of queries never grows with the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db.models import OuterRef, Subquery
from pghistory.models import Context

from .break_glass import made_under_grant
from .labels import access_action_label, category_label, change_action_label, change_lines, record_label
from .models import AccessEvent, AuditEntry
from .vocabulary import Channel

PAGE_SIZE = 50


@dataclass(frozen=True)
class TrailFilter:
    patient_id: int | None = None
    actor_id: int | None = None
    record_type: str = ""
    action: str = ""
    clinic_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    kind: str = ""  # "change", "access" or both
    break_glass: bool = False  # only accesses made under a break-glass grant
    oldest_first: bool = False


@dataclass
class TrailRow:
    entry: AuditEntry
    zone: object
    who: str
    what: str
    details: list[str] = field(default_factory=list)
    where: str = ""
    break_glass: object = None  # the BreakGlassAccess an access was made under (see break_glass.flag_rows)


def event_models() -> dict[str, tuple[type, type]]:
    """table -> (event model, tracked model) of every change table in the chain."""
    found = {}
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is not None:
            found[model._meta.db_table] = (model, tracked)
    return found


def page_of(organization_id: int, flt: TrailFilter, *, after: int | None = None, size: int = PAGE_SIZE):
    """(entries of one page, the cursor of the next page or None)."""
    entries = AuditEntry.objects.filter(organization_id=organization_id)
    if flt.patient_id:
        entries = entries.filter(patient_id=flt.patient_id)
    if flt.actor_id:
        entries = entries.filter(actor_id=flt.actor_id)
    if flt.record_type:
        entries = entries.filter(record_type=flt.record_type)
    if flt.action:
        entries = entries.filter(action=flt.action)
    if flt.clinic_id:
        entries = entries.filter(clinic_id=flt.clinic_id)
    if flt.kind:
        entries = entries.filter(kind=flt.kind)
    if flt.break_glass:
        entries = entries.filter(made_under_grant(organization_id))
    if flt.start:
        entries = entries.filter(at__gte=flt.start)
    if flt.end:
        entries = entries.filter(at__lt=flt.end)
    if after is not None:
        entries = entries.filter(seq__gt=after) if flt.oldest_first else entries.filter(seq__lt=after)
    entries = entries.order_by("seq" if flt.oldest_first else "-seq").select_related(
        "actor", "patient", "clinic"
    )
    found = list(entries[: size + 1])
    return found[:size], (found[size - 1].seq if len(found) > size else None)


def _accesses(entries) -> dict[int, AccessEvent]:
    ids = [e.source_id for e in entries if e.kind == "access"]
    return AccessEvent.objects.in_bulk(ids) if ids else {}


def _changes(entries) -> dict[tuple[str, int], tuple[type, dict, dict | None]]:
    """(table, event id) -> (tracked model, the row after the change, the row before it or None)."""
    wanted = defaultdict(list)
    for e in entries:
        if e.kind == "change":
            wanted[e.source].append(e.source_id)
    models = event_models()
    found = {}
    for table, ids in wanted.items():
        if table not in models:
            continue
        event_model, tracked = models[table]
        earlier = event_model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
        rows = list(
            event_model.objects.filter(pgh_id__in=ids)
            .annotate(before_id=Subquery(earlier.order_by("-pgh_id").values("pgh_id")[:1]))
            .values()
        )
        before = event_model.objects.in_bulk([r["before_id"] for r in rows if r["before_id"]])
        for row in rows:
            previous = before.get(row["before_id"])
            found[(table, row["pgh_id"])] = (
                tracked,
                row,
                {f.attname: getattr(previous, f.attname, None) for f in tracked._meta.concrete_fields}
                if previous is not None and row["pgh_label"] == "update"
                else None,
            )
    return found


def _contexts(entries, changes) -> dict:
    """Context metadata of the page's version-1 changes, from pghistory's context rows (a version-2 entry
    carries its own copy, the one its hash covers: the context row may have changed since)."""
    older = {(e.source, e.source_id) for e in entries if e.kind == "change" and e.version < 2}
    ids = {row.get("pgh_context_id") for key, (_m, row, _b) in changes.items() if key in older} - {None}
    return {c.pk: c.metadata for c in Context.objects.filter(pk__in=ids)} if ids else {}


def rows_of(entries, zone_of_clinic) -> list[TrailRow]:
    """The page's entries with their details, in the order given. ``zone_of_clinic(clinic_id)`` gives the
    time zone each row is read in (its clinic's, else the organization's)."""
    accesses, changes = _accesses(entries), _changes(entries)
    contexts = _contexts(entries, changes)
    channels = dict(Channel.choices)
    rows = []
    for e in entries:
        zone = zone_of_clinic(e.clinic_id)
        who = e.actor.email if e.actor_id and e.actor else ""
        if e.kind == "access":
            access = accesses.get(e.source_id)
            who = who or (access.actor_label if access else "")
            what = f"{access_action_label(e.action)}: {category_label(e.record_type)}"
            where = ""
            if access is not None:
                where = " · ".join(
                    filter(None, [str(channels.get(access.channel, "")), access.client_address])
                )
            rows.append(TrailRow(e, zone, who or "—", what, where=where))
            continue
        found = changes.get((e.source, e.source_id))
        if found is None:
            rows.append(TrailRow(e, zone, who or "—", change_action_label(e.action)))
            continue
        tracked, row, before = found
        stored = e.context if e.version >= 2 else contexts.get(row.get("pgh_context_id"))
        context = stored or {}
        who = who or context.get("user_email") or context.get("command") or context.get("task") or "—"
        label = record_label(tracked, row, row.get("pgh_obj_id"))
        after = {f.attname: row.get(f.attname) for f in tracked._meta.concrete_fields}
        details = change_lines(tracked, before, after, zone) if e.action in ("insert", "update") else []
        rows.append(
            TrailRow(
                e,
                zone,
                who,
                f"{label}: {change_action_label(e.action).lower()}",
                details,
                context.get("ip") or "",
            )
        )
    return rows
