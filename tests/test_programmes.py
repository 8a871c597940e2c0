"""Programme profiles: dates, validity, detection, extraction (fakes and the default corpus), date-aware answers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.answering.answer import Answer, Citation
from assistant.answering.validity import ValidityNotes, asks_about_validity
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.indexing.chunking import chunk_document
from assistant.indexing.store import DocumentRecord
from assistant.loaders import load_document
from assistant.loaders.base import Block, Document
from assistant.programmes.book import ProgrammeBook, overview, verify_profile
from assistant.programmes.dates import find_dates, validity_of
from assistant.programmes.profiles import Profile, extract_profile, is_programme, programme_name

#: The default knowledge base as shipped in the repository (a copy of ../shared/corpus).
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
D = dt.date

# -- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, expected",
    [
        ("befristet bis zum 31. Dezember 2025.", D(2025, 12, 31)),
        ("gilt bis 31.12.2025", D(2025, 12, 31)),
        ("gilt bis 1.7.2027", D(2027, 7, 1)),
        ("läuft bis Ende 2025", D(2025, 12, 31)),
        ("befristet bis zum 31.\nDezember 2025", D(2025, 12, 31)),  # a PDF line break inside the date
        ("valid until 30 June 2027", D(2027, 6, 30)),
        ("valid until June 30, 2027", D(2027, 6, 30)),
        ("am 3. März 2024", D(2024, 3, 3)),
    ],
)
def test_german_and_english_dates(written: str, expected: dt.date) -> None:
    assert [d.value for d in find_dates(written)] == [expected]


def test_no_date_without_a_year_or_with_an_impossible_day() -> None:
    assert find_dates("spätestens bis zum 31. Oktober eines Jahres") == []
    assert find_dates("am 31.02.2025 und am 30. Februar 2024") == []
    assert find_dates("Verordnung (EU) 2016/679 und § 44 BHO") == []


def test_validity_of_a_guideline_sentence() -> None:
    v = validity_of("Diese Förderrichtlinie tritt am 15. November 2021 in Kraft und ist befristet bis zum 31. Dezember 2025.")
    assert (v.valid_from, v.valid_until) == (D(2021, 11, 15), D(2025, 12, 31))


def test_validity_takes_the_end_not_a_conditional_extension() -> None:
    v = validity_of(
        "Die Laufzeit dieser Förderrichtlinie ist bis zum Zeitpunkt des Auslaufens ihrer beihilferechtlichen Grundlage, "
        "der AGVO, zuzüglich einer Anpassungsperiode von sechs Monaten, mithin bis zum 30. Juni 2027, befristet. "
        "Sollte die AGVO verlängert werden, verlängert sich die Laufzeit, aber nicht über den 31. Dezember 2033 hinaus."
    )
    assert v.valid_until == D(2027, 6, 30)


def test_validity_of_a_programme_period_and_end_of_year() -> None:
    v = validity_of("für die Laufzeit des in der Verordnung (EU, Euratom) 2020/2093 festgelegten mehrjährigen Finanzrahmens 2021–2027")
    assert (v.valid_from, v.valid_until) == (D(2021, 1, 1), D(2027, 12, 31))
    assert validity_of("Das Programm ist befristet bis Ende 2025.").valid_until == D(2025, 12, 31)


def test_a_date_in_a_sentence_about_something_else_is_no_validity() -> None:
    assert not validity_of("Die Skizze ist bis zum 31. März 2026 einzureichen.").known
    assert not validity_of("Diese Verordnung tritt am Tag ihrer Veröffentlichung in Kraft.").known


# -- profiles --------------------------------------------------------------------------------------


def _profile(until: dt.date | None = None, start: dt.date | None = None, name: str = "Testprogramm") -> Profile:
    return Profile("p.md", name, {}, valid_from=start, valid_until=until)


@pytest.mark.parametrize(
    "today, status, german",
    [
        (D(2026, 11, 28), "expired", "abgelaufen seit 31.12.2025"),
        (D(2025, 12, 31), "open", "gilt bis 31.12.2025"),  # the last day is still in force
        (D(2024, 6, 1), "open", "gilt bis 31.12.2025"),
        (D(2021, 1, 1), "not_yet", "tritt am 15.11.2021 in Kraft"),
    ],
)
def test_status_against_today(today: dt.date, status: str, german: str) -> None:
    profile = _profile(D(2025, 12, 31), D(2021, 11, 15))
    assert profile.status(today) == status
    assert profile.status_text(today, "de") == german


def test_status_without_validity() -> None:
    assert _profile().status(D(2026, 1, 1)) == "unknown"
    assert _profile().status_text(D(2026, 1, 1), "de") == "unbefristet / nicht angegeben"
    assert _profile().status_text(D(2026, 1, 1), "en") == "no end date / not stated"


def _document(title: str, text: str, metadata: dict[str, str] | None = None) -> Document:
    blocks = tuple(Block(part, "paragraph", ("Abschnitt",)) for part in text.split("\n\n"))
    return Document("x.md", title, "markdown", blocks, metadata=metadata or {})


def test_detection_rule_and_its_override() -> None:
    assert is_programme(_document("Förderprogramm: Test (BMBF)", "Text."))
    assert is_programme(_document("Richtlinie zur Förderung von Projekten", "Text."))
    assert is_programme(_document("Seite", "Titel der Förderlinie: Test\n\nText."))
    assert not is_programme(_document("Verordnung über die Vergabe öffentlicher Aufträge", "Text."))
    # Front matter decides both ways.
    assert is_programme(_document("Unser Stiftungsfonds", "Text.", {"kind": "programme"}))
    assert not is_programme(_document("Förderprogramm: nur ein Bericht", "Text.", {"kind": "report"}))


def test_programme_name_from_title() -> None:
    assert programme_name("Förderprogramm: Künstliche Intelligenz für das Gemeinwohl (BMFSFJ)") == "Künstliche Intelligenz für das Gemeinwohl"
    assert programme_name("Förderrichtlinie KI") == "Förderrichtlinie KI"


_GUIDELINE = """Das Bundesministerium für Testwesen (BMT) unterstützt Vorhaben der Zivilgesellschaft.

