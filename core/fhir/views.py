"""The FHIR R4 endpoints: ``/fhir/R4/metadata``, ``/fhir/R4/<type>`` (search, create) and
``/fhir/R4/<type>/<id>`` (read, update).

Each request authenticates from its bearer credential, enters that credential's organization scope, checks
the SMART scope for the interaction, and hands the work to the type's provider. Writes run in one
transaction. Every failure is an OperationOutcome.
"""

from __future__ import annotations

import base64
import json
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scope

from core.tenancy.clinic_time import read_in_clinic_time

from .access_events import declare_read
from .bundle import base_url, searchset
from .capability import capability_statement
from .compartment import everything_paged_bundle
from .credentials import authenticate
from .includes import check_includes, included, revincluded
from .outcome import (
    FhirError,
    Forbidden,
    NotFound,
    NotSupported,
    Unprocessable,
    error_response,
    fhir_response,
)
from .registry import providers
from .search import SearchParams, paging
from .summary import summary_bundle

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


def fhir_endpoint(methods: tuple[str, ...]):
    """Answer ``methods`` only, turn every refusal into an OperationOutcome."""

    def decorator(view):
        @csrf_exempt
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                return error_response(
                    FhirError(
                        _("This address does not accept %(method)s.") % {"method": request.method},
                        status=405,
                        code="not-supported",
                    )
                )
            try:
                return view(request, *args, **kwargs)
            except FhirError as error:
                return error_response(error)
            except Http404:
                return error_response(NotFound())
            except PermissionDenied:
                return error_response(Forbidden(_("You may not do this.")))
            except ValidationError as error:
                return error_response(Unprocessable(" ".join(error.messages)))
            except Exception:
                # A fault of ours still answers in FHIR, so a client's error handling has one shape.
                log.exception("FHIR %s %s failed", request.method, request.path)
                return error_response(
                    FhirError(_("Something went wrong on our side."), status=500, code="exception")
                )

        return wrapped

    return decorator


def provider_for(resource_type: str):
    found = providers().get(resource_type)
    if found is None:
        raise NotFound(_("This server has no resource type %(type)s.") % {"type": resource_type[:64]})
    return found


def read_body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise FhirError(_("The request body is too large."), status=413, code="too-costly")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError(_("The request body is not valid JSON."), code="structure") from None
    if not isinstance(body, dict) or "resourceType" not in body:
        raise FhirError(_("The request body must be a FHIR resource."), code="structure")
    return body


def in_organization(view):
    """Authenticate, then run the view inside the credential's organization scope, in the clinic time of
    its first clinic (FHIR times carry their offset; this is the zone that messages use)."""

    def wrapped(request, *args, **kwargs):
        ctx = authenticate(request)
        with scope(organization=ctx.organization.pk):
            if ctx.member is not None:
                # The member's own permission checks and access helpers read these, as on other pages.
                request.user, request.member = ctx.user, ctx.member
                request.organization = ctx.organization
            if ctx.clinics:
                read_in_clinic_time(ctx.clinics[0])
            return view(request, ctx, *args, **kwargs)

    return wrapped


@fhir_endpoint(("GET",))
def metadata(request):
    return fhir_response(capability_statement(request))


@fhir_endpoint(("GET", "POST"))
@in_organization
def type_endpoint(request, ctx, resource_type: str):
    provider = provider_for(resource_type)
    if request.method == "POST":
        return _create(request, ctx, provider)
    if "search-type" not in provider.interactions:
        raise NotSupported(_("Search is not supported for %(type)s.") % {"type": resource_type})
    ctx.require(resource_type, "search-type")
    params = SearchParams(request.GET)
    known = {p.name for p in provider.supported_params()}
    unknown = sorted(params.names() - known)
    if unknown:
        raise NotSupported(_("Unknown search parameter: %(name)s") % {"name": ", ".join(unknown)[:200]})
    asked, asked_back = request.GET.getlist("_include"), request.GET.getlist("_revinclude")
    check_includes(provider, asked, asked_back)
    count, offset = paging(request.GET)
    result = provider.search(ctx, params, count, offset)
    result.included = included(ctx, provider, asked, result.resources)
    result.included += revincluded(ctx, provider, asked_back, result.resources)
    declare_read(ctx, result.resources + result.included)
    return fhir_response(searchset(request, resource_type, result, count, offset))


def _create(request, ctx, provider):
    if "create" not in provider.interactions:
        raise NotSupported(_("%(type)s cannot be created here.") % {"type": provider.resource_type})
    ctx.require(provider.resource_type, "create")
    body = read_body(request)
    if body.get("resourceType") != provider.resource_type:
        raise FhirError(_("The body's resourceType does not match the address."), code="invalid")
    with transaction.atomic():
        created = provider.create(ctx, body)
    location = f"{base_url(request)}{created['resourceType']}/{created['id']}"
    return fhir_response(created, status=201, headers={"Location": location})


@fhir_endpoint(("GET", "PUT"))
@in_organization
def instance_endpoint(request, ctx, resource_type: str, resource_id: str):
    provider = provider_for(resource_type)
    if request.method == "PUT":
        if "update" not in provider.interactions:
            raise NotSupported(_("%(type)s cannot be updated here.") % {"type": resource_type})
        ctx.require(resource_type, "update")
        body = read_body(request)
        if body.get("resourceType") != resource_type or str(body.get("id", "")) != resource_id:
            raise FhirError(_("The body's resourceType and id must match the address."), code="invalid")
        with transaction.atomic():
            updated = provider.update(ctx, resource_id, body)
        return fhir_response(updated)
    if "read" not in provider.interactions:
        raise NotSupported(_("Read is not supported for %(type)s.") % {"type": resource_type})
    ctx.require(resource_type, "read", also=provider.covered_by)
    resource = provider.read(ctx, resource_id)
    declare_read(ctx, provider.shown(ctx, resource))
    if resource_type == "Binary" and wants_raw(request, resource["contentType"]):
        # A Binary asked for in its own format (a PDF viewer following a document's link) comes as is.
        return HttpResponse(base64.b64decode(resource["data"]), content_type=resource["contentType"])
    return fhir_response(resource)


def wants_raw(request, content_type: str) -> bool:
    """Whether the client's Accept header asks for ``content_type`` rather than FHIR JSON."""
    accept = request.headers.get("Accept", "")
    return content_type in accept and "fhir+json" not in accept and "application/json" not in accept


@fhir_endpoint(("GET",))
@in_organization
def patient_operation(request, ctx, resource_id: str, operation: str):
    """``Patient/{id}/$everything`` (paged: ``_count``, ``_since``) and ``Patient/{id}/$summary``."""
    if operation == "everything":
        bundle = everything_paged_bundle(ctx, resource_id, request.GET)
    else:
        if request.GET:
            # $summary takes no parameters here: refuse them rather than ignore them.
            raise NotSupported(
                _("Unknown search parameter: %(name)s") % {"name": ", ".join(sorted(request.GET))[:200]}
            )
        bundle = summary_bundle(ctx, resource_id)
    declare_read(ctx, [e["resource"] for e in bundle["entry"]])
    return fhir_response(bundle)
