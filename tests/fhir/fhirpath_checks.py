"""What every profile checker is made of: a FHIRPath expression (fhirpathpy) that must hold, and the
error that says which rule of which profile a resource broke; and the base specification's invariants
that every profile of a resource keeps (US Core's and IPS's alike)."""

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


TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"


def allergy_invariants(r: dict) -> None:
    """ait-1 and ait-2: a clinical status unless entered in error, and none when it was."""
    in_error = "verificationStatus.coding.where(code = 'entered-in-error').exists()"
    _true(r, f"clinicalStatus.exists() or {in_error}", "ait-1")
    _true(r, f"({in_error}).not() or clinicalStatus.empty()", "ait-2")


def condition_invariants(r: dict) -> None:
    """con-3, con-4 and con-5: a clinical status unless entered in error, an abatement only when no
    longer active, and no clinical status when entered in error."""
    in_error = (
        f"verificationStatus.coding.where(system = '{TERMINOLOGY}condition-ver-status'"
        " and code = 'entered-in-error').exists()"
    )
    _true(r, f"clinicalStatus.exists() or {in_error}", "con-3")
    _true(
        r,
        "(abatementDateTime | abatementAge | abatementPeriod | abatementRange | abatementString).empty()"
        " or clinicalStatus.coding.where(code = 'inactive' or code = 'resolved'"
        " or code = 'remission').exists()",
        "con-4",
    )
    _true(r, f"({in_error}).not() or clinicalStatus.empty()", "con-5")