Gefördert werden Projekte, die Daten für das Gemeinwohl nutzen.

Sie erhalten die Förderung als Zuschuss. In Ausnahmefällen bekommen Sie die Förderung auch als Darlehen.

Die Förderung beträgt bis zu 80 Prozent der zuwendungsfähigen Ausgaben, maximal EUR 150.000 pro Vorhaben, bei einer Laufzeit von maximal 2 Jahren.

Die De-minimis-Beihilfen dürfen 200.000 Euro nicht übersteigen.

Antragsberechtigt sind gemeinnützige Vereine und Kommunen.

Unternehmen sind nicht antragsberechtigt.

Das Antragsverfahren ist zweistufig.

Projektskizzen sind spätestens bis zum 31. März 2026 einzureichen.

Diese Richtlinie tritt am 1. Januar 2024 in Kraft und ist befristet bis zum 31. Dezember 2026."""


def _chunks(text: str, title: str = "Förderprogramm: Testprogramm (BMT)", metadata: dict[str, str] | None = None):
    return chunk_document(_document(title, text, metadata))


def test_extraction_reads_every_field_from_a_quoted_passage() -> None:
    chunks = _chunks(_GUIDELINE)
    profile = extract_profile("x.md", "Förderprogramm: Testprogramm (BMT)", chunks)
    values = {name: field.value for name, field in profile.fields.items()}
    assert profile.name == "Testprogramm"
    assert values["funder"] == "Bundesministerium für Testwesen (BMT)"
    assert values["funding_type"] == "Zuschuss, Darlehen"
    assert values["max_amount"] == "150.000 EUR"  # the De-minimis ceiling is no programme amount
    assert profile.fields["max_amount"].number == 150000
    assert values["funding_rate"] == "80 %"
    assert values["duration"] == "maximal 2 Jahren"
    assert "gemeinnützige Vereine" in values["applicants"]
    assert "nicht antragsberechtigt" in values["excluded"]
    assert values["procedure"] == "Das Antragsverfahren ist zweistufig."
    assert "31. März 2026" in values["deadlines"]
    assert (profile.valid_from, profile.valid_until) == (D(2024, 1, 1), D(2026, 12, 31))
    assert values["contact"] == "" and not profile.fields["contact"].stated  # not stated: never guessed
    assert verify_profile(profile, chunks) == []


def test_verification_catches_a_value_its_passage_does_not_state() -> None:
    chunks = _chunks(_GUIDELINE)
    profile = extract_profile("x.md", "Förderprogramm: Testprogramm (BMT)", chunks)
    profile.fields["max_amount"].value = "250.000 EUR"
    assert verify_profile(profile, chunks) == ["max_amount: 250.000 not stated in its passages"]


def test_profile_survives_the_manifest_round_trip() -> None:
    profile = extract_profile("x.md", "Förderprogramm: Testprogramm (BMT)", _chunks(_GUIDELINE))
    again = Profile.from_json(json.loads(json.dumps(profile.to_json())))
    assert again == profile


def test_default_corpus_programmes_validity_and_amounts() -> None:
    """The five funding documents of the default knowledge base, checked against their text by hand."""
    profiles: dict[str, Profile] = {}
    for path in sorted(DEFAULT_CORPUS.iterdir()):
        if path.suffix not in {".md", ".pdf", ".html"} or path.name == "SOURCES.md":
            continue
        document = load_document(path, path.name, Settings().load_limits)
        if is_programme(document):
            chunks = chunk_document(document)
            profiles[path.name] = profile = extract_profile(path.name, document.title, chunks)
            assert verify_profile(profile, chunks) == [], path.name
    assert sorted(profiles) == [
        "foerderdatenbank-dbu-umweltschutzfoerderung.md",
        "foerderdatenbank-eu-cerv-programm.md",
        "foerderdatenbank-ki-fuer-das-gemeinwohl.md",
        "foerderdatenbank-transformationscluster-soziale-innovationen.md",
        "foerderrichtlinie-ki-fuer-das-gemeinwohl-2021.pdf",
    ]
    guideline = profiles["foerderrichtlinie-ki-fuer-das-gemeinwohl-2021.pdf"]
    assert (guideline.valid_from, guideline.valid_until) == (D(2021, 11, 15), D(2025, 12, 31))
    assert guideline.fields["validity"].statements[0].page == 11
    assert guideline.fields["max_amount"].number == 300000 and guideline.fields["funding_rate"].value == "90 %"
    assert profiles["foerderdatenbank-ki-fuer-das-gemeinwohl.md"].fields["max_amount"].number == 300000
    assert profiles["foerderdatenbank-transformationscluster-soziale-innovationen.md"].valid_until == D(2027, 6, 30)
    assert profiles["foerderdatenbank-transformationscluster-soziale-innovationen.md"].fields["max_amount"].value == ""
    assert profiles["foerderdatenbank-eu-cerv-programm.md"].valid_until == D(2027, 12, 31)
    assert profiles["foerderdatenbank-eu-cerv-programm.md"].fields["max_amount"].value == ""  # budget lines are no grant cap
    dbu = profiles["foerderdatenbank-dbu-umweltschutzfoerderung.md"]
    assert dbu.valid_until is None and dbu.fields["funding_type"].value == "Zuschuss, Darlehen, Bürgschaft"


# -- the book and date-aware answers ---------------------------------------------------------------


def _record(source: str, profile: Profile | None, title: str = "Titel") -> DocumentRecord:
    return DocumentRecord(source, f"/x/{source}", "sha-" + source, title, "markdown", None, [], "2026-01-01T00:00:00+00:00",
                          programme=profile.to_json() if profile else None)


def _book(today: dt.date) -> tuple[ProgrammeBook, list]:
    chunks = _chunks(_GUIDELINE)
    guideline = extract_profile("richtlinie.md", "Förderrichtlinie Testprogramm für das Gemeinwohl", chunks)
    entry = extract_profile("eintrag.md", "Förderprogramm: Testprogramm für das Gemeinwohl (BMT)",
                            _chunks(_GUIDELINE.split("Diese Richtlinie tritt")[0]))
    records = {"richtlinie.md": _record("richtlinie.md", guideline), "eintrag.md": _record("eintrag.md", entry),
               "gesetz.md": _record("gesetz.md", None)}
    return ProgrammeBook(lambda: records, lambda: today), chunks


def _answer(question: str, source: str, chunk_text: str = "Ein Auszug.") -> Answer:
    citation = Citation(1, source, "Titel", None, "Abschnitt", chunk_text, ("Ein Auszug.",))
    return Answer(question, "Belegstellen:\n- „Ein Auszug.“ [1]", False, "extractive", "de", [citation], [])


def test_an_answer_citing_an_expired_guideline_says_so_with_the_date_and_its_passage() -> None:
    book, chunks = _book(D(2027, 3, 1))
    notes = ValidityNotes(book, lambda ids: [c for c in chunks if c.id in ids])
    answer = notes.apply(_answer("Wer ist antragsberechtigt?", "richtlinie.md"))
    assert answer.text.startswith("Achtung: „Förderrichtlinie Testprogramm für das Gemeinwohl“ ist seit dem 31.12.2026 außer Kraft (Stand 01.03.2027).")
    assert "„Diese Richtlinie tritt am 1. Januar 2024 in Kraft und ist befristet bis zum 31. Dezember 2026.“ [2]" in answer.text
    assert [a.kind for a in answer.alerts] == ["expired"]
    added = answer.citations[1]
    assert added.n == 2 and added.source == "richtlinie.md" and "31. Dezember 2026" in added.quotes[0]
    assert added.quotes[0] in added.text  # the cited chunk contains the passage
    assert [h.chunk.text for h in answer.retrieved] == [added.text]  # every citation points to a retrieved source
    assert notes.apply(answer) is answer  # applied once only


def test_an_open_programme_is_mentioned_only_when_validity_is_asked() -> None:
    book, chunks = _book(D(2024, 6, 1))
    notes = ValidityNotes(book, lambda ids: [c for c in chunks if c.id in ids])
    plain = _answer("Wer ist antragsberechtigt?", "richtlinie.md")
    assert notes.apply(plain) is plain
    asked = notes.apply(_answer("Kann ein Verein noch einen Antrag stellen?", "richtlinie.md"))
    assert asked.text.startswith("Stand 01.06.2024: „Förderrichtlinie Testprogramm für das Gemeinwohl“ gilt bis zum 31.12.2026.")
    assert [a.kind for a in asked.alerts] == ["open"]


def test_a_database_entry_without_dates_takes_them_from_the_guideline_on_the_same_programme() -> None:
    book, chunks = _book(D(2027, 3, 1))
    notes = ValidityNotes(book, lambda ids: [c for c in chunks if c.id in ids])
    answer = notes.apply(_answer("Wie hoch ist die Förderung?", "eintrag.md"))
    assert answer.alerts and answer.alerts[0].source == "richtlinie.md"
    rows = {row.profile.source: row for row in overview(book, "de")}
    assert rows["eintrag.md"].status == "expired" and rows["eintrag.md"].dated_by.source == "richtlinie.md"


def test_a_passed_deadline_is_flagged() -> None:
    book, chunks = _book(D(2026, 5, 1))  # guideline in force, its sketch deadline of 31 March 2026 passed
    notes = ValidityNotes(book, lambda ids: [c for c in chunks if c.id in ids])
    answer = notes.apply(_answer("Wer ist antragsberechtigt?", "richtlinie.md"))
    assert [a.kind for a in answer.alerts] == ["deadline_passed"]
    assert answer.text.startswith("Achtung: Die Frist für „Förderrichtlinie Testprogramm für das Gemeinwohl“ ist am 31.03.2026 abgelaufen.")


def test_answers_about_other_documents_and_refusals_are_unchanged() -> None:
    book, chunks = _book(D(2027, 3, 1))
    notes = ValidityNotes(book, lambda ids: [c for c in chunks if c.id in ids])
    other = _answer("Was regelt das Gesetz?", "gesetz.md")
    assert notes.apply(other) is other
    refused = Answer("Kann ich noch?", "Die Wissensbasis enthält dazu keine Angabe.", True, "extractive", "de", [], [])
    assert notes.apply(refused) is refused


@pytest.mark.parametrize("question", ["Kann ich heute noch Förderung beantragen?", "Bis wann läuft die Richtlinie?",
                                      "Ist das Programm noch offen?", "Is the programme still open?"])
def test_validity_questions(question: str) -> None:
    assert asks_about_validity(question)


def test_not_a_validity_question() -> None:
    assert not asks_about_validity("Wie hoch ist die Förderquote?")


def test_today_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(today="2024-06-01").today_date() == D(2024, 6, 1)
    assert Settings().today_date() == dt.date.today()
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"ASSISTANT_TODAY": "28.11.2026"})
    assert "JJJJ-MM-TT" in raised.value.render("de")


# -- through ingest and the command line -----------------------------------------------------------


def test_profiles_are_made_at_ingest_and_listed_by_the_cli(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    corpus = cli.home / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "programm.md").write_text("---\ntitle: Unser Fonds\nkind: programme\n---\n\n# Unser Fonds\n\n" + _GUIDELINE, encoding="utf-8")
    (corpus / "bericht.md").write_text("# Jahresbericht\n\nWir haben 2025 viel erreicht.\n", encoding="utf-8")
    cli.env(today="2027-01-15")
    assert cli("programmes", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["today"] == "2027-01-15"
    [programme] = listed["programmes"]
    assert programme["source"] == "programm.md" and programme["status"] == "expired"
    assert programme["status_text"] == "abgelaufen seit 31.12.2026"
    assert programme["fields"]["max_amount"]["value"] == "150.000 EUR"
    assert programme["fields"]["contact"]["statements"] == []
    cli.env(today="2026-01-15")
    assert cli("programmes") == 0
    out = capsys.readouterr().out
    assert "Unser Fonds — gilt bis 31.12.2026" in out and "Kontakt: nicht angegeben" in out


def test_cli_without_programmes_says_how_to_mark_one(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    (cli.home / "corpus").mkdir(exist_ok=True)
    (cli.home / "corpus" / "bericht.md").write_text("# Jahresbericht\n\nWir haben 2025 viel erreicht.\n", encoding="utf-8")
    assert cli("programmes") == 0
    assert "kind: programme" in capsys.readouterr().out


# -- the "Förderprogramme" tab ---------------------------------------------------------------------


@pytest.fixture
def programme_app(settings: Settings):  # type: ignore[no-untyped-def]
    from assistant.app import build_app
    from tests.fakes import HashEmbedder

    corpus = settings.corpus_dir
    (corpus / "fonds.md").write_text("---\ntitle: Förderprogramm: Fonds <b>Gemeinwohl</b> (BMT)\n---\n\n" + _GUIDELINE, encoding="utf-8")
    small = _GUIDELINE.replace("EUR 150.000", "EUR 40.000").replace("31. Dezember 2026", "31. Dezember 2030")
    small = small.replace("gemeinnützige Vereine und Kommunen", "Hochschulen")
    (corpus / "klein.md").write_text("---\ntitle: Förderprogramm: Kleinprojekte (BMT)\n---\n\n" + small, encoding="utf-8")
    (corpus / "bericht.md").write_text("# Jahresbericht\n\nWir haben 2025 viel erreicht.\n", encoding="utf-8")
    app = build_app(settings.with_(today="2027-02-01"), embedder=HashEmbedder(dimension=256))
    app.ingestor.ingest()
    return app


def test_overview_rows_link_every_value_to_its_passage_and_filter(programme_app) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.programmes import Filters, programme_headers, programme_rows

    rows = overview(programme_app.programmes, "de")
    assert [r.profile.source for r in rows] == ["fonds.md", "klein.md"]
    table = programme_rows(rows, Filters(), "de")
    assert len(table[0]) == len(programme_headers("de"))
    name, status, amount = table[0][:3]
    assert "<b>" not in name and "&lt;b&gt;" in name  # document text is escaped
    assert status.startswith("[abgelaufen seit 31.12.2026](/quelle/fonds.md?chunk=")
    assert amount.startswith("[150.000 EUR](/quelle/fonds.md?chunk=")
    assert [r[-1] for r in programme_rows(rows, Filters(status="open"), "de")] == ["klein.md"]
    assert [r[-1] for r in programme_rows(rows, Filters(status="expired"), "de")] == ["fonds.md"]
    assert [r[-1] for r in programme_rows(rows, Filters(applicant="Vereine"), "de")] == ["fonds.md"]
    assert [r[-1] for r in programme_rows(rows, Filters(min_amount=100000), "de")] == ["fonds.md"]


def test_comparison_shows_every_field_with_its_passage(programme_app) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.programmes import comparison_html

    rows = overview(programme_app.programmes, "de")
    assert "Zwei bis 4 Programme" in comparison_html(rows, ["fonds.md"], "de", "01.02.2027")
    page = comparison_html(rows, ["fonds.md", "klein.md"], "de", "01.02.2027")
    assert page.count('<tr><th scope="row">') == 13  # status + 12 fields
    assert "abgelaufen seit 31.12.2026" in page and "gilt bis 31.12.2030" in page
    assert "<blockquote>Diese Richtlinie tritt am 1. Januar 2024 in Kraft" in page
    assert "nicht angegeben" in page  # contact is stated in neither
    assert "&lt;b&gt;" in page and "<b>Gemeinwohl" not in page


def test_programme_callbacks(programme_app) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.conversation import Session
    from assistant.web.ui import ChatUI

    ui = ChatUI.for_app(programme_app)
    ui.build()
    v = ui.view
    filtered = ui.filter_programmes("open", "", None, "Deutsch")
    assert [row[-1] for row in filtered[v.programme_table].value["data"]] == ["klein.md"]
    assert "01.02.2027" in filtered[v.programmes_intro]
    compared = ui.compare_programmes(["fonds.md", "klein.md"], "Deutsch")
    assert "gilt bis 31.12.2030" in compared[v.programme_comparison]
    english = ui.switch_language("English", Session())
    assert "expired on 31 Dec 2026" in str(english[v.programme_table].value["data"])


def test_chat_answer_warns_about_the_expired_programme(programme_app) -> None:  # type: ignore[no-untyped-def]
    answer = programme_app.answerer.ask("Wer ist antragsberechtigt beim Fonds Gemeinwohl?", mode="extractive")
    assert not answer.refused
    assert answer.text.startswith("Achtung: „Fonds <b>Gemeinwohl</b>“ ist seit dem 31.12.2026 außer Kraft (Stand 01.02.2027).")
    data = answer.to_json()
    assert data["alerts"][0]["kind"] == "expired"
    assert {c["text"] for c in data["citations"]} <= {r["text"] for r in data["retrieved"]}  # the eval's "citations valid"


def test_written_answer_sees_the_dated_passage_and_today(settings: Settings) -> None:
    from assistant.app import build_app
    from tests.fakes import HashEmbedder, ScriptedChatModel

    (settings.corpus_dir / "fonds.md").write_text("---\ntitle: Förderprogramm: Fonds Gemeinwohl (BMT)\n---\n\n" + _GUIDELINE, encoding="utf-8")
    model = ScriptedChatModel("Antragsberechtigt sind gemeinnützige Vereine und Kommunen [1].")
    app = build_app(settings.with_(today="2027-02-01", min_evidence=0.05, sure_evidence=0.05), embedder=HashEmbedder(dimension=256),
                    chat_model=model)
    app.ingestor.ingest()
    answer = first = app.answerer.ask("Kann ein Verein beim Fonds Gemeinwohl noch einen Antrag stellen?", mode="llm")
    assert model.prompts, answer.text
    prompt = model.prompts[-1][-1]["content"]
    assert "befristet bis zum 31. Dezember 2026" in prompt and prompt.rstrip().endswith("(Heute ist der 01.02.2027.)")
    assert answer.text.startswith("Achtung: „Fonds Gemeinwohl“ ist seit dem 31.12.2026 außer Kraft")
    # A question whose answer does not change with the day gets neither: the model copied the date into such answers.
    answer = app.answerer.ask("Wer ist beim Fonds Gemeinwohl antragsberechtigt?", mode="llm")
    prompt = model.prompts[-1][-1]["content"]
    assert answer.text.startswith("Achtung: „Fonds Gemeinwohl“ ist seit dem 31.12.2026 außer Kraft")
    assert "Heute ist der" not in prompt
    for asked in (answer, first):
        data = asked.to_json()
        assert {c["text"] for c in data["citations"]} <= {r["text"] for r in data["retrieved"]}  # the eval's "citations valid"


def test_a_written_answer_citing_a_dated_passage_beyond_its_hits_keeps_it_retrieved(settings: Settings) -> None:
    """The validity line's passage lies outside the k hits; the written answer quotes it as uncovered evidence,
    and every citation must still point to a retrieved source (the answer contract's "citations valid")."""
    from assistant.app import build_app
    from tests.fakes import HashEmbedder, ScriptedChatModel

    sections = _GUIDELINE.split("\n\n")
    body = "\n\n".join(f"## Abschnitt {n}\n\n{part}" for n, part in enumerate(sections, start=1))
    (settings.corpus_dir / "fonds.md").write_text("---\ntitle: Förderprogramm: Fonds Gemeinwohl (BMT)\n---\n\n" + body, encoding="utf-8")
    model = ScriptedChatModel("Antragsberechtigt sind gemeinnützige Vereine und Kommunen [1].")
    app = build_app(settings.with_(today="2027-02-01", min_evidence=0.05, sure_evidence=0.05), embedder=HashEmbedder(dimension=256),
                    chat_model=model)
    app.ingestor.ingest()
    answer = app.answerer.ask("Wer ist beim Fonds Gemeinwohl antragsberechtigt?", mode="llm", k=1)
    data = answer.to_json()
    assert answer.alerts and "befristet bis zum 31. Dezember 2026" in answer.text
    assert any("befristet bis zum 31. Dezember 2026" in c["text"] for c in data["citations"])
    assert {c["text"] for c in data["citations"]} <= {r["text"] for r in data["retrieved"]}


def test_a_still_valid_question_for_a_year_is_answered_by_the_validity_period(settings: Settings) -> None:
    from assistant.app import build_app
    from tests.fakes import HashEmbedder

    (settings.corpus_dir / "fonds.md").write_text("---\ntitle: Förderprogramm: Fonds Gemeinwohl (BMT)\n---\n\n" + _GUIDELINE, encoding="utf-8")
    app = build_app(settings.with_(today="2027-02-01", min_evidence=0.05, sure_evidence=0.05), embedder=HashEmbedder(dimension=256))
    app.ingestor.ingest()
    # The sources never name 2027; "befristet bis zum 31. Dezember 2026" answers it all the same.
    answer = app.answerer.ask("Ist der Fonds Gemeinwohl im Jahr 2027 noch gültig?", mode="extractive")
    assert not answer.refused and answer.alerts and answer.alerts[0].kind == "expired"
    assert "31.12.2026 außer Kraft" in answer.text
    # A year that is a detail, not the frame of a still-valid question, must still be stated.
    detail = app.answerer.ask("Wie viele Vorhaben hat der Fonds Gemeinwohl im Jahr 2027 gefördert?", mode="extractive")
    assert detail.refused and "„2027“" in detail.text
