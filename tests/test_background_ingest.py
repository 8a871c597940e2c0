"""The UI serves first, indexing runs in the background (issue 13): progress, answers meanwhile,
library changes that wait, failures that leave the UI serving."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import IndexStateError
from assistant.indexing.background import BackgroundIngest
from assistant.indexing.ingest import IngestReport
from assistant.web.conversation import Session
from assistant.web.presentation import indexing_html
from tests.fakes import GatedEmbedder


class GatedIngestor:
    """Reports progress, then waits for the test to let it finish (or fail)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.release = threading.Event()
        self.reading = threading.Event()
        self.error = error
        self.runs = 0

    def ingest(self, progress=None) -> IngestReport:  # noqa: ANN001 - the Ingestor's signature
        self.runs += 1
        progress("read", 2, 3)
        self.reading.set()
        assert self.release.wait(10)
        progress("embed", 40, 100)
        if self.error is not None:
            raise self.error
        report = IngestReport()
        report.added.append("a.md")
        return report


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_status_follows_the_run_and_estimates_the_time_left() -> None:
    ingestor, clock, finished = GatedIngestor(), Clock(), []
    background = BackgroundIngest(ingestor, on_finish=finished.append, clock=clock)  # type: ignore[arg-type]
    assert background.status().state == "idle" and background.wait(0)
    assert background.start()
    assert ingestor.reading.wait(5)
    status = background.status()
    assert status.running and (status.files_done, status.files_total) == (2, 3) and status.chunks_total == 0
    assert not background.start() and not background.wait(0)  # one run at a time; a library change would wait
    background._progress("embed", 10, 100)  # the ingestor's own callback, as it reports embedding
    clock.now += 20.0
    background._progress("embed", 50, 100)
    status = background.status()
    assert (status.files_done, status.chunks_done, status.chunks_total) == (3, 50, 100)
    assert status.seconds_left == pytest.approx(20.0)  # 50 chunks in 20 s, 50 to go
    ingestor.release.set()
    assert background.wait(5)
    done = background.status()
    assert done.state == "done" and done.report is not None and done.report.added == ["a.md"]
    assert done.chunks_done == done.chunks_total == 100 and done.seconds_left is None
    assert finished == [done]
    assert "1 neu" in indexing_html(done, "de") and 'class="indexing done"' in indexing_html(done, "de")
    assert background.start()  # a second run may start after the first (the gate is open now)
    assert background.wait(5) and ingestor.runs == 2 and background.status().state == "done"


@pytest.mark.parametrize(("error", "expected"), [
    (IndexStateError("index.locked"), "index.locked"),
    (RuntimeError("disk on fire"), "ingest.background_failed"),
])
def test_a_failed_run_is_reported_and_ends(error: Exception, expected: str) -> None:
    ingestor = GatedIngestor(error)
    ingestor.release.set()
    background = BackgroundIngest(ingestor)  # type: ignore[arg-type]
    background.start()
    assert background.wait(5)
    status = background.status()
    assert status.state == "failed" and status.error is not None and status.error.id == expected
    banner = indexing_html(status, "en")
    assert 'class="indexing failed"' in banner and "could not be updated" in banner


def test_banner_texts() -> None:
    from assistant.indexing.background import IngestStatus

    assert indexing_html(None, "de") == "" and indexing_html(IngestStatus("idle"), "de") == ""
    reading = indexing_html(IngestStatus("running", files_done=1, files_total=4), "de")
    assert "1 von 4 Dateien" in reading and 'aria-busy="true"' in reading
    embedding = indexing_html(IngestStatus("running", 4, 4, 30, 120, seconds_left=150.0), "en")
    assert "30 of 120 passages" in embedding and "about 2 min left" in embedding


@pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request only warns
def test_the_ui_answers_while_the_corpus_is_indexed_and_uploads_wait(settings: Settings, tmp_path: Path) -> None:
    gr = pytest.importorskip("gradio")
    from assistant.web.ui import ChatUI

    (settings.corpus_dir / "merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine.\n", encoding="utf-8")
    embedder = GatedEmbedder("Ehrenamtspauschale")
    app = build_app(settings.with_(min_evidence=0.15), embedder=embedder)
    app.ingestor.ingest()  # indexed before: searchable during the next run
    (settings.corpus_dir / "pauschale.md").write_text("# Pauschale\n\nDie Ehrenamtspauschale beträgt 840 Euro.\n", encoding="utf-8")
    background = BackgroundIngest(app.ingestor)
    ui = ChatUI.for_app(app, background=background)
    assert isinstance(ui.build(), gr.Blocks)
    v = ui.view
    background.start()
    assert embedder.held.wait(10)  # the new document is being embedded

    banner = ui.indexing_tick("Deutsch")
    assert "wird aufgebaut" in banner[v.indexing] and v.indexing_timer not in banner  # keeps ticking
    session = Session()
    answer = list(ui.ask("Wer ist antragsberechtigt?", "extractive", session))[-1]
    assert session.turns[-1].status == "done" and "gemeinnützige Vereine" in answer[v.chatbot][-1]["content"]

    upload = tmp_path / "neu.md"
    upload.write_text("# Neu\n\nDer Zuschuss beträgt 500 Euro.", encoding="utf-8")
    results: list[dict] = []
    waiting = threading.Thread(target=lambda: results.append(ui.upload([str(upload)], "Deutsch", progress=lambda *a, **k: None)))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and not results  # queued behind the running indexing
    embedder.release.set()
    waiting.join(10)
    assert results and "neu indexiert" in results[0][v.library_status]

    finished = ui.indexing_tick("Deutsch")
    assert "auf dem neuesten Stand" in finished[v.indexing]
    assert finished[v.indexing_timer].active is False  # the timer stops once the run is over
    sources = {row[5] for row in finished[v.table].value["data"]}
    assert {"merkblatt.md", "pauschale.md", "uploads/neu.md"} <= sources
