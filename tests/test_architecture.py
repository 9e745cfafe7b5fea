"""The code's shape, as docs/architecture.md states it: what import-linter's contracts (run by
`make lint`) do not say on their own.

- every module of bookings/ sits in one of the layers the contract lists, so a new module
  cannot slip past the layering by being left out of it;
- no two modules import each other, directly or through others (no cycles, at any level
  inside a package);
- no import statement inside a function (the usual way to hide a cycle).
"""

import ast
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("studio", "bookings", "blog")
LAYER_CONTRACT = "bookings: interfaces → flows → services → domain → pure modules"
NOT_LAYERED = {"bookings", "bookings.apps", "bookings.payments", "bookings.notifications"}
# Imports deferred on purpose, not to hide a cycle: the development supervisor loads the
# embedded servers' packages only when it starts those servers; an AppConfig's ready() is
# where Django lets an app import what needs the models loaded.
DEFERRED_IMPORTS = {"studio/devservices.py", "studio/apps.py"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def layer_contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["name"] == LAYER_CONTRACT)


def layered_modules() -> set[str]:
    contract = layer_contract()
    (container,) = contract["containers"]
    return {
        f"{container}.{name.strip()}"
        for layer in contract["layers"]
        for name in layer.replace("|", ":").split(":")
    }


def test_every_bookings_module_is_in_a_layer(graph):
    layers = layered_modules()
    ignored = {f"bookings.{name}" for name in layer_contract()["exhaustive_ignores"]}

    def placed(module: str) -> bool:
        return any(module == top or module.startswith(top + ".") for top in layers | ignored)

    unplaced = sorted(
        module
        for module in graph.find_descendants("bookings")
        if module not in NOT_LAYERED and not placed(module)
    )

    assert unplaced == []


def test_every_layer_names_a_module_that_exists(graph):
    assert sorted(layered_modules() - graph.modules) == []


def test_no_module_imports_itself_through_others(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append((module, *back))

    assert cycles == []


def imports_inside_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_no_imports_inside_functions():
    sources = [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in DEFERRED_IMPORTS
    ]

    found = [where for path in sources for where in imports_inside_functions(path)]

    assert found == []


def callers_of(name: str) -> set[str]:
    """The source files (outside migrations) that call `name(...)` or `<x>.name(...)`."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                called = node.func
                if (isinstance(called, ast.Name) and called.id == name) or (
                    isinstance(called, ast.Attribute) and called.attr == name
                ):
                    found.add(str(path.relative_to(ROOT)))
    return found


def test_a_bookings_history_has_one_writer():
    writers = {
        path
        for path in callers_of("create")
        if "BookingEvent.objects.create" in (ROOT / path).read_text()
    }

    assert writers == {"bookings/services.py"}


def test_content_versions_are_bumped_in_one_place():
    assert callers_of("bump") == {"studio/page_cache.py"}
