"""What a resource provider is: the contract each module fills in to put its records on the FHIR API.

A provider names its resource type, the profiles it claims, the interactions and search parameters it
supports; the core does everything else (credentials, scopes, paging, Bundles, OperationOutcome, the
CapabilityStatement). Modules hand their providers to the core through the ``ehr_fhir_resources`` hook.

Most providers sit on one model: ``ModelProvider`` answers ``read`` and ``search`` from ``queryset()``
(what the caller may see) and ``to_resource()`` (one row as FHIR JSON), and handles ``_id``,
``_lastUpdated`` and ``identifier`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .outcome import NotFound, NotSupported
from .search import SearchParams, date_q, one_of, resource_id, token


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, date, string, reference, number
    documentation: str = ""


@dataclass
class SearchResult:
    resources: list[dict]
    total: int
    included: list[dict] = field(default_factory=list)


ID_PARAM = SearchParam("_id", "token", "The resource id.")
LAST_UPDATED_PARAM = SearchParam("_lastUpdated", "date", "When the resource last changed.")
IDENTIFIER_PARAM = SearchParam("identifier", "token", "A business identifier: system|value or value.")


class ResourceProvider:
    resource_type: ClassVar[str] = ""
    # Canonical URLs of the profiles every resource of this type conforms to (written into meta.profile).
    profiles: ClassVar[tuple[str, ...]] = ()
    interactions: ClassVar[tuple[str, ...]] = ("read", "search-type")
    search_params: ClassVar[tuple[SearchParam, ...]] = ()
    # ``_include`` values this type answers (``"PractitionerRole:practitioner"``) and the type each one
    # brings along: the resources the matches refer to, as the caller may see them.
    includes: ClassVar[dict[str, str]] = {}
    # ``_revinclude`` values this type answers (``"Provenance:target"``) and the type they bring: the
    # resources of that type that refer to the matches, found with its search parameter after the colon.
    revincludes: ClassVar[dict[str, str]] = {}
    # The search parameter that finds a patient's resources of this type (``patient``), or None when the
    # type is not in the patient compartment: ``Patient/$everything`` gathers the types that name one.
    compartment_param: ClassVar[str | None] = None
    # Types whose granted scope also covers this one (a note's PDF, Binary, is read with the scope of the
    # DocumentReference that points to it).
    covered_by: ClassVar[tuple[str, ...]] = ()
    # Operations on an instance (``{"everything": definition URL}``), answered by the core's views.
    operations: ClassVar[dict[str, str]] = {}
    # The module the provider belongs to (set by the core from the plugin that contributed it): where the
    # module is off for a clinic, that clinic's records are not served.
    module: str | None = None

    def supported_params(self) -> tuple[SearchParam, ...]:
        return self.search_params

    def read(self, ctx, resource_id: str) -> dict:
        raise NotFound

    def shown(self, ctx, resource: dict) -> list[dict]:
        """What a read of ``resource`` showed, for the access log: the resource itself, unless it names
        no patient (a Binary) and its provider knows whose document it was."""
        return [resource]

    def every_profile(self) -> tuple[str, ...]:
        """Every profile a resource of this type may claim (the CapabilityStatement's list)."""
        return self.profiles

    def search(self, ctx, params: SearchParams, count: int, offset: int) -> SearchResult:
        raise NotSupported(_("Search is not supported for %(type)s.") % {"type": self.resource_type})

    def create(self, ctx, body: dict) -> dict:
        raise NotSupported(_("%(type)s cannot be created here.") % {"type": self.resource_type})

    def update(self, ctx, resource_id: str, body: dict) -> dict:
        raise NotSupported(_("%(type)s cannot be updated here.") % {"type": self.resource_type})


class ModelProvider(ResourceProvider):
    """A provider backed by one model."""

    # The field that changes whenever the record does (meta.lastUpdated, ``_lastUpdated``); None when
    # the model keeps no such time.
    updated_field: ClassVar[str | None] = None
    # The field a version counter lives in (meta.versionId), if any.
    version_field: ClassVar[str | None] = None
    # The order pages are cut in: stable, so paging neither repeats nor skips a row.
    ordering: ClassVar[tuple[str, ...]] = ("pk",)

    def queryset(self, ctx) -> QuerySet:
        """Every record of this type the caller may see (compartment, clinics, module switches)."""
        raise NotImplementedError

    def to_resource(self, obj, ctx) -> dict:
        """One record as a FHIR resource (without ``id`` and ``meta``, which the core adds)."""
        raise NotImplementedError

    def filter(self, queryset: QuerySet, name: str, modifier: str, value: str, ctx) -> QuerySet:
        """Apply this type's own search parameter ``name`` (core parameters are handled already)."""
        raise NotSupported(_("Unknown search parameter: %(name)s") % {"name": name})

    def identifier_q(self, system: str | None, value: str, ctx) -> Q | None:
        """The filter for ``identifier=system|value``, or None where the type has no identifiers."""
        return None

    def id_of(self, obj) -> str:
        """The resource id of a row (its primary key unless a type's ids say more)."""
        return str(obj.pk)

    def id_q(self, text: str) -> Q | None:
        """The filter for the resource id ``text``, or None when it cannot be one of this type's ids
        (then it matches nothing, and a read of it is a 404 like any unknown id)."""
        parsed = resource_id(text)
        return Q(pk=parsed) if parsed else None

    def profiles_for(self, obj) -> tuple[str, ...]:
        """The profiles this one record conforms to (all of ``profiles`` unless a type varies by row)."""
        return self.profiles

    def render_many(self, objects: list, ctx) -> list[dict]:
        """Render a page of rows; override to load what every row needs in one query."""
        return [self.render(obj, ctx) for obj in objects]

    def render(self, obj, ctx) -> dict:
        resource = {"resourceType": self.resource_type, "id": self.id_of(obj), "meta": {}}
        if self.version_field:
            resource["meta"]["versionId"] = str(getattr(obj, self.version_field))
        if self.updated_field:
            resource["meta"]["lastUpdated"] = getattr(obj, self.updated_field).isoformat()
        profiles = self.profiles_for(obj)
        if profiles:
            resource["meta"]["profile"] = list(profiles)
        if not resource["meta"]:
            del resource["meta"]
        resource.update(self.to_resource(obj, ctx))
        return resource

    def supported_params(self) -> tuple[SearchParam, ...]:
        common = [ID_PARAM]
        if self.updated_field:
            common.append(LAST_UPDATED_PARAM)
        if type(self).identifier_q is not ModelProvider.identifier_q:
            common.append(IDENTIFIER_PARAM)
        return (*common, *self.search_params)

    def get(self, ctx, pk, *, for_update: bool = False):
        """The row ``pk`` among those the caller may see, or ``NotFound``."""
        wanted = self.id_q(str(pk))
        rows = self.queryset(ctx)
        if for_update:
            rows = rows.select_for_update(of=("self",))
        found = rows.filter(wanted).first() if wanted is not None else None
        if found is None:
            raise NotFound
        return found

    def read(self, ctx, resource_id: str) -> dict:
        # Through render_many, so a type that loads what its rows need per page reads one row the same way.
        return self.render_many([self.get(ctx, resource_id)], ctx)[0]

    def matching(self, ctx, params: SearchParams) -> QuerySet:
        """The rows the caller may see that match ``params`` (unordered, not yet paged)."""
        rows = self.queryset(ctx)
        for name, modifier, value in params.items():
            if name == "_id":
                alternatives = Q(pk__in=[])
                for one in one_of(value):
                    found = self.id_q(one)
                    if found is not None:
                        alternatives |= found
                rows = rows.filter(alternatives)
            elif name == "_lastUpdated" and self.updated_field:
                rows = rows.filter(date_q(name, value, self.updated_field))
            elif name == "identifier":
                alternatives = Q(pk__in=[])
                for one in one_of(value):
                    found = self.identifier_q(*token(one), ctx)
                    if found is None:
                        raise NotSupported(_("Unknown search parameter: %(name)s") % {"name": name})
                    alternatives |= found
                rows = rows.filter(alternatives)
            else:
                rows = self.filter(rows, name, modifier, value, ctx)
        return rows

    def page(self, ctx, rows: QuerySet, count: int, offset: int) -> list[dict]:
        """``count`` rows of ``rows`` from ``offset``, rendered (no query when ``count`` is 0)."""
        found = list(rows.order_by(*self.ordering)[offset : offset + count]) if count else []
        return self.render_many(found, ctx) if found else []

    def search(self, ctx, params: SearchParams, count: int, offset: int) -> SearchResult:
        rows = self.matching(ctx, params)
        return SearchResult(self.page(ctx, rows, count, offset), rows.count())


def reference(resource_type: str, pk: Any, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{pk}"}
    if display:
        ref["display"] = display
    return ref
