"""The secrets file as the dashboard's Streamlit would load it, read for the command line.

The dashboard gets it from ``st.secrets``; the ``profiles`` and ``check`` commands read the same
places themselves, with tomllib: Streamlit's defaults ``~/.streamlit/secrets.toml`` then
``./.streamlit/secrets.toml`` (later files win, table by table), replaced by the
``secrets.files`` option when ``~/.streamlit/config.toml`` or ``./.streamlit/config.toml`` sets
it ([secrets] files = [...]) or when STREAMLIT_SECRETS_FILES does (paths separated by spaces,
as ``streamlit run`` reads it), and by ``--secrets-file PATH`` on the command line. A folder in
the list is read as Streamlit reads Kubernetes-style secret folders. A file that cannot be parsed
is a :class:`ConfigError` naming it, with the line and column of a TOML error. A file that does
not end in ``.toml`` must be a folder, as for Streamlit.

:class:`SecretsSource` says which files were looked for, which exist and what named them, so
that every message about keys and profiles can say which secrets file was read (or that none
was found, and where it looked). No streamlit here.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erbium_zoom.errors import ConfigError

SECRETS_FILES_ENV = "STREAMLIT_SECRETS_FILES"
FIX = (
    "Fix it (TOML, as in .streamlit/secrets.toml.example) or name another file with "
    "--secrets-file, and try again."
)
DEFAULT_ORIGIN = "Streamlit's default places"
PLACEHOLDER = "CHANGE-ME"  # what deploy/secrets.toml.example leaves to be filled in
_TOML_WHERE = re.compile(
    r"^(?P<what>.*?) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$"
)


def _home() -> Path:
    return Path.home()


def _cwd() -> Path:
    return Path.cwd()


@dataclass(frozen=True)
class SecretsSource:
    """The secrets files looked for (in order), those that exist, and what named them."""

    paths: tuple[Path, ...]
    origin: str = DEFAULT_ORIGIN  # what chose the paths, in words
    found: tuple[Path, ...] = ()

    @classmethod
    def at(cls, paths: Sequence[Path | str], origin: str = DEFAULT_ORIGIN) -> SecretsSource:
        """The source for these paths (relative ones from the working folder), checked now."""
        full = tuple(_cwd() / Path(path).expanduser() for path in paths)
        return cls(full, origin, tuple(path for path in full if path.exists()))

    @property
    def words(self) -> str:
        """For messages: the secrets file X, the secrets files X and Y, or a secrets file (none
        was found at X or Y)."""
        if len(self.found) == 1:
            return f"the secrets file {self.found[0]}"
        if self.found:
            return f"the secrets files {_listed(self.found, 'and')}"
        return f"a secrets file (none was found at {self.looked_at})"

    @property
    def looked_at(self) -> str:
        return _listed(self.paths, "or") or "any path"

    def statement(self) -> str:
        """One sentence for the command line: the file read, or where none was found."""
        if self.found:
            read = "Secrets file read" if len(self.found) == 1 else "Secrets files read"
            return f"{read}: {_listed(self.found, 'then')} ({self.origin})."
        return (
            f"No secrets file was found: looked at {_listed(self.paths, 'and') or 'no path'} "
            f"({self.origin}). {SECRETS_FILES_ENV} or --secrets-file names another."
        )


def _listed(paths: Sequence[Path], last: str) -> str:
    names = [str(path) for path in paths]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {last} {names[-1]}"


def _toml_problem(error: tomllib.TOMLDecodeError) -> str:
    """tomllib's message as "line L, column C: what", or "at the end of the file: what"."""
    match = _TOML_WHERE.match(str(error))
    if match is None:
        return str(error)
    what = match["what"][:1].lower() + match["what"][1:]
    if match["line"]:
        return f"line {match['line']}, column {match['column']}: {what}"
    return f"at the end of the file: {what}"


def _parse_toml(path: Path, what: str) -> dict[str, Any] | None:
    """The file's contents; None when it does not exist; ConfigError naming it otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigError(
            f"The {what} {path} cannot be read: it is not UTF-8 text.", advice=FIX
        ) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"The {what} {path} cannot be read ({reason}).", advice=FIX) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says where (line, column) and what it expected, never the values around it.
        raise ConfigError(
            f"The {what} {path} cannot be parsed as TOML: {_toml_problem(error)}.", advice=FIX
        ) from None


def locate(
    explicit: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> SecretsSource:
    """Where the secrets are looked for, as Streamlit would (or the file given explicitly)."""
    if explicit is not None:
        return SecretsSource.at([explicit], "given with --secrets-file")
    env = os.environ if environ is None else environ
    home, cwd = _home(), _cwd()
    paths: list[str | Path] = [home / ".streamlit/secrets.toml", cwd / ".streamlit/secrets.toml"]
    origin = DEFAULT_ORIGIN
    for config in (home / ".streamlit/config.toml", cwd / ".streamlit/config.toml"):
        section = (_parse_toml(config, "Streamlit config file") or {}).get("secrets")
        files = section.get("files") if isinstance(section, Mapping) else None
        if files:
            paths = [files] if isinstance(files, str) else list(files)
            origin = f"named by secrets.files in {config}"
    if (env.get(SECRETS_FILES_ENV) or "").strip():
        paths = env[SECRETS_FILES_ENV].split()
        origin = f"named by {SECRETS_FILES_ENV}"
    return SecretsSource.at(paths, origin)


def _read_folder(folder: Path) -> dict[str, Any]:
    """Kubernetes-style secrets: one sub-folder per key, one file per value (as Streamlit)."""
    secrets: dict[str, Any] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            f"The secrets folder {folder} cannot be read ({reason}).", advice=FIX
        ) from None
    for sub in entries:
        if not sub.is_dir():
            raise ConfigError(
                f"The secrets folder {folder} holds {sub.name}, which is not a folder: in a "
                "secrets folder every secret is a sub-folder of files.",
                advice=FIX,
            )
        values = {}
        for file in sorted(f for f in sub.iterdir() if f.is_file()):
            try:
                values[file.name] = file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                reason = getattr(error, "strerror", None) or "not UTF-8 text"
                raise ConfigError(
                    f"The secret {file} cannot be read ({reason}).", advice=FIX
                ) from None
        secrets[sub.name] = next(iter(values.values())) if len(values) == 1 else values
    return secrets


def read_secrets(paths: Sequence[Path], *, required: bool = False) -> dict[str, Any]:
    """The secrets of ``paths`` merged (later files win); {} when none exists.

    As Streamlit: a path ending in ``.toml`` is a TOML file (one that does not exist is
    skipped), any other path must be a folder of Kubernetes-style secrets.
    ``required``: a path that does not exist is an error (a file named on the command line).
    """
    merged: dict[str, Any] = {}
    for path in paths:
        if path.suffix != ".toml":
            if not path.is_dir():
                raise ConfigError(
                    f"The secrets path {path} is neither a .toml file nor a folder"
                    f"{'' if path.exists() else ' (nothing is there)'}.",
                    advice=FIX,
                )
            merged.update(_read_folder(path))
            continue
        found = _parse_toml(path, "secrets file")
        if found is None and required:
            raise ConfigError(
                f"There is no secrets file at {path}.", advice="Check the --secrets-file path."
            )
        merged.update(found or {})
    return merged


def load(
    explicit: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], SecretsSource]:
    """The secrets (the file named on the command line, else those Streamlit would load), and
    where they came from."""
    source = locate(explicit, environ)
    return read_secrets(source.paths, required=explicit is not None), source


def load_secrets(
    explicit: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The secrets file named on the command line, else those Streamlit would load."""
    return load(explicit, environ)[0]
