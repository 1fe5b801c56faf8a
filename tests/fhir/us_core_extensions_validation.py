"""US Core Patient's demographic extensions, as the validator checks them: us-core-race (0..5 OMB
categories, text 1..1), us-core-ethnicity (0..1 OMB category, text 1..1) and us-core-birthsex
(F | M | UNK); "asked but declined" and "unknown" are v3 NullFlavor codes."""

from __future__ import annotations

from tests.fhir.fhirpath_checks import _set, _true

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
OMB = "urn:oid:2.16.840.1.113883.6.238"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
OMB_RACE = {"1002-5", "2028-9", "2054-5", "2076-8", "2106-3"}
OMB_ETHNICITY = {"2135-2", "2186-5"}


def us_core_demographics(r: dict) -> None:
    for name, codes, most in (("us-core-race", OMB_RACE, 5), ("us-core-ethnicity", OMB_ETHNICITY, 1)):
        found = f"extension.where(url = '{US_CORE}{name}')"
        _true(r, f"{found}.count() <= 1", f"{name} 0..1")
        _true(
            r,
            f"{found}.all(extension.where(url = 'text').count() = 1"
            " and extension.where(url = 'text').valueString.exists())",
            f"{name}: text 1..1",
        )
        _true(r, f"{found}.all(extension.where(url = 'ombCategory').count() <= {most})", f"{name}: 0..{most}")
        _true(
            r,
            f"{found}.all(extension.all(url in ('ombCategory' | 'detailed' | 'text')))",
            f"{name}: known parts only",
        )
        _true(
            r,
            f"{found}.extension.where(url = 'ombCategory').valueCoding.all((system = '{OMB}' and code in "
            f"{_set(codes)}) or (system = '{NULL_FLAVOR}' and code in ('UNK' | 'ASKU')))",
            f"{name}: ombCategory from the OMB categories",
        )
    birth_sex = f"extension.where(url = '{US_CORE}us-core-birthsex')"
    _true(r, f"{birth_sex}.count() <= 1", "us-core-birthsex 0..1")
    _true(r, f"{birth_sex}.all(valueCode in ('F' | 'M' | 'UNK'))", "us-core-birthsex: F, M or UNK")
