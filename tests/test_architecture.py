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


# --- rules between modules, and between modules and the portal ---------------------------------------------


def module_slugs() -> set[str]:
    return {source.name for source in discover()}


def plugin_files():
    """Product files of the built-in modules: (module slug, relative path, path)."""
    for relative, path in product_files("plugins"):
        parts = relative.split("/")
        if len(parts) > 2:
            yield parts[1], relative, path


def imports_of_other_modules(slug: str, tree: ast.AST) -> list[tuple[int, str]]:
    """Imports in module ``slug``'s code of another module's package (``plugins.<other>``)."""
    return [
        (line, name)
        for line, name in imported_names(tree)
        if name.startswith("plugins.") and name.split(".")[1] != slug
    ]


def test_no_module_imports_another():
    """Modules talk through hooks and event payloads only, so each can be switched off or replaced."""
    offenders = [
        f"{relative}:{line} imports {name}"
        for slug, relative, path in plugin_files()
        for line, name in imports_of_other_modules(slug, ast.parse(path.read_text(), relative))
    ]
    assert not offenders, offenders


PORTAL_CONTRACT = "portal_site.api"


def portal_internals(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports of the portal other than its declared contract, ``portal_site.api``."""
    return [
        (line, name)
        for line, name in imported_names(tree)
        if name.split(".")[0] == "portal_site" and name != PORTAL_CONTRACT
    ]


def test_modules_use_only_the_portals_declared_contract():
    offenders = [
        f"{relative}:{line} imports {name} (use {PORTAL_CONTRACT})"
        for _slug, relative, path in plugin_files()
        for line, name in portal_internals(ast.parse(path.read_text(), relative))
    ]
    assert not offenders, offenders


def module_names_in_strings(tree: ast.AST, slugs: set[str]) -> list[tuple[int, str]]:
    """String literals that are exactly a module's slug (docstrings aside): code that knows a module by
    name instead of asking the modules through a hook."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in slugs
        and id(node) not in docstrings
    ]


def test_core_and_portal_name_no_module():
    slugs = module_slugs()
    offenders = [
        f"{relative}:{line} names module {name!r}"
        for layer in LAYERS
        for relative, path in product_files(layer)
        for line, name in module_names_in_strings(ast.parse(path.read_text(), relative), slugs)
    ]
    assert not offenders, offenders


def models_of_other_apps(own_label: str, tree: ast.AST) -> list[tuple[int, str]]:
    """``apps.get_model("<label>", ...)`` / ``get_model("<label>.<Model>")`` naming another app's model."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            label = node.args[0].value.split(".")[0]
            if label != own_label:
                found.append((node.lineno, node.args[0].value))
    return found


def test_no_module_reads_another_apps_models_by_name():
    offenders = [
        f"{relative}:{line} loads {name}"
        for slug, relative, path in plugin_files()
        for line, name in models_of_other_apps(slug, ast.parse(path.read_text(), relative))
    ]
    assert not offenders, offenders


def test_each_rule_fails_on_a_deliberate_violation():
    """The checks above see what they forbid (and let through what they allow)."""
    bad = ast.parse(
        "from plugins.billing.models import Invoice\n"
        "from portal_site.theme import portal_context\n"
        "from portal_site.api import clinic_base_url\n"
        "from plugins.scheduling.services import booking\n"
        "def f():\n"
        "    '''scheduling'''\n"
        "    return is_module_enabled(clinic, 'scheduling'), apps.get_model('scheduling', 'Appointment')\n"
    )
    assert imports_of_other_modules("scheduling", bad) == [(1, "plugins.billing.models")]
    assert portal_internals(bad) == [(2, "portal_site.theme")]
    assert module_names_in_strings(bad, {"scheduling", "billing"}) == [(7, "scheduling"), (7, "scheduling")]
    assert models_of_other_apps("notifications", bad) == [(7, "scheduling")]
    assert models_of_other_apps("scheduling", bad) == []


# --- the ground floor -----------------------------------------------------------------------------------


def executed_nodes(tree: ast.AST):
    """Every node of ``tree`` except what sits under ``if TYPE_CHECKING:`` (imported for annotations
    only, never at run time)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            test = getattr(child, "test", None)
            if (
                isinstance(child, ast.If)
                and getattr(test, "id", getattr(test, "attr", "")) == "TYPE_CHECKING"
            ):
                todo.extend(child.orelse)
            else:
                todo.append(child)


def core_import_graph() -> dict[str, set[str]]:
    """Module → the core modules it imports (at any depth of the file, lazy imports included)."""
    graph: dict[str, set[str]] = {}
    for relative, path in product_files("core"):
        module = relative[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_text(), relative)
        names = set()
        for node in executed_nodes(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = module.split(".")
                if not relative.endswith("__init__.py"):
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                names.add(target)
                names.update(f"{target}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        graph[module] = {name for name in names if name.startswith("core.")}
    return {
        module: {name for name in names if name in graph and name != module}
        for module, names in graph.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (an import circle), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_core_has_no_import_circle():
    assert cycles(core_import_graph()) == []


def test_the_circle_check_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


MAX_LINES = 500


def test_no_product_file_is_over_500_lines():
    offenders = [
        f"{relative}: {lines} lines"
        for layer in (*LAYERS, "plugins")
        for relative, path in product_files(layer)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not offenders, offenders


def test_the_tree_holds_no_build_output():
    """The example plugin is installed for the tests without writing its build into the tree."""
    leftovers = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*.egg-info")]
    leftovers += [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "example_plugin").glob("build")]
    assert not leftovers, leftovers
