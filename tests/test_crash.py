"""Crash safety: ingest killed with SIGKILL at random moments, and damaged index files at start-up.

The kill test runs ``python -m tests.test_crash HOME MODE`` (the worker at the bottom of this file:
the real app with the fake embedder, slowed down per batch so that kills land in every stage) and
kills it at a seeded random moment. After every kill the index is opened in the test process and
checked; then a follow-up ingest must leave Chroma, BM25 and the manifest exactly in step with the
corpus folder. The corpus changes between runs (new, edited and deleted files, sometimes a full
rebuild), so kills hit first builds, updates, pruning and resets alike.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import IndexStateError
from assistant.indexing.ingest import file_sha256
from assistant.indexing.lexical import KeywordIndex
from assistant.indexing.store import Index, Manifest
from tests.conftest import Cli
from tests.fakes import HashEmbedder

REPO = Path(__file__).resolve().parent.parent
KILLS = 20
#: Seconds the fake embedder sleeps per batch in the worker: stretches embedding over many kill points.
BATCH_SLEEP = 0.03

_WORDS = (
    "Förderung Antrag Verein Stiftung Kommune Ehrenamt Quartier Bildung Datenschutz Teilhabe Zuschuss "
    "Richtlinie Projekt Nachbarschaft Energie Mobilität Kultur Jugend Senioren Inklusion Umwelt Digitalisierung"
).split()


def crash_settings(home: Path) -> Settings:
    """Small chunks and batches, so a short corpus gives many chunks and many batches."""
    return Settings(home=home, cache_dir=home / "cache", chunk_target_chars=120, chunk_max_chars=240, embed_batch_size=8)


def _document(rng: random.Random, number: int, version: int) -> str:
    lines = [f"# Merkblatt {number} Fassung {version}", ""]
    for section in range(3):
        lines += [f"## Abschnitt {section + 1}", ""]
        for _ in range(rng.randint(3, 6)):
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14)))
            lines += [f"Thema{number} {words} Nummer {rng.randint(1, 10_000)}.", ""]
    return "\n".join(lines)


def _mutate(corpus: Path, rng: random.Random, state: dict[str, int], first: bool) -> None:
    """Add, edit and delete a few documents (all of them added on the first call)."""
    if first:
        for number in range(12):
            state[f"m{number:02d}.md"] = 1
            (corpus / f"m{number:02d}.md").write_text(_document(rng, number, 1), encoding="utf-8")
        return
    names = sorted(state)
    for name in rng.sample(names, k=min(len(names), rng.randint(1, 3))):  # edits
        state[name] += 1
        (corpus / name).write_text(_document(rng, int(name[1:3]), state[name]), encoding="utf-8")
    if len(names) > 8 and rng.random() < 0.6:  # a deletion
        victim = rng.choice(names)
        (corpus / victim).unlink()
        del state[victim]
    for _ in range(rng.randint(0, 2)):  # new files
        number = max(int(n[1:3]) for n in state) + 1 if state else 0
        name = f"m{number:02d}.md"
        state[name] = 1
        (corpus / name).write_text(_document(rng, number, 1), encoding="utf-8")


def _run_worker(home: Path, mode: str, rng: random.Random | None) -> str:
    """Run an ingest subprocess and, unless ``rng`` is None, SIGKILL it at a random point of its work.

    The kill point is chosen from the progress the worker reports, not from a clock, so that it
    lands in the intended stage however fast the machine is: right after start (manifest, reset),
    after a random file read, or after a random embedded batch plus a random fraction of the next
    one (or of the final stage: records, prune, orphans, BM25). Returns the stage last reported.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.test_crash", str(home), mode, str(BATCH_SLEEP)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "start":
        process.kill()
        raise AssertionError(f"worker failed to start: {line}{process.communicate()[1]}")
    if rng is None:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        return _stage(_last(out, "start"))
    seen = ["start"]
    choice = rng.random()
    delay: float | None = rng.uniform(0.0, 0.05) if choice < 0.1 else None
    target: int | None = None
    while delay is None:
        line = process.stdout.readline().strip()
        if not line or line == "done":
            break  # finished before the chosen point
        seen.append(line)
        stage, done, total = line.split()[0], int(line.split()[1]), int(line.split()[2])
        if stage == "read" and choice < 0.3:
            target = rng.randint(0, max(total - 1, 0)) if target is None else target
            if done >= target:
                delay = rng.uniform(0.0, 0.005)
        elif stage == "embed":
            if target is None or choice < 0.3:
                target = min(total, rng.randint(0, -(-total // 8)) * 8)  # a batch boundary
                choice = 1.0
            if done >= target:
                delay = rng.uniform(0.0, 1.5 * BATCH_SLEEP) if done < total else rng.uniform(0.0, 0.4)
    if delay is not None:
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=60)
    return _stage(_last(out, seen[-1]))


def _last(out: str, fallback: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    return lines[-1] if lines else fallback


def _stage(last: str) -> str:
    if last == "done":
        return "completed before the kill"
    if last == "start":
        return "opening/reset"
    stage, done, total = last.split()
    if stage == "read":
        return "reading files"
    return "embedding/storing" if done != total else "finishing (records, prune, orphans, BM25)"


def _check_after_kill(index_dir: Path) -> int:
    """The state a kill leaves: manifest readable, every chunk it lists stored, index opens undamaged."""
    manifest = Manifest.load(index_dir / "manifest.json")
    index = Index(index_dir)
    try:
        assert index.damage is None, index.damage
        assert index.missing_chunks == 0
        stored = index.vectors.all_ids()
        listed = manifest.chunk_ids() if manifest else set()
        assert listed <= stored, f"{len(listed - stored)} manifest chunks missing from Chroma"
        return len(stored - listed)  # orphans, for the next run to delete
    finally:
        index.close()


def _check_follow_up(home: Path, corpus_files: set[str]) -> None:
    """A complete ingest after a kill: everything consistent, nothing duplicated, search works."""
    settings = crash_settings(home)
    app = build_app(settings, embedder=HashEmbedder())
    try:
        report = app.ingestor.ingest()
        assert not report.failed, report.failed
        manifest = app.index.manifest
        assert manifest is not None and set(manifest.documents) == corpus_files
        for source, record in manifest.documents.items():
            assert record.sha256 == file_sha256(settings.corpus_dir / source), f"{source} indexed in an old version"
        chunks = app.index.vectors.all_chunks()
        chroma_ids = [c.id for c in chunks]
        keyword_ids = KeywordIndex.load(app.index.keyword_path).ids
        assert len(chroma_ids) == len(set(chroma_ids)) and len(keyword_ids) == len(set(keyword_ids))
        assert set(chroma_ids) == set(keyword_ids) == manifest.chunk_ids()
        assert len({(c.source, c.ordinal) for c in chunks}) == len(chunks), "two versions of a chunk stored"
        source = sorted(corpus_files)[0]
        hits = app.retriever.search(f"Thema{int(source[1:3])} Merkblatt", 3)
        assert hits and hits[0].chunk.source == source
    finally:
        app.index.close()


@pytest.mark.slow  # 20 kills of a real ingest process: about a minute on 2 cores
def test_sigkill_at_random_moments_leaves_a_consistent_repairable_index(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CRASH_TEST_SEED", "20260521")))
    home = tmp_path
    corpus = home / "corpus"
    corpus.mkdir()
    state: dict[str, int] = {}
    _mutate(corpus, rng, state, first=True)
    stages: Counter[str] = Counter()
    orphans_seen = 0
    for kill in range(KILLS):
        if kill:
            _mutate(corpus, rng, state, first=False)
        mode = "rebuild" if kill == 0 or rng.random() < 0.25 else "incremental"
        stage = _run_worker(home, mode, rng)
        stages[f"{mode}: {stage}"] += 1
        orphans_seen += _check_after_kill(home / "index") > 0
        _check_follow_up(home, set(state))
    print(f"\nkills: {KILLS}, stages: {dict(sorted(stages.items()))}, kills that left orphans: {orphans_seen}")
    # The kills must really have hit the interesting stages, not only idle moments.
    assert sum(n for s, n in stages.items() if "embedding" in s) >= 5
    assert sum(n for s, n in stages.items() if "completed" in s) <= KILLS // 4


# -- damaged index files at start-up -------------------------------------------------------------


def _indexed(home: Path) -> Settings:
    settings = crash_settings(home)
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    (settings.corpus_dir / "a.md").write_text(_document(random.Random(1), 1, 1), encoding="utf-8")
    app = build_app(settings, embedder=HashEmbedder())
    app.ingestor.ingest()
    app.index.close()
    return settings


def _garbage_in_sqlite(index_dir: Path) -> None:
    path = index_dir / "chroma" / "chroma.sqlite3"
    path.write_bytes(random.Random(7).randbytes(path.stat().st_size))


def _truncated_sqlite(index_dir: Path) -> None:
    path = index_dir / "chroma" / "chroma.sqlite3"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _truncated_manifest(index_dir: Path) -> None:
    path = index_dir / "manifest.json"
    path.write_bytes(path.read_bytes()[:100])


@pytest.mark.parametrize(
    "damage",
    [_garbage_in_sqlite, _truncated_sqlite, _truncated_manifest],
    ids=["garbage-in-chroma-sqlite", "truncated-chroma-sqlite", "truncated-manifest"],
)
def test_damaged_index_is_reported_at_startup_and_rebuild_repairs_it(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    settings = _indexed(tmp_path)
    damage(settings.index_dir)
    app = build_app(settings, embedder=HashEmbedder())  # opening works, so that --rebuild can repair
    try:
        for use in (lambda: app.retriever.search("Merkblatt", 3), lambda: app.ingestor.ingest(), lambda: app.index.manifest):
            with pytest.raises(IndexStateError, match="assistant ingest --rebuild"):
                use()
        assert app.ingestor.ingest(rebuild=True).added == ["a.md"]
        assert app.retriever.search("Thema1 Merkblatt", 3)[0].chunk.source == "a.md"
    finally:
        app.index.close()


def test_damaged_index_through_the_cli_names_the_rebuild_command(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _indexed(cli.home)
    _garbage_in_sqlite(settings.index_dir)
    cli.env(chunk_target_chars=settings.chunk_target_chars, chunk_max_chars=settings.chunk_max_chars)
    assert cli("search", "Merkblatt") == IndexStateError.exit_code
    assert "assistant ingest --rebuild" in capsys.readouterr().err
    assert cli("ingest", "--quiet") == IndexStateError.exit_code
    assert "assistant ingest --rebuild" in capsys.readouterr().err
    assert cli("ingest", "--quiet", "--rebuild") == 0
    assert cli("search", "Thema1 Merkblatt") == 0
    assert "Merkblatt 1" in capsys.readouterr().out


def test_deleted_vector_store_is_reported_and_repaired_by_a_plain_ingest(tmp_path: Path) -> None:
    import shutil

    settings = _indexed(tmp_path)
    shutil.rmtree(settings.index_dir / "chroma")
    app = build_app(settings, embedder=HashEmbedder())
    try:
        with pytest.raises(IndexStateError, match="unvollständig.*assistant ingest"):
            app.retriever.search("Merkblatt", 3)
        report = app.ingestor.ingest()  # unchanged file, but its chunks are gone: restored from the cache
        assert report.updated == ["a.md"] and report.chunks_embedded == 0
        assert report.chunks_cached == len(app.index.manifest.chunk_ids()) > 0
        assert app.index.vectors.all_ids() == app.index.manifest.chunk_ids() == set(app.index.keyword().ids)
    finally:
        app.index.close()


def test_missing_or_garbage_keyword_index_is_rebuilt_silently(tmp_path: Path) -> None:
    import shutil

    settings = _indexed(tmp_path)
    for damage in (lambda: shutil.rmtree(settings.index_dir / "keyword"),
                   lambda: (settings.index_dir / "keyword" / "meta.json").write_bytes(b"\x00garbage")):
        damage()
        app = build_app(settings, embedder=HashEmbedder())
        try:
            assert app.retriever.search("Thema1 Merkblatt", 3)[0].chunk.source == "a.md"
            assert set(KeywordIndex.load(settings.index_dir / "keyword").ids) == app.index.manifest.chunk_ids()
        finally:
            app.index.close()


def test_manifest_deleted_but_chunks_left_are_not_reused(tmp_path: Path) -> None:
    """Chunks without a manifest have unknown provenance (maybe another model): the next ingest drops them."""
    settings = _indexed(tmp_path)
    (settings.index_dir / "manifest.json").unlink()
    other = HashEmbedder(name="hash-other")
    app = build_app(settings, embedder=other)
    try:
        report = app.ingestor.ingest()
        assert report.added == ["a.md"] and report.chunks_reused == 0 and other.documents_embedded > 0
        assert app.index.vectors.all_ids() == app.index.manifest.chunk_ids()
    finally:
        app.index.close()


# -- the worker process --------------------------------------------------------------------------


class _SlowEmbedder(HashEmbedder):
    """The fake embedder, sleeping per batch like a real model would compute."""

    def __init__(self, sleep: float) -> None:
        super().__init__()
        self.sleep = sleep

    def embed_documents(self, texts, titles=None):  # type: ignore[no-untyped-def]
        time.sleep(self.sleep)
        return super().embed_documents(texts, titles)


def _worker(home: Path, mode: str, sleep: float) -> None:
    app = build_app(crash_settings(home), embedder=_SlowEmbedder(sleep))
    print("start", flush=True)
    app.ingestor.ingest(
        rebuild=mode == "rebuild", progress=lambda stage, done, total: print(stage, done, total, flush=True)
    )
    print("done", flush=True)


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]))
