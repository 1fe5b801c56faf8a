"""Who may record disclosures and read a patient's accounting (docs/permissions.md, "Disclosures").

Recording a disclosure shows nothing clinical: it names the patient, the recipient and what was sent. So
whoever serves the patient at the desk may record one (a records release is front-desk work), for the
patients of their own clinics, like the demographics. A mistaken entry is marked in error by whoever
recorded it, or by an owner.
"""

import rules

from core.patients.rules import team_sees_patient
from core.tenancy.predicates import is_member, is_owner


@rules.predicate
def recorded_it(user, disclosure) -> bool:
    return getattr(disclosure, "recorded_by_id", None) == user.pk


rules.add_perm("audit.view_disclosures", team_sees_patient)
rules.add_perm("audit.record_disclosure", team_sees_patient)
rules.add_perm("audit.mark_disclosure_in_error", is_owner | (recorded_it & is_member))
