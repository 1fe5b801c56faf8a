"""The US Core Patient extensions: race and ethnicity (OMB categories, with their text) and birth sex,
carried when the patient's record holds them and the organization records them (its country pack is
the US'; ``core/patients/us_demographics.py``)."""

from __future__ import annotations

from core.patients.us_demographics import (
    DECLINED,
    DISPLAY,
    NULL_FLAVOR_SYSTEM,
    RACE_ETHNICITY_SYSTEM,
    asked_in,
)

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"


def _category(code: str) -> dict:
    system = NULL_FLAVOR_SYSTEM if code == DECLINED else RACE_ETHNICITY_SYSTEM
    return {"url": "ombCategory", "valueCoding": {"system": system, "code": code, "display": DISPLAY[code]}}


def _omb(name: str, codes: list[str]) -> dict:
    text = ", ".join(DISPLAY[code] for code in codes)
    return {
        "url": f"{US_CORE}{name}",
        "extension": [*(_category(code) for code in codes), {"url": "text", "valueString": text}],
    }


def demographic_extensions(patient, organization) -> list[dict]:
    if not asked_in(organization):
        return []
    found = []
    if patient.race:
        found.append(_omb("us-core-race", list(patient.race)))
    if patient.ethnicity:
        found.append(_omb("us-core-ethnicity", [patient.ethnicity]))
    if patient.birth_sex:
        found.append({"url": f"{US_CORE}us-core-birthsex", "valueCode": patient.birth_sex})
    return found
