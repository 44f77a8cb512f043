"""Command line: ``python -m erbium_zoom check [--json] [--profile NAME | --all]``, ``profiles``,
``storage``, ``watch`` and ``simulate``.

``check`` tests the credentials in the environment (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,
ZOOM_CLIENT_SECRET; ERBIUM_ZOOM_OAUTH_URL / ERBIUM_ZOOM_API_URL to point elsewhere), or
profiles (saved, or from the secrets file), one entry per profile in ``results``, and exits
0 (all 17 scopes), 1 (scopes missing) or 2 (cannot authenticate / bad configuration).
``profiles`` lists, adds and removes profiles (:mod:`erbium_zoom.profiles_command`).
``storage`` upgrades the storage database or copies the data folder into PostgreSQL
(:mod:`erbium_zoom.storage.command`).
``watch`` checks every client profile once (``--once``) or every interval (``--every 15m``),
keeps the outcomes and notifies changes (:mod:`erbium_zoom.watch_command`).
``simulate`` serves the simulated Zoom account on 127.0.0.1. No traceback reaches the output:
every failure is a sentence and an exit code.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import json
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import httpx

from erbium_zoom.check import (
    EXIT_CANNOT_AUTHENTICATE,
    CheckResult,
    check_credentials,
    check_profile,
    format_check_text,
    overall_exit_code,
)
from erbium_zoom.config import credentials_from_env, settings_from_env
from erbium_zoom.errors import ConfigError, ZoomError, user_message
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.profiles_command import add_profiles_parser, add_secrets_file_option, run_profiles
from erbium_zoom.secrets_file import load, load_secrets
from erbium_zoom.storage.command import add_storage_parser, run_storage
from erbium_zoom.watch_command import add_watch_parser, run_watch


class _Parser(argparse.ArgumentParser):
    """argparse, except that arguments it does not know are not repeated: one may be a secret
    typed where it does not belong (the Client Secret is read from standard input only). Only
    the option names are said (``--hosts``, never its value, nor an ``=value`` after it). No
    abbreviations either: ``--secret X`` must not be taken for ``--secrets-file X``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(_unexpected(extras, parsed))
        return parsed


_OPTION_NAME = re.compile(r"--[a-z][a-z0-9-]{0,30}")


def _unexpected(extras: Sequence[str], parsed: argparse.Namespace) -> str:
    """The usage error for arguments the command does not take: option names, never values."""
    command = " ".join(
        word for word in (getattr(parsed, "command", None), getattr(parsed, "action", None)) if word
    )
    # Only what looks like a long option's name is said: a value (a secret starting with "-",
    # say) never is.
    names = (e.split("=", 1)[0] for e in extras)
    options = list(dict.fromkeys(n for n in names if _OPTION_NAME.fullmatch(n)))
    what = ", ".join(options) if options else "these arguments"
    return (
        f"`{command or 'python -m erbium_zoom'}` does not take {what}. Other arguments are not "
        "repeated here, in case one is a secret: a Client Secret is never taken from an "
        "argument (`profiles add` reads it from standard input). "
        f"`python -m erbium_zoom {command + ' ' if command else ''}--help` lists what it takes."
    )


