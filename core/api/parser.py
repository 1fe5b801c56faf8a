"""The API's request parser: JSON bodies and query strings, refusing text that cannot be stored."""

from __future__ import annotations

import json

from ninja.parser import Parser

from core.text import first_unstorable


class UnstorableText(Exception):
    """A request carried a NUL character or a lone surrogate; ``field`` names where."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class SafeTextParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        field = first_unstorable(data)
        if field:
            raise UnstorableText(field)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        field = first_unstorable(result)
        if field:
            raise UnstorableText(field)
        return result
