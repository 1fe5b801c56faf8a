"""Recompute an organization's audit chain from the rows as they are now, and keep daily anchors.

A row edited after it was chained no longer matches its digest; a deleted row (or a deleted link) leaves
a hole; a row inserted into a table without going through the chain is a row no link names; a link
inserted or rewritten in the middle no longer matches the previous link's hash. An administrator who
rewrites the whole chain from some row on is caught by the anchors kept outside the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from .chain_sql import GENESIS, chained_tables, id_column
from .link_hash import COVERED, expected_hash
from .models import AuditAnchor, AuditArchive, AuditEntry

BATCH = 5_000


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str  # "edited", "deleted", "inserted", "link"
    source: str
    source_id: int | None

    def describe(self) -> str:
        messages = {
            "edited": _(
                "entry %(seq)s: the recorded row (%(source)s %(id)s) was changed after it was written"
            ),
            "deleted": _("entry %(seq)s: the recorded row (%(source)s %(id)s) or its link was deleted"),
            "inserted": _("entry %(seq)s: a row (%(source)s %(id)s) was added outside the chain"),
            "link": _("entry %(seq)s: the chain link itself was altered or inserted"),
        }
        return messages[self.problem] % {"seq": self.seq, "source": self.source, "id": self.source_id}


@dataclass(frozen=True)
class Report:
    organization_id: int
    checked: int
    head_seq: int
    head_hash: str
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


# What a link is checked against: its place, its row's digest, and (version 2) the entry's own columns.
LINK_COLUMNS = ("seq", "source", "source_id", "digest", "prev_hash", "hash", "version", *COVERED)


def links_from(organization_id: int, low: int, high: int | None = None):
    """The organization's links from ``low`` (to ``high``) in order, as dicts of ``LINK_COLUMNS`` (the
    context as PostgreSQL's jsonb text, the text its hash covers)."""
    links = AuditEntry.objects.filter(organization_id=organization_id, seq__gte=low)
    if high is not None:
        links = links.filter(seq__lte=high)
    return links.annotate(context_text=Cast("context", TextField())).order_by("seq").values(*LINK_COLUMNS)


def _digests(cursor, organization_id: int, table: str, kind: str, low: int, high: int) -> dict[int, str]:
    """The digests of ``table``'s rows linked between ``low`` and ``high``, recomputed from the rows now,
    over the columns each had when it was chained."""
    key = id_column(kind)
    # Table and column names come from the models; values are parameters.
    row_now = (
        "(SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(t)) AS x(k, v) WHERE k = ANY(e.fields))"
    )
    sql = (
        f"SELECT e.seq, encode(sha256(convert_to({row_now}::text, 'UTF8')), 'hex') "  # noqa: S608
        f'FROM audit_auditentry e JOIN "{table}" t ON t."{key}" = e.source_id '
        "WHERE e.organization_id = %s AND e.source = %s AND e.seq BETWEEN %s AND %s"
    )
    cursor.execute(sql, [organization_id, table, low, high])
    return dict(cursor.fetchall())


def _unchained(cursor, organization_id: int) -> Break | None:
    """The first row of the organization that no link names (added with the chain's trigger bypassed)."""
    for table, kind, *_columns in chained_tables():
        key = id_column(kind)
        sql = (
            f'SELECT min(t."{key}") FROM "{table}" t WHERE t.organization_id = %s AND NOT EXISTS '  # noqa: S608
            f'(SELECT 1 FROM audit_auditentry e WHERE e.source = %s AND e.source_id = t."{key}")'
        )
        cursor.execute(sql, [organization_id, table])
        found = cursor.fetchone()[0]
        if found is not None:
            return Break(seq=0, problem="inserted", source=table, source_id=found)
    return None


def chain_start(organization_id: int) -> tuple[int, str]:
    """(first position, previous hash) of what is left of the organization's chain: after its latest
    archive anchor (``audit_archive``), else the genesis."""
    with scope(organization=organization_id):
        latest = AuditArchive.objects.filter(organization_id=organization_id).order_by("-last_seq").first()
    return (latest.last_seq + 1, latest.last_hash) if latest else (1, GENESIS)


