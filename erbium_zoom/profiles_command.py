"""``python -m erbium_zoom profiles …``: set up client profiles without a browser.

``list [--json]``, ``add NAME --account-id … --client-id … [--hosts …] [--note …] [--replace]``
(the Client Secret from standard input only: a prompt without echo in a terminal, else one line),
``remove NAME``, ``rotate-key`` and ``new-key``. The storage rules are the page's: the same
:class:`ProfileStore`. Exit codes as for ``check``: 0 done, 1 done but something needs attention,
2 refused or impossible. Errors are sentences on stderr, never a traceback, never the secret.
Each action says on stderr which secrets file it read (or where it looked), since the keys and
the configured profiles come from there: the dashboard's service names its file with
STREAMLIT_SECRETS_FILES, and a shell that reads the same environment file agrees with it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from erbium_zoom.config import parse_hosts
from erbium_zoom.errors import ConfigError, ReadOnlyProfile, error_summary
from erbium_zoom.guard import local_guard
from erbium_zoom.profiles import SECRET_STORED, ProfileStore, StorageStatus, validate_name
from erbium_zoom.secret_store import (
    KEYS_SETTING,
    KIND_KEYRING,
    SECRET_KEY_ENV,
    STORAGE_TABLE,
    keys_in_file,
    new_key,
)
from erbium_zoom.secrets_file import PLACEHOLDER, SECRETS_FILES_ENV, SecretsSource, load

EXIT_DONE = 0
EXIT_ATTENTION = 1
EXIT_REFUSED = 2

NO_PROFILES_YET = (
    "No client profiles yet. Add one with `python -m erbium_zoom profiles add NAME "
    "--account-id … --client-id …` (the Client Secret on standard input) or on the All clients "
    "page."
)
LIST_COLUMNS = ("name", "account_id", "client_id", "hosts", "source", "secret", "note")
LIST_HEADINGS = ("NAME", "ACCOUNT ID", "CLIENT ID", "HOSTS", "SOURCE", "SECRET", "NOTE")


def add_secrets_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secrets-file",
        metavar="PATH",
        help='the secrets file to read ([profiles."NAME"] tables, [storage] secret_keys) '
        "instead of Streamlit's (.streamlit/secrets.toml or its secrets.files option)",
    )


def add_profiles_parser(commands) -> None:
    """The ``profiles`` command and its sub-commands, on the main parser's sub-parsers."""
    profiles = commands.add_parser(
        "profiles",
        help="list, add and remove client profiles; rotate the secrets file's key",
        description="Exit 0: done; 1: done, something needs attention; 2: refused or cannot.",
    )
    actions = profiles.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="every profile and the state of its secret")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    add_secrets_file_option(listing)

    add = actions.add_parser(
        "add",
        help="save a profile; the Client Secret is read from standard input",
        description="The Client Secret is read from standard input (asked for without echo "
        "in a terminal), never from an argument.",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--account-id", required=True)
    add.add_argument("--client-id", required=True)
    add.add_argument("--hosts", default="", help="host e-mails or user IDs, comma-separated")
    add.add_argument("--note", default="")
    add.add_argument(
        "--replace",
        action="store_true",
        help="replace a saved profile of that name (an empty secret keeps the stored one)",
    )
    add_secrets_file_option(add)

    remove = actions.add_parser("remove", help="delete a saved profile and its secret")
    remove.add_argument("name", metavar="NAME")
    add_secrets_file_option(remove)

    rotate = actions.add_parser(
        "rotate-key", help="re-encrypt the encrypted secrets file with the newest key"
    )
    add_secrets_file_option(rotate)

    fresh = actions.add_parser(
        "new-key", help="print a new key for [storage] secret_keys or ERBIUM_ZOOM_SECRET_KEY"
    )
    add_secrets_file_option(fresh)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _storage_line(storage: StorageStatus) -> str:
    return f"Client Secrets are kept {storage.where}."


def _table(rows: list[dict]) -> str:
    cells = [LIST_HEADINGS] + [
        tuple(", ".join(r[c]) if c == "hosts" else str(r[c]) for c in LIST_COLUMNS) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(LIST_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _source_json(source: SecretsSource | None) -> dict | None:
    if source is None:
        return None
    return {
        "read": [str(path) for path in source.found],
        "looked_at": [str(path) for path in source.paths],
        "named_by": source.origin,
    }


def run_list(store: ProfileStore, as_json: bool) -> int:
    storage = store.storage()
    profiles = store.list()
    notices = store.notices()
    statuses = [store.secret_status(p) for p in profiles]
    rows = [
        {**p.to_dict(), "source": p.source, "secret": s.state, "secret_where": s.text}
        for p, s in zip(profiles, statuses, strict=True)
    ]
    if as_json:
        storage_json = {
            "kind": storage.kind,
            "where": storage.where,
            "can_store": storage.can_store,
            "problem": error_summary(storage.problem) if storage.problem else None,
        }
        payload = {
            "secrets_file": _source_json(store.secrets_source),
            "storage": storage_json,
            "profiles": rows,
            "notices": notices,
        }
        print(json.dumps(payload, indent=2))
    else:
        print(_storage_line(storage))
        # The column says where each stored secret is: the header names one place only.
        shown = [{**r, "secret": s.short} for r, s in zip(rows, statuses, strict=True)]
        print(_table(shown) if rows else NO_PROFILES_YET)
    if storage.problem is not None:
        _say(f"warning: {storage.problem}")
    for notice in notices:
        _say(f"warning: {notice}")
    attention = storage.problem or notices or any(r["secret"] != SECRET_STORED for r in rows)
    return EXIT_ATTENTION if attention else EXIT_DONE


def _read_secret(stdin: TextIO, name: str, replacing: bool) -> str:
    """The Client Secret: asked for without echo in a terminal, else one line of stdin."""
    keep = " (empty keeps the stored one)" if replacing else ""
    if stdin.isatty():
        try:
            return getpass.getpass(f"Client Secret for {name}{keep}: ")
        except EOFError:  # Ctrl+D at the prompt
            return ""
    return _one_line(stdin).rstrip("\r\n")


def _one_line(stdin: TextIO) -> str:
    """One line of standard input, and not a byte more from a pipe or a file.

    Python's own reader takes input in blocks, which would swallow the lines meant for the next
    command of a script (`{ echo s1; echo s2; } | { profiles add A …; profiles add B …; }`):
    like the shell's `read`, take the real standard input a byte at a time.
    """
    try:
        descriptor = stdin.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation: an in-memory stream
        return stdin.readline()
    line = bytearray()
    while (byte := os.read(descriptor, 1)) and byte != b"\n":
        line += byte
    return line.decode("utf-8", "replace")


def run_add(store: ProfileStore, args: argparse.Namespace, stdin: TextIO) -> int:
    name = validate_name(args.name)
    existing = store.get(name)
    if existing is not None and existing.read_only:
        raise ReadOnlyProfile(
            f"{name!r} is a profile from configuration ({store.secrets_words}), so a saved "
            "profile cannot take its name."
        )
    replacing = existing is not None and args.replace
    if existing is not None and not args.replace:
        raise ConfigError(
            f"A profile named {name!r} exists already.",
            field="name",
            advice="Add --replace to replace it, or choose another name.",
        )
    parse_hosts(args.hosts, where="--hosts")  # said before anything is asked for
    storage = store.require_writable()  # before asking for the secret, not after
    secret = _read_secret(stdin, name, replacing)
    if not secret and not replacing:
        raise ConfigError(
            "No Client Secret came on standard input.",
            field="client_secret",
            advice="Run the command in a terminal to be asked for it, or give it as one line "
            "on standard input (for example `... profiles add NAME ... < secret.txt`); it is "
            "never taken from an argument.",
        )
    profile, warnings = store.save(
        name,
        args.account_id,
        args.client_id,
        secret or None,
        hosts=args.hosts,
        note=args.note,
        replacing=name if replacing else None,
    )
    for warning in warnings:
        _say(f"note: {warning}")
    print(f"Saved profile {profile.name!r}; its Client Secret is kept {storage.where}.")
    return EXIT_DONE


def run_remove(store: ProfileStore, name: str) -> int:
    notes = store.delete(name)
    for note in notes:
        _say(f"warning: {note}")
    print(f"Removed the saved profile {name!r}.")
    return EXIT_ATTENTION if notes else EXIT_DONE


def run_rotate(store: ProfileStore) -> int:
    storage = store.storage()
    count = store.rotate_key()
    if storage.kind == KIND_KEYRING:
        _say(f"note: {_storage_line(storage)} The encrypted file is not used while it is there.")
    if count == 0:
        print("No Client Secret is in the encrypted secrets file: nothing to re-encrypt.")
    else:
        print(
            f"Re-encrypted {count} Client Secret(s) with the newest key. The keys after the "
            "first can now be removed from the setting."
        )
    return EXIT_DONE


def _keys_now(args: argparse.Namespace, environ: Mapping[str, str] | None) -> tuple[str, str]:
    """The secrets file in words, and where a key is set already ("" when none is: first use)."""
    env = os.environ if environ is None else environ
    in_env = SECRET_KEY_ENV if (env.get(SECRET_KEY_ENV) or "").strip() else ""
    try:
        secrets, source = load(args.secrets_file, environ)
    except ConfigError as error:  # a key is still worth printing; say why the file is unknown
        return f"the secrets file the dashboard reads ({error.message})", in_env
    if not source.found:
        words = (
            f"the secrets file the dashboard reads (none was found here at {source.looked_at}; "
            f"name it with {SECRETS_FILES_ENV} or --secrets-file)"
        )
        return words, in_env
    storage = secrets.get(STORAGE_TABLE)
    keys = storage.get(KEYS_SETTING) if isinstance(storage, Mapping) else None
    keys = [keys] if isinstance(keys, str) else list(keys or [])
    in_file = any(str(k).strip() not in ("", PLACEHOLDER) for k in keys)  # the template's: unset
    words = f"{source.words} ({source.origin})"
    return words, in_env or (keys_in_file(source) if in_file else "")


def run_new_key(args: argparse.Namespace, environ: Mapping[str, str] | None) -> int:
    print(new_key())
    where, current = _keys_now(args, environ)
    rotation = (
        "put it first, keep the old keys after it (comma-separated in "
        f'{SECRET_KEY_ENV}, or {KEYS_SETTING} = ["NEW", "OLD"]), run '
        "`python -m erbium_zoom profiles rotate-key`, then drop the old keys"
    )
    if current:
        _say(
            f"A new key. A key is set already ({current}), so this one is for rotating: {rotation}."
        )
    else:
        _say(
            f"A new key. To use it, put it in the [{STORAGE_TABLE}] table of {where}: "
            f'{KEYS_SETTING} = ["THE-KEY"]; or set {SECRET_KEY_ENV} to it in the dashboard\'s '
            "environment. Client Secrets are then kept in an encrypted file in the data folder, "
            f"opened with this key. Later, to rotate to a newer key: {rotation}."
        )
    _say("Keep it secret: it opens every stored Client Secret.")
    return EXIT_DONE


def _refuse_root_in_a_service_folder(store: ProfileStore) -> None:
    """Root writing into a folder that belongs to the dashboard's service account would leave
    files (0600, owned by root) that the dashboard cannot read: refuse, and say whom to run as."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    for what, folder in (("config", store.path.parent), ("data", store.data_folder())):
        here = folder if folder.exists() else folder.parent
        if not here.is_dir() or (owner := here.stat().st_uid) == 0:
            continue
        try:
            import pwd

            name = pwd.getpwuid(owner).pw_name
        except (ImportError, KeyError):
            name = str(owner)
        raise ConfigError(
            f"The {what} folder {here} belongs to {name}, the account the dashboard runs as, "
            "but this command runs as root: what it wrote there, the dashboard could not read.",
            advice=f"Run it as {name}, with the same environment: `runuser -u {name} -- bash`, "
            "then `set -a; . /etc/erbium-zoom/erbium-zoom.env; set +a` (README, “Deploying "
            "for the team”).",
        )


def run_profiles(
    args: argparse.Namespace, environ: Mapping[str, str] | None, stdin: TextIO | None
) -> int:
    """One ``profiles`` action; ZoomErrors propagate to the caller, which words them."""
    if args.action == "new-key":
        return run_new_key(args, environ)
    secrets, source = load(args.secrets_file, environ)
    _say(f"note: {source.statement()}")
    store = ProfileStore(
        secrets=secrets, environ=environ, guard=local_guard(environ, secrets), secrets_source=source
    )
    if args.action != "list":
        _refuse_root_in_a_service_folder(store)
    if args.action == "list":
        return run_list(store, args.json)
    if args.action == "add":
        return run_add(store, args, stdin or sys.stdin)
    if args.action == "remove":
        return run_remove(store, args.name)
    return run_rotate(store)
