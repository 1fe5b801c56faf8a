"""The patient's ``$everything`` Bundle for their "download my data" file (GDPR Art. 15 and 20): their
record in a standard shape, as their own patient app would read it.

It is read as the patient: what the portal shows them and nothing else (notes shared with them, entries
not struck through as entered in error). A module switched off at a clinic still gives its records: the
data stays the patient's (as the rest of the download).
"""

from __future__ import annotations

import json

from .compartment import everything_bundle
from .context import FhirContext
from .outcome import fhir_json
from .scopes import Grants


def patient_everything(patient) -> dict:
    """``Patient/{id}/$everything`` of ``patient`` as plain JSON values (call inside its organization's
    scope)."""
    ctx = FhirContext(
        request=None,
        organization=patient.organization,
        kind="patient",
        grants=Grants.from_text("patient/*.rs"),
        patient=patient,
        include_switched_off=True,
    )
    # Through FHIR's own JSON: amounts and measurements stay numbers, as FHIR requires.
    return json.loads(fhir_json(everything_bundle(ctx, str(patient.pk))))