def verify_chain(organization_id: int) -> Report:
    """Walk the organization's chain from its first link (after its archives); stop at the first broken
    one."""
    kinds = {table: kind for table, kind, *_ in chained_tables()}
    expected_seq, prev_hash = chain_start(organization_id)
    checked = 0
    with transaction.atomic(), connection.cursor() as cursor, scope(organization=organization_id):
        cursor.execute("SET LOCAL timezone = 'UTC'")
        version = 1
        while True:
            links = list(links_from(organization_id, expected_seq)[:BATCH])
            if not links:
                break
            low, high = links[0]["seq"], links[-1]["seq"]
            digests = {}
            for table in {link["source"] for link in links}:
                digests.update(
                    _digests(cursor, organization_id, table, kinds.get(table, "change"), low, high)
                )
            for link in links:
                seq, source, source_id = link["seq"], link["source"], link["source_id"]
                broken = None
                if seq != expected_seq:
                    broken = Break(expected_seq, "deleted", source, None)
                elif (
                    link["prev_hash"] != prev_hash
                    # Versions only go up: an older formula after a newer one is a rewritten link.
                    or link["version"] < version
                    or link["hash"] != expected_hash(organization_id, link)
                ):
                    broken = Break(seq, "link", source, source_id)
                elif seq not in digests:
                    broken = Break(seq, "deleted", source, source_id)
                elif digests[seq] != link["digest"]:
                    broken = Break(seq, "edited", source, source_id)
                if broken:
                    return Report(organization_id, checked, expected_seq - 1, prev_hash, broken)
                prev_hash, expected_seq, checked = link["hash"], seq + 1, checked + 1
                version = link["version"]
        broken = _unchained(cursor, organization_id) or anchors_agree(organization_id)
    return Report(organization_id, checked, expected_seq - 1, prev_hash, broken)


def anchor_day(organization_id: int, day: date | None = None) -> AuditAnchor | None:
    """Record the organization's chain head for ``day`` (today, UTC, by default); once a day."""
    day = day or timezone.now().date()
    with scope(organization=organization_id):
        head = (
            AuditEntry.objects.filter(organization_id=organization_id)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        if head is None:
            return None
        anchor, _created = AuditAnchor.objects.get_or_create(
            organization_id=organization_id, day=day, defaults={"seq": head[0], "hash": head[1]}
        )
    return anchor


def anchors_agree(organization_id: int) -> Break | None:
    """The first anchor whose recorded head no longer matches the chain (a rewritten chain). Anchors of
    archived positions are checked against the archive file instead (``audit_archive --verify-archive``)."""
    archived = chain_start(organization_id)[0] - 1
    with scope(organization=organization_id):
        heads = dict(
            AuditEntry.objects.filter(
                organization_id=organization_id,
                seq__in=AuditAnchor.objects.filter(organization_id=organization_id).values("seq"),
            ).values_list("seq", "hash")
        )
        for anchor in AuditAnchor.objects.filter(organization_id=organization_id, seq__gt=archived).order_by(
            "day"
        ):
            if heads.get(anchor.seq) != anchor.hash:
                return Break(anchor.seq, "link", "audit_auditanchor", anchor.pk)
    return None


def disagreeing_anchor(organization_id: int, anchors: list[tuple[int, str]]) -> int | None:
    """The first of ``anchors`` (seq, hash), kept outside the database, that the chain no longer has
    (anchors of archived positions are checked against the archive file instead)."""
    archived = chain_start(organization_id)[0] - 1
    anchors = [(seq, expected) for seq, expected in anchors if seq > archived]
    if not anchors:
        return None
    with scope(organization=organization_id):
        hashes = dict(
            AuditEntry.objects.filter(
                organization_id=organization_id, seq__in=[seq for seq, _h in anchors]
            ).values_list("seq", "hash")
        )
    for seq, expected in sorted(anchors):
        if hashes.get(seq) != expected:
            return seq
    return None
