"""Logins for a shared web UI: names and bcrypt hashes in a file, managed with ``assistant users``.

The file holds one ``name:hash`` line per user (the htpasswd format with bcrypt hashes, so it can also
be made or checked with Apache's ``htpasswd -B``). Passwords never appear in settings, environment
variables or logs; the file is written atomically and readable by its owner only.

Checking a bcrypt hash takes a quarter of a second on purpose; the web UI makes dozens of requests per
answer, so a successful login is remembered in memory (by a hash of the request's credentials, for
:data:`LOGIN_CACHE_SECONDS`), and a changed file is read again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from pathlib import Path

from ..errors import InputError

#: User names: letters, digits, ".", "_", "-" (they go into a file of "name:hash" lines and into logs).
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Shortest password accepted.
MIN_PASSWORD_CHARS = 10
#: bcrypt cost factor (2^12 rounds: about 0.25 s per check on a laptop core).
BCRYPT_ROUNDS = 12
#: How long a checked login is remembered in memory.
LOGIN_CACHE_SECONDS = 12 * 3600
#: A valid hash to check against for unknown names, so that they take as long as known ones.
_DUMMY_HASH = b"$2b$12$h8jPWXHiJDRfNKm1i9bU1u2QZ.PJF9GZs67oYXT4aWhd.t/WsfrGG"


class UserFile:
    """The users of one installation (``ASSISTANT_USERS_FILE``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._users: dict[str, bytes] = {}
        self._stamp: tuple[int, int] | None = None
        self._verified: dict[bytes, tuple[str, float]] = {}

    def names(self) -> list[str]:
        """The user names, sorted."""
        return sorted(self._load())

    def add(self, name: str, password: str) -> bool:
        """Add ``name`` or set a new password; True when the user is new."""
        import bcrypt

        if not _NAME.match(name):
            raise InputError("users.bad_name", name=name)
        if len(password) < MIN_PASSWORD_CHARS:
            raise InputError("users.short_password", chars=MIN_PASSWORD_CHARS)
        users = dict(self._load())
        new = name not in users
        users[name] = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS))
        self._save(users)
        return new

    def remove(self, name: str) -> None:
        users = dict(self._load())
        if name not in users:
            raise InputError("users.unknown", name=name, path=self.path)
        del users[name]
        self._save(users)

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (unknown names take as long and fail)."""
        import bcrypt

        stored = self._load().get(name)
        ok = bcrypt.checkpw(password.encode("utf-8"), stored or _DUMMY_HASH)
        return ok and stored is not None

    def login(self, credentials: bytes) -> str | None:
        """The user name for HTTP Basic ``credentials`` (the base64 part), or None; remembered when right."""
        import base64
        import binascii

        key = hashlib.sha256(self.path.as_posix().encode() + b"\0" + credentials).digest()
        now = time.monotonic()
        with self._lock:
            known = self._verified.get(key)
        users = self._load()
        if known is not None and known[1] > now and known[0] in users:
            return known[0]
        try:
            name, _, password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not self.check(name, password):
            return None
        with self._lock:
            self._verified[key] = (name, now + LOGIN_CACHE_SECONDS)
        return name

    # --- the file ---------------------------------------------------------------------------

    def _load(self) -> dict[str, bytes]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            with self._lock:
                self._users, self._stamp, self._verified = {}, None, {}
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp == self._stamp:
                return self._users
        users: dict[str, bytes] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("users.unreadable", path=self.path, error=str(exc)) from None
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, colon, hashed = line.strip().partition(":")
            if not colon or not _NAME.match(name) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
                raise InputError("users.bad_line", path=self.path, line=number)
            users[name] = hashed.encode("ascii")
        with self._lock:
            self._users, self._stamp = users, stamp
            self._verified = {k: v for k, v in self._verified.items() if v[0] in users}  # a removed user is out at once
        return users

    def _save(self, users: dict[str, bytes]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp: readable by the owner only
                handle.write("# assistant users: name:bcrypt-hash (managed with `assistant users add/remove`)\n")
                handle.writelines(f"{name}:{hashed.decode('ascii')}\n" for name, hashed in sorted(users.items()))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._stamp = None
