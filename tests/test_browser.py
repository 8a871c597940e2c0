"""The web UI in a real browser: Debian's Chromium driven by Playwright against the running ASGI app.

The app runs in-process on a free localhost port with the fake embedder and a slow scripted chat
model that quotes its first source, over a generated corpus (a 3-page PDF, so page numbers are
checked, plus Markdown and text files). Screenshots go to ``test-artifacts/browser/``.
Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and the ``playwright`` package; never runs
``playwright install``.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from assistant.app import App, build_app
from assistant.config import Settings
from tests.fakes import GatedEmbedder, HashEmbedder, ScriptedChatModel
from tests.pdf_factory import make_pdf

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
QUESTION = "Wer ist nach der Förderrichtlinie KI für das Gemeinwohl antragsberechtigt?"
TIMEOUT_MS = 30_000


class SourceEchoChatModel(ScriptedChatModel):
    """Answers with the first sentence of its first source, cited, one word every ``delay`` seconds.

    Slow enough to see streaming and queueing; the answer depends on the question's sources, so
    answers of different tabs are distinguishable.
    """

    def __init__(self, delay: float = 0.3) -> None:
        super().__init__()
        self.delay = delay

    def stream(self, messages, max_tokens, stop=()):  # type: ignore[no-untyped-def]
        from assistant.answering.llm import Generation

        self.prompts.append([dict(m) for m in messages])
        # The last turn holds the excerpts ("[1] Titel\nText …\n[2] …") and then the question.
        block = re.search(r"^\[1\] [^\n]*\n(.*?)(?:\n\[2\] |\n\n)", messages[-1]["content"], re.DOTALL | re.MULTILINE)
        sentences = re.split(r"(?<=\.)\s+", block.group(1)) if block else []
        sentence = next((s for s in sentences if s.endswith(".") and len(s.split()) >= 5), "Keine passende Quelle gefunden.")
        reply = sentence.rstrip(".") + " [1]."

        def pieces() -> Iterator[str]:
            for piece in re.findall(r"\S+\s*", reply):
                time.sleep(self.delay)
                yield piece

        return Generation(pieces())


def _corpus(folder: Path) -> None:
    make_pdf(
        folder / "foerderrichtlinie-ki-fuer-das-gemeinwohl.pdf",
        [
            ["# Förderrichtlinie KI für das Gemeinwohl", "", "## 1 Zuwendungszweck", "Der Bund fördert Projekte, die KI für das Gemeinwohl einsetzen."],
            ["## 3 Zuwendungsempfänger", "Antragsberechtigt sind gemeinnützige Organisationen und Hochschulen.", "Natürliche Personen sind nicht antragsberechtigt."],
            ["## 5 Verfahren", "Anträge sind bis zum 30. Juni beim Projektträger einzureichen.", "",
             "## 7 Geltungsdauer", "Diese Förderrichtlinie tritt am 1. Januar 2022 in Kraft und ist befristet bis zum 31. Dezember 2025."],
        ],
        title="Förderrichtlinie KI für das Gemeinwohl",
    )
    (folder / "datenschutz.md").write_text(
        "# Datenschutz in Projekten\n\nPersonenbezogene Daten dürfen nur mit einer Rechtsgrundlage verarbeitet werden. "
        "Eine Datenschutz-Folgenabschätzung ist bei hohem Risiko Pflicht.\n",
        encoding="utf-8",
    )
    (folder / "ehrenamt.md").write_text(
        "---\ntitle: Förderprogramm: Ehrenamt digital (Land)\n---\n\n# Ehrenamt digital\n\n"
        "Gefördert werden Vereine, die digitale Werkzeuge für das Ehrenamt einführen.\n\n"
        "Antragsberechtigt sind gemeinnützige Vereine.\n\n"
        "Die Förderung beträgt maximal 5.000 Euro je Verein als Zuschuss.\n\n"
        "Das Programm ist befristet bis zum 31. Dezember 2027.\n",
        encoding="utf-8",
    )
    (folder / "notiz.txt").write_text(
        'Hinweis zur Barrierefreiheit: <img src=x onerror="window.__xss=1"> Barrierefreie Webseiten sind Pflicht für Behörden.\n',
        encoding="utf-8",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, App]]:
    """The app with fakes, served by uvicorn in a thread on a free localhost port."""
    pytest.importorskip("gradio")
    import uvicorn

    from assistant.web.ui import create_server

    home = tmp_path_factory.mktemp("ui")
    (home / "corpus").mkdir()
    _corpus(home / "corpus")
    settings = Settings(home=home, cache_dir=home / "cache", min_evidence=0.15, today="2026-11-28")
    app = build_app(settings, embedder=HashEmbedder(dimension=4096), chat_model=SourceEchoChatModel())
    app.ingestor.ingest()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_server(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the UI server did not start")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium) for browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no `playwright install` needed)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any, served: tuple[str, App]) -> Iterator[Any]:
    """A fresh browser profile in German that records every host it contacts."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    context.hosts = set()
    # Only network requests count (the built-in PDF viewer loads chrome:// and extension resources).
    context.on("request", lambda request: request.url.startswith(("http:", "https:", "ws:", "wss:")) and context.hosts.add(request.url.split("/")[2]))
    yield context
    context.close()


