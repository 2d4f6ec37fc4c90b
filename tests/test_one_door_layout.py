"""Who may call what (docs/ARCHITECTURE.md): the web layer, the CLI, export and import reach clips only
through the Library; the store's own modules are imported by the Library and the store's helpers alone."""

import ast
from pathlib import Path

from tidyclip.config import SORTS
from tidyclip.search_index import SORT_SQL

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "tidyclip"
#: The store's rooms, and the only modules that may import them.
STORE_ROOMS = {
    "tidyclip.store": {"library", "bulk", "check"},
    "tidyclip.search_index": {"store", "stories"},
    "tidyclip.journal": {"store"},
    "tidyclip.bulk": {"library"},
    "tidyclip.check": {"library"},
    "tidyclip.image_store": {"library"},
}
#: Outside the Library, nothing holds the store or its indexes.
PRIVATE_ATTRIBUTES = {"store", "_store", "_stories", "index"}
OUTER = ("web", "export", "importers", "cli.py")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def imports_of(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_the_library_and_the_stores_helpers_import_the_store():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        for room, allowed in STORE_ROOMS.items():
            if room in imports_of(ast.parse(path.read_text(encoding="utf-8"))) and name.split(".")[-1] not in allowed and name != room[9:]:
                wrong.append(f"{name} imports {room}")
    assert wrong == []


def test_the_web_layer_cli_and_export_hold_no_store():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(OUTER):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
                wrong.append(f"{relative}:{node.lineno} .{node.attr}")
    assert wrong == []


def test_one_list_of_sort_orders():
    assert set(SORT_SQL) | {"relevance"} == set(SORTS)
