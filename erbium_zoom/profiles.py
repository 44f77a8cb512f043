"""Client profiles: many clients' credentials, the secrets kept safely or not at all.

A profile is a name, an Account ID, a Client ID, the hosts to list and a note. Profiles come
from two sources:

- **saved**: the non-secret list is a JSON file under the user's config directory
  (platformdirs), readable by its owner only, or the ``profiles`` table of the database when
  ``[storage] url`` / ``ERBIUM_ZOOM_DATABASE_URL`` names one (:mod:`erbium_zoom.storage`); each
  Client Secret goes to the secret backend of :mod:`erbium_zoom.secret_store` (a secure OS
  keyring first, else, when a key is set, Fernet tokens in the database's ``client_secrets``
  table when one is configured, or a Fernet-encrypted file in the data folder) and nowhere
  else. With neither, profiles can still be kept but a secret is never written anywhere:
  :class:`SecretStoreError` says what to do instead.
- **configuration**: ``[profiles."NAME"]`` tables of the secrets file (``account_id``,
  ``client_id``, ``client_secret``, ``hosts``, ``note``), read-only here.

:class:`ProfileStore` takes the secrets file as a plain mapping (``st.secrets`` in the
dashboard, :func:`erbium_zoom.secrets_file.load` on the command line). No streamlit here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_config_path
from sqlalchemy import delete, select

from erbium_zoom import storage
from erbium_zoom.access import Action
from erbium_zoom.config import DEFAULT_HOSTS, Credentials, clean_credentials, parse_hosts
from erbium_zoom.errors import (
    NEW_KEY_COMMAND,
    ConfigError,
    ReadOnlyProfile,
    SecretStoreError,
    ZoomError,
)
from erbium_zoom.models import ChangeOutcome
from erbium_zoom.secret_store import (
    KEYRING_SERVICE,
    SECRET_KEY_ENV,
    EncryptedFileSecrets,
    KeyringStatus,
    NoSecretStore,
    SecretBackend,
    choose_backend,
    file_words,
    keyring_status,
    keys_in_file,
    secret_keys,
    secrets_file_path,
    write_owner_only,
)
from erbium_zoom.secrets_file import SecretsSource
from erbium_zoom.storage.database import upsert
from erbium_zoom.storage.schema import profiles as profiles_table
from erbium_zoom.storage.secrets import DatabaseSecrets

if TYPE_CHECKING:
    from erbium_zoom.guard import Guard

__all__ = [
    "KEYRING_SERVICE",
    "KeyringStatus",
    "Profile",
    "ProfileStore",
    "StorageStatus",
    "keyring_status",
]

PROFILES_FILE = "profiles.json"
PROFILES_TABLE = "profiles"
MAX_NAME_LENGTH = 80

SOURCE_SAVED = "saved"
SOURCE_CONFIGURATION = "configuration"

SECRET_STORED = "stored"
SECRET_UNREADABLE = "unreadable"
SECRET_MISSING = "missing"
SECRET_CANNOT_BE_STORED = "cannot be stored"


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
    source: str = SOURCE_SAVED  # or SOURCE_CONFIGURATION: from the secrets file, read-only

    @property
    def secret_key(self) -> str:
        """What the secret is filed under (shared by profiles of one app)."""
        return f"{self.account_id}:{self.client_id}"

    @property
    def read_only(self) -> bool:
        return self.source == SOURCE_CONFIGURATION

    def to_dict(self) -> dict:
        """The fields profiles.json keeps (never a secret; the source is where it was read)."""
        return {
            "name": self.name,
            "account_id": self.account_id,
            "client_id": self.client_id,
            "hosts": list(self.hosts),
            "note": self.note,
        }


SECRETS_FILE_KIND = "secrets file"  # a configured profile's secret: its [profiles] table


@dataclass(frozen=True)
class SecretStatus:
    """One profile's Client Secret: its state (SECRET_*), the kind of place it is kept in
    (secret_store's KIND_* or SECRETS_FILE_KIND) and that place in words."""

    state: str
    kind: str
    where: str

    @property
    def short(self) -> str:
        """For a table column: "stored (encrypted file)", "missing", "unreadable", …"""
        return f"{self.state} ({self.kind})" if self.state == SECRET_STORED else self.state

    @property
    def text(self) -> str:
        """Where the secret is, or why it is not there, in words."""
        if self.state == SECRET_STORED:
            return f"stored {self.where}"
        if self.state == SECRET_MISSING:
            return f"missing: none {self.where}"
        if self.state == SECRET_UNREADABLE:
            return f"unreadable: {self.where.removeprefix('in ')} cannot be read"
        return f"cannot be stored here: {self.where}"


@dataclass(frozen=True)
class StorageStatus:
    """Where saved profiles' Client Secrets are kept, and what stops that, in words."""

    kind: str  # secret_store.KIND_KEYRING, KIND_FILE or KIND_NONE
    where: str
    can_store: bool
    problem: ZoomError | None = None  # wrong key, damaged file, malformed key

    @property
    def writable(self) -> bool:
        return self.can_store and self.problem is None


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
    """Saved profiles (the list on disk, secrets in the secret backend) and configured ones.

    ``secrets`` is the secrets file as a mapping (``[profiles]``, ``[storage]``); ``environ``
    gives ERBIUM_ZOOM_SECRET_KEY and ERBIUM_ZOOM_DATA_DIR (``os.environ`` when None);
    ``data_dir`` overrides where the encrypted secrets file goes; ``secrets_source`` says which
    secrets file ``secrets`` was read from (or where none was found), for every message.
    """

    path: Path = field(default_factory=default_profiles_path)
    secrets: Mapping[str, Any] | None = field(default=None, repr=False)
    environ: Mapping[str, str] | None = field(default=None, repr=False)
    data_dir: Path | None = None
    # Who is asking: secrets are read only with the right to read, changes are admin-only and
    # on the activity record. None: no check and no record (tests of the storage rules).
    guard: Guard | None = field(default=None, repr=False, compare=False)
    secrets_source: SecretsSource | None = field(default=None, compare=False)

    # ---- where secrets are kept ---------------------------------------------------------

    def _environ(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ

    def data_folder(self) -> Path:
        """The report cache's folder (ERBIUM_ZOOM_DATA_DIR, else the user's data folder)."""
        if self.data_dir is not None:
            return Path(self.data_dir)
        from erbium_zoom.store import default_path  # here: store imports check, which imports us

        return default_path(self._environ()).parent

    def database(self) -> storage.Database | None:
        """The database that ``[storage] url`` or ERBIUM_ZOOM_DATABASE_URL names, or None: the
        list stays in profiles.json and secrets in the data folder's encrypted file."""
        return storage.configured(self._environ(), self.secrets or {})

    def list_where(self) -> str:
        """Where saved profiles are listed, in words (profiles.json, or the database)."""
        database = self.database()
        return f"{database.shown} (profiles table)" if database else str(self.path)

    def secret_backend(self) -> SecretBackend:
        """Chosen at each use: a keyring can appear or a key be set while the dashboard runs.
        With a database configured, encrypted secrets go to its table instead of the file."""
        backend = choose_backend(
            self.secrets or {}, self._environ(), self.data_folder(), self.secrets_source
        )
        if isinstance(backend, EncryptedFileSecrets):
            database = self.database()
            if database is not None:
                return DatabaseSecrets(database, backend.keys)
        return backend

    @property
    def secrets_words(self) -> str:
        """The secrets file read, in words ("the secrets file X")."""
        return file_words(self.secrets_source)

    def storage(self, backend: SecretBackend | None = None) -> StorageStatus:
        """Where secrets are kept now, and what stops reading them (wrong key, damage)."""
        backend = backend or self.secret_backend()
        return StorageStatus(backend.kind, backend.where, backend.can_store, backend.problem())

    def require_writable(self) -> StorageStatus:
        """The storage status; raises the refusal in words when no secret can be stored now."""
        backend = self.secret_backend()
        status = self.storage(backend)
        if status.problem is not None:
            raise status.problem
        if isinstance(backend, NoSecretStore):
            raise backend.refusal()
        return status

    def rotate_key(self) -> int:
        """Re-encrypt the encrypted secrets file with the newest key; how many secrets.

        Raises SecretKeyError / ConfigError when no usable key is set, SecretFileUnreadable when
        no key in the list opens the file (which is then left as it is).
        """
        with self._recorded("rotate key", "", ""):
            return self._rotate_key()

    def _rotate_key(self) -> int:
        keys = secret_keys(self.secrets or {}, self._environ(), self.secrets_source)
        if keys is None:
            raise ConfigError(
                "No key is set, so there is no encrypted secrets file to re-encrypt "
                f"({SECRET_KEY_ENV} is unset; read: {self.secrets_words}).",
                field=SECRET_KEY_ENV,
                advice=f"Put the keys in {SECRET_KEY_ENV} (comma-separated, newest first) or in "
                f"{keys_in_file(self.secrets_source)}; `{NEW_KEY_COMMAND}` makes one.",
            )
        database = self.database()
        if database is not None:
            return DatabaseSecrets(database, keys).rotate()
        return EncryptedFileSecrets(secrets_file_path(self.data_folder()), keys).rotate()

    # ---- the list -------------------------------------------------------------------------

    def _saved(self) -> list[Profile]:
        """The saved profiles. A damaged file is reported, never silently replaced."""
        database = self.database()
        if database is not None:
            with database.connect() as db:
                rows = db.execute(select(profiles_table).order_by(profiles_table.c.name)).all()
            return [
                Profile(r.name, r.account_id, r.client_id, tuple(json.loads(r.hosts)), r.note)
                for r in rows
            ]
        return self._saved_in_file()

    def _saved_in_file(self) -> list[Profile]:
        """The profiles in profiles.json (the list when no database is configured)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as error:
            raise ConfigError(
                f"Cannot read the profile list at {self.path}: {error.strerror}.",
                advice="Make the file readable by the account the dashboard runs as, or set "
                "ERBIUM_ZOOM_CONFIG_DIR to the folder that holds the right one.",
            ) from error
        try:
            rows = json.loads(raw)["profiles"]
            return [
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

    def _configured_tables(self) -> tuple[dict[str, Mapping], list[str]]:
        """``[profiles."NAME"]`` tables by cleaned name, and what is wrong with the others."""
        table = (self.secrets or {}).get(PROFILES_TABLE)
        if table is None:
            return {}, []
        if not isinstance(table, Mapping):
            return {}, [
                f"[profiles] in {self.secrets_words} is not a table of profiles; it is ignored."
            ]
        tables, problems = {}, []
        for raw_name, row in table.items():
            where = f'[profiles."{raw_name}"] in {self.secrets_words}'
            if not isinstance(row, Mapping):
                problems.append(f"{where} is not a table; it is ignored.")
                continue
            try:
                tables[validate_name(str(raw_name))] = row
            except ConfigError as error:
                problems.append(f"{where} is ignored: {error.message}")
        return tables, problems

    def _configured(self) -> tuple[list[Profile], list[str]]:
        tables, problems = self._configured_tables()
        profiles = []
        for name, row in tables.items():
            try:
                account_id, client_id = (
                    str(row.get(key) or "").strip() for key in ("account_id", "client_id")
                )
                if not account_id or not client_id:
                    raise ConfigError("it needs both account_id and client_id")
                hosts = row.get("hosts")
                if isinstance(hosts, list | tuple):
                    hosts = ",".join(str(h) for h in hosts)
                host_tuple = parse_hosts(str(hosts), where="hosts") if hosts else DEFAULT_HOSTS
            except ConfigError as error:
                where = f'[profiles."{name}"] in {self.secrets_words}'
                problems.append(f"{where} is ignored: {error.message}")
                continue
            note = str(row.get("note") or "").strip()
            profiles.append(
                Profile(name, account_id, client_id, host_tuple, note, SOURCE_CONFIGURATION)
            )
        return profiles, problems

    def list(self, *, in_use: bool = False) -> list[Profile]:
        """Every profile, saved and configured, sorted by name (configured first on a tie).

        ``in_use``: one per name, the one :meth:`get` gives (configuration's on a tie).
        """
        profiles = self._saved() + self._configured()[0]
        profiles.sort(key=lambda p: (p.name.lower(), not p.read_only))
        if in_use:
            first: dict[str, Profile] = {}
            for profile in profiles:
                first.setdefault(profile.name, profile)
            profiles = list(first.values())
        return profiles

    def notices(self) -> list[str]:
        """What needs attention in the list: unusable configured tables, names used twice."""
        configured, problems = self._configured()
        configured_names = {p.name for p in configured}
        saved = self._saved()
        for name in sorted({p.name for p in saved} & configured_names):
            problems.append(
                f"“{name}” is both a saved profile and a profile from configuration "
                f'([profiles."{name}"] in {self.secrets_words}); the one from configuration is '
                "used. Rename or delete the saved one."
            )
        database = self.database()
        if database is not None and not saved and self.path.exists():
            try:
                left = len(self._saved_in_file())
            except ConfigError:
                left = 0
            if left:
                problems.append(
                    f"{self.path} holds {left} saved profile(s), but saved profiles are read from "
                    f"{database.shown} now ({database.setting}). `python -m erbium_zoom storage "
                    "copy` moves the data folder's profiles, secrets and record there."
                )
        return problems

    def get(self, name: str) -> Profile | None:
        """The profile of that name; the configured one when a saved one has the same name."""
        return next((p for p in self.list() if p.name == name), None)

    def _write(
        self, profiles: list[Profile], *, put: Profile | None = None, gone: str | None = None
    ) -> None:
        """Store the list: the file is replaced atomically (readable and writable by its owner
        only) with ``profiles``; in a database only the change is made, in one transaction
        (``put`` added or replaced, ``gone`` removed), so that two dashboards changing
        different profiles at once both keep their change."""
        database = self.database()
        if database is None:
            rows = [p.to_dict() for p in profiles]
            write_owner_only(self.path, json.dumps({"profiles": rows}, indent=2))
            return
        with database.connect("cannot be written") as db:
            if gone is not None:
                db.execute(delete(profiles_table).where(profiles_table.c.name == gone))
            if put is not None:
                row = put.to_dict()
                upsert(db, profiles_table, {**row, "hosts": json.dumps(row["hosts"])})

    # ---- changes ------------------------------------------------------------------------

    def _refuse_configured(self, name: str, doing: str) -> None:
        raise ReadOnlyProfile(
            f'{name!r} is a profile from configuration ([profiles."{name}"] in the secrets '
            f"file), so it cannot be {doing} here."
        )

    def _recorded(self, action: str, name: str, account_id: str):
        """The guard's admin-only check and activity record around one profile change."""
        if self.guard is None:
            return nullcontext(ChangeOutcome())
        return self.guard.recorded(
            Action.MANAGE_PROFILES, action, client=name, account_id=(account_id or "").strip()
        )

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
        """Create a profile, or edit/rename the saved profile ``replacing``. The secret is
        stored first; a secret store that cannot be read or written refuses, changing nothing.

        ``client_secret`` None keeps the stored secret (only when editing the same app).
        Returns the profile and warnings (trimmed whitespace).
        """
        cleaned = " ".join((name or "").split())
        if replacing is None:
            action = "add profile"
        else:
            action = "edit profile" if cleaned == replacing else "rename profile"
        with self._recorded(action, cleaned or (replacing or ""), account_id) as outcome:
            saved = self._save(name, account_id, client_id, client_secret, hosts, note, replacing)
            if action == "rename profile":
                outcome.message = f"renamed from {replacing}"
        return saved

    def _save(self, name, account_id, client_id, client_secret, hosts, note, replacing):
        name = validate_name(name)
        profiles = self._saved()
        configured = {p.name for p in self._configured()[0]}
        old = next((p for p in profiles if p.name == replacing), None) if replacing else None
        if replacing and old is None:
            if replacing in configured:
                self._refuse_configured(replacing, "edited")
            raise ConfigError(
                f"There is no profile named {replacing!r} any more.",
                field="name",
                advice="It was renamed or deleted meanwhile; reload the page to see the list.",
            )
        if any(p.name == name for p in profiles if p is not old):
            raise ConfigError(
                f"A profile named {name!r} exists already.",
                field="name",
                advice="Choose another name, or edit that profile.",
            )
        if name in configured and name != replacing:
            raise ConfigError(
                f"A profile named {name!r} comes from configuration ({self.secrets_words}).",
                field="name",
                advice="Choose another name.",
            )
        secret = client_secret
        if not secret:
            if old is None:
                raise ConfigError(
                    "The Client Secret is needed for a new profile.",
                    field="client_secret",
                    advice="Copy it from the ERBIUM app's App Credentials page in the Zoom "
                    "Marketplace.",
                )
            secret = self.secret(old)  # kept; moved below if the app changed
        creds, warnings = clean_credentials(account_id, client_id, secret)
        host_tuple = (
            parse_hosts(hosts) if isinstance(hosts, str) else (tuple(hosts) or DEFAULT_HOSTS)
        )
        profile = Profile(name, creds.account_id, creds.client_id, host_tuple, note.strip())
        backend = self.secret_backend()
        backend.put(profile.secret_key, creds.client_secret)
        remaining = [p for p in profiles if p is not old] + [profile]
        renamed = old.name if old is not None and old.name != profile.name else None
        self._write(remaining, put=profile, gone=renamed)
        if old is not None and old.secret_key != profile.secret_key:
            self._forget_secret_unless_used(backend, old, remaining)
        return profile, warnings

    def delete(self, name: str) -> list[str]:
        """Remove the saved profile, and its secret unless another profile uses the same app.

        Returns notes: a secret that could not be removed (the store cannot be read) is said.
        """
        known = next((p for p in self.list() if p.name == name), None)
        with self._recorded("delete profile", name, known.account_id if known else ""):
            return self._delete(name)

    def _delete(self, name: str) -> list[str]:
        profiles = self._saved()
        victim = next((p for p in profiles if p.name == name), None)
        if victim is None:
            if any(p.name == name for p in self._configured()[0]):
                self._refuse_configured(name, "deleted")
            raise ConfigError(
                f"There is no saved profile named {name!r}.",
                field="name",
                advice="Check the name against the list of profiles.",
            )
        remaining = [p for p in profiles if p is not victim]
        self._write(remaining, gone=victim.name)
        try:
            self._forget_secret_unless_used(self.secret_backend(), victim, remaining)
        except ZoomError as error:  # a store it cannot read: its secret stays, encrypted
            return [f"{name} was deleted, but its Client Secret could not be removed: {error}"]
        return []

    # ---- secrets ------------------------------------------------------------------------

    def _configured_secret(self, profile: Profile) -> str:
        row = self._configured_tables()[0].get(profile.name) or {}
        value = str(row.get("client_secret") or "")
        if not value.strip():
            raise ConfigError(
                f'[profiles."{profile.name}"] in {self.secrets_words} has no client_secret.',
                field="client_secret",
                advice="Add client_secret to that table of the secrets file.",
            )
        return value

    def secret(self, profile: Profile) -> str:
        """The profile's Client Secret: from the secrets file, or from the secret backend."""
        if self.guard is not None:
            self.guard.read()
        if profile.read_only:
            return self._configured_secret(profile)
        backend = self.secret_backend()
        value = backend.get(profile.secret_key)
        if not value:
            raise SecretStoreError(
                f"No Client Secret is stored for profile {profile.name!r} {backend.where}.",
                advice="An admin can enter the secret again: All clients → Edit or rename, or "
                f'`python -m erbium_zoom profiles add "{profile.name}" --account-id … '
                "--client-id … --replace`.",
            )
        return value

    def secret_state(self, profile: Profile) -> str:
        """SECRET_STORED, SECRET_UNREADABLE, SECRET_MISSING or SECRET_CANNOT_BE_STORED."""
        return self.secret_status(profile).state

    def secret_where(self, profile: Profile) -> str:
        """Where the profile's secret is kept, in words, without reading it: the secrets file's
        table for a configured profile, else the secret backend in use now."""
        if profile.read_only:
            return f'in the secrets file ([{PROFILES_TABLE}."{profile.name}"] table)'
        return self.secret_backend().where

    def secret_status(self, profile: Profile) -> SecretStatus:
        """The profile's secret: whether it can be had, and where it is (or is not) kept."""
        if profile.read_only:
            where = self.secret_where(profile)
            try:
                self._configured_secret(profile)
            except ConfigError:
                return SecretStatus(SECRET_MISSING, SECRETS_FILE_KIND, where)
            return SecretStatus(SECRET_STORED, SECRETS_FILE_KIND, where)
        backend = self.secret_backend()
        if not backend.can_store and backend.problem() is None:
            reason = getattr(backend, "reason", "") or backend.where
            return SecretStatus(SECRET_CANNOT_BE_STORED, backend.kind, reason)
        try:
            found = backend.get(profile.secret_key)
        except ZoomError:
            return SecretStatus(SECRET_UNREADABLE, backend.kind, backend.where)
        return SecretStatus(SECRET_STORED if found else SECRET_MISSING, backend.kind, backend.where)

    def credentials(self, profile: Profile) -> Credentials:
        if not profile.read_only:
            return Credentials(profile.account_id, profile.client_id, self.secret(profile))
        try:
            creds, _ = clean_credentials(
                profile.account_id, profile.client_id, self.secret(profile)
            )
        except ConfigError as error:
            raise ConfigError(
                f'[profiles."{profile.name}"] in {self.secrets_words}: {error.message}',
                field=error.field,
                advice=error.advice,
            ) from None
        return creds

    def _forget_secret_unless_used(
        self, backend: SecretBackend, profile: Profile, remaining: list[Profile]
    ) -> None:
        if any(p.secret_key == profile.secret_key for p in remaining):
            return
        backend.delete(profile.secret_key)