def _open(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Ihre Frage").wait_for()
    return page


def _ask(page: Any, question: str) -> None:
    box = page.get_by_label("Ihre Frage")
    box.fill(question)
    box.press("Enter")  # keyboard only


def _answers(page: Any) -> Any:
    return page.locator("#chat [data-testid=bot]")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_question_streams_a_cited_answer_whose_source_opens_at_the_page(context: Any, served: tuple[str, App]) -> None:
    url, _ = served
    page = _open(context, url)
    _shot(page, "01-start")
    _ask(page, QUESTION)
    page.locator("#chat .answer.streaming").wait_for()  # pieces arrive before the verified answer
    _shot(page, "02-streaming")
    page.locator("#chat .answer .meta").wait_for()
    answer = _answers(page).last
    assert "Antragsberechtigt sind gemeinnützige Organisationen und Hochschulen" in answer.inner_text()
    assert "KI-Antwort" in answer.inner_text()

    sources = page.locator("#sources")
    entry = sources.locator("li.source").first
    assert "Förderrichtlinie KI für das Gemeinwohl" in entry.inner_text() and "S. 2" in entry.inner_text()
    assert "3 Zuwendungsempfänger" in entry.inner_text()
    assert "Antragsberechtigt sind gemeinnützige" in entry.locator("mark").first.inner_text()
    _shot(page, "03-answer-with-sources")

    # The [1] in the answer leads to its source entry (keyboard: focus the link, press Enter).
    # Issue 14: the guideline expired before ASSISTANT_TODAY, so the answer opens with that, cited.
    assert "Achtung: „Förderrichtlinie KI für das Gemeinwohl“ ist seit dem 31.12.2025 außer Kraft" in answer.inner_text()
    answer.locator(f'a.cite[href="#{entry.get_attribute("id")}"]').first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == entry.get_attribute("id")

    # The source opens the PDF at the cited page, and that page holds the passage.
    link = entry.locator("a.open-source")
    href = link.get_attribute("href")
    assert href is not None and href.endswith("#page=2")
    with context.expect_page() as opened:
        link.click()
    pdf_tab = opened.value
    pdf_tab.wait_for_load_state()
    assert pdf_tab.url == url + href
    response = context.request.get(url + href.split("#")[0])
    assert response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(response.body())).pages
    assert len(pages) == 3 and "Antragsberechtigt" in pages[1].extract_text()
    pdf_tab.close()

    # The passage view marks the cited chunk.
    with context.expect_page() as opened:
        entry.locator("a.open-passage").click()
    passage = opened.value
    passage.wait_for_load_state()
    assert "Antragsberechtigt sind gemeinnützige" in passage.locator("#stelle mark").inner_text()
    _shot(passage, "04-passage")
    passage.close()
    assert context.hosts == {url.split("/")[2]}  # nothing is loaded from anywhere else (works offline)


