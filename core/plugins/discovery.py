"""Which plugins exist, worked out at settings time (before Django is set up).

Built-in plugins are listed in one tuple; third-party plugins are found through the ``ehr.plugins``
entry-point group. Each entry point's value is the dotted path of a Django app package whose ``hooks``
submodule holds the pluggy hook implementations; the entry point's name is the plugin's name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import entry_points

ENTRYPOINT_GROUP = "ehr.plugins"

# The product's own modules are plugins too: the core calls them through the same hooks a third party uses.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "plugins.scheduling",
    "plugins.inventory",
    "plugins.billing",
    "plugins.notifications",
    "plugins.analytics",
    "plugins.records",
)


@dataclass(frozen=True)
class PluginSource:
    name: str
    app: str
    builtin: bool

    @property
    def hooks_module(self) -> str:
        return f"{self.app}.hooks"


def entrypoint_plugins_enabled() -> bool:
    return os.environ.get("EHR_DISABLE_ENTRYPOINT_PLUGINS") != "1"


def discover() -> list[PluginSource]:
    sources = [PluginSource(name=app.rsplit(".", 1)[-1], app=app, builtin=True) for app in DEFAULT_PLUGINS]
    if entrypoint_plugins_enabled():
        seen = {s.app for s in sources}
        for ep in sorted(entry_points(group=ENTRYPOINT_GROUP), key=lambda e: e.name):
            if ep.value not in seen:
                sources.append(PluginSource(name=ep.name, app=ep.value, builtin=False))
                seen.add(ep.value)
    return sources


def plugin_apps() -> list[str]:
    """The Django apps of every discovered plugin, for INSTALLED_APPS."""
    return [s.app for s in discover()]
