"""Advisory briefings: project profiles, assembly (with fakes), cancelling, Markdown/PDF export, CLI and UI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.advising import export as export_module
from assistant.advising.briefing import BriefingCancelled, build_briefing, eligibility, months_of
from assistant.advising.export import briefing_blocks, markdown, pdf_bytes, write_export
from assistant.advising.project import ProjectProfile, load_profile, profile_from_fields
from assistant.app import App, build_app
from assistant.config import Settings
from assistant.errors import InputError
from tests.conftest import Cli
from tests.fakes import HashEmbedder

_GUIDELINE = """Das Bundesministerium für Testwesen (BMT) unterstützt Vorhaben der Zivilgesellschaft.

Gefördert werden Projekte, die Daten für das Gemeinwohl nutzen.

Sie erhalten die Förderung als Zuschuss.

Die Förderung beträgt bis zu 80 Prozent der zuwendungsfähigen Ausgaben, maximal EUR 150.000 pro Vorhaben, bei einer Laufzeit von maximal 2 Jahren.

Antragsberechtigt sind gemeinnützige Vereine und Kommunen.

Unternehmen sind nicht antragsberechtigt.

Das Antragsverfahren ist zweistufig.

Diese Richtlinie tritt am 1. Januar 2024 in Kraft und ist befristet bis zum {until}."""

_DSGVO = """# Datenschutz

Die Verarbeitung personenbezogener Daten ist nur rechtmäßig, wenn mindestens eine der folgenden Bedingungen erfüllt ist: Die betroffene Person hat eingewilligt, oder eine andere Rechtsgrundlage besteht.

