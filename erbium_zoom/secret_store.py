"""Where profiles' Client Secrets are kept: the OS keyring, or a Fernet-encrypted file.

One small interface, :class:`SecretBackend`, with three implementations chosen by
:func:`choose_backend`:

1. :class:`KeyringSecrets`: a secure OS keyring (macOS Keychain, Windows Credential Locker,
   Secret Service), always the first choice;
2. :class:`EncryptedFileSecrets`: where no secure keyring exists (a server), a file in the data
   folder encrypted with ``cryptography``'s Fernet, when keys are set: ``ERBIUM_ZOOM_SECRET_KEY``
   (comma-separated, newest first) or ``secret_keys`` in the secrets file's ``[storage]`` table
   (every message about keys names that file, or says that none was found and where it looked).
   MultiFernet decrypts with any of the keys and encrypts with the first, so adding a new key in
   front rotates, and :meth:`EncryptedFileSecrets.rotate` re-encrypts everything at once;
3. :class:`NoSecretStore`: neither, so secrets are not kept at all (never in plain text).

A wrong key or a damaged file raises :class:`SecretFileUnreadable` and the file is never
written while it cannot be read. Secrets are filed under ``ACCOUNT_ID:CLIENT_ID``.
No streamlit here.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.errors
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from erbium_zoom.errors import (
    NEW_KEY_COMMAND,
    SecretFileUnreadable,
    SecretKeyError,
    SecretStoreError,
    ZoomError,
)
from erbium_zoom.secrets_file import PLACEHOLDER, SECRETS_FILES_ENV, SecretsSource

try:  # POSIX: also keeps a command-line change and the dashboard from interleaving
    import fcntl
except ImportError:  # pragma: no cover - Windows, where the keyring is used anyway
    fcntl = None

KEYRING_SERVICE = "erbium-zoom"
SECRET_KEY_ENV = "ERBIUM_ZOOM_SECRET_KEY"
STORAGE_TABLE = "storage"
KEYS_SETTING = "secret_keys"
KEYS_IN_FILE = f"secret_keys in the secrets file's [{STORAGE_TABLE}] table"  # no file known
FILE_NAME = "client-secrets.enc"
FILE_FORMAT = "erbium-zoom client secrets"
FILE_VERSION = 1

KIND_KEYRING = "keyring"
KIND_FILE = "encrypted file"
KIND_NONE = "none"


def file_words(source: SecretsSource | None) -> str:
    """Which secrets file was read, for messages ("the secrets file", when not known)."""
    return "the secrets file" if source is None else source.words


def keys_in_file(source: SecretsSource | None) -> str:
    """The setting [storage] secret_keys, naming the secrets file it is read from."""
    if source is None:
        return KEYS_IN_FILE
    return f"secret_keys in the [{STORAGE_TABLE}] table of {source.words}"


def no_keys_words(source: SecretsSource | None) -> str:
    """Why no key is set, naming the secrets file that was read (or where none was found)."""
    if source is not None and not source.found:
        return f"{SECRET_KEY_ENV} is not set and no secrets file was found at {source.looked_at}"
    table = f"[{STORAGE_TABLE}] {KEYS_SETTING}"
    return f"{SECRET_KEY_ENV} is not set and {file_words(source)} has no {table}"


def new_key() -> str:
    """A fresh Fernet key (44 characters of URL-safe base64)."""
    return Fernet.generate_key().decode()


# ---- the keyring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyringStatus:
    """Whether secrets can be kept safely on this machine, in words."""

    secure: bool
    backend: str
    reason: str = ""


def keyring_status() -> KeyringStatus:
    """The keyring backend in use, and whether it keeps secrets safely."""
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # noqa: BLE001 - a broken keyring install must not crash a page
        return KeyringStatus(False, "unknown", f"keyring could not start ({type(error).__name__})")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    insecure = {
        "keyring.backends.fail": "no system keyring was found (common on servers without a "
        "desktop session)",
        "keyring.backends.null": "keyring is switched off (null backend)",
    }
    module = type(backend).__module__
    if module in insecure:
        return KeyringStatus(False, name, insecure[module])
    if "plaintext" in type(backend).__name__.lower() or module.startswith("keyrings.alt.file"):
        return KeyringStatus(False, name, "the keyring stores secrets as plain text")
    if module == "keyring.backends.chainer" and not getattr(backend, "backends", None):
        return KeyringStatus(False, name, "no system keyring was found")
    return KeyringStatus(True, name)


# ---- the interface ---------------------------------------------------------------------------


class SecretBackend(Protocol):
    """A place for Client Secrets. Every method raises a ZoomError in words, never the secret."""

    kind: str  # KIND_KEYRING, KIND_FILE or KIND_NONE
    where: str  # "in …" or "nowhere (…)": where secrets are kept, in words
    can_store: bool

    def problem(self) -> ZoomError | None:
        """Why stored secrets cannot be read now (wrong key, damaged file), or None."""

    def get(self, key: str) -> str | None:
        """The secret filed under ``key``, or None."""

    def put(self, key: str, secret: str) -> None: ...

    def delete(self, key: str) -> None:
        """Forget ``key``'s secret; nothing happens when there is none."""


