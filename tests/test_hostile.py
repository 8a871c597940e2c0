"""Hostile and broken documents: every file gets its own clear outcome, the rest of the batch is indexed.

The corpus comes from :func:`tests.hostile.make_hostile_corpus`; the same folder goes through
``Ingestor.ingest``, the ``assistant ingest`` command and the upload path of the web UI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assistant.app import App, build_app
from assistant.cli import main
from assistant.config import LoadLimits, Settings
from assistant.loaders import load_document
from assistant.errors import DocumentError
from assistant.indexing.ingest import IngestReport, printable_name
from tests.conftest import Cli
from tests.fakes import HashEmbedder
from tests.hostile import (
    HostileCorpus,
    flate_bomb_pdf,
    fragment_bomb_pdf,
    make_hostile_corpus,
    many_pages_pdf,
    text_bomb_pdf,
)

REPO = Path(__file__).resolve().parent.parent
#: Characters that must never reach a terminal from a file name or title.
RAW_CONTROLS = ("\x1b", "\x07", "\u202e")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    """Every case, the large ones included."""
    return make_hostile_corpus(tmp_path_factory.mktemp("hostile") / "corpus")


@pytest.fixture(scope="module")
def hostile_small(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    """Every case but the three that take seconds each (see make_hostile_corpus)."""
    return make_hostile_corpus(tmp_path_factory.mktemp("hostile-small") / "corpus", large=False)


def _app(home: Path, corpus: Path, **settings: Any) -> App:
    # Larger embedding batches: fewer Chroma writes for the thousands of chunks of the large cases.
    return build_app(Settings(home=home, corpus_dir=corpus, cache_dir=home / "cache", embed_batch_size=64, **settings),
                     embedder=HashEmbedder())


def _limits(**changes: Any) -> LoadLimits:
    """The default load limits with some changed."""
    return replace(Settings().load_limits, **changes)


def _texts_of(app: App, source: str) -> str:
    manifest = app.index.manifest
    assert manifest is not None
    chunks, _ = app.index.vectors.get(manifest.documents[source].chunk_ids)
    return "\n".join(f"{c.header()}\n{c.text}" for c in chunks)


def _assert_outcomes(app: App, report: IngestReport, hostile: HostileCorpus) -> None:
    manifest = app.index.manifest
    assert manifest is not None
    for source, expected in hostile.expected.items():
        if expected.outcome == "failed":
            message = str(report.failed.get(source, ""))
            assert message.startswith(f"{source}: "), f"{source}: no message naming the file: {message!r}"
            for fragment in expected.message:
                assert fragment in message.lower(), f"{source}: {fragment!r} not in {message!r}"
            assert source not in manifest.documents and not app.index.vectors.ids_of_source(source)
        elif expected.outcome == "duplicate":
            assert report.duplicates.get(source) == expected.duplicate_of, source
            assert source not in manifest.documents
        else:
            assert source in report.added, f"{source} not indexed: {report.failed.get(source)}"
            text = _texts_of(app, source)
            for word in expected.contains:
                assert word in text, f"{source}: {word!r} not in the indexed text"
            for word in expected.excludes:
                assert word not in text, f"{source}: {word!r} leaked into the indexed text"
            record = manifest.documents[source]
            chunks, _ = app.index.vectors.get(record.chunk_ids)
            assert all(len(c.text) <= 1400 for c in chunks), source
    reported = set(report.added) | set(report.failed) | set(report.duplicates)
    assert reported == set(hostile.expected), reported ^ set(hostile.expected)
    for source in manifest.documents:  # source names never escape the scanned folder
        assert not source.startswith("/") and ".." not in Path(source).parts
        assert not any(char in source for char in "\x1b\x07\n\t\u202e")


def test_ingest_reports_each_hostile_file_and_indexes_the_rest(hostile: HostileCorpus, tmp_path: Path) -> None:
    # A lower character limit than the default 10 million stops the text bomb in a third of the time.
    app = _app(tmp_path, hostile.folder, max_document_chars=3_000_000)
    report = app.ingestor.ingest()
    _assert_outcomes(app, report, hostile)
    assert app.retriever.search("Reparaturcafés Förderquote", 3)[0].chunk.source == "gut.pdf"
    assert app.retriever.search("Zuschüsse Dorfläden", 3)[0].chunk.source == "latin1.txt"
    # A second run reads nothing indexed again and reports the broken files again, with the same words.
    again = app.ingestor.ingest()
    assert sorted(again.unchanged) == hostile.sources("indexed") and again.chunks_embedded == 0
    assert again.failed == report.failed
    keyword_ids = set(app.index.keyword().ids)
    assert keyword_ids == app.index.vectors.all_ids() == app.index.manifest.chunk_ids()


def test_cli_ingest_prints_one_message_per_broken_file_and_exits_3(
    hostile_small: HostileCorpus, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.env(corpus_dir=hostile_small.folder, embed_batch_size=64)
    hostile = hostile_small
    assert cli("ingest", "--quiet") == 3
    out, err = capsys.readouterr()
    lines = err.splitlines()
    for source in hostile.sources("failed"):
        matching = [line for line in lines if line.startswith(f"Übersprungen: {source}: ")]
        assert len(matching) == 1, f"{source}: {matching}"
        assert all(fragment in matching[0].lower() for fragment in hostile.expected[source].message)
    assert "Übersprungen: kopie-von-gut.pdf ist inhaltsgleich mit dem bereits indexierten gut.pdf." in lines
    indexed = len(hostile.sources("indexed"))
    assert f"{indexed} neu, 0 aktualisiert, 0 unverändert, 0 entfernt, {len(hostile.sources('failed'))} fehlerhaft" in out
    assert cli("documents") == 0
    listing = capsys.readouterr().out
    rows = [line for line in listing.splitlines() if "\t" in line]
    assert len(rows) == indexed and all(row.count("\t") == 5 for row in rows)  # no name breaks the table
    assert "steuer\\x1b[31mzeichen\\x07\\x09name.md" in listing
    for text in (out, err, listing):
        assert not any(char in text for char in RAW_CONTROLS)


def test_upload_reports_each_hostile_file(hostile_small: HostileCorpus, tmp_path: Path) -> None:
    """The web UI's upload path: hostile names are made safe, every file gets one message."""
    from assistant.web.library import upload_documents

    hostile = hostile_small
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    app = _app(tmp_path, corpus)
    uploads = sorted(
        (path, source) for source in hostile.expected if (path := _real_path(hostile, source)) is not None
    )
    staged = []
    for number, (path, _) in enumerate(uploads):  # as the browser hands them over: temp copies
        temp = tmp_path / f"tmp-upload-{number}"
        shutil.copyfile(path, temp)
        staged.append((temp, path.name))
    max_bytes = app.settings.upload_max_mb * 1024 * 1024
    messages = upload_documents(app.ingestor, app.index, staged, max_bytes=max_bytes)
    assert len(messages) == len(uploads), messages
    assert not any(char in message for message in messages for char in RAW_CONTROLS)  # names shown escaped
    for path, source in uploads:
        expected = hostile.expected[source]
        [message] = [m for m in messages if m[2:].startswith(f"{printable_name(path.name)}: ")]
        if expected.outcome == "failed":
            assert message.startswith("✗") and all(f in message.lower() for f in expected.message), message
        elif expected.outcome == "duplicate":
            assert message.startswith("–"), message
        else:
            assert message.startswith("✓"), message
    # Names that try to leave the folder land in uploads/ under a safe name.
    odd = ("../../ausbruch.md", "/etc/absolut.md", "C:\\Windows\\win.md", "x" * 300 + ".md")
    for number, name in enumerate(odd):
        temp = tmp_path / f"tmp-upload-{number}"
        temp.write_text(f"# Name\n\nHochgeladen als Nummer {number} mit Förderhinweis.\n", encoding="utf-8")
        staged[number] = (temp, name)
    assert all(m.startswith("✓") for m in upload_documents(app.ingestor, app.index, staged[: len(odd)], max_bytes=max_bytes))
    uploads_dir = (corpus / "uploads").resolve()
    for source, record in app.index.manifest.documents.items():
        assert Path(record.path).resolve().is_relative_to(uploads_dir) and len(Path(record.path).name) <= 120
        assert not any(char in source for char in RAW_CONTROLS)
    # Nothing written beside the corpus and index, except the vector cache.
    assert {p.name for p in tmp_path.iterdir()} == {"corpus", "index", "cache"}
    assert {p.name for p in (tmp_path / "cache").iterdir()} <= {"embeddings.sqlite", "embeddings.sqlite-wal", "embeddings.sqlite-shm"}


