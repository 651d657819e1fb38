"""The schema of the project's database (releases, accounts, portal), as Alembic migrations.

`upgrade(engine)` brings a database to the newest revision; `releases.store.engine_for` calls it
the first time a process opens the database, so every command and the portal start on the same
schema. A database made before migrations existed (tables created by SQLAlchemy, no
`alembic_version`) is adopted: the first revisions create only the tables that are missing.
Nothing here imports the rest of the package: the revisions spell their tables out, as they were.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every missing revision in one transaction (a no-op when already at head)."""
    if current(engine) == head():
        return
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