class KeyringSecrets:
    """Secrets in the OS keyring, under the service name ``erbium-zoom``."""

    kind = KIND_KEYRING
    can_store = True

    def __init__(self, status: KeyringStatus):
        self.where = f"in the system keyring ({status.backend})"

    def problem(self) -> ZoomError | None:
        return None  # a locked keyring is only known when it is asked

    def get(self, key: str) -> str | None:
        try:
            return keyring.get_password(KEYRING_SERVICE, key)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("read", error)) from None

    def put(self, key: str, secret: str) -> None:
        try:
            keyring.set_password(KEYRING_SERVICE, key, secret)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("store", error)) from None

    def delete(self, key: str) -> None:
        try:
            keyring.delete_password(KEYRING_SERVICE, key)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("delete", error)) from None


def _keyring_words(action: str, error: Exception) -> str:
    # keyring's messages never hold the secret; the type name says what kind of failure.
    return f"The system keyring refused to {action} the Client Secret ({type(error).__name__})."


class NoSecretStore:
    """Neither a secure keyring nor a key: secrets are not kept (today's desktop-less default).

    An encrypted file left in the data folder (written with a key that is not set now, or by
    a command that read another secrets file) is a problem: its secrets cannot be read.
    """

    kind = KIND_NONE
    can_store = False

    def __init__(self, reason: str, source: SecretsSource | None = None, path: Path | None = None):
        self.reason = reason
        self.source = source
        self.path = path
        self.where = f"nowhere ({reason}; {no_keys_words(source)})"

    def _advice(self) -> str:
        if self.source is not None and not self.source.found:
            where = (
                f"in the [{STORAGE_TABLE}] table of the secrets file the dashboard reads (name it "
                f"with {SECRETS_FILES_ENV} or --secrets-file)"
            )
        else:
            where = f"in the [{STORAGE_TABLE}] table of {file_words(self.source)}"
        return (
            f"To keep Client Secrets in an encrypted file, make a key with `{NEW_KEY_COMMAND}` "
            f"and put it in {KEYS_SETTING} {where}, or in {SECRET_KEY_ENV}; or use a system "
            "keyring (unlocked). Meanwhile use the ZOOM_* environment variables, a [zoom] table "
            "in the secrets file (.streamlit/secrets.toml), or enter the credentials for this "
            "browser session only."
        )

    def refusal(self) -> SecretStoreError:
        error = SecretStoreError(
            f"Client Secrets cannot be kept on this machine: {self.reason}; "
            f"{no_keys_words(self.source)}.{self._elsewhere()}"
        )
        error.advice = self._advice()
        return error

    def _elsewhere(self) -> str:
        if self.source is None or self.source.found:
            return ""
        return (
            " If the dashboard reads a secrets file elsewhere, give this the same "
            f"{SECRETS_FILES_ENV} (the service's environment file) or --secrets-file."
        )

    def problem(self) -> ZoomError | None:
        if self.path is None or not self.path.exists():
            return None
        return SecretFileUnreadable(
            f"The encrypted secrets file {self.path} holds Client Secrets, but no key is set "
            f"to open it: {no_keys_words(self.source)}.{self._elsewhere()}",
            setting=f"{SECRET_KEY_ENV} or {keys_in_file(self.source)}",
        )

    def get(self, key: str) -> str | None:
        raise self.refusal()

    def put(self, key: str, secret: str) -> None:
        raise self.refusal()

    def delete(self, key: str) -> None:
        pass  # nothing was ever kept


