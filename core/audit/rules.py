import rules

from core.tenancy.predicates import is_owner

from .disclosures import rules as _disclosure_rules  # noqa: F401 - registers the disclosure permissions

rules.add_perm("audit.view_audit_log", is_owner)
rules.add_perm("audit.change_access_policy", is_owner)