def _real_path(hostile: HostileCorpus, source: str) -> Path | None:
    """The file behind a source name (sources of odd names are escaped); None for nested files."""
    for path in hostile.folder.iterdir():
        if path.is_file():
            from assistant.indexing.ingest import printable_name

            if printable_name(path.name) == source:
                return path
    return None


def test_path_arguments_with_dots_and_absolute_paths_stay_relative(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "gut.md").write_text("# Gut\n\nDer Bürgerhaushalt wird im Rathaus beraten.\n", encoding="utf-8")
    elsewhere = tmp_path / "anderswo"
    (elsewhere / "a").mkdir(parents=True)
    (elsewhere / "b").mkdir()
    (elsewhere / "a" / "gleich.md").write_text("# A\n\nDie Fassung A beschreibt Zuschüsse.\n", encoding="utf-8")
    (elsewhere / "b" / "gleich.md").write_text("# B\n\nDie Fassung B beschreibt Darlehen.\n", encoding="utf-8")
    app = _app(tmp_path, corpus)
    report = app.ingestor.ingest(
        [corpus / "sub" / ".." / "gut.md", elsewhere / "a" / ".." / "a" / "gleich.md", elsewhere / "b" / "gleich.md"],
        prune=False,
    )
    assert sorted(report.added) == ["gleich.md", "gut.md"]
    # Two different files would share the name "gleich.md": the second is refused, not mixed up.
    reason = str(report.failed["gleich.md"])
    assert "gleichen namens" in reason.lower() and "umbenennen" in reason
    record = app.index.manifest.documents["gleich.md"]
    assert record.path == str((elsewhere / "a" / "gleich.md").resolve())
    assert "Zuschüsse" in _texts_of(app, "gleich.md")