class UnusableKeys:
    """Keys are set but one is malformed: nothing can be read or stored until it is fixed."""

    kind = KIND_FILE
    can_store = False

    def __init__(self, error: SecretKeyError, path: Path):
        self.error = error
        self.where = f"in the encrypted file {path} (its key setting {error.field} is not usable)"

    def problem(self) -> ZoomError | None:
        return self.error

    def get(self, key: str) -> str | None:
        raise self.error

    def put(self, key: str, secret: str) -> None:
        raise self.error

    def delete(self, key: str) -> None:
        raise self.error


# ---- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretKeys:
    """The Fernet keys, newest first, and the setting they came from (for messages)."""

    fernet: MultiFernet
    setting: str
    count: int

    def __repr__(self) -> str:
        return f"SecretKeys({self.count} from {self.setting})"

    def decrypt(self, token: str, where: str) -> bytes:
        """The plain text of ``token``; SecretFileUnreadable naming ``where`` (the file, or the
        database) and the setting when none of the keys opens it."""
        try:
            return self.fernet.decrypt(token.encode("ascii", "replace"))
        except InvalidToken:
            keys = "the key" if self.count == 1 else f"any of the {self.count} keys"
            raise SecretFileUnreadable(
                f"{where} cannot be decrypted with {keys} in {self.setting}: it was written with "
                "another key (one no longer in the list?), or it was altered.",
                setting=self.setting,
            ) from None


def secret_keys(
    secrets: Mapping[str, Any],
    environ: Mapping[str, str],
    source: SecretsSource | None = None,
) -> SecretKeys | None:
    """The keys from ERBIUM_ZOOM_SECRET_KEY, else from [storage] secret_keys; None when unset.

    Raises :class:`SecretKeyError` naming the setting (never the key) when one is malformed;
    ``source`` says which secrets file was read, for the messages.
    """
    raw: Any = (environ.get(SECRET_KEY_ENV) or "").strip()
    setting = SECRET_KEY_ENV
    if not raw:
        setting = keys_in_file(source)
        storage = secrets.get(STORAGE_TABLE)
        if storage is None:
            return None
        if not isinstance(storage, Mapping):
            raise SecretKeyError(
                f"[{STORAGE_TABLE}] in {file_words(source)} is not a table.", setting=setting
            )
        raw = storage.get(KEYS_SETTING)
        if raw is None:
            return None
    if isinstance(raw, str):
        parts = raw.split(",")
    elif isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        raise SecretKeyError(
            f"{setting} must be a list of keys or a comma-separated string.", setting=setting
        )
    parts = [part.strip() if isinstance(part, str) else part for part in parts]
    parts = [part for part in parts if part != ""]
    if not parts:
        return None
    fernets = []
    for position, part in enumerate(parts, start=1):
        which = f"key {position} of {len(parts)}" if len(parts) > 1 else "the key"
        if part == PLACEHOLDER:
            raise SecretKeyError(
                f"{setting}: {which} is still the template's {PLACEHOLDER}.", setting=setting
            )
        try:
            fernets.append(Fernet(part))
        except (ValueError, TypeError):
            raise SecretKeyError(
                f"{setting}: {which} is not a Fernet key.", setting=setting
            ) from None
    return SecretKeys(MultiFernet(fernets), setting, len(fernets))


# ---- the encrypted file ----------------------------------------------------------------------


