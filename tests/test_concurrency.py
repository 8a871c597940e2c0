"""Concurrency: eight chat sessions and an upload at once, through the web UI's own callbacks.

Each session runs in its own thread and calls :meth:`assistant.web.ui.ChatUI.ask` exactly as Gradio's
worker threads do; one more thread uploads a document through :meth:`ChatUI.upload`. Every question
has its own answer document, so a session that receives another session's answer (or citations) is
caught. The chat model is a slow fake that counts how many generations run at the same time.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from assistant.web import conversation
from assistant.app import App, build_app
from assistant.config import Settings
from assistant.web.conversation import LlmQueue, LlmTicket, Session
from assistant.indexing.lexical import KeywordIndex
from assistant.web.ui import ANSWER_CONCURRENCY, ChatUI
from tests.fakes import HashEmbedder

SESSIONS = 8
#: Seconds the fake model takes per generated piece: long enough for the sessions to overlap.
SECONDS_PER_PIECE = 0.02
#: Upper bound for any run in this module; a deadlock fails the test instead of hanging it.
DEADLINE = 60.0
#: How long the model is held busy at most while waiting for all sessions to line up.
HOLD_SECONDS = 15.0


@dataclass(frozen=True)
class Topic:
    """One answer document and the question only it answers."""

    slug: str
    name: str
    question: str
    fact: str  # the sentence holding the answer
    marker: str  # the part of the fact no other document contains

    @property
    def source(self) -> str:
        return f"{self.slug}.md"

    def document(self) -> str:
        return f"# {self.name}\n\n{self.fact}\n\nDer Verein {self.name} wurde von Ehrenamtlichen gegründet.\n"


TOPICS = [
    Topic("imkerei", "Imkerverein Lindenblüte", "Wie viele Bienenvölker betreut der Imkerverein Lindenblüte?",
          "Der Imkerverein Lindenblüte betreut 41 Bienenvölker am Stadtrand.", "41 Bienenvölker"),
    Topic("sternwarte", "Sternwarte Hohenfels", "Wie groß ist der Spiegel der Sternwarte Hohenfels?",
          "Der Spiegel der Sternwarte Hohenfels misst 62 Zentimeter im Durchmesser.", "62 Zentimeter"),
    Topic("chor", "Kammerchor Auftakt", "Wie viele Sängerinnen hat der Kammerchor Auftakt?",
          "Der Kammerchor Auftakt zählt 23 Sängerinnen und Sänger.", "23 Sängerinnen"),
    Topic("fahrrad", "Fahrradwerkstatt Speiche", "Wie viele Fahrräder repariert die Fahrradwerkstatt Speiche?",
          "Die Fahrradwerkstatt Speiche repariert jährlich 380 Fahrräder für Geflüchtete.", "380 Fahrräder"),
    Topic("garten", "Gemeinschaftsgarten Wurzelwerk", "Wie viele Hochbeete hat der Gemeinschaftsgarten Wurzelwerk?",
          "Der Gemeinschaftsgarten Wurzelwerk bewirtschaftet 57 Hochbeete.", "57 Hochbeete"),
    Topic("theater", "Jugendtheater Kulisse", "Wie viele Aufführungen spielt das Jugendtheater Kulisse?",
          "Das Jugendtheater Kulisse spielt jede Saison 14 Aufführungen.", "14 Aufführungen"),
    Topic("tafel", "Lebensmitteltafel Brotkorb", "Wie viele Haushalte versorgt die Lebensmitteltafel Brotkorb?",
          "Die Lebensmitteltafel Brotkorb versorgt wöchentlich 260 Haushalte.", "260 Haushalte"),
    Topic("feuerwehr", "Jugendfeuerwehr Funkenflug", "Wie viele Mitglieder hat die Jugendfeuerwehr Funkenflug?",
          "Die Jugendfeuerwehr Funkenflug hat 35 Mitglieder.", "35 Mitglieder"),
]
UPLOAD = Topic("zaunkoenig", "Vogelschutzgruppe Zaunkönig", "Wie viele Nistkästen hängt die Vogelschutzgruppe Zaunkönig auf?",
               "Die Vogelschutzgruppe Zaunkönig hängt 75 Nistkästen auf.", "75 Nistkästen")


class QuotingChatModel:
    """A slow fake chat model that answers with the first sentence of source [1] holding a number.

    Its answer depends only on the prompt, so a session gets its own answer exactly when it got its
    own sources. ``active`` counts generations running right now (a generation runs from its first
    piece until it is exhausted or closed, like llama.cpp's); ``max_active`` is the most seen at once.
    """

    def __init__(self, seconds_per_piece: float = SECONDS_PER_PIECE) -> None:
        self.seconds_per_piece = seconds_per_piece
        self.name = "quoting"
        self._guard = threading.Lock()
        self.active = 0
        self.max_active = 0
        #: Questions in the order they got the model.
        self.served: list[str] = []

    @property
    def context_window(self) -> int:
        return 4096

    @property
    def has_chat_template(self) -> bool:
        return True

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prefill(self, messages: Sequence[dict[str, str]]) -> None:
        pass  # nothing to cache

    def stream(self, messages: Sequence[dict[str, str]], max_tokens: int, stop: Sequence[str] = ()) -> Any:
        from assistant.answering.llm import Generation, TokenCounts

        # The last turn holds the excerpts and the question: "Auszüge:\n[1] Titel\nText …\n\nFrage: …".
        excerpts, _, question = messages[-1]["content"].rpartition("\n\nFrage: ")
        source = re.search(r"^\[1\][^\n]*\n(.*?)(?:\n\[2\] |\Z)", excerpts, re.DOTALL | re.MULTILINE)
        sentence = re.search(r"[^.!?\n]*\d[^.!?\n]*", source.group(1)) if source else None
        reply = f"{sentence.group(0).strip()} [1]." if sentence else "Dazu finde ich nichts."
        pieces = re.findall(r"\S+\s*", reply)
        return Generation(self._generate(question, pieces), TokenCounts(completion_tokens=len(pieces)))

    def _generate(self, question: str, pieces: list[str]) -> Any:
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.served.append(question)
        try:
            for piece in pieces:
                time.sleep(self.seconds_per_piece)
                yield piece
        finally:
            with self._guard:
                self.active -= 1


class CountingQueue(LlmQueue):
    """The real queue, counting how many requests ever joined it and the longest line seen."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = 0
        self.longest = 0

    def enter(self) -> LlmTicket:
        ticket = super().enter()
        self.entered += 1
        self.longest = max(self.longest, len(self))
        return ticket


class OpenDoorQueue(CountingQueue):
    """A broken queue that admits everyone at once: shows that the checks below can fail."""

    def _wait(self, ticket: LlmTicket, timeout: float) -> bool:
        return True


@dataclass
class SessionRun:
    """What one session thread saw: every streamed update of its turn, and how it ended."""

    topic: Topic
    session: Session = field(default_factory=Session)
    #: (status, queue position, assistant message HTML) per update the UI would send.
    updates: list[tuple[str, int, str]] = field(default_factory=list)
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def statuses(self) -> list[str]:
        return [status for status, _, _ in self.updates]

    @property
    def positions(self) -> list[int]:
        return [position for status, position, _ in self.updates if status == "queued"]


@dataclass
class UploadRun:
    """What the upload thread got back."""

    message: str = ""
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0


# -- helpers -------------------------------------------------------------------------------------------


def _app(settings: Settings, model: QuotingChatModel) -> App:
    for topic in TOPICS:
        (settings.corpus_dir / topic.source).write_text(topic.document(), encoding="utf-8")
    app = build_app(
        settings.with_(min_evidence=0.15, chunk_target_chars=200, chunk_max_chars=400),
        embedder=HashEmbedder(dimension=4096),
        chat_model=model,
    )
    assert sorted(app.ingestor.ingest().added) == sorted(t.source for t in TOPICS)
    return app


def _upload_file(folder: Path) -> Path:
    """The upload: its answer plus enough other text for several embedding batches."""
    folder.mkdir(parents=True, exist_ok=True)
    filler = "\n\n".join(
        f"## Einsatz {n}\n\nAm Einsatztag {n} reinigte die Vogelschutzgruppe Zaunkönig Kästen im Auwald Abschnitt {n}."
        for n in range(1, 31)
    )
    path = folder / UPLOAD.source
    path.write_text(f"# {UPLOAD.name}\n\n{UPLOAD.fact}\n\n{filler}\n", encoding="utf-8")
    return path


def _ask(ui: ChatUI, run: SessionRun, mode: str, start: threading.Barrier) -> None:
    try:
        start.wait(DEADLINE)
        run.started = time.perf_counter()
        for update in ui.ask(run.topic.question, mode, run.session):
            assert update[ui.view.session] is run.session
            turn = run.session.turns[-1]
            run.updates.append((turn.status, turn.queue_position, update[ui.view.chatbot][-1]["content"]))
    except BaseException as exc:  # noqa: BLE001 - reported by the test, with the session it hit
        run.error = exc
    finally:
        run.finished = time.perf_counter()


def _upload(ui: ChatUI, path: Path, run: UploadRun, go: threading.Event) -> None:
    def slow_progress(*args: object, **kwargs: object) -> None:
        time.sleep(0.05)  # stretches the upload over the sessions' searches, as a real embedder would

    try:
        go.wait(DEADLINE)
        run.started = time.perf_counter()
        run.message = ui.upload([str(path)], "Deutsch", progress=slow_progress)[ui.view.library_status]  # type: ignore[arg-type]
    except BaseException as exc:  # noqa: BLE001
        run.error = exc
    finally:
        run.finished = time.perf_counter()


def _run(
    ui: ChatUI, mode: str, upload: Path | None, hold_model_until: Callable[[list[SessionRun]], bool] | None = None
) -> tuple[list[SessionRun], UploadRun]:
    """Start one thread per topic at the same instant (plus the upload) and wait for all of them.

    With ``hold_model_until``, another request holds the model until the predicate over the runs is
    true (e.g. every session waits in line; asserted after the run), then releases it and lets the
    upload start. Threads are daemons, so a deadlock fails the test instead of hanging the suite.
    """
    runs = [SessionRun(topic) for topic in TOPICS]
    start = threading.Barrier(len(runs) + 1)
    go = threading.Event()
    uploaded = UploadRun()
    holder = ui.queue.enter() if hold_model_until is not None else None
    threads = [
        threading.Thread(target=_ask, args=(ui, run, mode, start), name=f"session-{run.topic.slug}", daemon=True)
        for run in runs
    ]
    if upload is not None:
        threads.append(threading.Thread(target=_upload, args=(ui, upload, uploaded, go), name="upload", daemon=True))
    for thread in threads:
        thread.start()
    start.wait(DEADLINE)
    held_until_ready = True
    if holder is not None and hold_model_until is not None:
        ready_by = time.monotonic() + HOLD_SECONDS
        while not (held_until_ready := hold_model_until(runs)) and time.monotonic() < ready_by:
            time.sleep(0.005)
        holder.release()
    go.set()
    deadline = time.monotonic() + DEADLINE
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "threads still running: a deadlock"
    assert held_until_ready, "the sessions never all reached the model's line"
    return runs, uploaded


def _all_in_line(runs: list[SessionRun]) -> bool:
    """Every session has shown its evidence and waits in line for the model."""
    return all(any(status == "queued" for status, _, _ in run.updates) for run in runs)


def _ui(app: App) -> ChatUI:
    """The UI whose callbacks Gradio would run (built: the callbacks update its components)."""
    ui = ChatUI.for_app(app)
    ui.build()
    return ui


def _sequential_answers(app: App, mode: str) -> dict[str, tuple[str, list[str]]]:
    """Each question asked alone, one after the other: the answers a concurrent run must reproduce."""
    ui = _ui(app)
    answers = {}
    for topic in TOPICS:
        session = Session()
        list(ui.ask(topic.question, mode, session))
        answer = session.turns[-1].answer
        assert answer is not None, session.turns[-1].error
        answers[topic.question] = (answer.text, [c.source for c in answer.citations])
    return answers


def _assert_own_answers(runs: list[SessionRun], expected: dict[str, tuple[str, list[str]]]) -> None:
    """Every session holds one turn: its own question, its own answer and citations, nothing of the others."""
    for run in runs:
        assert run.error is None, f"{run.topic.slug}: {run.error!r}"
        assert [t.question for t in run.session.turns] == [run.topic.question]
        turn = run.session.turns[0]
        assert turn.status == "done" and turn.answer is not None, (turn.status, turn.error)
        assert turn.answer.question == run.topic.question
        assert (turn.answer.text, [c.source for c in turn.answer.citations]) == expected[run.topic.question]
        assert run.topic.marker in turn.answer.text
        assert {c.source for c in turn.answer.citations} == {run.topic.source}
        shown = run.updates[-1][2]  # the chat message the browser would show last
        assert run.topic.marker in shown
        others = [t.marker for t in [*TOPICS, UPLOAD] if t is not run.topic and t.marker in shown]
        assert not others, f"{run.topic.slug} shows another session's answer: {others}"


def assert_index_consistent(app: App) -> None:
    """Chroma, BM25 and the manifest list exactly the same chunks, none twice (as in tests/test_crash.py)."""
    manifest = app.index.manifest
    assert manifest is not None
    chroma_ids = [c.id for c in app.index.vectors.all_chunks()]
    stored_keyword = KeywordIndex.load(app.index.keyword_path).ids
    assert len(chroma_ids) == len(set(chroma_ids)) and len(stored_keyword) == len(set(stored_keyword))
    assert set(chroma_ids) == set(stored_keyword) == set(app.index.keyword().ids) == manifest.chunk_ids()


def _assert_upload_searchable(app: App, ui: ChatUI, uploaded: UploadRun) -> None:
    assert uploaded.error is None, repr(uploaded.error)
    assert "neu indexiert" in uploaded.message, uploaded.message
    assert app.retriever.search(UPLOAD.question, 1)[0].chunk.source == f"uploads/{UPLOAD.source}"
    session = Session()
    list(ui.ask(UPLOAD.question, "extractive", session))
    answer = session.turns[-1].answer
    assert answer is not None and UPLOAD.marker in answer.text
    assert_index_consistent(app)


# -- tests ---------------------------------------------------------------------------------------------


@pytest.fixture
def fast_queue_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued sessions re-check their place every 10 ms (0.5 s in the product) so the test stays short."""
    monkeypatch.setattr(conversation, "QUEUE_POLL_SECONDS", 0.01)


@pytest.mark.usefixtures("fast_queue_polls")
def test_eight_llm_sessions_and_an_upload_at_once(settings: Settings, tmp_path: Path) -> None:
    model = QuotingChatModel()
    app = _app(settings, model)
    expected = _sequential_answers(app, "llm")
    model.served.clear()
    ui = _ui(app)
    ui.queue = queue = CountingQueue()

    runs, uploaded = _run(ui, "llm", _upload_file(tmp_path / "incoming"), hold_model_until=_all_in_line)

    _assert_own_answers(runs, expected)
    assert model.max_active == 1, f"{model.max_active} generations ran at the same time"
    assert model.active == 0 and len(queue) == 0
    assert queue.longest == SESSIONS + 1  # the eight sessions lined up behind the request holding the model
    # Visible queue: every waiting session streamed its place in line, counting down, first come first served.
    for run in runs:
        assert run.statuses[0] == "searching" and run.statuses[-1] == "done"
        assert run.positions and run.positions == sorted(run.positions, reverse=True) and run.positions[-1] >= 1
        for status, position, shown in run.updates:
            if status == "queued":
                assert f"Position {position} in der Warteschlange" in shown
    by_place = sorted(runs, key=lambda run: run.positions[0])
    assert [run.positions[0] for run in by_place] == list(range(1, SESSIONS + 1))
    assert model.served == [run.topic.question for run in by_place]
    # The upload really ran while the sessions were answering.
    assert uploaded.started < max(run.finished for run in runs) and uploaded.finished > min(run.started for run in runs)
    _assert_upload_searchable(app, ui, uploaded)


def test_eight_extractive_sessions_never_wait_for_the_model(settings: Settings, tmp_path: Path) -> None:
    model = QuotingChatModel()
    app = _app(settings, model)
    expected = _sequential_answers(app, "extractive")
    ui = _ui(app)
    ui.queue = queue = CountingQueue()
    busy = queue.enter()  # another tab's llm answer holds the model for the whole run

    started = time.perf_counter()
    try:
        runs, uploaded = _run(ui, "extractive", _upload_file(tmp_path / "incoming"))
    finally:
        busy.release()

    _assert_own_answers(runs, expected)
    assert queue.entered == 1 and model.served == []  # only the busy tab ever joined the line
    assert all("queued" not in run.statuses for run in runs)
    assert time.perf_counter() - started < DEADLINE / 2
    _assert_upload_searchable(app, ui, uploaded)


def test_the_checks_catch_a_queue_that_lets_everyone_in(settings: Settings) -> None:
    """With the line broken, generations overlap and the assertions above would fail."""
    model = QuotingChatModel()
    app = _app(settings, model)
    ui = _ui(app)
    ui.queue = OpenDoorQueue()
    runs, _ = _run(ui, "llm", upload=None)
    assert all(run.error is None and run.session.turns[0].status == "done" for run in runs)
    assert model.max_active > 1
    assert all(not run.positions for run in runs)


def test_the_ui_bounds_concurrent_work(settings: Settings) -> None:
    """Memory stays bounded: at most eight answers are computed at once, at most 64 requests wait, one
    indexing run at a time; every other request is refused by Gradio's queue instead of piling up."""
    blocks = ChatUI.for_app(build_app(settings, embedder=HashEmbedder())).build()
    functions = {fn.api_name: fn for fn in blocks.fns.values()}
    assert functions["ask"].concurrency_limit == ANSWER_CONCURRENCY == SESSIONS
    assert {functions[name].concurrency_id for name in ("upload", "delete", "reindex")} == {"ingest"}
    assert all(functions[name].concurrency_limit == 1 for name in ("upload", "delete", "reindex"))
    assert blocks._queue.max_size == 64
