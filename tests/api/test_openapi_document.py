"""/api/v1/openapi.json is a valid OpenAPI document that says everything a client generator needs: every
path parameter declared (modules' ``{clinic_id}`` too), the uniform error answers, and wall-clock times
described as such rather than as RFC 3339 times (which would need an offset)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_spec_validator import OpenAPIV31SpecValidator

from core.api.openapi import HTTP_METHODS

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def each_operation(document):
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def test_the_document_is_valid(document):
    errors = [str(e).splitlines()[0] for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_module_operations_declare_the_clinic(document):
    module_operations = [(m, p, op) for m, p, op in each_operation(document) if "{clinic_id}/" in p]
    assert len(module_operations) >= 60
    for method, path, op in module_operations:
        declared = [p for p in op.get("parameters", []) if p["in"] == "path" and p["name"] == "clinic_id"]
        assert len(declared) == 1 and declared[0]["required"] is True, (method, path)


def test_every_operation_documents_the_error_answers(document):
    for method, path, op in each_operation(document):
        for status in ("400", "401", "403", "404", "422"):
            assert status in op["responses"], (method, path, status)


def test_no_time_of_day_is_documented_as_an_rfc3339_time(document):
    assert '"format": "time"' not in json.dumps(document)
    quiet = document["components"]["schemas"]["SettingsIn"]["properties"]["quiet_hours_start"]
    assert "pattern" in json.dumps(quiet)
