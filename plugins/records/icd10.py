"""A searchable list of common ICD-10 codes, bundled with the product (data/icd10_common.csv).

The codes and titles are from the WHO's ICD-10 (2019) classification as published by CMS in its public-
domain ICD-10-CM code files; see docs/decisions.md. The list is small on purpose: the codes a general or
allied-health clinic uses day to day, searched in memory.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "icd10_common.csv"


@cache
def codes() -> tuple[tuple[str, str], ...]:
    with DATA.open(encoding="utf-8") as handle:
        return tuple((row["code"], row["title"]) for row in csv.DictReader(handle))


@cache
def _by_code() -> dict[str, str]:
    return dict(codes())


def title_of(code: str) -> str | None:
    return _by_code().get(code.strip().upper())


def search(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Codes whose code starts with, or whose title contains every word of, ``query``."""
    words = query.lower().split()
    if not words:
        return []
    first = query.strip().upper()
    found = [c for c in codes() if c[0].startswith(first)]
    found += [c for c in codes() if c not in found and all(w in c[1].lower() for w in words)]
    return found[:limit]
