"""Search results as a ``searchset`` Bundle with paging links."""

from __future__ import annotations

from urllib.parse import urlencode

from .providers import SearchResult


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/R4/")


def searchset(request, resource_type: str, result: SearchResult, count: int, offset: int) -> dict:
    base = base_url(request)
    query = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("_count", "_offset")]

    def page_link(relation: str, at: int) -> dict:
        params = urlencode([*query, ("_count", count), ("_offset", at)])
        return {"relation": relation, "url": f"{base}{resource_type}?{params}"}

    links = [page_link("self", offset)]
    if count:
        links.append(page_link("first", 0))
        if offset + count < result.total:
            links.append(page_link("next", offset + count))
        if offset > 0:
            links.append(page_link("previous", max(offset - count, 0)))
        last = max((result.total - 1) // count * count, 0)
        links.append(page_link("last", last))
    entries = [
        {
            "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in result.resources
    ]
    entries += [
        {
            "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "include"},
        }
        for r in result.included
    ]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": result.total,
        "link": links,
        "entry": entries,
    }