def test_follow_up_refusal_stop_and_evidence_mode(context: Any, served: tuple[str, App]) -> None:
    url, _ = served
    page = _open(context, url)
    page.locator("#mode").get_by_label("Belegstellen").check()
    _ask(page, "Was fördert die Förderrichtlinie KI für das Gemeinwohl?")
    page.locator("#chat .answer .meta").wait_for()
    _ask(page, "Und wer ist antragsberechtigt?")
    page.wait_for_function("document.querySelectorAll('#chat .answer .meta').length === 2")
    assert "Antragsberechtigt sind gemeinnützige" in _answers(page).last.inner_text()
    page.get_by_text("Gesuchte Anfrage").click()
    assert page.locator("#query textarea, #query input").first.input_value() == (
        "Wer ist antragsberechtigt (Förderrichtlinie KI für das Gemeinwohl)?"
    )
    _shot(page, "05-follow-up")

    page.get_by_role("button", name="Neues Gespräch").click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length === 0")
    _ask(page, "Wie wird das Wetter morgen in Rom?")
    refusal = page.locator("#chat .answer.refusal")
    refusal.wait_for()
    assert "Keine belegte Antwort" in refusal.inner_text()
    _shot(page, "06-refusal")

    # A document's markup is shown as text, never executed.
    _ask(page, "Was gilt zur Barrierefreiheit von Webseiten?")
    page.wait_for_function("document.querySelectorAll('#chat .answer .meta').length === 2")
    assert "<img" in page.locator("#sources").inner_text() or "<img" in _answers(page).last.inner_text()
    assert page.evaluate("window.__xss") is None

    page.locator("#mode").get_by_label("KI-Antwort").check()
    _ask(page, QUESTION)
    page.locator("#chat .answer.streaming").wait_for()
    page.get_by_role("button", name="Stopp").click()
    page.locator("#chat .answer.stopped").wait_for()
    assert "abgebrochen" in _answers(page).last.inner_text()
    _ask(page, QUESTION)  # the model is free again after a stop
    page.wait_for_function("document.querySelectorAll('#chat .answer .meta').length === 3")


def test_two_tabs_queue_for_the_model_and_never_mix(context: Any, served: tuple[str, App]) -> None:
    url, _ = served
    first, second = _open(context, url), _open(context, url)
    _ask(first, QUESTION)
    first.locator("#chat .answer.streaming").wait_for()
    _ask(second, "Wann ist eine Datenschutz-Folgenabschätzung Pflicht?")
    second.get_by_text(re.compile("Position 1 in der Warteschlange")).wait_for()
    _shot(second, "07-queued")
    for page in (first, second):
        page.locator("#chat .answer .meta").wait_for()
    assert "foerderrichtlinie" in first.locator("#sources").inner_text() and "datenschutz.md" not in first.locator("#sources li.source").first.inner_text()
    assert "Personenbezogene Daten" in _answers(second).last.inner_text() and "datenschutz.md" in second.locator("#sources li.source").first.inner_text()
    assert "Personenbezogene Daten" not in _answers(first).last.inner_text()
    assert "Antragsberechtigt" in _answers(first).last.inner_text() and "Antragsberechtigt" not in _answers(second).last.inner_text()


