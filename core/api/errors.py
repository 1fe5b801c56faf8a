"""One error body for every API failure: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.text import UNSTORABLE_MESSAGE

from .parser import UnstorableText


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


class ApiConflict(Exception):
    """A state conflict (409), e.g. a slot just taken or a stale version; ``extra`` joins the body."""

    def __init__(self, message: str, code: str = "conflict", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class CsrfRefused(Exception):
    """A session-authenticated write came without a valid CSRF token."""


# Names ninja puts in an error's location before the field itself: where the value came from and the
# name of the view argument holding the schema (every core operation calls them ``payload``/``filters``).
_LOCATION_NOISE = ("body", "query", "path", "payload", "filters")


def _pydantic_message(error: dict) -> str:
    """A translated message for a pydantic error (pydantic's own messages are English only). Django's own
    wording is reused where it has one, so its catalogs translate it."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_too_long":
        limit = ctx.get("max_length", 0)
        return ngettext(
            "Ensure this value has at most %(limit_value)d character.",
            "Ensure this value has at most %(limit_value)d characters.",
            limit,
        ) % {"limit_value": limit}
    if kind == "string_too_short":
        return _("This field cannot be blank.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind in ("literal_error", "enum"):
        return _("Select a valid choice. That choice is not one of the available choices.")
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in ("list_type", "set_type", "tuple_type"):
        return _("Enter a list of values.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("Enter a valid value.")


def _field_errors_from_ninja(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", []) if part not in _LOCATION_NOISE]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(_pydantic_message(error))
    return fields


def django_field_errors(exc: DjangoValidationError, rename: dict[str, str] | None = None) -> dict:
    """``{field: [messages]}`` of a Django ``ValidationError`` (``rename`` maps service names to API ones)."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        return {}
    return {rename.get(k, k): [str(m) for m in v] for k, v in exc.message_dict.items()}


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
            fields = django_field_errors(exc)
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

    @api.exception_handler(CsrfRefused)
    def on_csrf(request, exc):
        return api.create_response(
            request,
            error_body(
                "csrf_failed",
                _("The CSRF token is missing or not valid. Send the csrftoken cookie as X-CSRFToken."),
            ),
            status=403,
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

    @api.exception_handler(UnstorableText)
    def on_unstorable_text(request, exc):
        return _unstorable_response(api, request, exc)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        # The body parser's own refusals reach us wrapped by ninja as "Cannot parse request body".
        if isinstance(exc.__cause__, UnstorableText):
            return _unstorable_response(api, request, exc.__cause__)
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            return api.create_response(
                request, error_body("bad_request", _("The request body is not valid JSON.")), status=400
            )
        code = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found"}.get(
            exc.status_code, "error"
        )
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


def _unstorable_response(api, request, exc: UnstorableText):
    fields = {exc.field: [str(UNSTORABLE_MESSAGE)]}
    return api.create_response(request, error_body("invalid_text", UNSTORABLE_MESSAGE, fields), status=400)
