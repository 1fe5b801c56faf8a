"""Every operation of the OpenAPI document, called by an owner with values drawn from its own schema and
with the kinds of input that once broke it (NUL characters, lone surrogates, the ends of the calendar,
huge numbers): whatever arrives, the answer is never a 5xx.

Deterministic (``derandomize``) and bounded (``EXAMPLES`` per operation) so it runs the same in CI; each
call is rolled back, so the calls do not depend on one another.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.db import transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api.openapi import HTTP_METHODS
from core.plugins.manager import registry
from core.tenancy.services import set_module_enabled
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EXAMPLES = 6
PREFIX = "/api/v1"

NASTY_TEXT = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud800", "x" * 5000, "0001-01-01", "9999-12-31T23:59Z", "-1"]
)
NASTY_INT = st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30])
DAYS = st.sampled_from(["0001-01-01", "1899-12-31", "1900-01-01", "2031-03-03", "2999-12-31", "9999-12-31"])
INSTANTS = st.sampled_from(
    ["0001-01-01T00:00:00Z", "2031-03-03T09:00:00+01:00", "2999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"]
)


class Rollback(Exception):
    """Undo one call's changes."""


def resolve(document, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def value_for(document, schema, depth=0):
    """A strategy of values matching ``schema`` most of the time, and breaking it on purpose sometimes."""
    schema = resolve(document, schema or {})
    if depth > 4:
        return st.none()
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return st.one_of([value_for(document, o, depth + 1) for o in options])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | NASTY_TEXT
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return DAYS | NASTY_TEXT
        if fmt == "date-time":
            return INSTANTS | DAYS | NASTY_TEXT
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True) | st.sampled_from(["00:00:00Z", "25:00"])
        return st.text(max_size=schema.get("maxLength", 20) + 1) | NASTY_TEXT
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(min_value=low, max_value=high) | NASTY_INT
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False) | NASTY_INT | st.just("1e999")
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(value_for(document, schema.get("items"), depth + 1), max_size=3)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {
                name: value_for(document, sub, depth + 1)
                for name, sub in properties.items()
                if name in required
            },
            optional={
                name: value_for(document, sub, depth + 1)
                for name, sub in properties.items()
                if name not in required
            },
        )
    return st.none() | st.integers() | NASTY_TEXT


def request_for(document, path, op, clinic_id):
    """A strategy of (address, query, body) for one operation."""
    path_values = {}
    query = {}
    for param in op.get("parameters", []):
        strategy = value_for(document, param.get("schema"))
        if param["in"] == "path":
            path_values[param["name"]] = (
                st.just(clinic_id)
                if param["name"] == "clinic_id"
                else (st.integers(min_value=1, max_value=50) | st.sampled_from(["0", "abc", "%00"]))
            )
        elif param["in"] == "query":
            query[param["name"]] = strategy
    content = (op.get("requestBody") or {}).get("content", {})
    body = (
        value_for(document, content["application/json"]["schema"])
        if "application/json" in content
        else st.none()
    )

    @st.composite
    def build(draw):
        address = path
        for name, strategy in path_values.items():
            address = address.replace("{" + name + "}", str(draw(strategy)))
        chosen = draw(st.fixed_dictionaries({}, optional=query))
        return address, {k: v for k, v in chosen.items() if v is not None}, draw(body)

    return build()


def send(client, method, address, query, body):
    # Query values are sent as a client would: UTF-8 bytes percent-encoded (a lone surrogate as its bytes).
    pairs = [(k, json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for k, v in query.items()]
    encoded = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in pairs)
    url = address + (f"?{encoded}" if encoded else "")
    data = json.dumps(body) if body is not None else ""
    return client.generic(method.upper(), url, data, content_type="application/json")


@pytest.fixture
def owner_client(alpha):
    with scopes_disabled():
        for slug in registry().modules:
            try:
                set_module_enabled(alpha.clinic, slug, True)
            except Exception:  # noqa: BLE001 - a module whose dependencies are off stays off
                pass
    client = client_for(alpha.owner)
    client.raise_request_exception = False
    return client


def fuzz(client, method, requests, failures, answers) -> None:
    """Call one operation ``EXAMPLES`` times with drawn requests, each rolled back; note every 5xx."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests)
    def call(drawn):
        address, query, body = drawn
        try:
            with transaction.atomic():
                response = send(client, method, address, query, body)
                raise Rollback
        except Rollback:
            pass
        answers.append(response.status_code)
        if response.status_code >= 500:
            failures.append((method.upper(), address, query, body, response.status_code))

    call()


def test_no_operation_answers_5xx(owner_client, alpha):
    document = owner_client.get(f"{PREFIX}/openapi.json").json()
    failures, answers, operations = [], [], 0
    for path, item in sorted(document["paths"].items()):
        for method in HTTP_METHODS:
            if method in item and not re.search(r"openapi|docs", path):
                requests = request_for(document, path, item[method], alpha.clinic.pk)
                fuzz(owner_client, method, requests, failures, answers)
                operations += 1
    assert failures == [], failures[:10]
    # Every operation was called, and the drawn input reached beyond the validation of some of them.
    assert operations >= 90 and len(answers) >= 2 * operations
    assert {200, 201, 400, 404, 422} <= set(answers), sorted(set(answers))
