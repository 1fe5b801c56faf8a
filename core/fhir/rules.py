"""Who may register and remove the organization's FHIR apps: owners (an app reaches the organization's
data, as an owner's export does)."""

import rules

from core.tenancy.predicates import is_owner

rules.add_perm("fhir.manage_apps", is_owner)
