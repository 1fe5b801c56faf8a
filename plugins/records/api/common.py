"""What the records operations share: the documented errors, turning service refusals into 409s, and
the writer check."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from core.api.errors import ApiConflict
from core.api.schemas import ErrorOut

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def require_writer(request: HttpRequest) -> None:
    # Reading a chart was checked on the patient; writing needs the clinic's clinical permission too.
    if not request.user.has_perm("records.write_chart", request.clinic):
        raise Http404


def conflict(error) -> ApiConflict:
    return ApiConflict(" ".join(error.messages), code="note_signed")