Eine Datenschutz-Folgenabschätzung ist durchzuführen, wenn eine Form der Verarbeitung voraussichtlich ein hohes Risiko zur Folge hat.
"""


@pytest.fixture
def advising_app(settings: Settings) -> App:
    corpus = settings.corpus_dir
    (corpus / "offen.md").write_text("---\ntitle: Förderprogramm: Daten fürs Gemeinwohl (BMT)\n---\n\n"
                                     + _GUIDELINE.format(until="31. Dezember 2030"), encoding="utf-8")
    (corpus / "alt.md").write_text("---\ntitle: Förderprogramm: Altes Programm (BMT)\n---\n\n"
                                   + _GUIDELINE.format(until="31. Dezember 2023"), encoding="utf-8")
    (corpus / "dsgvo.md").write_text(_DSGVO, encoding="utf-8")
    app = build_app(settings.with_(today="2026-11-28", min_evidence=0.05), embedder=HashEmbedder(dimension=512))
    app.ingestor.ingest()
    return app


def _project(**changes: object) -> ProjectProfile:
    base = dict(description="Ein Verein nutzt Daten für das Gemeinwohl und verarbeitet personenbezogene Daten.",
                name="Datenprojekt", legal_form="e.V.", budget_eur=100000.0, duration_months=18, personal_data=True, ai_on_people=False)
    base.update(changes)
    return ProjectProfile(**base)  # type: ignore[arg-type]


def _briefing(app: App, project: ProjectProfile, **kwargs):  # type: ignore[no-untyped-def]
    return build_briefing(project, book=app.programmes, retriever=app.retriever, answerer=app.answerer, language="de", **kwargs)


# -- profiles ----------------------------------------------------------------------------------------


def test_profile_from_yaml_with_german_keys(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: Baumpaten\nbeschreibung: Eine App für Stadtbäume.\nrechtsform: e.V.\nbudget: 180.000 EUR\n"
                    "laufzeit_monate: 24\npersonenbezogene_daten: ja\nki_an_menschen: nein\n", encoding="utf-8")
    profile = load_profile(path)
    assert profile == ProjectProfile("Eine App für Stadtbäume.", "Baumpaten", "e.V.", "", 180000.0, 24, True, False)


def test_profile_from_json_and_from_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"description": "An app.", "legal_form": "gGmbH", "personal_data": False}), encoding="utf-8")
    assert load_profile(path).legal_form == "gGmbH" and load_profile(path).personal_data is False
    path.write_text("Nur ein Satz über das Projekt.\n", encoding="utf-8")
    assert load_profile(path).description == "Nur ein Satz über das Projekt."


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "ist leer"),
        ("beschreibung: [nicht geschlossen\n", "kein gültiges YAML (Zeile"),
        ("- eins\n- zwei\n", "Erwartet werden Felder"),
        ("rechtsform: e.V.\n", "Projektbeschreibung fehlt"),
        ("beschreibung: x\nfarbe: blau\n", "unbekanntes Feld „farbe“"),
        ("beschreibung: x\nbudget: viel\n", "kein Betrag"),
        ("beschreibung: x\npersonenbezogene_daten: vielleicht\n", "ja oder nein"),
        ("beschreibung: x\nlaufzeit_monate: zwei Jahre\n", "keine Zahl von Monaten"),
    ],
)
def test_bad_profiles_give_a_clear_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_profile(path)
    assert message in raised.value.render("de")


def test_missing_unreadable_and_oversized_profiles(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="gibt es nicht"):
        load_profile(tmp_path / "fehlt.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00beschreibung")
    with pytest.raises(InputError, match="UTF-8"):
        load_profile(binary)
    big = tmp_path / "big.yaml"
    big.write_text("beschreibung: " + "x" * 70000, encoding="utf-8")
    with pytest.raises(InputError, match="größer als 64 KB"):
        load_profile(big)


def test_form_fields_skip_empty_values() -> None:
    profile = profile_from_fields({"beschreibung": "Text", "rechtsform": None, "budget": "", "ki_an_menschen": ""}, "Formular")
    assert profile == ProjectProfile("Text")


# -- rules -------------------------------------------------------------------------------------------


def test_months_of_durations() -> None:
    assert months_of("maximal drei Jahren") == 36
    assert months_of("maximal 2 Jahren") == 24
    assert months_of("18 Monaten") == 18
    assert months_of("nach Vereinbarung") is None


def test_eligibility_by_legal_form(advising_app: App) -> None:
    profile = advising_app.programmes.profile("offen.md")
    assert profile is not None
    assert eligibility("e.V.", profile) == "yes"
    assert eligibility("Stadtverwaltung Leipzig (Kommune)", profile) == "yes"
    assert eligibility("GmbH", profile) == "excluded"  # "Unternehmen sind nicht antragsberechtigt."
    assert eligibility("Hochschule", profile) == "unclear"
    assert eligibility("", profile) == "unclear"


# -- assembly ----------------------------------------------------------------------------------------


def test_briefing_judges_programmes_and_cites_every_reason(advising_app: App) -> None:
    steps: list[tuple[int, int, str]] = []
    briefing = _briefing(advising_app, _project(), progress=lambda *a: steps.append(a))
    assert [f.source for f in briefing.programmes] == ["offen.md"]
    fit = briefing.programmes[0]
    assert fit.verdict == "fits" and fit.status == "open"
    texts = [line.text for line in fit.lines]
    assert "Gültigkeit: gilt bis 31.12.2030" in texts
    assert "Antragsberechtigt: schließt die Rechtsform „e.V.“ ein." in texts
    assert "Das geplante Budget (100.000 EUR) liegt im Rahmen des Höchstbetrags (150.000 EUR)." in texts
    assert "Die geplante Laufzeit (18 Monate) liegt im Rahmen (maximal 2 Jahren)." in texts
    assert [f.source for f in briefing.expired] == ["alt.md"] and briefing.expired[0].status_text == "abgelaufen seit 31.12.2023"
    # Every reference points at a listed passage, and every listed passage is verbatim in the index.
    numbers = {s.n for s in briefing.sources}
    lines = [line for f in briefing.programmes + briefing.expired for line in f.lines]
    lines += [line for _, ls in briefing.conditions + briefing.ethics for line in ls]
    assert all(ref in numbers for line in lines for ref in line.refs)
    chunks = [" ".join(c.text.split()) for c in advising_app.index.vectors.all_chunks()]
    assert all(any(source.quote in chunk for chunk in chunks) for source in briefing.sources)
    assert any("Förderquote: 80 % – Eigenanteil: 20 %." == line.text for _, ls in briefing.conditions for line in ls)
    ethics = dict(briefing.ethics)
    assert any("rechtmäßig" in line.text and line.quote for line in ethics["Unter welchen Bedingungen ist die Verarbeitung personenbezogener Daten rechtmäßig?"])
    assert "„Altes Programm“ ist abgelaufen seit 31.12.2023: Gibt es ein Nachfolgeprogramm?" in briefing.open_questions
    assert "„Daten fürs Gemeinwohl“: Wie wird der Eigenanteil (20 %) aufgebracht?" in briefing.open_questions
    assert "Wie hoch ist das geplante Gesamtbudget?" not in briefing.open_questions
    assert steps[0][:2] == (0, 6) and steps[-1] == (6, 6, "Fertig.")


def test_budget_duration_or_legal_form_that_do_not_fit(advising_app: App) -> None:
    for project, expected in [
        (_project(budget_eur=400000.0), "Das geplante Budget (400.000 EUR) übersteigt den Höchstbetrag (150.000 EUR)."),
        (_project(duration_months=36), "Die geplante Laufzeit (36 Monate) übersteigt die Höchstdauer (maximal 2 Jahren)."),
        (_project(legal_form="GmbH"), "Antragsberechtigt: Die Rechtsform „GmbH“ ist ausgeschlossen."),
    ]:
        fit = _briefing(advising_app, project).programmes[0]
        assert fit.verdict == "does_not_fit" and expected in [line.text for line in fit.lines]


def test_missing_facts_become_open_questions(advising_app: App) -> None:
    briefing = _briefing(advising_app, ProjectProfile("Ein Projekt mit Daten für das Gemeinwohl."))
    assert briefing.programmes[0].verdict == "check"
    for question in ("Welche Rechtsform hat der Träger (e.V., gGmbH, Kommune …)?", "Wie hoch ist das geplante Gesamtbudget?",
                     "Verarbeitet das Projekt personenbezogene Daten?", "„Daten fürs Gemeinwohl“: Fristen sind im Dokument nicht "
                     "angegeben – aktuellen Aufruf prüfen."):
        assert question in briefing.open_questions


def test_cancelling_stops_between_steps(advising_app: App) -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(BriefingCancelled) as raised:
        _briefing(advising_app, _project(), cancelled=cancelled)
    assert raised.value.exit_code == 130 and "abgebrochen" in raised.value.render("de")


# -- export ------------------------------------------------------------------------------------------


def test_markdown_and_pdf_exports(advising_app: App, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    blocks = briefing_blocks(_briefing(advising_app, _project()))
    text = markdown(blocks)
    for heading in ("# Beratungsmappe: Datenprojekt", "## 1. Passende Förderprogramme", "## 2. Bedingungen", "## 3. Ethik und Datenschutz",
                    "## 4. Offene Fragen", "## 5. Quellen", "### Daten fürs Gemeinwohl — formal passend"):
        assert heading in text
    assert "Stand der Wissensbasis:" in text and "Gültigkeit geprüft am: 28.11.2026" in text
    pdf_path = write_export(blocks, out / "mappe.pdf", "de")
    reader = PdfReader(pdf_path)
    content = "\n".join(page.extract_text() for page in reader.pages)
    assert pdf_path.read_bytes().startswith(b"%PDF") and "Beratungsmappe: Datenprojekt" in content
    assert f"Seite 1 von {len(reader.pages)}" in content and "5. Quellen" in content
    assert write_export(blocks, out / "mappe.md", "de").read_text(encoding="utf-8") == text
    assert sorted(p.name for p in out.iterdir()) == ["mappe.md", "mappe.pdf"]  # no temporary files left


def test_pdf_without_a_unicode_font_still_works(advising_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "_FONT_CANDIDATES", ())
    data = pdf_bytes(briefing_blocks(_briefing(advising_app, _project())), "de")
    content = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Antragsberechtigt: schließt die Rechtsform \"e.V.\" ein." in content  # typographic quotes as ASCII


def test_markdown_escapes_document_text() -> None:
    from assistant.advising.export import Block

    assert markdown([Block("p", "<script>x</script> **fett** [a](javascript:x)")]) == \
        "\\<script>x\\</script> \\*\\*fett\\*\\* \\[a\\](javascript:x)\n"


def test_export_refuses_unknown_suffixes_and_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="erlaubt sind .markdown, .md, .pdf"):
        write_export([], tmp_path / "mappe.docx", "de")
    with pytest.raises(InputError, match="existiert nicht"):
        write_export([], tmp_path / "fehlt" / "mappe.md", "de")


# -- CLI and UI --------------------------------------------------------------------------------------


def test_cli_brief_writes_both_formats_and_reports_bad_profiles(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = cli.home / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "offen.md").write_text("---\ntitle: Förderprogramm: Daten fürs Gemeinwohl (BMT)\n---\n\n"
                                     + _GUIDELINE.format(until="31. Dezember 2030"), encoding="utf-8")
    profile = cli.home / "profil.yaml"
    profile.write_text("beschreibung: Ein Verein nutzt Daten für das Gemeinwohl.\nrechtsform: e.V.\n", encoding="utf-8")
    cli.env(today="2026-11-28")
    assert cli("brief", str(profile), "--out", str(cli.home / "mappe.pdf")) == 0
    assert (cli.home / "mappe.pdf").read_bytes().startswith(b"%PDF")
    assert "Beratungsmappe gespeichert" in capsys.readouterr().err
    assert cli("brief", str(profile)) == 0
    assert "### Daten fürs Gemeinwohl — formal passend" in capsys.readouterr().out
    assert cli("brief", str(profile), "--out", str(cli.home / "mappe.docx")) == 2
    assert "erlaubt sind" in capsys.readouterr().err
    profile.write_text("", encoding="utf-8")
    assert cli("brief", str(profile)) == 2
    assert "ist leer" in capsys.readouterr().err


def test_ui_briefing_streams_progress_then_files_and_exports_the_chat(advising_app: App) -> None:
    from assistant.web.advising import BriefRun
    from assistant.web.conversation import Session
    from assistant.web.ui import ChatUI

    ui = ChatUI.for_app(advising_app)
    ui.build()
    v = ui.view
    run = BriefRun()
    updates = list(ui.brief("Datenprojekt", "Ein Verein nutzt Daten für das Gemeinwohl.", "e.V.", "", 100000, 18, "ja", "",
                            "extractive", "Deutsch", run))
    assert "Förderprogramme prüfen" in updates[0][v.brief_status]
    last = updates[-1]
    assert last[v.brief_status].startswith("Fertig: Mappe mit") and "# Beratungsmappe: Datenprojekt" in last[v.brief_preview]
    assert sorted(Path(f).suffix for f in last[v.brief_files]) == [".md", ".pdf"]
    bad = list(ui.brief("", "   ", None, "", None, None, "", "", "extractive", "Deutsch", run))
    assert bad == [{v.brief_status: "Formular: Die Projektbeschreibung fehlt („beschreibung:“ – ein paar Sätze genügen)."}]
    assert "abgebrochen" in ui.cancel_brief(run, "Deutsch")[v.brief_status] and run.cancelled

    session = Session()
    with pytest.warns(UserWarning, match="Noch keine Antwort zum Exportieren"):
        assert ui.export_conversation(session)[v.export_files].visible is False  # nothing to export yet
    list(ui.ask("Wann ist eine Datenschutz-Folgenabschätzung durchzuführen?", "extractive", session))
    files = [f["path"] if isinstance(f, dict) else str(f) for f in ui.export_conversation(session)[v.export_files].value]
    exported = Path(next(f for f in files if f.endswith(".md"))).read_text(encoding="utf-8")
    assert "## Frage 1: Wann ist eine Datenschutz-Folgenabschätzung durchzuführen?" in exported and "### Quellen" in exported
