"""Register the permissions plugins declare through ``ehr_permissions`` with ``rules``."""

from __future__ import annotations

import rules


def register_plugin_permissions(registry) -> None:
    for declared in registry.hook.ehr_permissions():
        for name, predicate in (declared or {}).items():
            # set_perm, not add_perm: loading twice (tests reset the registry) must not fail.
            rules.set_perm(name, predicate)
