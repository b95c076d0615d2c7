"""The layers hold: the database stays in store/, publish/ renders without I/O and never
reaches into web/.

Read from the source with :mod:`ast` (nothing is imported), so a new module is checked the day
it is added: outside ``aggregator/store/`` no module imports sqlmodel, imports from sqlalchemy
anything but the ``Engine`` type, takes the store's session helpers, or holds an SQL statement in
a string; the renderers of ``publish/`` import neither the database, the network, SMTP, the
services beside them nor the web app.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aggregator"
STORE = PACKAGE / "store"

# What a module outside store/ may take from SQLAlchemy: the engine it passes to store functions.
ALLOWED_SQLALCHEMY = {("sqlalchemy.engine", "Engine")}
SESSION_HELPERS = {"session_scope", "transaction_memo", "Session", "select"}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.S)

# publish/ by role: these render (views in, bytes or messages out) ...
RENDERERS = (
    *(f"render/{path.stem}" for path in sorted((PACKAGE / "publish" / "render").glob("[!_]*.py"))),
    "choose",
    "forms",
    "tokens",
)
# ... and may not import what does I/O, chooses from the database or sends.
NOT_FOR_RENDERERS = (
    "sqlalchemy",
    "sqlmodel",
    "smtplib",
    "socket",
    "httpx",
    "aggregator.fetch",
    "aggregator.web",
    "aggregator.store.db",
    "aggregator.store.request",
    "aggregator.store.mailing",
    "aggregator.store.feeds",
    "aggregator.publish.compose",
    "aggregator.publish.delivery",
    "aggregator.publish.feedbuild",
    "aggregator.publish.mailer",
    "aggregator.publish.subscriptions",
)


def modules(root: Path) -> Iterator[Path]:
    yield from sorted(path for path in root.rglob("*.py") if "migrations" not in path.parts)


def outside_store() -> list[Path]:
    return [path for path in modules(PACKAGE) if STORE not in path.parents]


def imported_names(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(module, name) for every import, at any depth (function-level imports count too);
    ``import x.y`` gives ``("x.y", "")``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                yield node.module, alias.name


def database_imports(path: Path) -> list[str]:
    """Every import in ``path`` that reaches the database other than through store/."""
    found = []
    for module, name in imported_names(ast.parse(path.read_text(encoding="utf-8"))):
        top = module.split(".")[0]
        if top == "sqlmodel" or (top == "sqlalchemy" and (module, name) not in ALLOWED_SQLALCHEMY):
            found.append(f"{module}.{name}" if name else module)
        elif module.startswith("aggregator.store") and name in SESSION_HELPERS:
            found.append(f"{module}.{name}")
    return found


def sql_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value[:60]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
    ]


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", outside_store(), ids=relative)
def test_no_module_outside_store_opens_a_session_or_writes_sql(path: Path) -> None:
    assert database_imports(path) == [], "the database is reached through store/ functions"
    assert sql_strings(path) == [], "SQL belongs in store/"


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    """The rule above would catch a session, a query or an SQL string (it is not vacuous)."""
    module = tmp_path / "bad.py"
    module.write_text(
        "from sqlalchemy.engine import Engine\n"
        "from sqlmodel import Session, select\n"
        "def f(engine: Engine) -> None:\n"
        "    from aggregator.store.db import session_scope\n"
        "    import sqlalchemy.exc\n"
        "    q = 'SELECT id FROM item'\n"
    )
    assert database_imports(module) == [
        "sqlmodel.Session",
        "sqlmodel.select",
        "aggregator.store.db.session_scope",
        "sqlalchemy.exc",
    ]
    assert sql_strings(module) == ["SELECT id FROM item"]
    assert database_imports(PACKAGE / "store" / "request.py") != []  # store/ itself does


@pytest.mark.parametrize("name", RENDERERS)
def test_publish_renderers_import_no_io_no_services_and_no_web(name: str) -> None:
    tree = ast.parse((PACKAGE / "publish" / f"{name}.py").read_text(encoding="utf-8"))
    reached = {module for module, _ in imported_names(tree)}
    assert sorted(m for m in reached if m.startswith(NOT_FOR_RENDERERS)) == []


def test_publish_never_imports_the_web_app() -> None:
    for path in modules(PACKAGE / "publish"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reached = {module for module, _ in imported_names(tree)}
        assert not [m for m in reached if m.startswith("aggregator.web")], relative(path)
