"""The dependency direction of docs/architecture.md, checked on the source: a module imports only from its own
layer or below, and the packages of one layer import one another without a cycle. Layers, lowest first:

* **core** — config, extensions, clock, columns, errors, audit, policy, locks, forms, templating, background,
  exports…: no knowledge of people or organisations.
* **registries** — the rules and models of orgs, officers, auth, notify (it addresses accounts and the HR of an
  agency), imports, training, assessment and complaints. Auth sits here rather than in core because an account's
  scope is defined over the agency tree (``portal.orgs``) and officers sign in by their ID number
  (``portal.officers``).
* **registry pages** — each registry's pages (``views.py``, ``*_views.py``, a ``views`` package) and its import
  kind (``importer.py``), placed by their names (``PAGE_NAMES``). They act for a signed-in user through auth's
  access helpers, other registries and the import engine, so they sit above the rules of every registry.
* **exams**, then the **exam pages** (the exams' ``views``/``importer`` modules, above the rules of every exams
  package: the exam list shows whether an officer may start, which the attempts decide), then **certificates**
  (exams signals; certificates listens — never the other way).
* **composition** — the app factory, CLI, demo data, home pages, admin, API, reports, public pages, the
  scheduler and ``wsgi``.

Imports inside functions count too. A module that no layer claims fails the test, so a new package is placed
deliberately rather than slipping through.

Within a layer, packages — the prefixes the layers name (``portal.orgs``, ``portal.orgs.bodies``), and under
``exams`` and ``certificates`` each subpackage or module (``exams.bank``, ``certificates.lifecycle``) — must not
import one another round: every group of packages caught in a cycle is reported with the import lines between
them, the lines that close it.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_PACKAGES = ("portal", "exams", "certificates")

#: the registries; the pages of each (modules named as in ``PAGE_NAMES``) form the layer above them all, and so do
#: the exams' pages above the exams
REGISTRIES = ["portal.orgs", "portal.orgs.agencies", "portal.orgs.bodies", "portal.orgs.entrustment",
              "portal.officers", "portal.auth", "portal.training", "portal.assessment", "portal.complaints",
              "portal.notify", "portal.imports"]
#: the modules of a registry that are its pages, not its rules: its views, and its import kind
PAGE_NAMES = ("views", "*_views", "importer")
PAGES_OF = {"registries": "registry pages", "exams": "exam pages"}

LAYERS = [
    ("core", ["portal.config", "portal.extensions", "portal.clock", "portal.columns", "portal.errors",
              "portal.audit", "portal.policy", "portal.locks", "portal.transaction", "portal.dates", "portal.workdays",
              "portal.forms", "portal.jsonbody", "portal.images", "portal.templating",
              "portal.background", "portal.exports"]),
    ("registries", REGISTRIES),
    ("registry pages", REGISTRIES),  # their pages only: PAGE_NAMES
    ("exams", ["exams"]),
    ("exam pages", ["exams"]),  # their pages only: PAGE_NAMES
    ("certificates", ["certificates"]),
    ("composition", ["portal.app", "portal.cli", "portal.demo", "portal.home", "portal.admin", "portal.api",
                     "portal.reports", "portal.public", "portal.scheduler", "portal.inbox", "portal.jobs", "wsgi"]),
]
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
#: package roots, imported for their (empty) ``__init__``: they sit at the bottom of their own layer
PACKAGE_ROOTS = {"portal": "core", "exams": "exams", "certificates": "certificates"}


def _claim(module: str) -> tuple[str, str] | None:
    """The layer and the prefix that claim ``module`` by name (the longest prefix wins), or ``None``."""
    best, length = None, -1
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = (layer, prefix), len(prefix)
    return best


def layer_of(module: str) -> str | None:
    """The layer that claims ``module`` (longest prefix wins; a registry's pages sit one layer up), or ``None``."""
    if module in PACKAGE_ROOTS:
        return PACKAGE_ROOTS[module]
    claim = _claim(module)
    if claim is None:
        return None
    layer, prefix = claim
    below = module[len(prefix) + 1:].split(".") if module != prefix else []
    if layer in PAGES_OF and any(fnmatchcase(part, name) for part in below for name in PAGE_NAMES):
        return PAGES_OF[layer]
    return layer


def package_of(module: str) -> str:
    """The package ``module`` belongs to in its layer's cycle check: the prefix that places it (``portal.orgs``),
    or below a whole top package (``exams``, ``certificates``) that package's next part (``exams.bank``,
    ``certificates.lifecycle``)."""
    claim = None if module in PACKAGE_ROOTS else _claim(module)
    if claim is None:
        return module
    prefix = claim[1]
    return ".".join(module.split(".")[:2]) if prefix in TOP_PACKAGES else prefix


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for top in TOP_PACKAGES:
        if (ROOT / top).is_dir():
            for path in sorted((ROOT / top).rglob("*.py")):
                if "templates" not in path.parts:
                    modules[module_name(path)] = path
    modules["wsgi"] = ROOT / "wsgi.py"
    return modules


def _ours(name: str) -> bool:
    return name.split(".")[0] in (*TOP_PACKAGES, "wsgi")


def imported_modules(source: str, module: str, is_package: bool, known: set[str]) -> list[tuple[int, str]]:
    """Every project module ``source`` imports — at the top, inside functions or anywhere — as (line, name)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if _ours(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not _ours(target):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.append((node.lineno, candidate if candidate in known else target))
    return found


def upward_imports() -> tuple[list[str], list[str]]:
    modules = project_modules()
    known = set(modules)
    unplaced = sorted(name for name in modules if layer_of(name) is None)
    upward = []
    for name, path in modules.items():
        own = layer_of(name)
        if own is None:
            continue
        for line, target in imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py",
                                             known):
            theirs = layer_of(target)
            if theirs is None:
                unplaced.append(f"{target} (imported by {name})")
            elif RANK[theirs] > RANK[own]:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {name} ({own}) imports {target} ({theirs})")
    return upward, unplaced


def project_imports() -> list[tuple[str, str, str]]:
    """Every import of a project module by one: (``path:line``, the importing module, the imported one)."""
    modules = project_modules()
    known = set(modules)
    return [(f"{path.relative_to(ROOT)}:{line}", name, target)
            for name, path in modules.items()
            for line, target in imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py",
                                                 known)]


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of nodes that reach one another (Tarjan), in order of discovery."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _shortest_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest way round ``group`` from its first package back to it."""
    start = min(group)
    came_from, frontier = {start: None}, [start]
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(graph.get(node, set()) & group):
                if other == start:
                    path = [node]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if other not in came_from:
                    came_from[other] = node
                    following.append(other)
        frontier = following
    return [start]


def package_cycles(imports: list[tuple[str, str, str]]) -> list[str]:
    """Every group of packages of one layer that import one another round, each with a way round it and every
    import line between its packages (each cycle through the group is closed by some of them). ``imports`` as
    :func:`project_imports` gives them; an import across layers is the direction check's business, not this one's."""
    lines = defaultdict(dict)  # (layer, package, package) → its import lines, each once, in order
    for where, module, target in imports:
        layer = layer_of(module)
        if layer is None or layer_of(target) != layer or package_of(module) == package_of(target):
            continue
        lines[layer, package_of(module), package_of(target)][f"{where}: {module} imports {target}"] = None
    found = []
    for layer, _ in LAYERS:
        graph = defaultdict(set)
        for own, source, target in lines:
            if own == layer:
                graph[source].add(target)
        for group in _strongly_connected(graph):
            if len(group) < 2:
                continue
            between = [line for source in sorted(group) for target in sorted(group)
                       for line in lines.get((layer, source, target), {})]
            found.append(f"{layer}: {', '.join(sorted(group))} import one another round "
                         f"({' → '.join(_shortest_cycle(graph, group))}):\n  " + "\n  ".join(between))
    return found


def test_every_module_belongs_to_a_layer_and_imports_only_downwards():
    upward, unplaced = upward_imports()
    assert unplaced == [], "modules no layer claims: add them to LAYERS deliberately"
    assert upward == [], "imports from a higher layer"


def test_the_walk_sees_the_whole_project():
    modules = project_modules()
    for name in ("portal.app", "portal.audit", "portal.auth.access", "portal.officers.services", "wsgi"):
        assert name in modules
    assert layer_of("portal.auth.access") == "registries"
    assert layer_of("portal.templating") == "core"
    assert layer_of("portal.home.views") == "composition"
    assert layer_of("portal.notifications") is None, "prefixes match whole module names only"


def test_the_packages_of_each_layer_import_one_another_without_a_cycle():
    cycles = package_cycles(project_imports())
    assert not cycles, "packages of one layer that import one another round:\n" + "\n".join(cycles)


def test_registry_pages_sit_above_the_registries_and_packages_are_named_by_their_prefix():
    assert layer_of("portal.officers.services") == layer_of("portal.officers") == "registries"
    assert layer_of("portal.officers.views") == "registry pages"
    assert layer_of("portal.officers.importer") == "registry pages"
    assert layer_of("portal.orgs.bodies.views") == layer_of("portal.training.views.records") == "registry pages"
    assert layer_of("portal.training.record_views") == "registry pages"
    assert layer_of("portal.orgs.previews") == "registries", "page names match whole parts only"
    assert layer_of("exams.bank.views") == layer_of("exams.bank.importer") == "exam pages"
    assert layer_of("exams.bank.services") == "exams"
    assert layer_of("certificates.register.views") == "certificates", "certificates' pages stay with certificates"
    assert package_of("portal.officers.views") == package_of("portal.officers.models") == "portal.officers"
    assert package_of("portal.orgs.bodies.views") == "portal.orgs.bodies"
    assert package_of("portal.orgs.models") == "portal.orgs"
    assert package_of("exams.bank.models") == "exams.bank"
    assert package_of("certificates.lifecycle") == "certificates.lifecycle"
    assert package_of("portal.clock") == "portal.clock"
    assert package_of("wsgi") == "wsgi"


def test_the_cycle_check_reports_each_cycle_of_a_layer_with_the_lines_that_close_it():
    closing = [
        ("portal/orgs/models.py:3", "portal.orgs.models", "portal.auth.models"),
        ("exams/papers/services.py:28", "exams.papers.services", "exams.bank.models"),
        ("exams/papers/services.py:29", "exams.papers.services", "exams.bank.pool"),
    ]
    harmless = [
        ("portal/auth/access.py:19", "portal.auth.access", "portal.orgs.models"),
        ("portal/orgs/agencies/views.py:9", "portal.orgs.agencies.views", "portal.auth.access"),  # a page: one layer up
        ("portal/auth/services.py:23", "portal.auth.services", "portal.officers.models"),
        ("exams/bank/services.py:21", "exams.bank.services", "exams.attempts.models"),
        ("exams/attempts/grading.py:10", "exams.attempts.grading", "exams.papers.models"),
        ("exams/bank/pool.py:4", "exams.bank.pool", "exams.bank.models"),  # inside one package
        ("certificates/sweep.py:3", "certificates.sweep", "exams.attempts.models"),  # across layers, both ways:
        ("exams/attempts/services.py:5", "exams.attempts.services", "certificates.sweep"),  # not a layer's cycle
    ]
    assert package_cycles(harmless) == []

    registries, exams = package_cycles(harmless + closing)
    assert registries == (
        "registries: portal.auth, portal.orgs import one another round (portal.auth → portal.orgs → portal.auth):\n"
        "  portal/auth/access.py:19: portal.auth.access imports portal.orgs.models\n"
        "  portal/orgs/models.py:3: portal.orgs.models imports portal.auth.models")
    assert exams == (
        "exams: exams.attempts, exams.bank, exams.papers import one another round "
        "(exams.attempts → exams.papers → exams.bank → exams.attempts):\n"
        "  exams/attempts/grading.py:10: exams.attempts.grading imports exams.papers.models\n"
        "  exams/bank/services.py:21: exams.bank.services imports exams.attempts.models\n"
        "  exams/papers/services.py:28: exams.papers.services imports exams.bank.models\n"
        "  exams/papers/services.py:29: exams.papers.services imports exams.bank.pool")


def test_the_checker_sees_imports_inside_functions_and_relative_imports():
    source = (
        "import os\n"
        "from portal import clock\n"
        "def later():\n"
        "    from portal.cli import find_agency\n"
        "    import certificates.numbering\n"
        "class C:\n"
        "    def m(self):\n"
        "        from .. import app\n"
        "        from .models import Officer\n"
    )
    known = {"portal.clock", "portal.cli", "portal.app", "portal.officers.models", "certificates.numbering"}
    found = {name for _, name in imported_modules(source, "portal.officers.services", False, known)}
    assert found == {"portal.clock", "portal.cli", "certificates.numbering", "portal.app",
                     "portal.officers.models"}
    assert {layer_of(name) for name in found} == {"core", "composition", "certificates", "registries"}
