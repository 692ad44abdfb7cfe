"""The dependency direction of docs/architecture.md, checked on the source: a module imports only from its own
layer or below. Layers, lowest first:

* **core** — config, extensions, clock, columns, errors, audit, policy, forms, templating, background, exports: no
  knowledge of people or organisations.
* **registries** — orgs, officers, training, assessment, complaints, **notify** (it addresses accounts and the
  HR of an agency) and **auth**. Auth sits here rather than
  in core (where docs/architecture.md draws it) because an account's scope is defined over the agency tree
  (``portal.orgs``) and officers sign in by their ID number (``portal.officers``), so auth needs the registries
  and they need its access helper: they share one layer.
* **exams**, then **certificates** (exams signals; certificates listens — never the other way).
* **composition** — the app factory, CLI, demo data, home pages, admin, API, reports, public pages, the
  scheduler and ``wsgi``.

Imports inside functions count too. A module that no layer claims fails the test, so a new package is placed
deliberately rather than slipping through.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_PACKAGES = ("portal", "exams", "certificates")

LAYERS = [
    ("core", ["portal.config", "portal.extensions", "portal.clock", "portal.columns", "portal.errors",
              "portal.audit", "portal.policy", "portal.locks", "portal.dates", "portal.forms", "portal.jsonbody", "portal.images", "portal.templating",
              "portal.background", "portal.exports"]),
    ("registries", ["portal.orgs", "portal.officers", "portal.auth", "portal.training", "portal.assessment",
                    "portal.complaints", "portal.notify", "portal.imports"]),
    ("exams", ["exams"]),
    ("certificates", ["certificates"]),
    ("composition", ["portal.app", "portal.cli", "portal.demo", "portal.home", "portal.admin", "portal.api",
                     "portal.reports", "portal.public", "portal.scheduler", "portal.inbox", "portal.jobs", "wsgi"]),
]
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
#: package roots, imported for their (empty) ``__init__``: they sit at the bottom of their own layer
PACKAGE_ROOTS = {"portal": "core", "exams": "exams", "certificates": "certificates"}


def layer_of(module: str) -> str | None:
    """The layer that claims ``module`` (longest prefix wins), or ``None``."""
    if module in PACKAGE_ROOTS:
        return PACKAGE_ROOTS[module]
    best, length = None, -1
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = layer, len(prefix)
    return best


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
