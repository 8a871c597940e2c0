"""Incremental ingest, resume after interruption, removal, model mismatch refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.app import App, build_app
from assistant.config import Settings
from assistant.errors import IndexMismatchError, IndexStateError, InputError
from assistant.indexing.store import Manifest
from tests.fakes import HashEmbedder

GUIDELINE = """---
title: "Förderrichtlinie Gemeinwohl-KI"
publisher: "BMFSFJ"
---

# 1 Zuwendungszweck

Gefördert werden Projekte, die Künstliche Intelligenz für das Gemeinwohl nutzen.

# 3 Zuwendungsempfänger

Antragsberechtigt sind juristische Personen des öffentlichen und privaten Rechts.

# 5 Art und Umfang

Die Zuwendung beträgt bis zu 90 Prozent der zuwendungsfähigen Ausgaben.
"""

BEES = "Das Projekt Bee Observer beobachtet Bienenstöcke mit Sensoren.\n\nDie Daten sind offen.\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class CountingEmbedder(HashEmbedder):
    """Counts document embeddings; can fail after a number of batches to simulate a crash."""

    def __init__(self, fail_after_batches: int | None = None) -> None:
        super().__init__()
        self.embedded = 0
        self.batches = 0
        self.fail_after_batches = fail_after_batches

    def embed_documents(self, texts, titles=None):  # type: ignore[no-untyped-def]
        if self.fail_after_batches is not None and self.batches >= self.fail_after_batches:
            raise KeyboardInterrupt("simulated kill")
        self.batches += 1
        self.embedded += len(texts)
        return super().embed_documents(texts, titles)


def _store_state(app: App) -> tuple[set[str], set[str]]:
    keyword_ids = set(app.index.keyword().ids)
    return app.index.vectors.all_ids(), keyword_ids


def test_first_ingest_indexes_everything_consistently(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    _write(settings.corpus_dir, "bienen.txt", BEES)
    _write(settings.corpus_dir, "SOURCES.md", "| file | title |")  # describes the corpus, not part of it
    report = app.ingestor.ingest()
    assert sorted(report.added) == ["bienen.txt", "richtlinie.md"]
    assert not report.failed
    vector_ids, keyword_ids = _store_state(app)
    assert vector_ids == keyword_ids == app.index.manifest.chunk_ids()
    record = app.index.manifest.documents["richtlinie.md"]
    assert record.title == "Förderrichtlinie Gemeinwohl-KI" and record.kind == "markdown"


def test_unchanged_corpus_is_skipped_without_embedding(settings: Settings) -> None:
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    build_app(settings, embedder=HashEmbedder()).ingestor.ingest()
    counting = CountingEmbedder()
    report = build_app(settings, embedder=counting).ingestor.ingest()
    assert report.unchanged == ["richtlinie.md"] and not report.changed
    assert counting.embedded == 0


def test_changed_file_reembeds_only_changed_chunks(settings: Settings) -> None:
    path = _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    first = build_app(settings, embedder=HashEmbedder())
    first.ingestor.ingest()
    before = first.index.manifest.documents["richtlinie.md"].chunk_ids
    path.write_text(GUIDELINE.replace("90 Prozent", "80 Prozent"), encoding="utf-8")
    counting = CountingEmbedder()
    app = build_app(settings, embedder=counting)
    report = app.ingestor.ingest()
    assert report.updated == ["richtlinie.md"]
    assert counting.embedded == 1 and report.chunks_reused == len(before) - 1
    vector_ids, keyword_ids = _store_state(app)
    assert vector_ids == keyword_ids == set(app.index.manifest.documents["richtlinie.md"].chunk_ids)
    texts = [h.chunk.text for h in app.retriever.search("Wie hoch ist die Zuwendung in Prozent?", 5)]
    assert any("80 Prozent" in t for t in texts) and not any("90 Prozent" in t for t in texts)


def test_removed_file_is_dropped_from_both_indexes(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    bees = _write(settings.corpus_dir, "bienen.txt", BEES)
    app.ingestor.ingest()
    bees.unlink()
    report = app.ingestor.ingest()
    assert report.removed == ["bienen.txt"]
    vector_ids, keyword_ids = _store_state(app)
    assert vector_ids == keyword_ids == set(app.index.manifest.documents["richtlinie.md"].chunk_ids)
    assert all(h.chunk.source == "richtlinie.md" for h in app.retriever.search("Bienen Sensoren", 5))


def test_interrupted_ingest_resumes_without_duplicates_or_orphans(settings: Settings) -> None:
    long_text = "\n\n".join(f"Absatz {i}: Die Förderung von Projekt {i} ist möglich." for i in range(40))
    _write(settings.corpus_dir, "lang.txt", long_text)
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    crashing = CountingEmbedder(fail_after_batches=1)
    settings = settings.with_(chunk_target_chars=100, chunk_max_chars=200, embed_batch_size=8)
    with pytest.raises(KeyboardInterrupt):
        build_app(settings, embedder=crashing).ingestor.ingest()
    assert crashing.embedded == 8  # one batch stored before the "kill"

    resumed = CountingEmbedder()
    app = build_app(settings, embedder=resumed)
    report = app.ingestor.ingest()
    total = sum(len(d.chunk_ids) for d in app.index.manifest.documents.values())
    assert resumed.embedded == total - 8  # the stored batch is reused, not embedded again
    assert report.chunks_reused == 8
    vector_ids, keyword_ids = _store_state(app)
    assert len(vector_ids) == total and vector_ids == keyword_ids == app.index.manifest.chunk_ids()


def test_orphan_chunks_from_a_crash_are_removed(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    app.ingestor.ingest()
    # A crash after storing chunks but before the manifest record leaves chunks nobody claims.
    from assistant.indexing.chunking import Chunk

    orphan = Chunk("orphan-id", "weg.txt", "Weg", None, "", "verwaist", 0)
    app.index.vectors.upsert([orphan], np.ones((1, app.embedder.dimension), dtype=np.float32) / 8)
    app.ingestor.ingest()
    assert "orphan-id" not in app.index.vectors.all_ids()


def test_broken_file_is_reported_and_the_rest_indexed(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    (settings.corpus_dir / "kaputt.pdf").write_bytes(b"\x00\x01 not a pdf at all")
    report = app.ingestor.ingest()
    assert report.added == ["bienen.txt"]
    assert list(report.failed) == ["kaputt.pdf"] and "kaputt.pdf" in str(report.failed["kaputt.pdf"])


def test_duplicate_content_under_another_name_is_skipped(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    _write(settings.corpus_dir, "kopie.txt", BEES)
    report = app.ingestor.ingest()
    assert report.added == ["bienen.txt"] and report.duplicates == {"kopie.txt": "bienen.txt"}


def test_explicit_file_outside_corpus_and_unsupported_type(app: App, tmp_path: Path) -> None:
    outside = tmp_path / "extern"
    outside.mkdir()
    path = _write(outside, "notiz.txt", BEES)
    report = app.ingestor.ingest([path])
    assert report.added == ["notiz.txt"]
    with pytest.raises(InputError, match="nicht unterstützt"):
        app.ingestor.ingest([_write(outside, "tabelle.xlsx", "x")])
    with pytest.raises(InputError, match="nicht gefunden"):
        app.ingestor.ingest([outside / "fehlt.pdf"])


def test_remove_document(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    _write(settings.corpus_dir, "bienen.txt", BEES)
    app.ingestor.ingest()
    assert app.ingestor.remove("bienen.txt") is True
    assert app.ingestor.remove("bienen.txt") is False
    vector_ids, keyword_ids = _store_state(app)
    assert vector_ids == keyword_ids == app.index.manifest.chunk_ids()
    assert "bienen.txt" not in app.index.manifest.documents


def test_one_writer_at_a_time(app: App, settings: Settings) -> None:
    """While one writer holds the index (say the UI), another (the CLI) is refused at once, not queued."""
    _write(settings.corpus_dir, "bienen.txt", BEES)
    other = build_app(settings, embedder=HashEmbedder())
    with app.index.writing():
        with pytest.raises(IndexStateError):
            other.ingestor.ingest()
        with pytest.raises(IndexStateError):
            other.ingestor.remove("bienen.txt")
    assert other.ingestor.ingest().added == ["bienen.txt"]  # free again once the first writer is done


def test_other_embedder_is_refused_until_rebuild(settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    build_app(settings, embedder=HashEmbedder(dimension=64)).ingestor.ingest()
    other = build_app(settings, embedder=HashEmbedder(dimension=32))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        other.ingestor.ingest()
    with pytest.raises(IndexMismatchError):
        other.retriever.search("Bienen", 3)
    report = other.ingestor.ingest(rebuild=True)
    assert report.added == ["bienen.txt"]
    assert Manifest.load(settings.index_dir / "manifest.json").dimension == 32
    assert other.retriever.search("Bienen", 1)[0].chunk.source == "bienen.txt"


def test_keyword_index_is_rebuilt_when_missing_or_corrupt(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    app.ingestor.ingest()
    (app.index.keyword_path / "meta.json").write_text("kaputt", encoding="utf-8")
    reopened = build_app(settings, embedder=HashEmbedder())
    assert set(reopened.index.keyword().ids) == reopened.index.manifest.chunk_ids()


def test_corrupt_manifest_is_detected_with_fix(app: App, settings: Settings) -> None:
    _write(settings.corpus_dir, "bienen.txt", BEES)
    app.ingestor.ingest()
    (settings.index_dir / "manifest.json").write_text("{nicht json", encoding="utf-8")
    damaged = build_app(settings, embedder=HashEmbedder())  # opening succeeds so that --rebuild can repair
    with pytest.raises(IndexStateError, match="assistant ingest --rebuild"):
        damaged.retriever.search("Bienen", 3)
    with pytest.raises(IndexStateError, match="assistant ingest --rebuild"):
        damaged.ingestor.ingest()
    assert damaged.ingestor.ingest(rebuild=True).added == ["bienen.txt"]


def test_changed_chunk_settings_reprocess_unchanged_files(settings: Settings) -> None:
    _write(settings.corpus_dir, "richtlinie.md", GUIDELINE)
    build_app(settings, embedder=HashEmbedder()).ingestor.ingest()
    embedder = HashEmbedder()
    app = build_app(settings.with_(chunk_target_chars=150, chunk_max_chars=300), embedder=embedder)
    report = app.ingestor.ingest()
    assert report.updated == ["richtlinie.md"]
    # Same chunk texts as before (the sections are short): their stored embeddings are reused.
    assert embedder.documents_embedded == 0 and report.chunks_reused > 0
    assert build_app(settings.with_(chunk_target_chars=150, chunk_max_chars=300), embedder=embedder).ingestor.ingest().unchanged