# -- limits: bounded time and memory --------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "limits", "fragment"),
    [
        (lambda: many_pages_pdf(120), _limits(max_pages=100), "höchstens 100 seiten"),
        (lambda: fragment_bomb_pdf(3000), _limits(max_fragments=1000), "textstücken"),
        (lambda: fragment_bomb_pdf(20000, pages=20), _limits(max_seconds=0.2), "länger als 0 s"),
        (lambda: text_bomb_pdf(50_000, pages=3), _limits(max_chars=100_000), "höchstens 100.000 zeichen"),
        (lambda: b"%PDF-1.4\n" + b" " * 5000, _limits(max_bytes=1000), "höchstens 0 mb"),
    ],
    ids=["pages", "fragments", "seconds", "characters", "bytes"],
)
def test_pdf_limits_stop_reading_with_a_clear_message(tmp_path: Path, build, limits: LoadLimits, fragment: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "gross.pdf"
    path.write_bytes(build())
    with pytest.raises(DocumentError) as caught:
        load_document(path, "gross.pdf", limits)
    message = str(caught.value)
    assert message.startswith("gross.pdf: ") and fragment in message.lower(), message


def test_text_file_over_the_character_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lang.txt"
    path.write_text("Wort " * 30_000, encoding="utf-8")
    with pytest.raises(DocumentError, match="höchstens 100.000 Zeichen"):
        load_document(path, "lang.txt", _limits(max_chars=100_000))
    assert load_document(path, "lang.txt").blocks  # within the default limits


_MEASURE = """
import json, re, sys, time
from pathlib import Path
from assistant.loaders import load_document


def peak_mb():
    # VmHWM belongs to this process image; ru_maxrss would inherit the parent's peak across fork+exec.
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024

from assistant.errors import DocumentError
path = Path(sys.argv[1])
started = time.perf_counter()
try:
    document = load_document(path, path.name)
    outcome = f"indexed: {document.pages} pages, {sum(len(b.text) for b in document.blocks)} characters"
except DocumentError as exc:
    outcome = str(exc)[:90]
print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "outcome": outcome,
                  "peak_rss_mb": peak_mb()}))
"""


@pytest.mark.parametrize(
    ("name", "build"),
    [
        pytest.param("flate-bomb.pdf", lambda: flate_bomb_pdf(400 * 1024 * 1024), marks=pytest.mark.slow),  # builds 400 MB
        ("text-bomb.pdf", lambda: text_bomb_pdf()),
        pytest.param("3000-pages.pdf", lambda: many_pages_pdf(3000), marks=pytest.mark.slow),
        ("fragments.pdf", lambda: fragment_bomb_pdf(20_000, pages=2)),
    ],
)
def test_bombs_and_huge_pdfs_stay_within_memory(tmp_path: Path, name: str, build) -> None:  # type: ignore[no-untyped-def]
    """Peak memory of reading each file in a fresh process (time is printed, not asserted)."""
    path = tmp_path / name
    path.write_bytes(build())
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{name} ({path.stat().st_size // 1024} KB): {measured}")
    assert measured["peak_rss_mb"] < 1024, measured  # an interpreter with pypdf alone takes ~60 MB


@pytest.mark.slow
def test_cli_ingest_of_all_hostile_files_with_the_real_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = make_hostile_corpus(tmp_path / "corpus")
    for name, value in {"ASSISTANT_HOME": str(tmp_path), "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"),
                        "ASSISTANT_EMBEDDER": "minilm", "ASSISTANT_THREADS": "2"}.items():
        monkeypatch.setenv(name, value)
    assert main(["ingest", "--quiet"]) == 3
    out, err = capsys.readouterr()
    for source in hostile.sources("failed"):
        assert any(line.startswith(f"Übersprungen: {source}: ") for line in err.splitlines()), source
    assert f"{len(hostile.sources('indexed'))} neu" in out
    assert main(["search", "--json", "Reparaturcafés Förderquote", "-k", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["retrieved"][0]["source"] == "gut.pdf"
