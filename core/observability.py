"""Request ids and structured (JSON, one object per line) logs.

``RequestIdMiddleware`` takes the ``X-Request-ID`` the proxy sent (Caddy sets one per request) or makes
one, exposes it as ``request.request_id``, returns it in the response's ``X-Request-ID`` header and keeps
it in a context variable for the duration of the request, so that ``RequestIdFilter`` stamps it on every
log record emitted while the request is handled. ``JsonFormatter`` writes records as JSON; for gunicorn's
access log it turns the request's atoms into fields (request id from the response header).

This module imports nothing from Django at import time: gunicorn's master process loads the formatter
before Django is set up.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import traceback
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# A proxy's id is used as is only when it is short and plain; anything else is replaced, so log lines
# and response headers never carry attacker-chosen bytes.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(META_KEY, "")
        request_id = incoming if _ACCEPTABLE.match(incoming) else new_request_id()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or ``None`` outside a request) to every record that passes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# Fields gunicorn's access log provides as atoms, under the names the JSON line uses.
_ACCESS_ATOMS = {
    "remote_addr": "h",
    "forwarded_for": "{x-forwarded-for}i",
    "method": "m",
    "path": "U",
    "protocol": "H",
    "status": "s",
    "bytes": "B",
    "duration_ms": "M",
    "user_agent": "a",
    "request_id": "{x-request-id}o",
}
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "status_code",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, exception, extras.

    Extras passed with ``logger.info(..., extra={...})`` are included when they are JSON scalars. Query
    strings are never logged by the access-log mapping (``path`` is the path only): they may carry
    patients' names.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry["message"] = "request"
            entry.update(self._access_fields(record.args))
        else:
            entry["message"] = record.getMessage()
            entry["request_id"] = getattr(record, "request_id", None) or request_id_var.get()
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        for key, value in vars(record).items():
            scalar = isinstance(value, str | int | float | bool) or value is None
            if scalar and key not in _STANDARD_ATTRS and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)

    @staticmethod
    def _access_fields(atoms: Mapping) -> dict:
        fields = {}
        for name, atom in _ACCESS_ATOMS.items():
            try:
                value = atoms[atom]  # gunicorn's atoms answer "-" for anything missing
            except KeyError:
                value = None
            if value in ("-", "", None):
                value = None
            elif name in ("status", "bytes", "duration_ms"):
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    pass
            fields[name] = value
        return fields
