"""The secrets file as the dashboard's Streamlit would load it, read for the command line.

The dashboard gets it from ``st.secrets``; the ``profiles`` and ``check`` commands read the same
places themselves, with tomllib: Streamlit's defaults ``~/.streamlit/secrets.toml`` then
``./.streamlit/secrets.toml`` (later files win, table by table), replaced by the
``secrets.files`` option when ``~/.streamlit/config.toml`` or ``./.streamlit/config.toml`` sets
it ([secrets] files = [...]) or when STREAMLIT_SECRETS_FILES does (paths separated by spaces,
as ``streamlit run`` reads it), and by ``--secrets-file PATH`` on the command line. A folder in
the list is read as Streamlit reads Kubernetes-style secret folders. A file that cannot be parsed
is a :class:`ConfigError` naming it. No streamlit here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from erbium_zoom.errors import ConfigError

SECRETS_FILES_ENV = "STREAMLIT_SECRETS_FILES"
FIX = (
    "Fix it (TOML, as in .streamlit/secrets.toml.example) or name another file with "
    "--secrets-file, and try again."
)


def _home() -> Path:
    return Path.home()


def _cwd() -> Path:
    return Path.cwd()


def _parse_toml(path: Path, what: str) -> dict[str, Any] | None:
    """The file's contents; None when it does not exist; ConfigError naming it otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigError(f"Cannot read the {what} {path} ({reason}).", advice=FIX) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says where (line, column) and what it expected, never the values around it.
        raise ConfigError(
            f"The {what} {path} cannot be parsed as TOML ({error}).", advice=FIX
        ) from None


def secrets_file_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where Streamlit would look for secrets, in order (later files win)."""
    env = os.environ if environ is None else environ
    home, cwd = _home(), _cwd()
    paths: list[str | Path] = [home / ".streamlit/secrets.toml", cwd / ".streamlit/secrets.toml"]
    for config in (home / ".streamlit/config.toml", cwd / ".streamlit/config.toml"):
        section = (_parse_toml(config, "Streamlit config file") or {}).get("secrets")
        files = section.get("files") if isinstance(section, Mapping) else None
        if files:
            paths = [files] if isinstance(files, str) else list(files)
    if (env.get(SECRETS_FILES_ENV) or "").strip():
        paths = env[SECRETS_FILES_ENV].split()
    return [cwd / Path(path).expanduser() for path in paths]


def _read_folder(folder: Path) -> dict[str, Any]:
    """Kubernetes-style secrets: one sub-folder per key, one file per value (as Streamlit)."""
    secrets: dict[str, Any] = {}
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir():
            raise ConfigError(
                f"{sub} is not a folder: in a secrets folder every secret is a sub-folder.",
                advice=FIX,
            )
        files = [f for f in sub.iterdir() if f.is_file()]
        values = {f.name: f.read_text(encoding="utf-8").strip() for f in files}
        secrets[sub.name] = next(iter(values.values())) if len(values) == 1 else values
    return secrets


def read_secrets(paths: Sequence[Path], *, required: bool = False) -> dict[str, Any]:
    """The secrets of ``paths`` merged (later files win); {} when none exists.

    ``required``: a path that does not exist is an error (a file named on the command line).
    """
    merged: dict[str, Any] = {}
    for path in paths:
        if path.is_dir():
            merged.update(_read_folder(path))
            continue
        if path.suffix != ".toml" and path.exists():
            raise ConfigError(
                f"The secrets file {path} is neither a .toml file nor a folder.", advice=FIX
            )
        found = _parse_toml(path, "secrets file")
        if found is None and required:
            raise ConfigError(
                f"There is no secrets file at {path}.", advice="Check the --secrets-file path."
            )
        merged.update(found or {})
    return merged


def load_secrets(
    explicit: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The secrets file named on the command line, else those Streamlit would load."""
    if explicit is not None:
        return read_secrets([Path(explicit).expanduser()], required=True)
    return read_secrets(secrets_file_paths(environ))
