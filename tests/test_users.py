"""Logins: the users file (bcrypt), its CLI, and the remembered-login cache."""

from __future__ import annotations

import base64
import io
import stat
from pathlib import Path

import pytest

import assistant.web.users
from assistant.errors import InputError
from assistant.web.users import UserFile
from tests.conftest import Cli


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assistant.web.users, "BCRYPT_ROUNDS", 4)


def _basic(name: str, password: str) -> bytes:
    return base64.b64encode(f"{name}:{password}".encode())


def test_add_check_change_remove(tmp_path: Path) -> None:
    users = UserFile(tmp_path / "users.txt")
    assert users.names() == []
    assert users.add("anna", "geheim-geheim") is True
    assert users.add("ben.k", "auch-geheim-1") is True
    assert users.names() == ["anna", "ben.k"]
    assert users.check("anna", "geheim-geheim") and not users.check("anna", "falsch-falsch") and not users.check("otto", "geheim-geheim")
    assert users.add("anna", "neues-passwort") is False and users.check("anna", "neues-passwort")
    users.remove("ben.k")
    assert users.names() == ["anna"]
    text = (tmp_path / "users.txt").read_text(encoding="utf-8")
    assert "geheim" not in text and "neues-passwort" not in text and text.count("$2b$") == 1
    assert stat.S_IMODE((tmp_path / "users.txt").stat().st_mode) == 0o600


@pytest.mark.parametrize("name, password, message", [
    ("anna maria", "geheim-geheim", "Ungültiger Benutzername"),
    ("anna:x", "geheim-geheim", "Ungültiger Benutzername"),
    ("anna", "kurz", "mindestens 10 Zeichen"),
])
def test_bad_names_and_short_passwords(tmp_path: Path, name: str, password: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        UserFile(tmp_path / "users.txt").add(name, password)
    assert message in raised.value.render("de")


def test_damaged_file_and_unknown_user(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    path.write_text("# Kommentar\nanna:klartext\n", encoding="utf-8")
    with pytest.raises(InputError, match="Zeile 2"):
        UserFile(path).names()
    with pytest.raises(InputError, match="gibt es"):
        UserFile(tmp_path / "other.txt").remove("anna")


def test_login_is_remembered_and_ends_with_removal(tmp_path: Path) -> None:
    users = UserFile(tmp_path / "users.txt")
    users.add("anna", "geheim-geheim")
    assert users.login(_basic("anna", "geheim-geheim")) == "anna"
    assert users.login(_basic("anna", "falsch-falsch")) is None
    assert users.login(b"%%%nicht-base64") is None
    checks: list[str] = []
    original = users.check
    users.check = lambda name, password: checks.append(name) or original(name, password)  # type: ignore[method-assign]
    assert users.login(_basic("anna", "geheim-geheim")) == "anna" and checks == []  # remembered: no bcrypt
    UserFile(tmp_path / "users.txt").remove("anna")  # another process (the CLI) removes her
    assert users.login(_basic("anna", "geheim-geheim")) is None


def test_cli_users(cli: Cli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("geheim-geheim\n"))
    assert cli("users", "add", "anna", "--password-stdin") == 0
    assert "angelegt" in capsys.readouterr().out
    answers = iter(["eins-zwei-drei", "eins-zwei-vier"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli("users", "add", "ben") == 2
    assert "stimmen nicht überein" in capsys.readouterr().err
    answers = iter(["eins-zwei-drei", "eins-zwei-drei"])
    assert cli("users", "add", "ben") == 0
    assert cli("users", "list") == 0
    assert capsys.readouterr().out.strip().splitlines()[-2:] == ["anna", "ben"]
    assert cli("users", "remove", "anna") == 0 and cli("users", "remove", "anna") == 2
    assert UserFile(cli.home / "users.txt").names() == ["ben"]
