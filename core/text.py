"""Text that cannot be stored: PostgreSQL refuses the NUL character in text, and a lone UTF-16 surrogate
(which JSON's ``\\ud800`` escapes can produce) cannot be encoded at all. Requests carrying either are
refused where they are parsed (the API's parser, ``UnsafeTextMiddleware``), never deep in a view."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

UNSTORABLE_MESSAGE = _("Remove the invalid characters (a NUL character or a broken Unicode escape).")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def first_unstorable(data, where: str = "") -> str | None:
    """The dotted name of the first string (value or key) in ``data`` that cannot be stored, ``"__all__"``
    at the top level, or ``None`` when everything can be stored."""
    if isinstance(data, str):
        return None if is_storable(data) else (where or "__all__")
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and not is_storable(key):
                return where or "__all__"
            found = first_unstorable(value, name)
            if found:
                return found
        return None
    if isinstance(data, Iterable) and not isinstance(data, (bytes, bytearray)):
        for index, value in enumerate(data):
            found = first_unstorable(value, f"{where}.{index}" if where else str(index))
            if found:
                return found
    return None


def first_unstorable_in_querydict(query) -> str | None:
    """Like ``first_unstorable`` for a ``QueryDict`` (every value of every key)."""
    for key in query:
        if not is_storable(key):
            return "__all__"
        for value in query.getlist(key):
            if isinstance(value, str) and not is_storable(value):
                return key
    return None


class UnstorableTextMiddleware:
    """Refuse, with a 400 page, a back-office, portal or CMS request whose query string or form post
    carries text that cannot be stored, before any form or search sees it. The API refuses the same in
    its own parser (``core.api.parser``), in its error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and self._carries_unstorable(request):
            from django.shortcuts import render
            from django.utils.translation import gettext as _

            return render(
                request,
                "errors/page.html",
                {"title": _("Bad request"), "message": UNSTORABLE_MESSAGE},
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _carries_unstorable(request) -> bool:
        if first_unstorable_in_querydict(request.GET):
            return True
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return first_unstorable_in_querydict(request.POST) is not None
        return False
