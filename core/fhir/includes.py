"""``_include``: the resources a page of matches refers to, and ``_revinclude``: the resources that refer
to them (a note's Provenance), added to the Bundle (search mode "include").

Each included resource is read through its own type's provider, so what the caller may not see is not
included; a type the credential's scopes do not grant is left out the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .outcome import NotSupported
from .providers import ResourceProvider
from .search import SearchParams


def referenced_ids(resource, target: str) -> set[str]:
    """Ids of every ``target`` resource that ``resource`` refers to, wherever the reference sits."""
    found: set[str] = set()
    if isinstance(resource, dict):
        ref = resource.get("reference")
        if isinstance(ref, str) and ref.startswith(f"{target}/"):
            found.add(ref.split("/", 1)[1])
        for value in resource.values():
            found |= referenced_ids(value, target)
    elif isinstance(resource, list):
        for value in resource:
            found |= referenced_ids(value, target)
    return found


def check_includes(provider: ResourceProvider, asked: list[str], revinclude: list[str] = ()) -> None:
    unknown = [value for value in asked if value not in provider.includes]
    if unknown:
        raise NotSupported(_("Unsupported _include: %(value)s") % {"value": ", ".join(unknown)[:200]})
    unknown = [value for value in revinclude if value not in provider.revincludes]
    if unknown:
        raise NotSupported(_("Unsupported _revinclude: %(value)s") % {"value": ", ".join(unknown)[:200]})


def included(ctx, provider: ResourceProvider, asked: list[str], matches: list[dict]) -> list[dict]:
    from .registry import providers

    found: list[dict] = []
    for value in dict.fromkeys(asked):
        target = provider.includes[value]
        ids = set().union(*(referenced_ids(r, target) for r in matches)) if matches else set()
        if not ids or not ctx.grants.allows(target, "search-type"):
            continue
        result = providers()[target].search(
            ctx, SearchParams.of({"_id": [",".join(sorted(ids))]}), len(ids), 0
        )
        seen = {(r["resourceType"], r["id"]) for r in found}
        found += [r for r in result.resources if (r["resourceType"], r["id"]) not in seen]
    return found


# At most this many resources refer back to one match (a note has one Provenance).
REVINCLUDE_PER_MATCH = 10


def revincluded(ctx, provider: ResourceProvider, asked: list[str], matches: list[dict]) -> list[dict]:
    """The resources that refer to ``matches`` as each ``_revinclude`` value names, read as the caller
    may see them (one search per value, whatever the page's length)."""
    from .registry import providers

    found: list[dict] = []
    if not matches:
        return found
    references = ",".join(f"{r['resourceType']}/{r['id']}" for r in matches)
    for value in dict.fromkeys(asked):
        source = provider.revincludes[value]
        param = value.split(":", 1)[1]
        if not ctx.grants.allows(source, "search-type"):
            continue
        result = providers()[source].search(
            ctx, SearchParams.of({param: [references]}), REVINCLUDE_PER_MATCH * len(matches), 0
        )
        found += result.resources
    return found


def referenced(ctx, target: str, resources: list[dict]) -> list[dict]:
    """The ``target`` resources ``resources`` refer to, as the caller may see them (one search)."""
    from .registry import providers

    ids = set().union(*(referenced_ids(r, target) for r in resources)) if resources else set()
    provider = providers().get(target)
    if not ids or provider is None or not ctx.grants.allows(target, "search-type"):
        return []
    return provider.search(ctx, SearchParams.of({"_id": [",".join(sorted(ids))]}), len(ids), 0).resources