def test_upload_answer_delete_and_language(context: Any, served: tuple[str, App], tmp_path: Path) -> None:
    url, app = served
    page = _open(context, url)
    page.get_by_role("tab", name="Dokumente").click()
    table = page.locator("#documents")
    assert "foerderrichtlinie-ki-fuer-das-gemeinwohl.pdf" in table.inner_text()
    upload = tmp_path / "Merkblatt Ehrenamt.md"
    upload.write_text("# Merkblatt Ehrenamt\n\nDie Ehrenamtspauschale beträgt 840 Euro im Jahr.\n", encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    status = page.locator("#library-status textarea")
    page.wait_for_function("document.querySelector('#library-status textarea').value.includes('indexiert')")
    assert "neu indexiert" in status.input_value()
    page.get_by_text("uploads/Merkblatt Ehrenamt.md").first.wait_for()
    _shot(page, "08-uploaded")

    page.get_by_role("tab", name="Chat").click()
    page.locator("#mode").get_by_label("Belegstellen").check()
    _ask(page, "Wie hoch ist die Ehrenamtspauschale?")
    page.locator("#chat .answer .meta").wait_for()
    assert "840 Euro" in _answers(page).last.inner_text()
    assert "uploads/Merkblatt Ehrenamt.md" in page.locator("#sources li.source").first.inner_text()

    page.get_by_role("tab", name="Dokumente").click()
    page.get_by_label("Dokument zum Löschen auswählen").click()
    page.get_by_role("option", name=re.compile("Merkblatt Ehrenamt")).click()
    page.get_by_role("button", name="Ausgewähltes Dokument löschen").click()
    page.wait_for_function("document.querySelector('#library-status textarea').value.includes('gelöscht')")
    page.wait_for_function("!document.querySelector('#documents').innerText.includes('Merkblatt Ehrenamt')")
    assert app.index.manifest is not None and "uploads/Merkblatt Ehrenamt.md" not in app.index.manifest.documents
    assert (app.settings.corpus_dir / ".papierkorb" / "uploads" / "Merkblatt Ehrenamt.md").exists()
    _shot(page, "09-deleted")

    page.get_by_role("tab", name="Einstellungen und Status").click()
    assert "hash-4096" in page.locator("#status").inner_text()
    page.get_by_label("English").check()
    page.get_by_role("tab", name="Settings and status").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("button", name="Send").is_visible() or page.get_by_role("tab", name="Chat").is_visible()
    assert "Embedding model" in page.locator("#status").inner_text()
    _shot(page, "10-english")


def test_programmes_table_filter_compare_and_passage_link(context: Any, served: tuple[str, App]) -> None:
    """Issue 14: the funding programmes with their validity on ASSISTANT_TODAY, each value linked to its passage."""
    url, _ = served
    page = _open(context, url)
    page.get_by_role("tab", name="Förderprogramme").click()
    table = page.locator("#programmes")
    table.locator("a:visible", has_text="abgelaufen seit 31.12.2025").first.wait_for()
    assert "gilt bis 31.12.2027" in table.inner_text() and "5.000 EUR" in table.inner_text()
    assert "28.11.2026" in page.locator("#programmes-intro").inner_text()
    _shot(page, "11-programmes")

    page.get_by_label("Status").click()
    page.get_by_role("option", name="offen").click()
    page.wait_for_function("!document.querySelector('#programmes').innerText.includes('abgelaufen seit')")
    assert "Ehrenamt digital" in table.inner_text()
    page.get_by_label("Status").click()
    page.get_by_role("option", name="alle").click()
    table.locator("a:visible", has_text="abgelaufen seit 31.12.2025").first.wait_for()

    compare = page.get_by_label("Vergleichen (2–4 Programme wählen)")
    for name in ("Ehrenamt digital", "Förderrichtlinie KI für das Gemeinwohl"):
        compare.click()
        page.get_by_role("option", name=name).click()
    comparison = page.locator("#programme-comparison table.compare")
    comparison.wait_for()
    assert "Diese Förderrichtlinie tritt am 1. Januar 2022 in Kraft" in comparison.inner_text()
    assert "nicht angegeben" in comparison.inner_text()
    _shot(page, "12-programmes-compared")

    link = table.locator("a:visible", has_text="5.000 EUR").first
    page.wait_for_timeout(1000)
    with context.expect_page() as opened:
        link.click()
    passage = opened.value
    passage.wait_for_load_state()
    assert "maximal 5.000 Euro" in passage.locator("mark").inner_text()
    passage.close()


def test_briefing_is_assembled_downloaded_and_the_chat_exported(context: Any, served: tuple[str, App], tmp_path: Path) -> None:
    """Issue 14: "Beratung vorbereiten" — form, progress, preview, the PDF downloaded and read; the chat exported."""
    from pypdf import PdfReader

    url, _ = served
    page = _open(context, url)
    page.get_by_role("tab", name="Beratung vorbereiten").click()
    page.get_by_label("Projektname").fill("Ehrenamts-App")
    page.get_by_label("Projektbeschreibung (Pflicht)").fill("Ein gemeinnütziger Verein führt digitale Werkzeuge für das Ehrenamt ein.")
    page.locator("#brief-legal-form input").fill("e.V.")
    page.locator("#brief-legal-form input").press("Enter")
    page.locator("#brief-budget input").fill("4000")
    page.get_by_role("button", name="Mappe erstellen").click()
    page.wait_for_function("document.querySelector('#brief-status textarea').value.startsWith('Fertig')", timeout=60_000)
    preview = page.locator("#brief-preview")
    _shot(page, "13-briefing")
    preview.get_by_text("Ehrenamt digital (Land) — formal passend").first.wait_for()
    assert "Das geplante Budget (4.000 EUR) liegt im Rahmen des Höchstbetrags (5.000 EUR)." in preview.inner_text()
    _shot(page, "13-briefing")
    with page.expect_download() as download:
        page.locator('#brief-files a[download="ehrenamts-app.pdf"]').first.click()
    pdf = tmp_path / "mappe.pdf"
    download.value.save_as(pdf)
    content = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Beratungsmappe: Ehrenamts-App" in content and "5. Quellen" in content and "Seite 1 von" in content

    page.get_by_role("tab", name="Chat").click()
    page.locator("#mode").get_by_label("Belegstellen").check()
    _ask(page, QUESTION)
    page.locator("#chat .answer .meta").wait_for()
    page.get_by_role("button", name="Gespräch exportieren").click()
    with page.expect_download() as download:
        page.locator('#export-files a[download="gespraech.md"]').first.click()
    exported = tmp_path / "gespraech.md"
    download.value.save_as(exported)
    assert f"## Frage 1: {QUESTION}" in exported.read_text(encoding="utf-8")


def test_the_ui_serves_and_answers_while_the_corpus_is_indexed(browser: Any, tmp_path: Path) -> None:
    """Issue 13: the URL works before indexing is done; a question is answered over what is indexed."""
    pytest.importorskip("gradio")
    import uvicorn

    from assistant.indexing.background import BackgroundIngest
    from assistant.web.ui import create_server

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "merkblatt.md").write_text(
        "# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine in Sachsen.\n", encoding="utf-8")
    embedder = GatedEmbedder("Ehrenamtspauschale")
    app = build_app(Settings(home=tmp_path, cache_dir=tmp_path / "cache", min_evidence=0.15), embedder=embedder)
    app.ingestor.ingest()
    (tmp_path / "corpus" / "pauschale.md").write_text("# Pauschale\n\nDie Ehrenamtspauschale beträgt 840 Euro.\n", encoding="utf-8")
    background = BackgroundIngest(app.ingestor)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_server(app, background=background), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    background.start()
    try:
        assert embedder.held.wait(30)
        deadline = time.monotonic() + 60
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the UI server did not start"
            time.sleep(0.1)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        context.set_default_timeout(TIMEOUT_MS)
        page = _open(context, f"http://127.0.0.1:{port}")
        banner = page.locator("#indexing .indexing.running")
        banner.wait_for()
        assert "Die Wissensbasis wird aufgebaut" in banner.inner_text()
        _ask(page, "Wer ist antragsberechtigt?")
        page.locator("#chat .answer .meta").wait_for()
        assert "gemeinnützige Vereine" in _answers(page).last.inner_text()
        _shot(page, "07-answer-while-indexing")
        embedder.release.set()
        page.locator("#indexing .indexing.done").wait_for()  # the timer picks up the end of the run
        assert "auf dem neuesten Stand" in page.locator("#indexing").inner_text()
        context.close()
    finally:
        embedder.release.set()
        server.should_exit = True
        thread.join(timeout=10)
