"""An in-memory keyring backend for tests only (defining one in app code would change keyring's
automatic choice of backend)."""

from __future__ import annotations

import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict; ``fail_with`` makes every call raise that KeyringError."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.fail_with: type[keyring.errors.KeyringError] | None = None

    def _maybe_fail(self):
        if self.fail_with is not None:
            raise self.fail_with("keyring is locked")

    def get_password(self, service, username):
        self._maybe_fail()
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self._maybe_fail()
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self._maybe_fail()
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]
