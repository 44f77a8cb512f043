"""``python -m erbium_zoom storage upgrade`` and ``storage copy --to URL``.

``upgrade`` brings the database in use (``[storage] url`` / ``ERBIUM_ZOOM_DATABASE_URL``, else
the data folder's SQLite file) to the newest layout, as the dashboard does on start.

``copy`` moves an existing data folder into a database (PostgreSQL): the activity record, the
report cache and the Heavy counts from ``cache.sqlite3`` (migrated in place first, so a folder
from before the layout was versioned works too), the saved profiles from ``profiles.json`` and
the Client Secrets from ``client-secrets.enc`` (decrypted with the keys set, stored again as one
Fernet token each: never in clear text). It copies into an empty database only: one that holds
rows already is refused, with nothing written, so running it twice cannot double anything. It
prints each table's count on both sides and exits 0 when they all match, 1 when one does not,
2 when it cannot copy. The target's password is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text

from erbium_zoom import datadir
from erbium_zoom.errors import ConfigError
from erbium_zoom.secret_store import (
    KEYS_IN_FILE,
    SECRET_KEY_ENV,
    EncryptedFileSecrets,
    secret_keys,
    secrets_file_path,
)
from erbium_zoom.storage.database import (
    DATABASE_URL_ENV,
    URL_SETTING,
    Database,
    configured_url,
    current,
    open_url,
    sqlite_file,
)
from erbium_zoom.storage.schema import TABLES, client_secrets, profiles

EXIT_DONE = 0
EXIT_MISMATCH = 1
EXIT_CANNOT = 2
BATCH = 500  # rows read and written at a time (a report's payload can be a few hundred kB)
FROM_FILES = (profiles.name, client_secrets.name)  # in the data folder's files, not its tables


def add_storage_parser(commands, add_secrets_file_option) -> None:
    """The ``storage`` command and its sub-commands, on the main parser's sub-parsers."""
    parser = commands.add_parser(
        "storage",
        help="upgrade the storage database, or copy the data folder into PostgreSQL",
        description="erbium-zoom's state (activity record, report cache, Heavy counts, "
        "profiles, encrypted secrets) lives in the data folder's SQLite file, or in the "
        f"database that {URL_SETTING} or {DATABASE_URL_ENV} names.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="bring the database in use to the newest layout")
    add_secrets_file_option(upgrade)
    copy = actions.add_parser(
        "copy", help="copy the data folder into an empty database and compare the counts"
    )
    copy.add_argument(
        "--to",
        metavar="URL",
        help=f"postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE (default: {DATABASE_URL_ENV} "
        f"or {URL_SETTING}, which keeps the password out of the process list)",
    )
    add_secrets_file_option(copy)


def run_storage(
    args: argparse.Namespace, environ: Mapping[str, str] | None, secrets: Mapping[str, Any]
) -> int:
    """One ``storage`` action; DatabaseUnavailable and ConfigError propagate, worded by main."""
    env = os.environ if environ is None else environ
    if args.action == "upgrade":
        return run_upgrade(current(env, secrets))
    return run_copy(args.to, env, secrets)


def run_upgrade(database: Database) -> int:
    if database.path is not None:
        database.check_file()  # made owner-only when missing; refused when not ours
    before, head = database.upgrade()
    if before == head:
        print(
            f"{_capital(database.shown)} is at layout version {head}, the newest this "
            "erbium-zoom knows: nothing to do."
        )
    else:
        was = f"version {before}" if before else "no versioned layout"
        print(f"{_capital(database.shown)} had {was}; it is now at version {head}.")
    return EXIT_DONE


@dataclass(frozen=True)
class Count:
    table: str
    source: int
    target: int


def run_copy(to: str | None, environ: Mapping[str, str], secrets: Mapping[str, Any]) -> int:
    if to:
        target = open_url(to, "--to")
    else:
        found = configured_url(secrets, environ)
        if found is None:
            raise ConfigError(
                "Say which database to copy into: --to URL, or set "
                f"{DATABASE_URL_ENV} (or {URL_SETTING}).",
                advice="For example --to postgresql+psycopg://erbium:PASSWORD@127.0.0.1:5432/"
                "erbium_zoom (the database must exist; its tables are made here).",
            )
        target = open_url(*found)
    source = sqlite_file(datadir.default_path(environ))
    if target.path is not None and target.path == source.path:
        raise ConfigError("The database to copy into is the data folder's own file.")
    counts = copy_data_folder(source, target, environ, secrets)
    width = max(len(c.table) for c in counts)
    print(f"Copied {source.shown} (and the folder's profiles and secrets) into {target.shown}:")
    print(f"  {'table'.ljust(width)}  data folder  database")
    for count in counts:
        mark = "" if count.source == count.target else "   <- differs"
        print(f"  {count.table.ljust(width)}  {count.source:>11,}  {count.target:>8,}{mark}")
    if any(c.source != c.target for c in counts):
        print("The counts differ: check the database before using it.")
        return EXIT_MISMATCH
    print(
        f"Every count matches. To use it, set {URL_SETTING} (or {DATABASE_URL_ENV}) to this "
        "database on every dashboard and command line; the data folder is left as it was."
    )
    return EXIT_DONE


def copy_data_folder(
    source: Database, target: Database, environ: Mapping[str, str], secrets: Mapping[str, Any]
) -> list[Count]:
    """Copy everything (see the module's words); the counts per table, read back afterwards."""
    from erbium_zoom.profiles import ProfileStore, default_profiles_path

    source.ready(check_file=True)  # a folder from before versioning is migrated in place
    target.ready()
    held = {table.name: n for table, n in _counts(target).items() if n}
    if held:
        listed = ", ".join(f"{name}: {n:,} rows" for name, n in held.items())
        raise ConfigError(
            f"{_capital(target.shown)} already holds data ({listed}); nothing was copied.",
            advice="Copy into an empty database (create a new one), or keep using this one as "
            "it is.",
        )
    # The data folder's own files, read as the default storage reads them.
    folder_only = {k: v for k, v in environ.items() if k != DATABASE_URL_ENV}
    saved = ProfileStore(
        path=default_profiles_path(), secrets={}, environ=folder_only, data_dir=source.path.parent
    )._saved()
    file_secrets: dict[str, str] = {}
    secrets_path = secrets_file_path(source.path.parent)
    keys = None
    if secrets_path.exists():
        keys = secret_keys(secrets, environ)
        if keys is None:
            raise ConfigError(
                f"{secrets_path} holds encrypted Client Secrets, but no key is set to read "
                "them; nothing was copied.",
                field=SECRET_KEY_ENV,
                advice=f"Set {SECRET_KEY_ENV} (or {KEYS_IN_FILE}) to the keys it was written "
                "with, then copy again.",
            )
        file_secrets = EncryptedFileSecrets(secrets_path, keys)._read()  # noqa: SLF001

    source_counts = {table.name: n for table, n in _counts(source).items()}
    source_counts[profiles.name] = len(saved)
    source_counts[client_secrets.name] = len(file_secrets)
    with target.connect("cannot be written") as into, source.connect() as out:
        for table in TABLES:
            if table.name in FROM_FILES:
                continue
            rows = out.execute(select(table)).mappings()
            while batch := rows.fetchmany(BATCH):
                into.execute(insert(table), [dict(row) for row in batch])
        if saved:
            rows = [p.to_dict() for p in saved]
            for row in rows:
                row["hosts"] = json.dumps(row["hosts"])
            into.execute(insert(profiles), rows)
        if file_secrets and keys is not None:  # one Fernet token each, never the secret
            tokens = [
                {"key": key, "token": keys.fernet.encrypt(secret.encode()).decode()}
                for key, secret in file_secrets.items()
            ]
            into.execute(insert(client_secrets), tokens)
        if target.kind == "postgresql":  # the next entry's id follows the copied ones
            into.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('activity', 'id'), "
                    "COALESCE((SELECT MAX(id) FROM activity), 0) + 1, false)"
                )
            )
    copied = _counts(target)
    return [Count(t.name, source_counts[t.name], copied[t]) for t in TABLES]


def _counts(database: Database) -> dict:
    with database.connect() as db:
        return {t: db.execute(select(func.count()).select_from(t)).scalar() for t in TABLES}


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]
