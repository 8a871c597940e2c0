"""Web UI logic without a browser: rendering (escaping!), uploads and deletion, document routes, login,
the CLI command, and the Gradio callbacks driven with fakes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.answering.answer import Answer, Citation
from assistant.app import App, build_app
from assistant.indexing.chunking import Chunk
from assistant.config import Settings
from assistant.web.conversation import Session, Turn
from assistant.errors import ConfigError, InputError
from assistant.messages import Message
from assistant.web.library import (
    MAX_NAME_CHARS,
    delete_document,
    move_to_trash,
    reindex,
    sanitize_filename,
    store_upload,
    upload_documents,
)
from assistant.web.presentation import (
    answer_html,
    chat_messages,
    collect_status,
    document_choices,
    document_headers,
    document_rows,
    document_url,
    escape,
    find_passage,
    format_size,
    format_timestamp,
    highlight,
    sources_html,
    status_html,
    turn_html,
)
from assistant.answering.retrieval import Hit
from assistant.web.serving import BasicAuthMiddleware, document_router, is_loopback, passage_page, pick_port, ui_login
from assistant.web.users import UserFile
from tests.conftest import Cli
from tests.fakes import HashEmbedder, ScriptedChatModel
from tests.pdf_factory import make_pdf

EVIL = '<img src=x onerror="alert(1)"> [klick](javascript:alert(1)) *fett* $$x$$ <script>alert(2)</script>'


def _chunk(text: str, *, source: str = "richtlinie.pdf", page: int | None = 2, section: str = "3 Empfänger",
           title: str = "Förderrichtlinie", cid: str = "c1", ordinal: int = 0) -> Chunk:
    return Chunk(cid, source, title, page, section, text, ordinal)


def _answer(text: str, citations: list[Citation], hits: list[Hit], refused: bool = False, notice: str = "") -> Answer:
    return Answer("Frage?", text, refused, "extractive", "de", citations, hits, notice=notice, timings={"total_s": 0.42})


def _raw_markup(html_text: str) -> list[str]:
    """Dangerous constructs that must never appear unescaped."""
    return [s for s in ("<img", "<script", "](javascript", "*fett*", "$$") if s in html_text]


# -- escaping and chat rendering -----------------------------------------------------------------------


def test_escape_neutralises_html_and_markdown() -> None:
    escaped = escape(EVIL)
    assert "<" not in escaped and ">" not in escaped and "[" not in escaped and "*" not in escaped and "$" not in escaped
    assert escape("Förderung & Co.") == "Förderung &amp; Co."


def test_answer_links_only_verified_citations_and_escapes_everything_else() -> None:
    chunk = _chunk("Antragsberechtigt sind Vereine.")
    citation = Citation(1, chunk.source, chunk.title, 2, chunk.section, chunk.text, ("Antragsberechtigt sind Vereine.",))
    answer = _answer(f"Belegstellen:\n- „Antragsberechtigt sind Vereine.“ [1]\n- {EVIL} [3]", [citation], [Hit(chunk, 1.0, 0.9)], notice="Hinweis <b>x</b>")
    rendered = answer_html(answer, 4, "de")
    assert '<a class="cite" href="#quelle-4-1">' in rendered
    assert rendered.count('class="cite"') == 1  # [3] has no source: stays text
    assert _raw_markup(rendered) == [] and "<b>x</b>" not in rendered
    assert "<ul><li>" in rendered and "\n" not in rendered  # one HTML block for the Markdown renderer
    assert "Hinweis:" in rendered and "0,42 s" in rendered


def test_refusal_looks_like_a_refusal() -> None:
    answer = _answer("Dazu enthält die Wissensbasis keine ausreichenden Informationen.", [], [], refused=True)
    rendered = answer_html(answer, 1, "de")
    assert 'class="answer refusal"' in rendered and "Keine belegte Antwort" in rendered
    assert "No sourced answer" in answer_html(answer, 1, "en")


def test_turn_states_render_as_status_lines() -> None:
    turn = Turn("Frage", "Frage", False, "llm", "queued", queue_position=2)
    assert "Position 2" in turn_html(turn, 1, "de")
    turn.status, turn.draft = "answering", "Erster Teil <script>"
    assert "Erster Teil &lt;script&gt;" in turn_html(turn, 1, "de") and "aria-busy" in turn_html(turn, 1, "de")
    turn.status = "stopped"
    assert "abgebrochen" in turn_html(turn, 1, "de")
    turn.status, turn.error = "error", Message("doc.empty", name="<x>")
    assert 'class="answer error"' in turn_html(turn, 1, "de") and "&lt;x&gt;" in turn_html(turn, 1, "de")


def test_evidence_shows_while_the_model_writes_and_stays_folded_under_the_written_answer() -> None:
    chunk = _chunk("Antragsberechtigt sind Vereine.")
    quote = Citation(1, chunk.source, chunk.title, 2, chunk.section, chunk.text, ("Antragsberechtigt sind Vereine.",))
    evidence = _answer("Belegstellen:\n- „Antragsberechtigt sind Vereine.“ [1]", [quote], [Hit(chunk, 1.0, 0.9)])
    turn = Turn("Wer?", "Wer?", False, "llm", "searching", evidence=evidence)
    pending = turn_html(turn, 1, "de")
    assert "Antragsberechtigt sind Vereine." in pending and "KI-Antwort wird geschrieben" in pending
    turn.status, turn.draft = "answering", "Vereine sind"
    assert "Antragsberechtigt sind Vereine." in turn_html(turn, 1, "de") and "Vereine sind" in turn_html(turn, 1, "de")
    turn.status = "done"
    turn.answer = _answer("Antragsberechtigt sind Vereine [1].", [quote], [Hit(chunk, 1.0, 0.9)])
    turn.answer.mode = "llm"
    final = turn_html(turn, 1, "de")
    assert '<details class="evidence"><summary>Belegstellen (wörtliche Auszüge)</summary>' in final
    assert f"— <em>{chunk.title}, S. 2" in final  # labelled by document and page, not by a clashing number
    turn.answer.refused = True
    assert "<details" not in turn_html(turn, 1, "de")


def test_chat_messages_escape_user_input() -> None:
    session = Session(turns=[Turn(EVIL, EVIL, False, "extractive", "searching")])
    messages = chat_messages(session)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert _raw_markup(messages[0]["content"]) == []


# -- sources panel ---------------------------------------------------------------------------------------


def test_sources_panel_shows_page_section_highlight_and_links() -> None:
    chunk = _chunk("Präambel.\nAntragsberechtigt sind\ngemeinnützige Vereine. Sonst niemand.", cid="abc123")
    other = _chunk("Fristen enden im Juni.", page=3, cid="zzz", section="5 Verfahren")
    citation = Citation(1, chunk.source, chunk.title, 2, chunk.section, chunk.text, ("Antragsberechtigt sind gemeinnützige Vereine.",))
    session = Session(turns=[Turn("F", "F", False, "extractive", "done", answer=_answer("x [1]", [citation], [Hit(chunk, 1, .9), Hit(other, .5, .4)]))])
    panel = sources_html(session)
    assert 'id="quelle-1-1"' in panel
    assert "S. 2" in panel and "Abschnitt: 3 Empfänger" in panel
    assert "<mark>Antragsberechtigt sind\ngemeinnützige Vereine.</mark>" in panel
    assert 'href="/quelle/richtlinie.pdf?page=2#page=2"' in panel
    assert 'href="/quelle/richtlinie.pdf?chunk=abc123#stelle"' in panel
    assert "Weitere Treffer der Suche (1)" in panel and "S. 3" in panel


def test_sources_panel_escapes_malicious_documents() -> None:
    chunk = _chunk(EVIL, source="böse <x>.md", title=EVIL, section=EVIL, page=None)
    citation = Citation(1, chunk.source, chunk.title, None, chunk.section, chunk.text, (EVIL,))
    panel = sources_html(Session(turns=[Turn("F", "F", False, "extractive", "done", answer=_answer("x [1]", [citation], [Hit(chunk, 1, .9)]))]))
    # Plain HTML (no Markdown rendering here): only tags matter.
    assert "<img" not in panel and "<script" not in panel and "<x>" not in panel and "&lt;img" in panel
    assert 'href="/quelle/b%C3%B6se%20%3Cx%3E.md?chunk=c1#stelle"' in panel


def test_sources_panel_for_refusal_lists_nearest_sources() -> None:
    hits = [Hit(_chunk("Etwas anderes.", cid=f"c{i}", page=i + 1), 0.1, 0.1) for i in range(5)]
    panel = sources_html(Session(turns=[Turn("F", "F", False, "extractive", "done", answer=_answer("Keine Info.", [], hits, refused=True))]))
    assert "Keine belegte Antwort" in panel and panel.count('class="hit"') == 3


def test_sources_panel_placeholders() -> None:
    assert "erscheinen hier" in sources_html(Session())
    assert "werden ermittelt" in sources_html(Session(turns=[Turn("F", "F", False, "llm", "answering")]))
    assert "keine Quellen" in sources_html(Session(turns=[Turn("F", "F", False, "llm", "error", error=Message("ui.empty_index"))]))
    assert "Sources" in sources_html(Session(language="en"))


def test_highlight_finds_quotes_across_line_breaks_and_paraphrases() -> None:
    text = "Gefördert werden:\n- Forschungsprojekte,\n- Modellprojekte.\nAnträge bis 30. Juni."
    assert highlight(text, ["Gefördert werden: - Forschungsprojekte, - Modellprojekte."]).startswith("<mark>Gefördert")
    span = find_passage("Die Quote beträgt 90 Prozent. Anträge gehen an den Träger.", "Die Förderquote liegt bei 90 Prozent der Ausgaben.")
    assert span is None or span[0] == 0
    span = find_passage("Einleitung hier. Antragsberechtigt sind Hochschulen und Vereine.", "Hochschulen und Vereine sind antragsberechtigt.")
    assert span is not None and span[0] == len("Einleitung hier. ")
    assert highlight("a < b", ["nicht vorhanden"]) == "a &lt; b"


def test_document_url_quotes_names() -> None:
    assert document_url("uploads/mein bericht#1.pdf", page=4) == "/quelle/uploads/mein%20bericht%231.pdf?page=4#page=4"
    assert document_url("a.md", chunk_id="x/y") == "/quelle/a.md?chunk=x%2Fy#stelle"


# -- documents and status ----------------------------------------------------------------------------


def _records(app: App) -> list:
    assert app.index.manifest is not None
    return list(app.index.manifest.documents.values())


@pytest.fixture
def small_app(settings: Settings) -> App:
    (settings.corpus_dir / "merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine in Sachsen.\n", encoding="utf-8")
    make_pdf(settings.corpus_dir / "richtlinie.pdf", [["# Richtlinie", "Einleitung zur Foerderung."], ["## 3 Empfaenger", "Antragsberechtigt sind Hochschulen."]], title="Richtlinie")
    app = build_app(settings.with_(min_evidence=0.15, upload_max_mb=1), embedder=HashEmbedder(dimension=4096))
    app.ingestor.ingest()
    return app


def test_document_rows_headers_and_choices(small_app: App) -> None:
    rows = document_rows(_records(small_app), "de")
    assert [r[0] for r in rows] == ["Merkblatt", "Richtlinie"]
    assert rows[0][1:4] == ["Markdown", "–", 1] and rows[1][1:3] == ["PDF", 2]
    assert rows[1][5] == "richtlinie.pdf" and len(rows[0][4]) == len("21.11.2025 22:26")
    assert document_headers("en")[0] == "Title" and len(document_headers("de")) == len(rows[0])
    assert document_choices(_records(small_app))[0] == ("Merkblatt (merkblatt.md)", "merkblatt.md")


def test_timestamps_and_sizes() -> None:
    assert format_timestamp("kaputt", "de") == "kaputt"
    assert format_timestamp("2025-01-02T03:04:05+00:00", "en").startswith("2025-01-0")
    assert format_size(1_234_000_000, "de") == "1,2 GB" and format_size(253_000_000, "en") == "253 MB"


def test_status_reports_models_index_and_help(small_app: App) -> None:
    info = collect_status(small_app.settings, small_app.embedder.name, small_app.llm, small_app.answerer.default_mode, _records(small_app))
    assert info.embedder.name == "hash-4096" and info.embedder.origin == "external"
    assert info.llm is None and info.default_mode == "extractive"
    assert (info.documents, info.pages) == (2, 2) and info.chunks >= 2
    page = status_html(info, "de")
    assert "hash-4096" in page and "keines verfügbar" in page and "2 Dokumente, 2 Seiten" in page and "GGUF" in page
    assert "Embedding model" in status_html(info, "en")


# -- uploads, deletion, re-indexing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\x\\Bericht.PDF", "Bericht.pdf"),
        ("/abs/path/a.txt", "a.txt"),
        ("  .versteckt.md", "versteckt.md"),
        ("bad\x00na\x07me\u202e.html", "badname.html"),
        ("README.md", "README-hochgeladen.md"),
        ('a<b>:"c"|?*.htm', "a_b___c____.htm"),
        (".md", "dokument.md"),
    ],
)
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe


def test_sanitize_filename_limits_length_and_types() -> None:
    long = sanitize_filename("x" * 500 + ".markdown")
    assert len(long) == MAX_NAME_CHARS and long.endswith(".markdown")
    for bad in ("skript.exe", "ohne_endung", "bild.pdf.png"):
        with pytest.raises(InputError, match="nicht unterstützt"):
            sanitize_filename(bad)


def test_store_upload_never_overwrites(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("eins", encoding="utf-8")
    second.write_text("zwei", encoding="utf-8")
    one = store_upload(first, "bericht.md", corpus, 1000)
    again = store_upload(first, "bericht.md", corpus, 1000)
    other = store_upload(second, "bericht.md", corpus, 1000)
    assert one.created and not again.created and again.path == one.path
    assert other.created and other.path.name == "bericht-2.md"
    assert one.path.read_text(encoding="utf-8") == "eins" and other.path.read_text(encoding="utf-8") == "zwei"
    assert sorted(p.name for p in (corpus / "uploads").iterdir()) == ["bericht-2.md", "bericht.md"]  # no leftovers
    with pytest.raises(InputError, match="höchstens"):
        store_upload(first, "gross.md", corpus, 3)
    (tmp_path / "leer.md").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="leer"):
        store_upload(tmp_path / "leer.md", "leer.md", corpus, 1000)


def test_move_to_trash_keeps_the_file_and_ignores_outside_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "uploads").mkdir(parents=True)
    for _ in range(2):
        (corpus / "uploads" / "x.md").write_text("x", encoding="utf-8")
        moved = move_to_trash(corpus / "uploads" / "x.md", corpus)
        assert moved is not None and moved.exists() and moved.parent == corpus / ".papierkorb" / "uploads"
    assert sorted(p.name for p in (corpus / ".papierkorb" / "uploads").iterdir()) == ["x-2.md", "x.md"]
    outside = tmp_path / "woanders.md"
    outside.write_text("x", encoding="utf-8")
    assert move_to_trash(outside, corpus) is None and outside.exists()


def _upload(app: App, files: list[tuple[Path, str]], **kwargs: object) -> list[str]:
    return upload_documents(app.ingestor, app.index, files, max_bytes=app.settings.upload_max_mb * 1024 * 1024, **kwargs)  # type: ignore[arg-type]


def _temp(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "gradio-temp"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_upload_is_answerable_right_after_and_reports_each_file(small_app: App, tmp_path: Path) -> None:
    new = _temp(tmp_path, "neu.md", "# Ehrenamt\n\nDie Ehrenamtspauschale beträgt 840 Euro im Jahr für Übungsleiter.\n")
    dup = _temp(tmp_path, "kopie.md", (small_app.settings.corpus_dir / "merkblatt.md").read_text(encoding="utf-8"))
    broken = tmp_path / "gradio-temp" / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.4 kein echtes pdf")
    bad = _temp(tmp_path, "virus.exe", "x")
    stages: list[str] = []
    lines = _upload(
        small_app, [(new, "../neu.md"), (dup, "kopie.md"), (broken, "kaputt.pdf"), (bad, "virus.exe")],
        progress=lambda stage, done, total: stages.append(stage),
    )
    assert lines[0].startswith("✗ virus.exe") and "nicht unterstützt" in lines[0]
    assert lines[1].startswith("✓ ../neu.md: neu indexiert")
    assert "inhaltsgleich mit dem bereits indexierten merkblatt.md" in lines[2]
    assert lines[3].startswith("✗ kaputt.pdf: nicht indexiert")
    assert {"read", "embed"} <= set(stages)
    uploads = small_app.settings.corpus_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["neu.md"]  # duplicate and unreadable copies not kept
    assert not any(p.exists() for p in (new, dup, broken, bad))  # temporary uploads removed
    answer = small_app.answerer.ask("Wie hoch ist die Ehrenamtspauschale?")
    assert not answer.refused and answer.citations[0].source == "uploads/neu.md"


def test_delete_removes_from_both_indexes_and_keeps_the_file(small_app: App) -> None:
    index = small_app.index
    assert index.manifest is not None
    ids = set(index.manifest.documents["merkblatt.md"].chunk_ids)
    message = delete_document(small_app.ingestor, small_app.index, "merkblatt.md")
    assert "gelöscht" in message and ".papierkorb" in message
    assert "merkblatt.md" not in index.manifest.documents
    assert not ids & index.vectors.all_ids() and not ids & set(index.keyword().ids)
    assert (small_app.settings.corpus_dir / ".papierkorb" / "merkblatt.md").exists()
    assert "merkblatt.md" not in reindex(small_app.ingestor)[0] and "merkblatt.md" not in index.manifest.documents  # not resurrected
    with pytest.raises(InputError, match="nicht .mehr. indexiert"):
        delete_document(small_app.ingestor, small_app.index, "merkblatt.md")
    with pytest.raises(InputError):
        delete_document(small_app.ingestor, small_app.index, None)


def test_reindex_summarises(small_app: App) -> None:
    (small_app.settings.corpus_dir / "neu.txt").write_text("Ein neues Dokument über Förderfristen im Herbst.", encoding="utf-8")
    lines = reindex(small_app.ingestor, "de")
    assert lines[0].startswith("1 neu, 0 aktualisiert, 2 unverändert")
    assert reindex(small_app.ingestor, "en")[0].startswith("0 new, 0 updated, 3 unchanged")


def _invisible(text: str) -> list[str]:
    import unicodedata

    return [repr(c) for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}]


@pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request only warns
def test_upload_and_delete_messages_show_file_names_escaped(small_app: App, tmp_path: Path) -> None:
    """Control characters in file names (terminal escapes, line breaks, bidi overrides) never reach a message raw."""
    from assistant.web.ui import ChatUI

    good = _temp(tmp_path, "a.md", "# Vogelschutz\n\nDer Verein hängt 75 Nistkästen auf.\n")
    bad = _temp(tmp_path, "b.exe", "x")
    lines = _upload(small_app, [(good, "bericht\x1b[31m\u202egpj.md"), (bad, "skript\nexe\u2028.exe")])
    assert lines[0].startswith("✗ skript\\x0aexe\\u2028.exe: ") and lines[1].startswith("✓ bericht\\x1b[31m\\u202egpj.md: neu indexiert")
    assert [_invisible(line) for line in lines] == [[], []]
    # A corpus file with a control character in its name: deleting it names the file and its trash copy.
    (small_app.settings.corpus_dir / "alt\x1bname.md").write_text("# Alt\n\nEin altes Merkblatt zur Förderung.\n", encoding="utf-8")
    reindex(small_app.ingestor)
    source = "alt\\x1bname.md"
    assert source in small_app.index.manifest.documents
    message = delete_document(small_app.ingestor, small_app.index, source)
    assert _invisible(message) == [] and message.count("alt\\x1bname.md") == 2  # the source and the trashed path
    assert (small_app.settings.corpus_dir / ".papierkorb" / "alt\x1bname.md").exists()
    # The UI shows the same escaped lines (Gradio's temporary file keeps the name the browser sent).
    evil = _temp(tmp_path, "c\x1b]0;x\x07.exe", "x")
    ui = ChatUI.for_app(small_app)
    ui.build()
    status_text = ui.upload([str(evil)], "Deutsch", progress=lambda *a, **k: None)[ui.view.library_status]  # type: ignore[arg-type]
    assert status_text.startswith("✗ c\\x1b]0;x\\x07.exe: ") and _invisible(status_text) == []


# -- document routes and access ---------------------------------------------------------------------------


@pytest.fixture
def client(small_app: App) -> TestClient:
    server = FastAPI()
    server.include_router(document_router(small_app.index))
    return TestClient(server)


def test_pdf_is_served_inline(client: TestClient) -> None:
    response = client.get("/quelle/richtlinie.pdf?page=2")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_passage_view_marks_the_cited_chunk(client: TestClient, small_app: App) -> None:
    assert small_app.index.manifest is not None
    chunk_id = small_app.index.manifest.documents["merkblatt.md"].chunk_ids[0]
    response = client.get(f"/quelle/merkblatt.md?chunk={chunk_id}")
    assert response.status_code == 200
    assert '<p class="chunk" id="stelle"' in response.text and "<mark>Antragsberechtigt sind gemeinnützige" in response.text
    assert "script-src" not in response.headers["content-security-policy"] and "default-src 'none'" in response.headers["content-security-policy"]
    pdf_view = client.get(f"/quelle/richtlinie.pdf?chunk={small_app.index.manifest.documents['richtlinie.pdf'].chunk_ids[-1]}")
    assert "Original-PDF öffnen" in pdf_view.text and "#page=2" in pdf_view.text
    assert client.get("/quelle/merkblatt.md", headers={"accept-language": "en-GB,en"}).text.count("Indexed text") == 1


@pytest.mark.parametrize("path", ["/quelle/unbekannt.pdf", "/quelle/../../etc/passwd", "/quelle/%2e%2e/%2e%2e/etc/passwd", "/quelle//etc/passwd"])
def test_only_indexed_documents_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "root:" not in response.text


def test_passage_page_escapes_document_text() -> None:
    from assistant.indexing.store import DocumentRecord

    record = DocumentRecord("x.md", "/x.md", "0", EVIL, "markdown", None, ["c1"], "2025-01-01T00:00:00+00:00")
    page = passage_page(record, [_chunk(EVIL, section=EVIL)], "c1")
    assert "<img" not in page and "<script>alert" not in page


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserFile:
    import assistant.web.users

    monkeypatch.setattr(assistant.web.users, "BCRYPT_ROUNDS", 4)  # fast hashes for tests; the cost is stored in each hash
    users = UserFile(tmp_path / "users.txt")
    users.add("anna", "geheim-geheim")
    return users


def test_basic_auth_protects_everything(users: UserFile) -> None:
    server = FastAPI()

    @server.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    server.add_middleware(BasicAuthMiddleware, users=users)
    client = TestClient(server)
    denied = client.get("/")
    assert denied.status_code == 401 and "Basic" in denied.headers["www-authenticate"]
    assert client.get("/", auth=("anna", "falsch-falsch")).status_code == 401
    assert client.get("/", auth=("otto", "geheim-geheim")).status_code == 401
    assert client.get("/", auth=("anna", "geheim-geheim")).json() == {"ok": True}


def test_logins_are_required_off_loopback(users: UserFile, tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    nobody = UserFile(tmp_path / "none.txt")
    assert ui_login("127.0.0.1", nobody) is None
    with pytest.raises(ConfigError, match="assistant users add NAME"):
        ui_login("0.0.0.0", nobody)
    assert ui_login("0.0.0.0", users) is users and ui_login("127.0.0.1", users) is users  # users: always a login
    with pytest.raises(ConfigError, match="Prozesslisten"):
        Settings.from_env({"ASSISTANT_UI_PASSWORD": "geheim"})


def test_pick_port_refuses_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match="belegt"):
            pick_port("127.0.0.1", port)
    assert pick_port("127.0.0.1", None) >= 7860


def test_cli_ui_refuses_network_host_without_credentials(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_USERS_FILE", "/nonexistent/users.txt")
    assert main(["ui", "--host", "0.0.0.0", "--no-ingest"]) == 2
    assert "assistant users add NAME" in capsys.readouterr().err


def test_cli_ui_serves_at_once_and_leaves_indexing_to_the_background(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.web.ui

    (cli.home / "corpus").mkdir()
    (cli.home / "corpus" / "a.md").write_text("# A\n\nEin Dokument über Förderung und Fristen.", encoding="utf-8")
    served: list[tuple] = []
    monkeypatch.setattr(assistant.web.ui, "serve", lambda app, host, port, users, *, index_corpus: served.append(
        (app, host, port, users, index_corpus)))
    assert cli("ui", "--port", str(_free_port())) == 0
    app, host, _, users, index_corpus = served[0]
    assert host == "127.0.0.1" and users is None and index_corpus
    assert app.index.manifest is None  # nothing was indexed before serving
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("geheim-geheim\n"))
    assert cli("users", "add", "anna", "--password-stdin") == 0  # the login comes from the users file
    assert cli("ui", "--host", "0.0.0.0", "--port", str(_free_port()), "--no-ingest") == 0
    assert served[1][1] == "0.0.0.0" and served[1][3].names() == ["anna"] and not served[1][4]


@pytest.mark.parametrize("interrupt", ["stop", "new_conversation"])
def test_a_stopped_stream_ends_with_the_chat_as_it_is_now(settings: Settings, interrupt: str) -> None:
    # An update the stream sent before the stop may reach the browser after the stop's own render: the stream's
    # last update must show the stopped (or cleared) chat, not the half-written answer.
    pytest.importorskip("gradio")
    from assistant.web.ui import ChatUI

    (settings.corpus_dir / "merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine in Sachsen.\n",
                                                     encoding="utf-8")
    model = ScriptedChatModel("Antragsberechtigt sind gemeinnützige Vereine in Sachsen [1]. Mehr steht nicht im Merkblatt.")
    app = build_app(settings.with_(min_evidence=0.15), embedder=HashEmbedder(dimension=4096), chat_model=model)
    app.ingestor.ingest()
    ui = ChatUI.for_app(app)
    ui.build()
    v, session, updates = ui.view, Session(), []
    for update in ui.ask("Wer ist antragsberechtigt?", "llm", session):
        updates.append(update)
        if session.turns and session.turns[-1].status == "answering" and not session.turns[-1].stop_requested:
            getattr(ui, interrupt)(session)
    last = updates[-1][v.chatbot]
    if interrupt == "stop":
        assert session.turns[-1].status == "stopped" and "Antwort abgebrochen." in last[-1]["content"]
    else:
        assert last == [] and session.turns == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- the Gradio adapter with fakes ------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request only warns
def test_callbacks_stream_answers_and_manage_documents(small_app: App, tmp_path: Path) -> None:
    gr = pytest.importorskip("gradio")
    from assistant.web.ui import ChatUI

    ui = ChatUI.for_app(small_app)
    assert isinstance(ui.build(), gr.Blocks)
    v = ui.view
    session = Session()
    updates = list(ui.ask("Wer ist antragsberechtigt?", "extractive", session))
    assert updates[-1][v.session] is session and session.turns[-1].status == "done"
    assert updates[0][v.question] == "" and all(v.question not in u for u in updates[1:])  # the box is cleared once
    assert 'class="cite"' in updates[-1][v.chatbot][-1]["content"] and 'id="quelle-1-1"' in updates[-1][v.sources]
    assert ui.stop(session)[v.session].turns[-1].status == "done"  # nothing to stop
    empty = list(ui.ask("   ", "extractive", session))
    assert empty == [{v.session: session}] and len(session.turns) == 1
    cleared = ui.new_conversation(session)
    assert cleared[v.chatbot] == [] and cleared[v.session] is session and session.turns == []
    assert "erscheinen hier" in cleared[v.sources]

    upload = _temp(tmp_path, "neu.md", "# Neu\n\nDie Ehrenamtspauschale beträgt 840 Euro.")
    calls: list[tuple] = []
    uploaded = ui.upload([str(upload)], "Deutsch", progress=lambda *a, **k: calls.append(a))
    assert "neu indexiert" in uploaded[v.library_status] and uploaded[v.upload] is None and calls
    assert any(row[5] == "uploads/neu.md" for row in uploaded[v.table].value["data"])
    deleted = ui.delete("uploads/neu.md", "English")
    assert "deleted" in deleted[v.library_status] and not any(row[5] == "uploads/neu.md" for row in deleted[v.table].value["data"])
    assert "Please choose" in ui.delete(None, "English")[v.library_status]
    relabelled = ui.switch_language("English", session)
    assert session.language == "en" and relabelled[v.session] is session and "Sources" in relabelled[v.sources]


def test_server_routes_documents_before_gradio(small_app: App) -> None:
    pytest.importorskip("gradio")
    from assistant.web.ui import create_server

    with TestClient(create_server(small_app)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert client.get("/quelle/richtlinie.pdf").headers["content-type"] == "application/pdf"
    import assistant.web.users

    assistant.web.users.BCRYPT_ROUNDS = 4
    try:
        users = UserFile(small_app.settings.home / "users.txt")
        users.add("anna", "geheim-geheim")
        users.add("ben", "auch-geheim-1")
    finally:
        assistant.web.users.BCRYPT_ROUNDS = 12
    with TestClient(create_server(small_app, users=users)) as client:
        assert client.get("/").status_code == 401 and client.get("/quelle/richtlinie.pdf").status_code == 401
        assert client.get("/", auth=("anna", "geheim-geheim")).status_code == 200
        # A Gradio session belongs to the user who opened it: another user is refused even with its id.
        client.post("/gradio_api/queue/join", json={"session_hash": "s-anna", "fn_index": 0, "data": []}, auth=("anna", "geheim-geheim"))
        assert client.get("/gradio_api/queue/data?session_hash=s-anna", auth=("ben", "auch-geheim-1")).status_code == 403
        stolen = client.post("/gradio_api/queue/join", json={"session_hash": "s-anna", "fn_index": 0, "data": []}, auth=("ben", "auch-geheim-1"))
        assert stolen.status_code == 403


def test_environment_keeps_gradio_offline() -> None:
    from assistant.app import disable_telemetry

    disable_telemetry()
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
