"""Which database holds erbium-zoom's state, opening it, and keeping its layout up to date.

The default is the SQLite file ``cache.sqlite3`` in the data folder (``ERBIUM_ZOOM_DATA_DIR``,
else the user's data folder), with no setup. ``ERBIUM_ZOOM_DATABASE_URL``, else ``url`` in the
secrets file's ``[storage]`` table, names another database instead, in practice PostgreSQL:
``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE`` (``postgresql://`` is taken to mean
the same driver).

:meth:`Database.ready` checks the database once per process and brings its layout to the newest
version with Alembic (the migrations live in ``migrations/`` beside this file and are run from
here, with no alembic.ini). A database whose layout is newer than this erbium-zoom knows is
refused, as are a malformed URL, an unreachable server and a refused sign-in: all in words, as
:class:`~erbium_zoom.errors.DatabaseUnavailable`, naming the setting. A database's address is
only ever shown with its password masked.

A PostgreSQL connection is checked before each use (``pool_pre_ping``): after the server is
restarted the next operation opens a new one, so pages recover by themselves. SQLite opens one
connection per operation (as before), in WAL mode, each transaction taking the write lock at
its start (``BEGIN IMMEDIATE``: no lock upgrade can fail half-way). No streamlit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from erbium_zoom import datadir
from erbium_zoom.errors import DatabaseUnavailable

DATABASE_URL_ENV = "ERBIUM_ZOOM_DATABASE_URL"
STORAGE_TABLE = "storage"
URL_KEY = "url"
URL_SETTING = "[storage] url in the secrets file"
DEFAULT_SETTING = "the data folder"  # no URL set: the SQLite file in ERBIUM_ZOOM_DATA_DIR
CONNECT_TIMEOUT = 5  # seconds to reach a database server before saying it cannot be reached
MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x65727A6F6F6D  # PostgreSQL advisory lock: one process upgrades at a time


def configured_url(
    secrets: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """The database URL and the setting it came from (ERBIUM_ZOOM_DATABASE_URL first, then
    ``[storage] url`` in the secrets file), or None for the default SQLite file."""
    env = os.environ if environ is None else environ
    value = (env.get(DATABASE_URL_ENV) or "").strip()
    if value:
        return value, DATABASE_URL_ENV
    table = (secrets or {}).get(STORAGE_TABLE)
    if isinstance(table, Mapping):
        value = str(table.get(URL_KEY) or "").strip()
        if value:
            return value, URL_SETTING
    return None


def mask(url: str | URL) -> str:
    """The URL as it may be shown: its password replaced by ***."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return "(a URL that cannot be read)"
    return parsed.render_as_string(hide_password=True)


