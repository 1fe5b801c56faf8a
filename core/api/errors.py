"""One error body for every API failure: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


class ApiConflict(Exception):
    """A state conflict (409), e.g. a slot just taken or a stale version; ``extra`` joins the body."""

    def __init__(self, message: str, code: str = "conflict", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


def _field_errors_from_ninja(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "payload")]
        name = ".".join(loc) or "__all__"
        message = error.get("msg", _("Invalid value."))
        if error.get("type") == "extra_forbidden":
            message = _("Unknown field.")
        fields.setdefault(name, []).append(str(message))
    return fields


def install_error_handlers(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc):
        return api.create_response(
            request,
            error_body("invalid", _("Some fields are not valid."), _field_errors_from_ninja(exc.errors)),
            status=422,
        )

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc):
        if hasattr(exc, "error_dict"):
            fields = {
                k: [str(m) for m in v.messages] if hasattr(v, "messages") else [str(e) for e in v]
                for k, v in exc.message_dict.items()
            }
            message = _("Some fields are not valid.")
        else:
            fields = {}
            message = " ".join(str(m) for m in exc.messages)
        return api.create_response(request, error_body("invalid", message, fields), status=422)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return api.create_response(
            request, error_body("forbidden", _("Your role does not allow this.")), status=403
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return api.create_response(
            request, error_body("not_authenticated", _("Sign in or send a valid API token.")), status=401
        )

    @api.exception_handler(ApiConflict)
    def on_conflict(request, exc):
        body = error_body(exc.code, exc.message)
        body["error"].update(exc.extra)
        return api.create_response(request, body, status=409)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        code = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found"}.get(
            exc.status_code, "error"
        )
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)
