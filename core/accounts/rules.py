import rules

from core.tenancy.predicates import is_member

# Every team member manages their own API tokens; patients have none.
rules.add_perm("accounts.manage_own_api_tokens", is_member)
