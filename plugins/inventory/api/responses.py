"""The error responses every inventory operation documents: the API's uniform error body."""

from __future__ import annotations

from core.api.schemas import ErrorOut

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
