"""Render docs/plugins.md: the plugin author's guide followed by the hook reference from hookspecs.py."""

from __future__ import annotations

import inspect
from pathlib import Path

from . import hookspecs

GUIDE = Path(__file__).with_name("guide.md")


def hook_names() -> list[str]:
    return sorted(
        name for name, fn in vars(hookspecs).items() if inspect.isfunction(fn) and hasattr(fn, "ehr_spec")
    )


def render() -> str:
    parts = [GUIDE.read_text().rstrip(), "", "## Hook reference", ""]
    parts.append(
        "_Generated from `core/plugins/hookspecs.py` by `manage.py plugin_docs`; do not edit by hand._"
    )
    parts.append("")
    for name in hook_names():
        fn = getattr(hookspecs, name)
        signature = str(inspect.signature(fn)).replace("'", "")
        parts += [f"### `{name}{signature}`", "", inspect.cleandoc(fn.__doc__ or ""), ""]
    return "\n".join(parts).rstrip() + "\n"
