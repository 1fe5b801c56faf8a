"""The plugin manager: loads every plugin once, and hands out hook callers narrowed to one clinic."""

from __future__ import annotations

import importlib
import logging
from functools import cache

import pluggy
from django.conf import settings

from . import hookspecs
from .discovery import PluginSource, discover
from .types import ModuleInfo

log = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("ehr")


class PluginError(Exception):
    pass


class PluginRegistry:
    """Wraps a pluggy manager with what the core needs to know about each plugin's module."""

    def __init__(self, sources: list[PluginSource]):
        self.pm = pluggy.PluginManager("ehr")
        self.pm.add_hookspecs(hookspecs)
        self.sources: dict[str, PluginSource] = {}
        self.modules: dict[str, ModuleInfo] = {}
        for source in sources:
            plugin = importlib.import_module(source.hooks_module)
            self.pm.register(plugin, name=source.name)
            self.sources[source.name] = source
        self.pm.check_pending()
        for name in self.sources:
            plugin = self.pm.get_plugin(name)
            if not hasattr(plugin, "ehr_module"):
                raise PluginError(f"plugin {name!r} does not implement ehr_module")
            info = plugin.ehr_module()
            if info.slug != name:
                raise PluginError(f"plugin {name!r} declares module slug {info.slug!r}; they must match")
            self.modules[name] = info
        for info in self.modules.values():
            missing = [d for d in info.depends_on if d not in self.modules]
            if missing:
                raise PluginError(f"module {info.slug!r} depends on missing module(s) {missing}")
        if getattr(settings, "EHR_TRACE_HOOKS", False):
            self.pm.trace.root.setwriter(log.debug)
            self.pm.enable_tracing()

    @property
    def hook(self):
        """Global hook caller: every installed plugin answers."""
        return self.pm.hook

    def hook_for_modules(self, name: str, enabled: set[str]):
        """A caller for hook ``name`` that skips plugins whose module is not in ``enabled``."""
        off = [self.pm.get_plugin(slug) for slug in self.modules if slug not in enabled]
        return self.pm.subset_hook_caller(name, remove_plugins=[p for p in off if p is not None])

    def plugin_name_of(self, plugin) -> str | None:
        return self.pm.get_name(plugin)


@cache
def registry() -> PluginRegistry:
    return PluginRegistry(discover())


def reset_registry() -> None:
    """Forget the loaded plugins (tests that install a plugin at run time call this)."""
    registry.cache_clear()
