"""What every profile checker is made of: a FHIRPath expression (fhirpathpy) that must hold, and the
error that says which rule of which profile a resource broke."""

from __future__ import annotations

from fhirpathpy import evaluate


class ProfileError(AssertionError):
    pass


def _set(values) -> str:
    return "(" + " | ".join(f"'{v}'" for v in sorted(values)) + ")"


def _true(resource: dict, expression: str, why: str) -> None:
    result = evaluate(resource, expression)
    if result != [True]:
        raise ProfileError(
            f"{resource['resourceType']}/{resource.get('id')}: {why} ({expression} -> {result})"
        )
