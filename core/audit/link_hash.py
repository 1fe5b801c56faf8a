"""What a chain link's hash covers, by version: the one formula ``verification`` and ``archive`` recompute.

Version 1 (links written before hash versions existed) covers the previous hash, the organization, the
position, the source table and row id and the row's digest. The columns the viewer reads from the entry
itself (who, when, which patient and clinic, what) were not covered: with the append-only trigger switched
off, an administrator could rewrite "who did it" or "whose chart" without the chain noticing.

Version 2 (every link written since) adds those columns and a digest of the context copied onto the entry
(who, from where, by which request or command: django-pghistory's context metadata at link time):

    sha256("<v1 text>:<actor>:<at, µs since 1970>:<kind>:<record type>:<action>:<patient>:<clinic>:<ctx>")

with an empty string for a missing actor, patient, clinic or context, and <ctx> the SHA-256 of the context
as PostgreSQL's canonical jsonb text. ``chain_sql``'s ``audit_chain_link`` writes the same text in SQL;
each link is checked under its own ``version``, so chains begun under version 1 keep verifying.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

CURRENT = 2
VERSIONS = (1, 2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The entry's columns a version-2 link covers (``context_text`` is the context as jsonb text).
COVERED = ("actor_id", "at", "kind", "record_type", "action", "patient_id", "clinic_id", "context_text")


def _digest(text: str | None) -> str:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else ""


def entry_text(link: dict) -> str:
    """The entry's own columns as a version-2 link covers them (``link`` holds ``COVERED``)."""
    micros = (link["at"] - EPOCH) // timedelta(microseconds=1)

    def plain(value) -> str:
        return "" if value is None else str(value)

    return ":".join(
        [
            plain(link["actor_id"]),
            str(micros),
            link["kind"],
            link["record_type"],
            link["action"],
            plain(link["patient_id"]),
            plain(link["clinic_id"]),
            _digest(link["context_text"]),
        ]
    )


def link_hash(
    prev_hash: str,
    organization_id: int,
    seq: int,
    source: str,
    source_id: int,
    digest: str,
    entry: str | None = None,
) -> str:
    """A link's hash; ``entry`` (``entry_text``) for version 2, None for version 1."""
    text = f"{prev_hash}:{organization_id}:{seq}:{source}:{source_id}:{digest}"
    if entry is not None:
        text = f"{text}:{entry}"
    return hashlib.sha256(text.encode()).hexdigest()


def expected_hash(organization_id: int, link: dict) -> str | None:
    """The hash ``link`` (an entry's columns, ``version`` and ``COVERED`` included) should have under its own
    version; None for a version this code does not know (reported as an altered link)."""
    version = link.get("version", 1)
    if version not in VERSIONS:
        return None
    entry = entry_text(link) if version >= 2 else None
    return link_hash(
        link["prev_hash"],
        organization_id,
        link["seq"],
        link["source"],
        link["source_id"],
        link["digest"],
        entry,
    )
