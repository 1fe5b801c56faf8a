"""The layering the architecture asks for: the core and the portal never import a plugin. Modules reach
them only through the hooks the core calls, so a module can be switched off, removed or replaced without
the core or the portal changing."""

from __future__ import annotations

import ast
from pathlib import Path

from core.plugins.discovery import discover

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("core", "portal_site")


def plugin_packages() -> set[str]:
    """Top-level names a plugin is imported by: ``plugins`` (the built-in modules) and each third-party
    plugin's package."""
    return {"plugins"} | {source.app.split(".")[0] for source in discover()}


def product_files(layer: str):
    for path in sorted((ROOT / layer).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        yield relative, path


def imported_names(tree: ast.AST):
    """(line, dotted name) of every absolute import, including ``import_module("...")`` with a literal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_core_and_portal_import_no_plugin():
    forbidden = plugin_packages()
    offenders = [
        f"{relative}:{line} imports {name}"
        for layer in LAYERS
        for relative, path in product_files(layer)
        for line, name in imported_names(ast.parse(path.read_text(), relative))
        if name.split(".")[0] in forbidden
    ]
    assert not offenders, offenders


def test_the_check_sees_imports_written_every_way():
    source = (
        "import plugins.scheduling\nfrom plugins.scheduling import x\nimport_module('ehr_example.hooks')\n"
    )
    names = [name for _line, name in imported_names(ast.parse(source))]
    assert names == ["plugins.scheduling", "plugins.scheduling", "ehr_example.hooks"]
    assert {"plugins", "ehr_example"} <= plugin_packages()
    # Both layers are walked, and the walk reaches the portal's views.
    assert any(relative == "portal_site/views.py" for relative, _path in product_files("portal_site"))


def test_portal_templates_use_no_module_template():
    """The portal's own templates include or extend none of a module's (``<module>/...``): what a module
    shows in the portal, it renders itself."""
    modules = {source.name for source in discover()}
    offenders = []
    for path in sorted((ROOT / "templates" / "portal").rglob("*.html")):
        text = path.read_text()
        for tag in ("include", "extends"):
            for module in modules:
                if f'{{% {tag} "{module}/' in text or f"{{% {tag} '{module}/" in text:
                    offenders.append(f"{path.relative_to(ROOT)} {tag}s a template of {module}")
    assert not offenders, offenders
