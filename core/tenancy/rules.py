"""Organization-level permissions (docs/permissions.md: the first four rows)."""

import rules

from .predicates import is_member, is_own_membership, is_owner, is_team_member_at_clinic

rules.add_perm("tenancy.change_organization", is_owner)
rules.add_perm("tenancy.export_organization", is_owner)
rules.add_perm("tenancy.manage_clinics", is_owner)
rules.add_perm("tenancy.manage_modules", is_owner)
rules.add_perm("tenancy.manage_members", is_owner)
# Seeing a clinic (its calendar, its lists): the owner sees all, a member the clinics they work at.
rules.add_perm("tenancy.view_clinic", is_owner | is_team_member_at_clinic)
rules.add_perm("tenancy.view_team", is_member)
# A team profile (name, title, bio, photo): the member's own, and every profile for the owner.
rules.add_perm("tenancy.change_profile", is_owner | is_own_membership)
