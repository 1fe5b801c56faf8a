"""Code systems and the clinical record's codes in FHIR terms."""

from __future__ import annotations

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
US_CORE_DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    found = {"coding": [coding]}
    if text:
        found["text"] = text
    return found


def terminology(name: str, code: str, display: str | None = None) -> dict:
    """A concept from one of HL7's terminology code systems (``condition-clinical``...)."""
    return concept(f"{TERMINOLOGY}{name}", code, display)


def wanted_codes(value: str, system: str) -> set[str]:
    """The codes a token search asks for in ``system`` (``system|code`` or ``code``; any other system
    asks for nothing here)."""
    codes = set()
    for one in value.split(","):
        asked_system, _sep, code = one.rpartition("|")
        if not _sep or asked_system in ("", system):
            codes.add(code)
    return codes
