"""Indexing in the background, so the web UI serves at once on any index state.

``assistant ui`` starts one :class:`BackgroundIngest` run over the corpus folder and opens the UI
right away. Questions meanwhile are answered over what is indexed already: a document becomes
searchable as soon as all its chunks are stored (see ``Index.searchable_ids``), so answers improve as
the run proceeds. The UI shows :meth:`BackgroundIngest.status` (files read, chunks embedded, time
left); uploads, deletions and re-indexing wait for the run (:meth:`BackgroundIngest.wait`), since the
index has one writer at a time. The crash-safety invariants are the ingestor's own: this class only
decides when it runs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

from ..errors import AssistantError
from ..messages import Message

if TYPE_CHECKING:
    from .ingest import IngestReport, Ingestor

State = Literal["idle", "running", "done", "failed"]


@dataclass(frozen=True)
class IngestStatus:
    """A snapshot of the background run.

    ``files_*`` count the files checked (unchanged ones included), ``chunks_*`` the chunks to embed
    (known once reading is done). ``seconds_left`` is estimated from the embedding rate so far, the
    stage that takes the time; None until it can be.
    """

    state: State
    files_done: int = 0
    files_total: int = 0
    chunks_done: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    seconds_left: float | None = None
    report: "IngestReport | None" = None
    error: Message | None = None

    @property
    def running(self) -> bool:
        """Whether the run is still going."""
        return self.state == "running"


class BackgroundIngest:
    """One ingest of the corpus folder in a daemon thread, observable while it runs.

    ``on_finish`` is called in that thread with the final status (the CLI prints the report there).
    """

    def __init__(
        self,
        ingestor: "Ingestor",
        on_finish: Callable[[IngestStatus], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ingestor = ingestor
        self._on_finish = on_finish
        self._clock = clock
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._finished.set()  # nothing to wait for before the first start
        self._state: State = "idle"
        self._files = (0, 0)
        self._chunks = (0, 0)
        self._started = 0.0
        self._embed_started: float | None = None
        self._ended: float | None = None
        self._report: "IngestReport | None" = None
        self._error: Message | None = None

    def start(self) -> bool:
        """Start the run; False (and nothing happens) while one is running."""
        with self._lock:
            if self._state == "running":
                return False
            self._state, self._files, self._chunks = "running", (0, 0), (0, 0)
            self._started, self._embed_started, self._ended = self._clock(), None, None
            self._report, self._error = None, None
            self._finished.clear()
        threading.Thread(target=self._run, name="background-ingest", daemon=True).start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going (True), or ``timeout`` seconds have passed (False)."""
        return self._finished.wait(timeout)

    def status(self) -> IngestStatus:
        """The run's progress now."""
        with self._lock:
            now = self._ended if self._ended is not None else self._clock()
            done, total = self._chunks
            left = None
            if self._state == "running" and self._embed_started is not None and done:
                left = (now - self._embed_started) / done * (total - done)
            return IngestStatus(
                self._state, *self._files, *self._chunks, seconds=now - self._started if self._started else 0.0,
                seconds_left=left, report=self._report, error=self._error,
            )

    def _progress(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            if stage == "read":
                self._files = (done, total)
            elif stage == "embed":
                if self._embed_started is None:
                    self._embed_started = self._clock()
                    self._files = (self._files[1], self._files[1])  # reading is over once embedding starts
                self._chunks = (done, total)

    def _run(self) -> None:
        report: "IngestReport | None" = None
        error: Message | None = None
        try:
            report = self._ingestor.ingest(progress=self._progress)
        except AssistantError as exc:
            error = exc.message  # another process indexing, a damaged index: shown in the UI, the UI keeps serving
        except Exception as exc:  # noqa: BLE001 - a background thread has no caller to raise to
            error = Message("ingest.background_failed", error_type=type(exc).__name__, error=str(exc))
        with self._lock:
            self._state = "failed" if error is not None else "done"
            self._report, self._error, self._ended = report, error, self._clock()
            if report is not None:
                self._files = (self._files[1], self._files[1])
                self._chunks = (self._chunks[1], self._chunks[1])
        final = self.status()
        try:
            if self._on_finish is not None:
                self._on_finish(final)
        finally:
            self._finished.set()
