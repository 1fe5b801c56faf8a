"""Retention: moving the oldest part of an organization's audit chain to a file, keeping the rest verifiable.

``archive_before`` writes every link older than a date (from the start of what is left of the chain, a
prefix, so the chain stays one piece) with the row it names to a gzip'd JSON-lines file, records an
``AuditArchive`` anchor (the file's SHA-256, the first and last positions, the last link's hash; its own
change event joins the chain), and then deletes the archived rows. Verification then starts the chain after
the latest anchor, whose last hash is the previous hash of the first remaining link.

Audit tables refuse DELETE; the archive passes that rule in one narrow way: inside its own transaction it
sets ``ehr.audit_archive`` (``SET LOCAL``, gone at commit or rollback) and asks pgtrigger to skip the change
tables' own append-only trigger, after the file is written and checked. Nothing else in the application
sets either. ``verify_archive`` checks a file against its anchor.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pgtrigger
from django.apps import apps
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from .chain_sql import GENESIS, LOCK_CLASS, chained_tables, id_column
from .link_hash import expected_hash
from .models import AuditArchive, AuditEntry
from .verification import LINK_COLUMNS as VERIFIED
from .verification import chain_start, links_from

BATCH = 5_000
# Each line of the file: the link's columns (the entry's own ones included, the context as the jsonb text
# its version-2 hash covers) and the row it names.
LINK_COLUMNS = (*VERIFIED, "fields")


class ArchiveError(Exception):
    """The archive was refused (the chain to archive is not intact) or a file does not match its anchor."""


def _rows_text(cursor, organization_id: int, tables: dict[str, str], low: int, high: int) -> dict[int, str]:
    """The canonical text of the rows linked between ``low`` and ``high`` (the text their digest hashes)."""
    found = {}
    row_now = (
        "(SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(t)) AS x(k, v) WHERE k = ANY(e.fields))"
    )
    for table, kind in tables.items():
        key = id_column(kind)
        # Table and column names come from the models; values are parameters.
        sql = (
            f"SELECT e.seq, {row_now}::text FROM audit_auditentry e "  # noqa: S608
            f'JOIN "{table}" t ON t."{key}" = e.source_id '
            "WHERE e.organization_id = %s AND e.source = %s AND e.seq BETWEEN %s AND %s"
        )
        cursor.execute(sql, [organization_id, table, low, high])
        found.update(cursor.fetchall())
    return found


def _links(organization_id: int, low: int, high: int):
    """The organization's links from ``low`` to ``high`` in order, a batch at a time."""
    while low <= high:
        batch = list(links_from(organization_id, low, high).values(*LINK_COLUMNS)[:BATCH])
        if not batch:
            return
        yield batch
        low = batch[-1]["seq"] + 1