class Database:
    """One database (a SQLite file, or a server) and its engine; made by :func:`open_url` or
    :func:`sqlite_file`, one per address and process."""

    def __init__(self, url: URL, setting: str, *, path: Path | None = None):
        self.url = url
        self.setting = setting  # where the URL came from, for messages
        self.path = path  # the SQLite file, or None for a server
        self.kind = url.get_backend_name()  # "sqlite" or "postgresql"
        self.shown = f"the data file {path}" if path else f"the database {mask(url)}"
        self._ready = False
        self._lock = threading.Lock()
        self.engine = self._engine()

    def __repr__(self) -> str:
        return f"Database({self.shown!r})"

    @property
    def is_default(self) -> bool:
        return self.setting == DEFAULT_SETTING

    def _engine(self) -> Engine:
        if self.kind == "sqlite":
            # A connection per operation: a moved-aside file is let go. In memory there is no
            # file, and a new connection would be a new, empty database: one is kept.
            in_memory = self.url.database in (None, "", ":memory:")
            engine = create_engine(
                self.url,
                poolclass=StaticPool if in_memory else NullPool,
                connect_args={"timeout": datadir.BUSY_TIMEOUT, "check_same_thread": False},
            )

            @event.listens_for(engine, "connect")
            def _connected(dbapi_connection, _record):  # pragma: no branch - always runs
                dbapi_connection.isolation_level = None  # transactions are begun below
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

            @event.listens_for(engine, "begin")
            def _begin(connection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

            return engine
        return create_engine(
            self.url,
            pool_pre_ping=True,  # a server restarted meanwhile: a fresh connection, no error
            pool_size=5,
            max_overflow=10,
            connect_args={"connect_timeout": CONNECT_TIMEOUT},
        )

    # ---- words ---------------------------------------------------------------------------

    def advice(self) -> str:
        if self.path is not None:
            return (
                f"Make the data folder usable ({datadir.DATA_DIR_ENV}), or move a damaged "
                f"{self.path.name} aside."
            )
        return (
            f"Check that the database server is running and that {self.setting} points to it "
            "with the right user and password; erbium-zoom reconnects by itself when it is back."
        )

    def unavailable(
        self, error: BaseException, doing: str = "cannot be used"
    ) -> DatabaseUnavailable:
        """The error in words (never the password), naming the setting to check."""
        reason = self._reason(error)
        damaged = self.path is not None and "not a database" in reason
        return DatabaseUnavailable(
            f"{self.shown[0].upper()}{self.shown[1:]} {doing} ({reason}).",
            advice=self.advice(),
            damaged=damaged,
        )

    def _reason(self, error: BaseException) -> str:
        if isinstance(error, DBAPIError) and error.orig is not None:
            error = error.orig
        if isinstance(error, OSError) and error.strerror:
            words = error.strerror
        else:
            words = str(error).strip().splitlines()[0] if str(error).strip() else ""
        words = words or type(error).__name__
        if self.url.password:
            words = words.replace(str(self.url.password), "***")
        if "password authentication failed" in words:
            words = f"it refused the sign-in: {words.split('FATAL:')[-1].strip()}"
        elif "Connection refused" in words:
            words = "nothing answers at that address: connection refused"
        return words[:300]

    # ---- the layout ----------------------------------------------------------------------

    def ready(self, *, check_file: bool = False) -> None:
        """Check the database and bring its layout to the newest version, once per process
        (again when the SQLite file was moved away; ``check_file``: the file's owner and mode
        again). Raises DatabaseUnavailable in words."""
        if check_file and self.path is not None:
            self.check_file()
        if self._ready and (self.path is None or self.path.exists()):
            return
        with self._lock:
            if self._ready and (self.path is None or self.path.exists()):
                return
            if self.path is not None:
                self.check_file()
            self.upgrade()
            self._ready = True

    def check_file(self) -> None:
        """The SQLite file exists, is ours and owner-only (made so when missing)."""
        try:
            datadir.owner_only_file(self.path)
        except datadir.StoreUnavailable as error:
            raise DatabaseUnavailable(str(error), advice=self.advice()) from None
        except OSError as error:
            raise self.unavailable(error, "cannot be opened") from None

    def upgrade(self) -> tuple[str | None, str]:
        """Apply the migrations this erbium-zoom has; (the version before, the version now)."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        scripts = ScriptDirectory.from_config(config)
        head = scripts.get_current_head()
        try:
            with self.engine.begin() as connection:
                if self.kind == "postgresql":  # replicas starting together: one upgrades
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                before = MigrationContext.configure(connection).get_current_revision()
                known = {script.revision for script in scripts.walk_revisions()}
                if before is not None and before not in known:
                    raise DatabaseUnavailable(
                        f"{self.shown[0].upper()}{self.shown[1:]} was set up by a newer "
                        f"erbium-zoom (its layout is version {before}; this one knows versions up "
                        f"to {head}), so it is not used.",
                        advice="Upgrade erbium-zoom here to the version that set it up, or "
                        + (
                            f"set {datadir.DATA_DIR_ENV} to another folder."
                            if self.is_default
                            else f"point {self.setting} to another database."
                        ),
                    )
                if before != head:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
        except DatabaseUnavailable:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise self.unavailable(error) from None
        return before, head

    def version(self) -> str | None:
        """The layout's version now (None: an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # ---- using it ------------------------------------------------------------------------

    @contextmanager
    def connect(self, doing: str = "cannot be used") -> Iterator[Connection]:
        """One transaction, committed at the end; any database error raised in words."""
        self.ready()
        try:
            with self.engine.begin() as connection:
                yield connection
        except DatabaseUnavailable:
            raise
        except (SQLAlchemyError, OSError) as error:
            raise self.unavailable(error, doing) from None

    def dispose(self) -> None:
        self.engine.dispose()


def upsert(connection: Connection, table: Table, values: dict, changes=None) -> None:
    """Insert a row, or change the one with its key (one statement, so two processes at once
    cannot both insert it): ``changes(excluded)`` gives the new values, by default every
    column but the key taken from ``values``."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(values)
    keys = [column.name for column in table.primary_key]
    if changes is None:
        new = {name: statement.excluded[name] for name in values if name not in keys}
    else:
        new = changes(statement.excluded)
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=new))


# ---- one Database per address and process ----------------------------------------------------

_opened: dict[str, Database] = {}
_opened_guard = threading.Lock()
_configured: dict[str, Any] = {}  # the secrets file's [storage] table, set by configure()


def _check_url(value: str, setting: str) -> URL:
    words = (
        f"{setting} is not a database URL erbium-zoom can use. Write it as "
        "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE."
    )
    try:
        url = make_url(value)
    except ArgumentError:
        raise DatabaseUnavailable(words, advice=f"Correct {setting}.") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise DatabaseUnavailable(
            f"{setting} names a {url.get_backend_name()} database; erbium-zoom keeps its state "
            "in PostgreSQL (or in the default SQLite file when no URL is set).",
            advice=f"Correct {setting}, or remove it to use the data folder.",
        )
    return url


def open_url(value: str, setting: str = URL_SETTING) -> Database:
    """The database at ``value`` (a URL), opened once per process. Raises DatabaseUnavailable
    for a URL that cannot be used (naming ``setting``, never showing the URL's password)."""
    url = _check_url(value, setting)
    key = url.render_as_string(hide_password=False)
    with _opened_guard:
        found = _opened.get(key)
        if found is None:
            try:
                path = Path(url.database).absolute() if url.get_backend_name() == "sqlite" else None
                found = Database(url, setting, path=path)
            except (ArgumentError, NoSuchModuleError, ImportError):
                raise DatabaseUnavailable(
                    f"{setting} names a driver erbium-zoom does not have.",
                    advice=f"Write {setting} as postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB.",
                ) from None
            _opened[key] = found
        return found


def sqlite_file(path: Path | str) -> Database:
    """The SQLite file at ``path`` (the data folder's cache.sqlite3 by default)."""
    path = Path(path).expanduser().absolute()
    key = f"sqlite:{path}"
    with _opened_guard:
        found = _opened.get(key)
        if found is None:
            found = Database(URL.create("sqlite", database=str(path)), DEFAULT_SETTING, path=path)
            _opened[key] = found
        return found


def in_memory() -> Database:
    """A private SQLite database in memory (the demo's watcher history): never on disk, never
    shared with another caller, gone with its last reference."""
    return Database(URL.create("sqlite"), "an in-memory database")


def configure(secrets: Mapping[str, Any] | None) -> None:
    """Remember the secrets file's ``[storage]`` table for :func:`current` (the dashboard calls
    this each run with ``st.secrets``; the command line after reading the file)."""
    table = (secrets or {}).get(STORAGE_TABLE)
    with _opened_guard:
        _configured.clear()
        if isinstance(table, Mapping):
            _configured.update(table)


def current(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> Database:
    """The database in use: ERBIUM_ZOOM_DATABASE_URL, else ``[storage] url`` (of ``secrets``,
    or the one :func:`configure` was given), else the data folder's SQLite file."""
    if secrets is None:
        with _opened_guard:
            secrets = {STORAGE_TABLE: dict(_configured)}
    found = configured_url(secrets, environ)
    if found is not None:
        return open_url(*found)
    return sqlite_file(datadir.default_path(environ))


def configured(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> Database | None:
    """The database a URL names, or None when the data folder's files are used (default)."""
    database = current(environ, secrets)
    return None if database.is_default else database


def forget() -> None:
    """Close every database and forget the configuration (tests; a moved data folder)."""
    with _opened_guard:
        for database in _opened.values():
            database.dispose()
        _opened.clear()
        _configured.clear()
