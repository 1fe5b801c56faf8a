"""Errors as FHIR OperationOutcome resources, with the HTTP status each kind of failure answers."""

from __future__ import annotations

import json
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

FHIR_JSON = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    """A failure the client is told about: ``status`` and an OperationOutcome issue ``code``."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, extra=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra = extra or []


class NotFound(FhirError):
    status = 404
    code = "not-found"

    def __init__(self, message: str | None = None):
        # One message for "missing" and "not yours": an answer must not tell whether an id exists.
        super().__init__(message or _("No such resource."))


class NotAuthenticated(FhirError):
    status = 401
    code = "login"


class Forbidden(FhirError):
    status = 403
    code = "forbidden"


class Conflict(FhirError):
    status = 409
    code = "conflict"


class Unprocessable(FhirError):
    status = 422
    code = "processing"


class NotSupported(FhirError):
    status = 400
    code = "not-supported"


def operation_outcome(message: str, code: str, severity: str = "error", extra: list | None = None) -> dict:
    issues = [{"severity": severity, "code": code, "diagnostics": message}]
    issues.extend(extra or [])
    return {"resourceType": "OperationOutcome", "issue": issues}


def _decimal(value):
    # Money is Decimal; JSON numbers carry it. Amounts have two decimals, which a float's shortest repr
    # writes back exactly.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def fhir_json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, default=_decimal)


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    text = fhir_json(body)
    response = HttpResponse(text, status=status, content_type=FHIR_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: FhirError) -> HttpResponse:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="FHIR"'
    return fhir_response(
        operation_outcome(error.message, error.code, extra=error.extra), error.status, headers
    )
