"""Shared fixtures: settings in a temp dir, an app with the deterministic fake embedder, the CLI, an offline guard."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from assistant.app import App, build_app
from assistant.config import Settings
from tests.fakes import HashEmbedder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose corpus, index, models and cache all live in a temp dir."""
    (tmp_path / "corpus").mkdir()
    return Settings(home=tmp_path, cache_dir=tmp_path / "cache")


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def app(settings: Settings, embedder: HashEmbedder) -> App:
    return build_app(settings, embedder=embedder)


class Cli:
    """Runs ``assistant`` commands in this process against the project folder ``home``.

    ``ASSISTANT_HOME`` and ``ASSISTANT_CACHE_DIR`` point into ``home`` (restored after the test); every
    app a command builds gets a fresh :class:`HashEmbedder` of ``dimension`` instead of the real model.
    """

    def __init__(self, home: Path, monkeypatch: pytest.MonkeyPatch, dimension: int = 64) -> None:
        self.home = home
        self.dimension = dimension
        self._monkeypatch = monkeypatch
        self.env(home=home, cache_dir=home / "cache")

    def env(self, **settings: object) -> None:
        """Set settings for the following commands the way a user does: as ``ASSISTANT_*`` variables."""
        for name, value in settings.items():
            self._monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(value))

    def __call__(self, *argv: str) -> int:
        """Run one command; its exit code."""
        from assistant.cli import main

        return main(list(argv), app_factory=lambda settings: build_app(settings, embedder=HashEmbedder(self.dimension)))


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command line with its project folder in ``tmp_path`` and the hash embedder (see :class:`Cli`)."""
    return Cli(tmp_path, monkeypatch)


# -- offline guard ---------------------------------------------------------------------------------


class NetworkGuard:
    """Blocks and records every attempt to reach a non-loopback address from this process.

    Name lookups (``getaddrinfo``) of anything but loopback names and addresses, and ``connect`` /
    ``connect_ex`` / ``create_connection`` to non-loopback addresses raise :class:`OfflineViolation`
    and are recorded in :attr:`attempts` (a library may swallow the exception; the record stays).
    Unix sockets and loopback (127.0.0.0/8, ::1, "localhost") stay allowed, so a local web UI works.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []

    @staticmethod
    def is_loopback(host: object) -> bool:
        """True for loopback names and addresses (and for None, which getaddrinfo treats as local)."""
        import ipaddress

        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        name = str(host).strip("[]").split("%", 1)[0].lower()
        if name in ("localhost", "localhost.localdomain", "ip6-localhost", ""):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def refuse(self, what: str) -> "OfflineViolation":
        self.attempts.append(what)
        return OfflineViolation(f"Netzwerkzugriff im Offline-Test blockiert: {what}")


class OfflineViolation(OSError):
    """Raised by :class:`NetworkGuard` instead of letting a connection leave the machine."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fail the test on any outbound network attempt; telemetry switches set as ``disable_telemetry`` does.

    Reusable for any test (the UI tests use it around starting the web server): request the fixture,
    run the code, and the test fails at teardown if anything tried to connect to a non-loopback
    address, even when the library swallowed the error. The guard object's ``attempts`` lists them.
    """
    import os
    import socket

    from assistant.app import disable_telemetry

    before = dict(os.environ)
    disable_telemetry()
    for name in [n for n in os.environ if before.get(n) != os.environ[n]]:
        value = os.environ.pop(name)
        monkeypatch.setenv(name, value)  # restored (removed) after the test

    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection

    def target(sock: socket.socket, address: object) -> str | None:
        """The host of an address that leaves the machine, else None."""
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return None  # Unix sockets and the like stay local
        return None if guard.is_loopback(address[0]) else f"{address[0]}:{address[1]}"

    def connect(sock: socket.socket, address: object) -> None:
        host = target(sock, address)
        if host is not None:
            raise guard.refuse(f"connect {host}")
        real_connect(sock, address)  # type: ignore[arg-type]

    def connect_ex(sock: socket.socket, address: object) -> int:
        host = target(sock, address)
        if host is not None:
            raise guard.refuse(f"connect_ex {host}")
        return real_connect_ex(sock, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if not guard.is_loopback(host):
            raise guard.refuse(f"getaddrinfo {host}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        if not guard.is_loopback(address[0]):
            raise guard.refuse(f"create_connection {address[0]}:{address[1]}")
        return real_create_connection(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield guard
    if guard.attempts:
        pytest.fail(f"Netzwerkzugriffe während eines Offline-Tests: {guard.attempts}")
