"""Evidence vectors computed in idle time, so that a first question is as fast as a repeated one.

An answer embeds the units (sentences, lists, table rows) of the 10 chunks it re-ranks; that is nine
tenths of the time to its evidence when they are not cached yet (docs/BENCHMARKS.md). The
web UI therefore runs one :class:`EvidenceWarmer`: after the start-up indexing and after every change
to the library it embeds the units of all searchable chunks that the embedding cache lacks. It is
not done at ingest: it costs about as much as embedding the chunks, and ``assistant ingest`` should
finish as soon as the index is complete.

The warmer never delays a question by more than one batch: the embedder serves forward passes in the
order they were asked for (``FairLock``), and a question asks between two of the warmer's batches.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable, Sequence

from ..errors import AssistantError

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk

log = logging.getLogger(__name__)

#: ``warm(chunks, batch_size, stop)``: embeds what is missing, returns how many units it embedded.
WarmFunction = Callable[["Sequence[Chunk]", int, Callable[[], bool]], int]


class EvidenceWarmer:
    """One daemon thread that warms the evidence vectors whenever :meth:`request` is called.

    ``chunks`` lists what to warm (read anew for every pass, so new documents are included).
    """

    def __init__(
        self,
        warm: WarmFunction,
        chunks: Callable[[], "Sequence[Chunk]"],
        batch_size: int,
    ) -> None:
        self._warm = warm
        self._chunks = chunks
        self._batch_size = batch_size
        self._requested = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: Units embedded so far (all passes), reported by the concurrency benchmark.
        self.embedded = 0

    def request(self) -> None:
        """Warm what is missing now (starts the thread on first use; a pass under way is followed by another)."""
        with self._lock:
            if self._closed:
                return
            self._idle.clear()
            self._requested.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="evidence-warm-up", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every requested pass is done (True) or ``timeout`` seconds have passed (False)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop after the batch under way; no further passes."""
        with self._lock:
            self._closed = True
            self._requested.set()

    def _run(self) -> None:
        while True:
            self._requested.wait()
            with self._lock:
                if self._closed:
                    self._idle.set()
                    return
                self._requested.clear()
            try:
                self.embedded += self._warm(self._chunks(), self._batch_size, lambda: self._closed)
            except AssistantError as exc:
                # A missing model or a damaged index is reported where it is used, in the answer; the
                # warm-up is an optimisation and must not take the UI down.
                log.info("Evidence warm-up skipped: %s", exc)
            except Exception:  # noqa: BLE001 - a background thread has no caller to raise to
                log.exception("Evidence warm-up failed")
            with self._lock:
                if not self._requested.is_set():
                    self._idle.set()