def write_owner_only(path: Path, text: str) -> None:
    """Replace ``path`` atomically (temp file + os.replace) with a file only its owner can read
    and write (0600), creating the folder owner-only (0700) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_file_locks: dict[Path, threading.Lock] = {}
_file_locks_guard = threading.Lock()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One change at a time to the file: sessions of this process, and other processes."""
    with _file_locks_guard:
        lock = _file_locks.setdefault(path, threading.Lock())
    with lock:
        if fcntl is None:
            yield
            return
        handle = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock


class EncryptedFileSecrets:
    """Secrets in one Fernet token inside a small JSON file, owner-only, replaced atomically.

    The file is ``{"format", "version", "token"}``; the token decrypts to
    ``{"secrets": {"ACCOUNT_ID:CLIENT_ID": secret}}``. Every change decrypts, edits and encrypts
    the whole mapping with the newest key, so a change also finishes a rotation.
    """

    kind = KIND_FILE
    can_store = True

    def __init__(self, path: Path, keys: SecretKeys):
        self.path = Path(path)
        self.keys = keys
        self.where = f"in the encrypted file {self.path} (keys from {keys.setting})"

    def __repr__(self) -> str:
        return f"EncryptedFileSecrets({str(self.path)!r})"

    def _damaged(self, why: str) -> SecretFileUnreadable:
        return SecretFileUnreadable(
            f"The encrypted secrets file {self.path} is damaged ({why}).",
            setting=self.keys.setting,
        )

    def _read(self) -> dict[str, str]:
        """Every secret in the file ({} when there is no file yet)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise SecretFileUnreadable(
                f"The encrypted secrets file {self.path} cannot be read "
                f"({error.strerror or type(error).__name__}).",
                setting=self.keys.setting,
            ) from None
        try:
            wrapper = json.loads(raw)
            token = wrapper["token"]
            if wrapper.get("format") != FILE_FORMAT or not isinstance(token, str):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise self._damaged("not an erbium-zoom secrets file") from None
        body = self.keys.decrypt(token, f"The encrypted secrets file {self.path}")
        try:
            secrets = json.loads(body)["secrets"]
            if not all(isinstance(v, str) for v in secrets.values()):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise self._damaged("its decrypted contents are not a list of secrets") from None
        return secrets

    def _write(self, secrets: dict[str, str]) -> None:
        token = self.keys.fernet.encrypt(json.dumps({"secrets": secrets}).encode())
        body = {"format": FILE_FORMAT, "version": FILE_VERSION, "token": token.decode()}
        write_owner_only(self.path, json.dumps(body))

    @contextmanager
    def _changing(self) -> Iterator[dict[str, str]]:
        """Read, let the caller edit, write back; a file that cannot be read is never written."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # for the lock file
        with _locked(self.path):
            secrets = self._read()
            yield secrets
            self._write(secrets)

    def problem(self) -> ZoomError | None:
        try:
            self._read()
        except SecretFileUnreadable as error:
            return error
        return None

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def put(self, key: str, secret: str) -> None:
        with self._changing() as secrets:
            secrets[key] = secret

    def delete(self, key: str) -> None:
        if key not in self._read():
            return
        with self._changing() as secrets:
            secrets.pop(key, None)

    def rotate(self) -> int:
        """Re-encrypt every secret with the newest key; how many. No file: nothing to do (0)."""
        if not self.path.exists():
            return 0
        with self._changing() as secrets:
            count = len(secrets)  # unchanged: writing them back encrypts with the newest key
        return count


# ---- the choice ------------------------------------------------------------------------------


def secrets_file_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def choose_backend(
    secrets: Mapping[str, Any],
    environ: Mapping[str, str],
    data_dir: Path,
    source: SecretsSource | None = None,
) -> SecretBackend:
    """A secure keyring first; else the encrypted file when keys are set; else nothing.

    ``source``: which secrets file ``secrets`` was read from, named in every message.
    """
    status = keyring_status()
    if status.secure:
        return KeyringSecrets(status)
    path = secrets_file_path(data_dir)
    try:
        keys = secret_keys(secrets, environ, source)
    except SecretKeyError as error:
        return UnusableKeys(error, path)
    if keys is None:
        return NoSecretStore(status.reason, source, path)
    return EncryptedFileSecrets(path, keys)
