"""``Patient/{id}/$everything``: the patient's record and everything in their compartment, as the caller
may see it, with the team members, clinics and organization those resources name.

Each type in the compartment is asked through its own provider with the parameter that names a patient
(``compartment_param``), so the visibility rules, module switches and scopes of a search apply
unchanged; a type the credential's scopes do not grant is left out. The patient's data download builds
the same Bundle, whole.

Paging (``_count``, ``_since``): the compartment is read as one list, the Patient first, then each type
in the registry's order, each type's rows in its provider's order. A page's ``next`` link carries a
cursor, ``<type>:<position within that type>``, so a page is found again without any state kept on the
server, and rows added meanwhile to another type move nothing. Each type costs one count query per page
(the Bundle's ``total``) and, where the page reaches it, one page query: a page's cost does not grow with
the history, and no page holds more than ``_count`` matches and what they refer to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .includes import referenced
from .outcome import FhirError
from .registry import providers
from .search import SearchParams, date_range

# What the compartment's resources refer to that is not itself in it.
REFERENCED_TYPES = ("Practitioner", "PractitionerRole", "Location", "HealthcareService", "Organization")
CURSOR = re.compile(r"^(?P<type>[A-Z][A-Za-z]{1,63}):(?P<position>\d{1,8})$")


@dataclass(frozen=True)
class Cursor:
    """Where a page of ``$everything`` starts: a type of the compartment and a position in it."""

    resource_type: str = "Patient"
    position: int = 0

    def __str__(self) -> str:
        return f"{self.resource_type}:{self.position}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        match = CURSOR.match(text)
        if not match:
            raise FhirError(_("This page address is not valid; start again from the first page."))
        return cls(match.group("type"), int(match.group("position")))


@dataclass
class EverythingPage:
    matches: list[dict]
    included: list[dict]
    total: int
    next: Cursor | None = None
    types: list[str] = field(default_factory=list)


def patient_record(ctx, patient_id: str) -> dict:
    """The Patient ``patient_id`` as the caller may read it (``NotFound`` otherwise)."""
    ctx.require("Patient", "read")
    return providers()["Patient"].read(ctx, patient_id)


def compartment_types(ctx) -> list[str]:
    """The compartment's types the caller may search, in the order pages run through them."""
    return [
        resource_type
        for resource_type, provider in providers().items()
        if provider.compartment_param is not None and ctx.grants.allows(resource_type, "search-type")
    ]


def since_value(text: str | None) -> str | None:
    """``_since`` checked: an instant with its zone (FHIR's type for it), or None."""
    if not text:
        return None
    if "T" not in text or not re.search(r"(Z|[+-]\d{2}:\d{2})$", text):
        raise FhirError(_("_since must be an instant with its time zone, such as 2031-03-03T09:00:00Z."))
    date_range("_since", text)  # a value that cannot be read is refused here
    return text


def _params(provider, patient_id: str, since: str | None) -> SearchParams:
    values = {provider.compartment_param: [f"Patient/{patient_id}"]}
    # A type that keeps no change time (an invoice) is given whole: what changed cannot be told apart.
    if since and any(p.name == "_lastUpdated" for p in provider.supported_params()):
        values["_lastUpdated"] = [f"ge{since}"]
    return SearchParams.of(values)


def everything_page(
    ctx, patient_id: str, count: int | None, *, since: str | None = None, cursor: Cursor = Cursor()
) -> EverythingPage:
    """One page of ``$everything``: up to ``count`` matches from ``cursor`` (all of them when ``count``
    is None), what they refer to, the total and where the next page starts."""
    patient = patient_record(ctx, patient_id)
    types = ["Patient", *compartment_types(ctx)]
    if cursor.resource_type not in types:
        raise FhirError(_("This page address is not valid; start again from the first page."))
    start = types.index(cursor.resource_type)
    room = count if count is not None else None
    matches: list[dict] = []
    total = 0
    following: Cursor | None = None
    for index, resource_type in enumerate(types):
        position = cursor.position if index == start else 0
        # Types before the cursor are only counted; after a full page, the rest too.
        take = 0 if index < start else (room - len(matches) if room is not None else None)
        if resource_type == "Patient":
            found, page = 1, ([patient] if take != 0 and position == 0 else [])
        else:
            provider = providers()[resource_type]
            params = _params(provider, patient["id"], since)
            result = provider.search(ctx, params, take if take is not None else 2**62, position)
            found, page = result.total, result.resources
        total += found
        matches += page
        left_over = index >= start and position + len(page) < found
        if following is None and left_over and room:
            following = Cursor(resource_type, position + len(page))
    included: list[dict] = []
    for target in REFERENCED_TYPES:
        included += referenced(ctx, target, matches)
    return EverythingPage(matches, included, total, following, types)


def _entry(base: str, resource: dict, mode: str) -> dict:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def everything_bundle(ctx, patient_id: str) -> dict:
    """``$everything`` whole, as one searchset Bundle (the patient's data download)."""
    page = everything_page(ctx, patient_id, None)
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": [{"relation": "self", "url": f"{ctx.base}Patient/{patient_id}/$everything"}],
        "entry": [_entry(ctx.base, r, "match") for r in page.matches]
        + [_entry(ctx.base, r, "include") for r in page.included],
    }


def everything_paged_bundle(ctx, patient_id: str, query) -> dict:
    """One page of ``$everything`` as a searchset Bundle, with ``self``, ``first`` and ``next`` links
    that keep ``_count`` and ``_since``."""
    from urllib.parse import urlencode

    from .search import paging

    unknown = sorted(set(query) - {"_count", "_since", "_cursor"})
    if unknown:
        raise FhirError(
            _("Unknown search parameter: %(name)s") % {"name": ", ".join(unknown)[:200]},
            code="not-supported",
        )
    count, _offset = paging({"_count": query.get("_count", str(EVERYTHING_COUNT))})
    since = since_value(query.get("_since"))
    cursor = Cursor.parse(query.get("_cursor"))
    page = everything_page(ctx, patient_id, count, since=since, cursor=cursor)
    address = f"{ctx.base}Patient/{patient_id}/$everything"

    def link(relation: str, at: Cursor | None) -> dict:
        params = [("_count", count)]
        if since:
            params.append(("_since", since))
        if at is not None and at != Cursor():
            params.append(("_cursor", str(at)))
        return {"relation": relation, "url": f"{address}?{urlencode(params)}"}

    links = [link("self", cursor), link("first", None)]
    if page.next is not None:
        links.append(link("next", page.next))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": links,
        "entry": [_entry(ctx.base, r, "match") for r in page.matches]
        + [_entry(ctx.base, r, "include") for r in page.included],
    }


# A page of ``$everything`` when the client names no ``_count`` (the most a page may hold).
EVERYTHING_COUNT = 200
