"""Reading Provenance's ``target`` parameter: each of its sources takes the references of its own type."""

from __future__ import annotations

from core.fhir.search import one_of, reference_id


def target_ids(
    name: str, value: str, resource_type: str, *, bare: bool = False, skip_prefix: str | None = None
) -> list[int]:
    """The ids of the ``resource_type`` references in ``value`` (``Condition/12``, a full URL, or a bare
    id when ``bare``); references to other types are another source's and are left out. A malformed
    reference of this type is a 400, as in every search."""
    found = []
    for one in one_of(value):
        parts = one.rsplit("/", 2)
        kind = parts[-2] if len(parts) >= 2 else None
        if (kind is None and not bare) or kind not in (None, resource_type):
            continue
        if skip_prefix and parts[-1].startswith(skip_prefix):
            continue
        found.append(reference_id(name, one, resource_type))
    return found
