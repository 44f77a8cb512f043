"""Client profiles: many clients' credentials, the secrets in the OS keyring.

A profile is a name, an Account ID, a Client ID, the hosts to list and a note. The non-secret
list is a JSON file under the user's config directory (platformdirs), readable by its owner
only; each Client Secret is stored with ``keyring`` (macOS Keychain, Windows Credential Locker,
Secret Service) and nowhere else. Where keyring has no secure backend (headless Linux gives its
fail backend; the null and plaintext backends count as not secure) profiles can still be kept,
but a secret is never written anywhere: :class:`SecretStoreError` says what to do instead.

No streamlit here.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keyring
import keyring.errors
from platformdirs import user_config_path

from erbium_zoom.config import DEFAULT_HOSTS, Credentials, clean_credentials, parse_hosts
from erbium_zoom.errors import ConfigError, SecretStoreError

KEYRING_SERVICE = "erbium-zoom"
PROFILES_FILE = "profiles.json"
MAX_NAME_LENGTH = 80


def default_profiles_path() -> Path:
    """Where the profile list lives: ERBIUM_ZOOM_CONFIG_DIR, else the user's config dir."""
    base = os.environ.get("ERBIUM_ZOOM_CONFIG_DIR")
    return (Path(base) if base else user_config_path("erbium-zoom")) / PROFILES_FILE


@dataclass(frozen=True)
class Profile:
    """One client's ERBIUM app, without its secret."""

    name: str
    account_id: str
    client_id: str
    hosts: tuple[str, ...] = DEFAULT_HOSTS
    note: str = ""

    @property
    def secret_key(self) -> str:
        """The keyring user name for this app's secret (shared by profiles of one app)."""
        return f"{self.account_id}:{self.client_id}"


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
        return KeyringStatus(False, "unknown", f"keyring could not start ({type(error).__name__}).")
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


def validate_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ConfigError(
            "Give the profile a name (for example the client's company).", field="name"
        )
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ConfigError(f"Profile names are at most {MAX_NAME_LENGTH} characters.", field="name")
    return cleaned


@dataclass
class ProfileStore:
    """The profile list on disk and the secrets in the keyring."""

    path: Path = field(default_factory=default_profiles_path)

    # ---- the list -------------------------------------------------------------------------

    def list(self) -> list[Profile]:
        """All profiles, sorted by name. A damaged file is reported, never silently replaced."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as error:
            raise ConfigError(
                f"Cannot read the profile list at {self.path}: {error.strerror}."
            ) from error
        try:
            rows = json.loads(raw)["profiles"]
            profiles = [
                Profile(
                    name=row["name"],
                    account_id=row["account_id"],
                    client_id=row["client_id"],
                    hosts=tuple(row.get("hosts") or DEFAULT_HOSTS),
                    note=row.get("note", ""),
                )
                for row in rows
            ]
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError(
                f"The profile list at {self.path} is damaged ({type(error).__name__}); it was "
                "left as it is. Fix or move the file, then reload."
            ) from error
        return sorted(profiles, key=lambda p: p.name.lower())

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.list() if p.name == name), None)

    def _write(self, profiles: list[Profile]) -> None:
        """Atomically replace the file, readable and writable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(
            {"profiles": [{**asdict(p), "hosts": list(p.hosts)} for p in profiles]}, indent=2
        )
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".profiles-", suffix=".tmp")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(body)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # ---- changes ------------------------------------------------------------------------

    def save(
        self,
        name: str,
        account_id: str,
        client_id: str,
        client_secret: str | None,
        *,
        hosts: str | tuple[str, ...] = DEFAULT_HOSTS,
        note: str = "",
        replacing: str | None = None,
    ) -> tuple[Profile, list[str]]:
        """Create a profile, or edit/rename ``replacing``. The secret goes to the keyring first.

        ``client_secret`` None keeps the stored secret (only when editing the same app).
        Returns the profile and warnings (trimmed whitespace).
        """
        name = validate_name(name)
        profiles = self.list()
        old = next((p for p in profiles if p.name == replacing), None) if replacing else None
        if replacing and old is None:
            raise ConfigError(f"There is no profile named {replacing!r} any more.", field="name")
        if any(p.name == name for p in profiles if p is not old):
            raise ConfigError(f"A profile named {name!r} exists already.", field="name")
        secret = client_secret
        if not secret:
            if old is None:
                raise ConfigError(
                    "The Client Secret is needed for a new profile.", field="client_secret"
                )
            secret = self.secret(old)  # kept; moved below if the app changed
        creds, warnings = clean_credentials(account_id, client_id, secret)
        host_tuple = (
            parse_hosts(hosts) if isinstance(hosts, str) else (tuple(hosts) or DEFAULT_HOSTS)
        )
        profile = Profile(name, creds.account_id, creds.client_id, host_tuple, note.strip())
        self._store_secret(profile, creds.client_secret)
        remaining = [p for p in profiles if p is not old] + [profile]
        self._write(remaining)
        if old is not None and old.secret_key != profile.secret_key:
            self._forget_secret_unless_used(old, remaining)
        return profile, warnings

    def delete(self, name: str) -> None:
        """Remove the profile, and its secret unless another profile uses the same app."""
        profiles = self.list()
        victim = next((p for p in profiles if p.name == name), None)
        if victim is None:
            raise ConfigError(f"There is no profile named {name!r}.", field="name")
        remaining = [p for p in profiles if p is not victim]
        self._write(remaining)
        self._forget_secret_unless_used(victim, remaining)

    # ---- secrets ------------------------------------------------------------------------

    def secret(self, profile: Profile) -> str:
        """The profile's Client Secret from the keyring."""
        _require_secure_keyring()
        try:
            value = keyring.get_password(KEYRING_SERVICE, profile.secret_key)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("read", error)) from None
        if not value:
            raise SecretStoreError(
                f"No Client Secret is stored for profile {profile.name!r} on this machine. "
                "Edit the profile and enter the secret again."
            )
        return value

    def credentials(self, profile: Profile) -> Credentials:
        return Credentials(profile.account_id, profile.client_id, self.secret(profile))

    def _store_secret(self, profile: Profile, secret: str) -> None:
        _require_secure_keyring()
        try:
            keyring.set_password(KEYRING_SERVICE, profile.secret_key, secret)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("store", error)) from None

    def _forget_secret_unless_used(self, profile: Profile, remaining: list[Profile]) -> None:
        if any(p.secret_key == profile.secret_key for p in remaining):
            return
        if not keyring_status().secure:
            return
        try:
            keyring.delete_password(KEYRING_SERVICE, profile.secret_key)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(_keyring_words("delete", error)) from None


def _require_secure_keyring() -> None:
    status = keyring_status()
    if not status.secure:
        raise SecretStoreError(f"Client Secrets cannot be kept on this machine: {status.reason}.")


def _keyring_words(action: str, error: Exception) -> str:
    # keyring's messages never hold the secret; the type name says what kind of failure.
    return f"The system keyring refused to {action} the Client Secret ({type(error).__name__})."
