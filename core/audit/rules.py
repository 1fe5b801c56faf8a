import rules

from core.tenancy.predicates import is_owner

rules.add_perm("audit.view_audit_log", is_owner)
rules.add_perm("audit.change_access_policy", is_owner)
