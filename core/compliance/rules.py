"""Permissions for patients' privacy rights (docs/permissions.md, "privacy" rows)."""

import rules

from core.tenancy.predicates import is_owner, is_practitioner, works_at_object_clinic

# A patient's data download holds their shared clinical notes, which staff never read: the owner, or a
# practitioner at one of the patient's clinics, hands it over.
rules.add_perm("compliance.export_patient_data", is_owner | (is_practitioner & works_at_object_clinic))
# Erasure decides what the practice keeps under the law: the owner (the data controller) alone.
rules.add_perm("compliance.manage_erasure_requests", is_owner)
# The record of processing activities is the controller's own document (Art. 30): the owner alone.
rules.add_perm("compliance.manage_processing_record", is_owner)
# Who has not agreed to the privacy notice, and reminding them: the controller's follow-up of consent,
# as erasure is: the owner alone.
rules.add_perm("compliance.follow_up_privacy_notice", is_owner)
