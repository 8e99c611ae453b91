"""The package layout is the architecture: no import cycles, imports only go down.

Every ``import`` in every module counts, including those inside functions and
under ``if TYPE_CHECKING:`` (a type-only import is still a dependency a reader
has to follow).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "site_builder"

# Lower layers never import higher ones; a layer may import itself and anything below.
LAYERS = [
    {"writer"},  # writes output and replaces files safely; imports nothing of ours
    {"content"},  # models, readers, selection, links, dates, settings
    {"context"},  # what every channel shares
    {"site"},  # the renderer, page generators, engine, frames, sitemap, search index
    {"channels", "issues", "newsletter", "sns", "cms", "server"},  # channels and what is built on the site
    {"pipeline"},  # the whole build, and the registries
    {"commands", "cli", "__main__"},  # the command line
]
MAX_TOP_LEVEL_MODULES = 6


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` (module ``name``) imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return {target for target in found if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imported(path, name, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next(number for number, names in enumerate(LAYERS) if top in names)


def test_no_import_cycles_between_modules():
    graph = import_graph()
    assert len(graph) > 40  # every module was read
    assert cycles(graph) == []


def test_imports_only_go_down_the_layers():
    upward = [
        f"{module} imports {target}"
        for module, targets in sorted(import_graph().items())
        if module != "site_builder"
        for target in sorted(targets)
        if target != "site_builder" and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_every_package_has_a_layer_and_the_top_stays_small():
    modules = all_modules()
    top_level = sorted(name for name, path in modules.items() if path.parent == PACKAGE)
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, top_level
    for name in modules:
        if name != "site_builder":
            layer_of(name)  # raises StopIteration for a package without a layer


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
