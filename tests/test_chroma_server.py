"""The index on a real Chroma server (``chroma run``): ingest, search, embedder check, kill -9 and recovery."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pytest

from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import IndexMismatchError, IndexStateError
from tests.fakes import HashEmbedder

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChromaServer:
    """``chroma run`` on a free localhost port, with its data in ``path``; startable again after a kill."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert self.process.poll() is None, "chroma run exited"
                time.sleep(0.2)
        pytest.fail("chroma run did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA.exists():
        pytest.skip(f"{CHROMA} not found (installed with chromadb)")
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


def _corpus(folder: Path) -> None:
    (folder / "a-merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine in Sachsen.\n", encoding="utf-8")
    (folder / "b-pauschale.md").write_text("# Pauschale\n\nDie Ehrenamtspauschale beträgt 840 Euro im Jahr.\n", encoding="utf-8")


def _settings(settings: Settings, chroma: ChromaServer, **changes: object) -> Settings:
    return settings.with_(chroma_url=chroma.url, min_evidence=0.1, **changes)


def test_ingest_and_search_through_the_server(settings: Settings, chroma: ChromaServer) -> None:
    _corpus(settings.corpus_dir)
    app = build_app(_settings(settings, chroma), embedder=HashEmbedder(dimension=256))
    report = app.ingestor.ingest()
    assert sorted(report.added) == ["a-merkblatt.md", "b-pauschale.md"]
    assert not (settings.index_dir / "chroma").exists()  # the vectors live on the server
    assert (settings.index_dir / "manifest.json").exists()  # manifest and BM25 stay here
    answer = app.answerer.ask("Wie hoch ist die Ehrenamtspauschale?", mode="extractive")
    assert not answer.refused and answer.citations[0].source == "b-pauschale.md"
    assert app.index.vectors.embedder() == "hash-256"

    # Another embedder must not use (or wipe) this collection; another installation without the manifest neither.
    with pytest.raises(IndexMismatchError, match="hash-256"):
        build_app(_settings(settings, chroma), embedder=HashEmbedder(dimension=128)).ingestor.ingest()
    other = build_app(_settings(settings, chroma, index_dir=settings.home / "other-index"), embedder=HashEmbedder(dimension=256))
    with pytest.raises(IndexStateError, match="enthält 2 Abschnitte"):
        other.ingestor.ingest()
    assert app.index.vectors.count() == 2
    # A separate collection on the same server is a separate index.
    separate = build_app(_settings(settings, chroma, index_dir=settings.home / "other-index", chroma_collection="team-b"),
                         embedder=HashEmbedder(dimension=256))
    assert sorted(separate.ingestor.ingest().added) == ["a-merkblatt.md", "b-pauschale.md"]


class KillingEmbedder(HashEmbedder):
    """Kills the Chroma server the first time it embeds a text containing ``word`` (during ingest)."""

    def __init__(self, server: ChromaServer, word: str) -> None:
        super().__init__(dimension=256)
        self.server, self.word, self.killed = server, word, False

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        if not self.killed and any(self.word in t for t in texts):
            self.killed = True
            self.server.kill()
        return super().embed_documents(texts, titles)


def test_kill_9_of_the_server_during_ingest_is_reported_and_recovered(settings: Settings, chroma: ChromaServer) -> None:
    _corpus(settings.corpus_dir)
    pauschale = settings.corpus_dir / "b-pauschale.md"
    text = pauschale.read_text(encoding="utf-8")
    pauschale.unlink()
    first = build_app(_settings(settings, chroma, embed_cache=False), embedder=KillingEmbedder(chroma, "Ehrenamtspauschale"))
    assert first.ingestor.ingest().added == ["a-merkblatt.md"]
    pauschale.write_text(text, encoding="utf-8")  # a new document arrives; the server dies while it is stored
    with pytest.raises(IndexStateError) as raised:
        first.ingestor.ingest()
    assert "Verbindung zum Chroma-Server brach ab" in raised.value.render("de")
    assert list(first.index.records()) == ["a-merkblatt.md"]  # completed before the kill, and only that

    chroma.start()  # same data folder and port
    again = build_app(_settings(settings, chroma, embed_cache=False), embedder=HashEmbedder(dimension=256))
    report = again.ingestor.ingest()
    assert report.added == ["b-pauschale.md"] and report.unchanged == ["a-merkblatt.md"]
    ids = again.index.vectors.all_ids()
    assert ids == again.index.manifest.chunk_ids() and len(ids) == 2  # no orphans, no duplicates  # type: ignore[union-attr]
    assert not again.answerer.ask("Wie hoch ist die Ehrenamtspauschale?", mode="extractive").refused
    shutil.rmtree(settings.index_dir)  # the server keeps the vectors; a lost index folder is refused, not wiped
    with pytest.raises(IndexStateError, match="enthält 2 Abschnitte"):
        build_app(_settings(settings, chroma), embedder=HashEmbedder(dimension=256)).ingestor.ingest()