def _line(link: dict, row: str | None) -> bytes:
    link = {**link, "at": link["at"].isoformat(), "row": row}
    return (json.dumps(link, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _check_link(organization_id: int, link: dict, row: str | None, expected_seq: int, prev_hash: str) -> None:
    """Refuse a link that does not follow ``prev_hash`` at ``expected_seq`` or whose row does not match."""
    if link["seq"] != expected_seq or link["prev_hash"] != prev_hash:
        raise ArchiveError(f"entry {expected_seq}: the chain is broken here")
    if row is None or hashlib.sha256(row.encode()).hexdigest() != link["digest"]:
        raise ArchiveError(f"entry {link['seq']}: the recorded row is missing or changed")
    if isinstance(link["at"], str):  # read back from a file
        link = {**link, "at": datetime.fromisoformat(link["at"])}
    if expected_hash(organization_id, link) != link["hash"]:
        raise ArchiveError(f"entry {link['seq']}: the link itself was altered")


def _append_only_triggers() -> list[str]:
    """pgtrigger's append-only triggers of the change tables (django-pghistory's event models)."""
    return [
        f"{model._meta.label}:append_only"
        for model in apps.get_models()
        if getattr(model, "pgh_tracked_model", None) is not None
    ]


@dataclass(frozen=True)
class ArchiveFile:
    path: Path
    sha256: str
    rows: int


def _write(organization_id: int, first: int, last: int, prev_hash: str, path: Path) -> ArchiveFile:
    """Write links ``first``..``last`` with their rows to ``path`` (checking each on the way)."""
    kinds = {table: kind for table, kind, *_ in chained_tables()}
    partial = path.with_suffix(path.suffix + ".partial")
    try:
        rows = _write_lines(organization_id, first, last, prev_hash, partial, kinds)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if rows != last - first + 1:
        partial.unlink()
        raise ArchiveError(f"entry {first + rows}: the recorded link is missing")
    partial.replace(path)
    return ArchiveFile(path, hashlib.sha256(path.read_bytes()).hexdigest(), rows)


def _write_lines(organization_id: int, first: int, last: int, prev_hash: str, partial: Path, kinds) -> int:
    rows = 0
    with connection.cursor() as cursor, partial.open("wb") as raw:
        # mtime 0: the same rows always give the same file, so the same hash.
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            for batch in _links(organization_id, first, last):
                tables = {link["source"]: kinds.get(link["source"], "change") for link in batch}
                texts = _rows_text(cursor, organization_id, tables, batch[0]["seq"], batch[-1]["seq"])
                for link in batch:
                    row = texts.get(link["seq"])
                    _check_link(organization_id, link, row, first + rows, prev_hash)
                    out.write(_line(link, row))
                    prev_hash, rows = link["hash"], rows + 1
        raw.flush()
        os.fsync(raw.fileno())
    return rows


def _delete(cursor, organization_id: int, first: int, last: int) -> None:
    """Delete the archived links and the rows they name (the archive's one way past append-only)."""
    cursor.execute("SET LOCAL ehr.audit_archive = 'on'")
    with pgtrigger.ignore(*_append_only_triggers()):
        for table, kind, *_ in chained_tables():
            key = id_column(kind)
            sql = (
                f'DELETE FROM "{table}" t USING audit_auditentry e '  # noqa: S608
                f"WHERE e.organization_id = %s AND e.source = %s AND e.seq BETWEEN %s AND %s "
                f'AND t."{key}" = e.source_id'
            )
            cursor.execute(sql, [organization_id, table, first, last])
        cursor.execute(
            "DELETE FROM audit_auditentry WHERE organization_id = %s AND seq BETWEEN %s AND %s",
            [organization_id, first, last],
        )
    cursor.execute("SET LOCAL ehr.audit_archive = 'off'")


def archive_before(organization, before: date, out_dir: Path) -> AuditArchive | None:
    """Archive the organization's links older than ``before`` (midnight on its own wall clock) to a file in
    ``out_dir``; None when there is nothing to archive."""
    from core.tenancy.clinic_time import localize_day, organization_zone

    with transaction.atomic(), connection.cursor() as cursor, scope(organization=organization.pk):
        cutoff = localize_day(before, organization_zone(organization.pk))
        cursor.execute("SET LOCAL timezone = 'UTC'")
        # The chain's own lock: no link is appended while its start moves.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, organization.pk])
        first, prev_hash = chain_start(organization.pk)
        newer = AuditEntry.objects.filter(organization_id=organization.pk, seq__gte=first, at__gte=cutoff)
        cut = newer.order_by("seq").values_list("seq", flat=True).first()
        if cut is None:
            cut = (
                AuditEntry.objects.filter(organization_id=organization.pk)
                .order_by("-seq")
                .values_list("seq", flat=True)
                .first()
                or 0
            ) + 1
        last = cut - 1
        if last < first:
            return None
        name = f"audit-{organization.slug}-{first}-{last}.jsonl.gz"
        written = _write(organization.pk, first, last, prev_hash, Path(out_dir) / name)
        last_hash = AuditEntry.objects.get(organization_id=organization.pk, seq=last).hash
        archive = AuditArchive.objects.create(
            organization=organization,
            before=before,
            first_seq=first,
            last_seq=last,
            last_hash=last_hash,
            rows=written.rows,
            file_name=name,
            file_sha256=written.sha256,
        )
        _delete(cursor, organization.pk, first, last)
    return archive


def verify_archive(path: Path) -> AuditArchive:
    """Check an archive file against the anchor that recorded it: the file's hash, every link's row and
    hash, and its first and last positions and hash. Raises ``ArchiveError`` at the first difference."""
    from .models import AuditArchiveEvent

    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    # scopes_disabled: an operator's check; the file's SHA-256 names its anchor, and so its organization.
    with scopes_disabled():
        archive = AuditArchive.objects.filter(file_sha256=digest).first()
        if archive is None:
            raise ArchiveError("no anchor records this file's SHA-256: the file was changed or is unknown")
        chained = AuditArchiveEvent.objects.filter(pgh_obj_id=archive.pk).order_by("-pgh_id").first()
        earlier = (
            AuditArchive.objects.filter(
                organization_id=archive.organization_id, last_seq__lt=archive.first_seq
            )
            .order_by("-last_seq")
            .first()
        )
    recorded = ("file_sha256", "first_seq", "last_seq", "last_hash")
    if chained is None or any(getattr(chained, f) != getattr(archive, f) for f in recorded):
        raise ArchiveError("the anchor differs from the copy kept in the chain")
    prev_hash = earlier.last_hash if earlier else GENESIS
    if earlier is None and archive.first_seq != 1:
        raise ArchiveError("the archive before this one is missing")
    expected = archive.first_seq
    for number, line in enumerate(gzip.decompress(data).splitlines(), start=1):
        try:
            link = json.loads(line)
        except ValueError as error:
            raise ArchiveError(f"line {number} is not JSON") from error
        _check_link(archive.organization_id, link, link.get("row"), expected, prev_hash)
        prev_hash, expected = link["hash"], expected + 1
    if expected - 1 != archive.last_seq or prev_hash != archive.last_hash:
        raise ArchiveError("the file ends before the anchor's last entry")
    return archive
