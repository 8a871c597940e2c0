"""The message catalogue: complete in both languages, and every id the code uses exists with its parameters."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from assistant.errors import AssistantError, DocumentError, IndexStateError, InputError
from assistant.indexing.ingest import IngestReport
from assistant.messages import LANGUAGES, MESSAGES, Message, text
from assistant.web.conversation import Turn
from assistant.web.library import report_messages
from assistant.web.presentation import turn_html

ROOT = Path(__file__).resolve().parent.parent
#: Code that may name messages: the product and the benchmarks (which raise the product's errors).
SOURCES = sorted([*(ROOT / "assistant").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])
#: The catalogue itself and the error base class handle ids as variables.
INFRASTRUCTURE = {ROOT / "assistant" / "messages.py", ROOT / "assistant" / "errors.py"}


def _error_classes(cls: type = AssistantError) -> set[str]:
    return {cls.__name__}.union(*(_error_classes(sub) for sub in cls.__subclasses__()))


#: Calls whose first argument is a message id.
MESSAGE_CALLS = {"text", "Message"} | _error_classes()


def _placeholders(template: str) -> set[tuple[str, str, str]]:
    """(name, conversion, format spec) of every placeholder."""
    return {
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    }


def _names(template: str) -> set[str]:
    return {name for name, _, _ in _placeholders(template)}


def _calls() -> list[tuple[str, ast.Call]]:
    """Every call of ``text``, ``Message`` or an error class in the code, with where it is."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in MESSAGE_CALLS:
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def test_every_message_has_german_and_english_text() -> None:
    for msg_id, entry in MESSAGES.items():
        assert set(entry) == set(LANGUAGES), msg_id
        assert all(entry[language].strip() for language in LANGUAGES), msg_id


def test_german_and_english_take_the_same_parameters() -> None:
    for msg_id, entry in MESSAGES.items():
        assert _placeholders(entry["de"]) == _placeholders(entry["en"]), msg_id


def test_every_call_names_an_existing_message_as_a_literal_with_its_parameters() -> None:
    calls = _calls()
    assert len(calls) > 150  # the scan sees the code
    for where, call in calls:
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            # Only the catalogue and the error base class pass ids on as variables; elsewhere an id
            # that is not a literal could not be checked here.
            assert any(where.startswith(str(p.relative_to(ROOT))) for p in INFRASTRUCTURE), f"{where}: id is not a literal"
            continue
        msg_id = first.value
        # Also catches an error built from plain text, which could not be translated.
        assert msg_id in MESSAGES, f"{where}: {msg_id!r} is not a message id"
        if any(keyword.arg is None for keyword in call.keywords):
            continue  # **params: checked when rendered
        given = {keyword.arg for keyword in call.keywords}
        assert given == _names(MESSAGES[msg_id]["de"]), f"{where}: parameters of {msg_id!r}"


def test_every_message_is_used() -> None:
    used = {call.args[0].value for _, call in _calls() if call.args and isinstance(call.args[0], ast.Constant)}
    assert not set(MESSAGES) - used, sorted(set(MESSAGES) - used)


def test_text_renders_a_language_and_falls_back_to_german() -> None:
    assert text("ui.send", "en") == "Send"
    assert text("ui.send") == text("ui.send", "fr") == "Senden"
    with pytest.raises(KeyError):
        text("ui.no_such_message")
    with pytest.raises(KeyError):
        Message("ui.no_such_message")
    with pytest.raises(KeyError):
        text("ui.queued", "de")  # the position is missing


def test_numbers_take_the_separators_of_the_language() -> None:
    assert "höchstens 10.000.000 Zeichen" in text("doc.too_much_text", "de", name="a.txt", max_chars=10_000_000)
    assert "at most 10,000,000 characters" in text("doc.too_much_text", "en", name="a.txt", max_chars=10_000_000)
    assert text("ui.seconds_fraction", "de", seconds=0.4213) == "0,42 s"
    assert text("ui.seconds_fraction", "en", seconds=0.4213) == "0.42 s"


def test_an_error_renders_in_english_and_stays_german_as_a_string() -> None:
    error = DocumentError("doc.unsupported_type", name="bild.png", suffix=Message("doc.no_suffix"), supported=".md, .pdf")
    assert str(error) == "bild.png: Dateityp (ohne Endung) wird nicht unterstützt – unterstützt werden .md, .pdf."
    assert error.render("en") == "bild.png: file type (no extension) is not supported – supported are .md, .pdf."
    assert error.render("en") != str(error) and error.message.id == "doc.unsupported_type"
    assert error.exit_code == 3


def test_the_ui_shows_failure_reasons_in_its_language() -> None:
    report = IngestReport(failed={"a.pdf": Message("doc.pdf_password", name="a.pdf")})
    assert "password-protected" in report_messages(report, "en")[1]
    assert "passwortgeschützt" in report_messages(report, "de")[1]
    turn = Turn("Frage", "Frage", False, "extractive", "error", error=IndexStateError("ui.empty_index").message)
    assert "The knowledge base is empty" in turn_html(turn, 1, "en")
    assert "Die Wissensbasis ist leer" in turn_html(turn, 1, "de")


def test_the_cli_speaks_the_configured_language(cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("search") == InputError.exit_code
    assert capsys.readouterr().err.startswith("Fehler: Bitte genau eines angeben")
    cli.env(language="en")
    assert cli("search") == InputError.exit_code
    assert capsys.readouterr().err.startswith("Error: Please give exactly one of")
    assert cli("documents") == 0
    assert capsys.readouterr().out.startswith("No documents indexed")
    cli.env(language="fr")
    assert cli("documents") == 2
    assert "ASSISTANT_LANGUAGE" in capsys.readouterr().err
