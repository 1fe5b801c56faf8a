"""Completing the OpenAPI document where ninja cannot know: the ``{clinic_id}`` of the address every
module's router is mounted under, and the error answers every operation may give."""

from __future__ import annotations

from .schemas import ErrorOut

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

CLINIC_ID = {
    "name": "clinic_id",
    "in": "path",
    "required": True,
    "description": "A clinic of your organization where the module is on.",
    "schema": {"type": "integer", "title": "Clinic Id"},
}

# Every operation may answer these, whatever it declares: a body or query that cannot be parsed or stored
# (400), not signed in (401), refused (403: role, CSRF, two-factor policy), not found or not yours, or its
# module off (404), invalid input (422).
SHARED_ERRORS = {
    "400": "The request cannot be read: not JSON, or text with characters that cannot be stored.",
    "401": "Not signed in, or the API token is not valid.",
    "403": "Refused: your role, a missing CSRF token, or the two-factor policy.",
    "404": "Not found, not yours, or the module is off at this clinic.",
    "422": "Some fields are not valid; `fields` names them.",
}


def complete(document: dict) -> dict:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    schemas.update(schemas["ErrorOut"].pop("$defs", {}))
    responses = components.setdefault("responses", {})
    for status, description in SHARED_ERRORS.items():
        responses[f"Error{status}"] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            if "{clinic_id}" in path:
                _declare_clinic_id(operation)
            # ninja keys responses by int status, JSON by string: compare as strings, keep what is declared.
            answers = {str(code): answer for code, answer in operation.get("responses", {}).items()}
            for status in SHARED_ERRORS:
                answers.setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
            operation["responses"] = answers
    return document


def _declare_clinic_id(operation: dict) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == "clinic_id" and p.get("in") == "path" for p in parameters):
        parameters.insert(0, dict(CLINIC_ID))