def _number(kind: type, low: float, high: float | None, words: str):
    """An argparse type: a number of ``kind`` from ``low`` to ``high``, else a usage error
    (exit 2) that says the allowed range in ``words``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number: {words}") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text} is out of range: {words}")
        return value

    return parse


PORT = _number(int, 0, 65535, "a port is 1 to 65535, or 0 for any free port")
COUNT = _number(int, 0, None, "give a whole number, 0 or more")
POSITIVE = _number(int, 1, None, "give a whole number, 1 or more")
LATENCY = _number(float, 0, 60, "give seconds per request, from 0 to 60")
LIMIT_CATEGORIES = ("Light", "Medium", "Heavy")


def _limit(pair: str) -> tuple[str, int]:
    """An argparse type for CATEGORY=N (--qps-limit, --daily-limit)."""
    category, _, number = pair.partition("=")
    category = category.strip().capitalize()
    if category not in LIMIT_CATEGORIES or not number.strip().isdigit():
        raise argparse.ArgumentTypeError(
            f"{pair!r} is not CATEGORY=N with CATEGORY Light, Medium or Heavy and N a whole "
            "number (e.g. Heavy=10)"
        )
    return category, int(number)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m erbium_zoom",
        description="Check Zoom Server-to-Server OAuth credentials, or run a simulated Zoom.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check",
        help="check the credentials in the environment",
        description="Exit 0: all 17 scopes; 1: scopes missing; 2: cannot authenticate.",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    which = check.add_mutually_exclusive_group()
    which.add_argument(
        "--profile", action="append", metavar="NAME", help="check a profile (repeatable)"
    )
    which.add_argument("--all", action="store_true", help="check every saved profile")
    add_secrets_file_option(check)

    add_profiles_parser(commands)
    add_storage_parser(commands, add_secrets_file_option)
    add_watch_parser(commands, add_secrets_file_option, POSITIVE)

    simulate = commands.add_parser("simulate", help="serve a simulated Zoom account on 127.0.0.1")
    simulate.add_argument("--port", type=PORT, default=8765, help="port on 127.0.0.1 (0: any)")
    simulate.add_argument("--scenario", default="full", help="scenario name or missing:a,b")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--account-id")
    simulate.add_argument("--client-id")
    simulate.add_argument("--client-secret")
    simulate.add_argument("--latency", type=LATENCY, default=0.0, help="seconds per request")
    simulate.add_argument(
        "--qps-limit",
        type=_limit,
        action="append",
        default=[],
        metavar="CATEGORY=N",
        help="requests per second for Light, Medium or Heavy (repeatable)",
    )
    simulate.add_argument(
        "--qps-window",
        choices=("clock", "sliding"),
        default="clock",
        help="count --qps-limit per clock second, or over the 1 s before each request",
    )
    simulate.add_argument(
        "--daily-limit",
        type=_limit,
        action="append",
        default=[],
        metavar="CATEGORY=N",
        help="requests per UTC day for Light, Medium or Heavy (repeatable)",
    )
    simulate.add_argument("--token-ttl", type=POSITIVE, default=3599, help="expires_in, seconds")
    simulate.add_argument(
        "--expire-tokens-after",
        type=POSITIVE,
        metavar="N",
        help="expire every token issued so far after N API requests",
    )
    simulate.add_argument("--server-errors", type=COUNT, default=0, metavar="N")
    simulate.add_argument("--malformed-json", type=COUNT, default=0, metavar="N")
    return parser


def _env_account(environ: Mapping[str, str] | None) -> str:
    """ZOOM_ACCOUNT_ID as given, for the heading when the check cannot start (only the
    Client ID may be missing, say: the account is still known)."""
    env = os.environ if environ is None else environ
    return (env.get("ZOOM_ACCOUNT_ID") or "").strip()[:64]


def _environment_results(environ, settings, transport) -> list[CheckResult]:
    try:
        credentials, warnings = credentials_from_env(environ)
        if credentials is None:
            raise ConfigError(
                "No credentials: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET "
                "(the ERBIUM app's App Credentials in the Zoom Marketplace), or use --profile."
            )
    except ConfigError as error:
        return [CheckResult(account_id=_env_account(environ), error=error)]
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return [check_credentials(credentials, settings, transport=transport, warnings=warnings)]


def _profile_results(args, settings, transport, environ) -> list[CheckResult]:
    """One result per profile asked for, in order; one failing never stops the others."""
    secrets, source = load(args.secrets_file, environ)
    store = ProfileStore(secrets=secrets, environ=environ, secrets_source=source)
    by_name = {p.name: p for p in store.list(in_use=True)}
    for notice in store.notices():
        print(f"warning: {notice}", file=sys.stderr)
    names = list(by_name) if args.all else args.profile
    if not by_name:
        return [
            CheckResult(
                account_id="", profile=None if args.all else name, error=_no_profiles(store)
            )
            for name in names or [None]
        ]
    results = []
    for name in names:
        profile = by_name.get(name)
        if profile is None:
            error = _no_such_profile(name, sorted(by_name, key=str.lower))
            results.append(CheckResult(account_id="", profile=name, error=error))
            continue
        results.append(check_profile(store, profile, settings, transport=transport))
    return results


PROFILES_LIST = "python -m erbium_zoom profiles list"


def _no_profiles(store: ProfileStore) -> ConfigError:
    return ConfigError(
        f"No client profiles yet: none is saved in {store.list_where()}, and none comes from the "
        'secrets file ([profiles."NAME"] tables).',
        field="profile",
        advice="Add one with `python -m erbium_zoom profiles add` or on the All clients page, "
        "then check again.",
    )


def _no_such_profile(name: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1) or [
        k for k in known if k.lower() == name.lower()
    ]
    shown = ", ".join(known[:5]) + (", …" if len(known) > 5 else "")
    return ConfigError(
        f"No profile named {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""),
        field="profile",
        advice=f"`{PROFILES_LIST}` shows the names ({shown}).",
    )


def run_check(
    args: argparse.Namespace,
    environ: Mapping[str, str] | None,
    transport: httpx.BaseTransport | None,
) -> int:
    try:
        settings = settings_from_env(environ)
    except ConfigError as error:
        account = "" if args.all or args.profile else _env_account(environ)
        results = [CheckResult(account_id=account, error=error)]
    else:
        if args.all or args.profile:
            results = _profile_results(args, settings, transport, environ)
        else:
            results = _environment_results(environ, settings, transport)
    if args.json:
        print(json.dumps({"results": [r.to_dict() for r in results]}, indent=2))
    else:
        print("\n\n".join(format_check_text(r) for r in results))
    return overall_exit_code(results)


SIMULATOR_HOST = "127.0.0.1"


def _cannot_serve(error: OSError, port: int) -> ConfigError:
    """Why the simulator cannot listen on ``port``, naming it, and what to do."""
    where = f"Port {port} on {SIMULATOR_HOST}"
    if error.errno == errno.EADDRINUSE:
        return ConfigError(
            f"{where} is already in use; stop what uses it or pick another with --port.",
            field="port",
            advice="`--port 0` picks any free port.",
        )
    if error.errno == errno.EACCES:
        return ConfigError(
            f"{where} needs administrator rights (ports below 1024 do).",
            field="port",
            advice="Pick one from 1024 to 65535 with --port, or 0 for any free port.",
        )
    return ConfigError(
        f"{where} cannot be used: {error.strerror or type(error).__name__}.",
        field="port",
        advice="Pick another with --port, or 0 for any free port.",
    )


def _words(error: BaseException) -> str:
    """An error as the sentence the command prints: never a raw ``[Errno N]``."""
    if isinstance(error, ZoomError):
        return user_message(error)
    if isinstance(error, OSError):
        said = error.strerror or type(error).__name__
        if error.filename:
            return (
                f"Cannot use {error.filename}: {said}. Check that the folder exists and that "
                "you may write there (ERBIUM_ZOOM_CONFIG_DIR and ERBIUM_ZOOM_DATA_DIR choose "
                "the folders)."
            )
        return f"{said}."
    return str(error)


def run_simulate(args: argparse.Namespace) -> int:
    from erbium_zoom import simulator  # only this command needs it

    scenario = simulator.scenario_from_name(args.scenario)
    faults = simulator.Faults(
        qps_limits=dict(args.qps_limit),
        qps_window=args.qps_window,
        daily_limits=dict(args.daily_limit),
        latency=args.latency,
        token_ttl=args.token_ttl,
        expire_tokens_after=args.expire_tokens_after,
        server_errors=args.server_errors,
        malformed_json=args.malformed_json,
    )
    sim = simulator.SimulatedZoom(
        scenario,
        seed=args.seed,
        faults=faults,
        account_id=args.account_id or simulator.DEFAULT_ACCOUNT_ID,
        client_id=args.client_id or simulator.DEFAULT_CLIENT_ID,
        client_secret=args.client_secret or simulator.DEFAULT_CLIENT_SECRET,
    )
    try:
        served = simulator.serve(sim, port=args.port)
    except OSError as error:
        raise _cannot_serve(error, args.port) from None
    with served as server:
        print(f"Simulated Zoom ({scenario.name}: {scenario.description}) on {server.url}")
        print("Point erbium-zoom at it with:")
        print(f"  export ERBIUM_ZOOM_OAUTH_URL={server.oauth_url}")
        print(f"  export ERBIUM_ZOOM_API_URL={server.api_url}")
        print(f"  export ZOOM_ACCOUNT_ID={sim.account_id}")
        print(f"  export ZOOM_CLIENT_ID={sim.client_id}")
        if args.client_secret:
            print("  export ZOOM_CLIENT_SECRET=<the --client-secret you gave>")
        else:
            # The default is a published test value, shown so the server can be used at all.
            print(f"  export ZOOM_CLIENT_SECRET={simulator.DEFAULT_CLIENT_SECRET}")
        print("Press Ctrl+C to stop.", flush=True)
        server.wait()
    return 0


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    stdin: TextIO | None = None,
) -> int:
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already said on stderr
        return stop.code if isinstance(stop.code, int) else EXIT_CANNOT_AUTHENTICATE
    try:
        if args.command == "check":
            return run_check(args, environ, transport)
        if args.command == "profiles":
            return run_profiles(args, environ, stdin)
        if args.command == "watch":
            return run_watch(args, environ, transport)
        if args.command == "storage":
            return run_storage(args, environ, load_secrets(args.secrets_file, environ))
        return run_simulate(args)
    except KeyboardInterrupt:
        return 130
    except (ZoomError, ValueError, OSError) as error:
        print(f"error: {_words(error)}", file=sys.stderr)
        return EXIT_CANNOT_AUTHENTICATE
    except Exception as error:  # the promise is: never a traceback
        print(f"error: {user_message(error)}", file=sys.stderr)
        return EXIT_CANNOT_AUTHENTICATE


if __name__ == "__main__":
    sys.exit(main())
