"""Client Secrets in the database's ``client_secrets`` table, each one a Fernet token.

Used instead of the encrypted file (:class:`erbium_zoom.secret_store.EncryptedFileSecrets`) when
a database is configured (``[storage] url`` or ``ERBIUM_ZOOM_DATABASE_URL``), no secure keyring
exists and keys are set: every dashboard and command line sharing the database then shares the
secrets, while the database only ever holds ciphertext. The keys are the same settings as the
file's (``ERBIUM_ZOOM_SECRET_KEY`` or ``[storage] secret_keys``, newest first); a token that none
of them opens is reported naming that setting, and nothing is written meanwhile.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from erbium_zoom.errors import ZoomError
from erbium_zoom.secret_store import SecretKeys
from erbium_zoom.storage.database import Database, upsert
from erbium_zoom.storage.schema import client_secrets

KIND_DATABASE = "database"


class DatabaseSecrets:
    """The :class:`erbium_zoom.secret_store.SecretBackend` kept in ``client_secrets``."""

    kind = KIND_DATABASE
    can_store = True

    def __init__(self, database: Database, keys: SecretKeys):
        self.database = database
        self.keys = keys
        self.where = (
            f"in {database.shown} (client_secrets table, encrypted with the keys from "
            f"{keys.setting})"
        )

    def __repr__(self) -> str:
        return f"DatabaseSecrets({self.database.shown!r})"

    def _open(self, key: str, token: str) -> str:
        return self.keys.decrypt(token, f"A Client Secret in {self.database.shown}").decode()

    def _tokens(self) -> dict[str, str]:
        with self.database.connect() as db:
            return dict(db.execute(select(client_secrets.c.key, client_secrets.c.token)).all())

    def problem(self) -> ZoomError | None:
        try:
            for key, token in self._tokens().items():
                self._open(key, token)
        except ZoomError as error:  # unreadable tokens, or the database itself
            return error
        return None

    def get(self, key: str) -> str | None:
        with self.database.connect() as db:
            query = select(client_secrets.c.token).where(client_secrets.c.key == key)
            token = db.execute(query).scalar()
        return None if token is None else self._open(key, token)

    def put(self, key: str, secret: str) -> None:
        problem = self.problem()
        if problem is not None:  # never mix tokens of two keys that cannot all be read
            raise problem
        token = self.keys.fernet.encrypt(secret.encode()).decode()
        with self.database.connect("cannot be written") as db:
            upsert(db, client_secrets, {"key": key, "token": token})

    def delete(self, key: str) -> None:
        with self.database.connect() as db:
            db.execute(delete(client_secrets).where(client_secrets.c.key == key))

    def rotate(self) -> int:
        """Re-encrypt every secret with the newest key; how many. Nothing is written when one
        cannot be decrypted."""
        with self.database.connect() as db:
            rows = db.execute(select(client_secrets.c.key, client_secrets.c.token)).all()
            for key, token in rows:
                self._open(key, token)  # raises before anything is written
            for key, token in rows:
                fresh = self.keys.fernet.rotate(token.encode()).decode()
                db.execute(
                    update(client_secrets).where(client_secrets.c.key == key).values(token=fresh)
                )
        return len(rows)
