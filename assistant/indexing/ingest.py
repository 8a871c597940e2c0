"""Incremental ingestion: files → documents → chunks → embeddings → index.

Crash safety by construction:

* chunk ids are content hashes, and embeddings are written to Chroma in small batches as they are
  computed, so an interrupted run loses at most one batch and a re-run embeds only what is missing;
* a document counts as indexed only once its manifest record is written (atomically) after all of its
  chunks are stored; its stale chunks are deleted only after that, so every chunk the manifest lists
  is in Chroma at every moment;
* chunks that no manifest record claims (left by a crash, or by a file removed meanwhile) are deleted
  at the end of every run, and BM25 is rebuilt from the manifest's chunks whenever anything changed
  (or checked against them and rebuilt if a crash left it behind);
* documents whose chunks went missing from Chroma (a damaged or deleted vector store) are read and
  embedded again even though their files are unchanged.

The :class:`~assistant.indexing.store.Index` performs every write and keeps the order within each
(record before deleting chunks, and so on); the ingestor decides what to write and when.

Hostile files cannot stop a run: every per-file failure, also an unexpected one, is reported for that
file and the rest are indexed; reading is bounded by :class:`~assistant.config.LoadLimits`.
"""

from __future__ import annotations

import hashlib
import os
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from .chunking import Chunk, chunk_document
from ..config import IngestParams
from ..loaders import SUPPORTED_SUFFIXES, load_document
from ..errors import AssistantError, DocumentError, InputError
from ..messages import Message
from ..programmes.profiles import PROFILE_VERSION, extract_profile, is_programme
from .embedding_cache import embed_documents_cached
from .store import DocumentRecord, Index

if TYPE_CHECKING:
    from .embedding_cache import EmbeddingCache
    from .embeddings import Embedder

#: Bump when loaders or the chunker change what they produce: every document is then re-processed
#: on the next ingest (chunks whose text did not change keep their stored embeddings).
PIPELINE_VERSION = 4  # 4: PDF card tables as one row each (issue 12); programme profiles have their own PROFILE_VERSION

#: Files in a corpus folder that describe the corpus rather than belong to it.
IGNORED_NAMES = frozenset({"SOURCES.md", "README.md", "LICENSE", "LICENSE.md", "LICENSE.txt"})

#: progress(stage, done, total): stage is "read" (reading files) or "embed" (embedding chunks).
ProgressCallback = Callable[[str, int, int], None]
_STAGE_LABELS = {"read": Message("ingest.stage.read"), "embed": Message("ingest.stage.embed")}


def stage_label(stage: str, language: str) -> str:
    """What the progress bars of the CLI and the UI call a progress ``stage``."""
    return _STAGE_LABELS[stage].render(language) if stage in _STAGE_LABELS else stage


@dataclass
class IngestReport:
    """What one ingest run did, per document source."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, Message] = field(default_factory=dict)  # source -> why it was not indexed
    duplicates: dict[str, str] = field(default_factory=dict)  # source -> source it duplicates
    chunks_embedded: int = 0  # computed by the model in this run
    chunks_cached: int = 0  # vectors taken from the on-disk embedding cache
    chunks_reused: int = 0  # vectors already in the index
    pages: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class _Pending:
    source: str
    path: Path
    sha256: str
    chunks: list[Chunk]
    title: str
    kind: str
    pages: int | None
    is_new: bool
    programme: dict[str, Any] | None = None


def file_sha256(path: Path) -> str:
    """Content hash of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(paths: Sequence[Path]) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Supported files under ``paths`` as (file, root) pairs, and the folders that were scanned.

    The root of a file is the folder argument it was found under (or its own parent for a file
    argument); it determines the document's source name.
    """
    files: list[tuple[Path, Path]] = []
    folders: list[Path] = []
    for raw in paths:
        path = raw.expanduser().resolve()
        if path.is_dir():
            folders.append(path)
            for file in sorted(path.rglob("*")):
                if file.is_file() and _wanted(file, path):
                    files.append((file, path))
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise InputError(
                    "ingest.unsupported_type", path=raw, suffix=path.suffix or Message("doc.no_suffix"),
                    supported=", ".join(sorted(SUPPORTED_SUFFIXES)),
                )
            files.append((path, path.parent))
        else:
            raise InputError("ingest.not_found", path=raw)
    return files, folders


def _wanted(file: Path, root: Path) -> bool:
    relative = file.relative_to(root)
    if any(part.startswith(".") for part in relative.parts):
        return False  # hidden files and folders (.git, editor swap files)
    return file.suffix.lower() in SUPPORTED_SUFFIXES and file.name not in IGNORED_NAMES


def printable_name(name: str) -> str:
    """``name`` with control, format and line/paragraph separator characters as visible escapes."""
    return "".join(_escape(char) if unicodedata.category(char) in _INVISIBLE else char for char in name)


_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


class Ingestor:
    """Keeps an :class:`Index` in step with a set of files."""

    def __init__(
        self,
        index: Index,
        embedder: "Embedder",
        corpus_dir: Path,
        params: IngestParams,
        cache: "EmbeddingCache | None" = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.cache = cache
        self.corpus_dir = corpus_dir.expanduser().resolve()
        self.params = params
        self.pipeline = (f"v{PIPELINE_VERSION}/profiles={PROFILE_VERSION}"
                         f"/target={params.chunking.target_chars}/max={params.chunking.max_chars}")

    def source_name(self, file: Path, root: Path) -> str:
        """Stable document name: relative to the corpus folder when inside it, else to ``root``.

        Control and format characters in file names (terminal escapes, line breaks, bidi overrides
        that disguise an extension) are written as visible escapes such as ``\\x1b``: the name is
        printed in messages and lists, where they must not act. The manifest keeps the real path.
        """
        base = self.corpus_dir if file.is_relative_to(self.corpus_dir) else root
        return printable_name(file.relative_to(base).as_posix())

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        prune: bool = True,
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Bring the index up to date with ``paths`` (default: the corpus folder).

        With ``prune``, documents whose files were under a scanned folder and are gone are removed.
        A file that cannot be read is reported in ``failed`` and the rest are indexed; a previously
        indexed version of it stays searchable. ``rebuild`` empties the index first (needed after
        changing the embedding model).
        """
        started = time.perf_counter()
        report = IngestReport()
        files, folders = discover(list(paths) if paths else [self.corpus_dir])
        with self.index.writing():
            if rebuild:
                self.index.reset()
            if self.index.manifest is None:
                self.index.ensure_manifest(self.embedder.name, self.embedder.dimension)
            else:
                # The name carries a fingerprint of the weights: comparing it needs no model load, so an
                # unchanged corpus is checked in seconds.
                self.index.check_embedder(self.embedder.name, repairing=True)
            incomplete = self.index.verify_chunks()
            records = self.index.records()
            named = [(file, self.source_name(file, root)) for file, root in files]
            present = {source for _, source in named}
            # Damaged documents outside this run's paths are repaired too (their files are known).
            named += [
                (Path(records[source].path), source)
                for source in sorted(incomplete - present)
                if Path(records[source].path).is_file()
            ]
            pending = self._read(named, incomplete, report, progress)
            self._embed_and_store(pending, report, progress)
            if prune:
                self._prune(folders, {p for p, _ in files}, report)
            # Chunks still missing and the file unreadable or gone: the record cannot be trusted any more.
            for source in self.index.drop_incomplete():
                report.removed.append(source)
                report.failed.setdefault(source, Message("ingest.chunks_lost", source=source))
            self.index.delete_orphans()
            self.index.sync_keyword()
        report.seconds = time.perf_counter() - started
        return report

    def remove(self, source: str) -> bool:
        """Remove one document from both indexes; False if it was not indexed."""
        with self.index.writing():
            if self.index.record(source) is None:
                return False
            self.index.drop_document(source)
            self.index.sync_keyword()
            return True

    # -- stages -------------------------------------------------------------------------------

    def _read(
        self,
        files: list[tuple[Path, str]],
        incomplete: set[str],
        report: IngestReport,
        progress: ProgressCallback | None,
    ) -> list[_Pending]:
        """Load and chunk new and changed files; ``incomplete`` sources are re-read even if unchanged."""
        records = self.index.records()
        by_hash = {record.sha256: (source, Path(record.path)) for source, record in records.items()}
        claimed: dict[str, Path] = {}  # source -> file, within this run
        pending: list[_Pending] = []
        for done, (file, source) in enumerate(files, start=1):
            if progress:
                progress("read", done - 1, len(files))
            record = records.get(source)
            try:
                other = claimed.get(source) or (Path(record.path) if record is not None else None)
                if other is not None and not _same_file(other, file) and other.exists():
                    raise DocumentError("ingest.name_taken", source=source, other=other)
                claimed[source] = file
                sha = file_sha256(file)
                if (
                    record is not None
                    and record.sha256 == sha
                    and record.pipeline == self.pipeline
                    and source not in incomplete
                ):
                    report.unchanged.append(source)
                    report.pages += record.pages or 0
                    continue
                original = by_hash.get(sha)
                if original is not None and original[0] != source and original[1].exists():
                    report.duplicates[source] = original[0]
                    continue
                document = load_document(file, source, self.params.limits)
                chunks = chunk_document(document, self.params.chunking)
                if not chunks:
                    raise DocumentError("ingest.no_chunks", source=source)
            except AssistantError as exc:
                report.failed[source] = exc.message
                continue
            except OSError as exc:
                report.failed[source] = Message("ingest.unreadable", source=source, error=exc.strerror or str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - one hostile file must not stop the whole batch
                report.failed[source] = Message(
                    "ingest.unexpected", source=source, error_type=type(exc).__name__, error=str(exc)
                )
                continue
            by_hash[sha] = (source, file)
            profile = extract_profile(source, document.title, chunks).to_json() if is_programme(document) else None
            pending.append(
                _Pending(source, file, sha, chunks, document.title, document.kind, document.pages, record is None, profile)
            )
            report.pages += document.pages or 0
        if progress:
            progress("read", len(files), len(files))
        return pending

    def _embed_and_store(self, pending: list[_Pending], report: IngestReport, progress: ProgressCallback | None) -> None:
        queue: list[tuple[_Pending, Chunk]] = []  # chunks to embed, across documents (full batches)
        remaining: dict[str, int] = {}  # per document: chunks not yet stored
        reused: dict[str, set[str]] = {}  # per document: chunks whose vectors were stored already
        for item in pending:
            stored = self.index.stored_ids([c.id for c in item.chunks])
            reused[item.source] = stored
            missing = [c for c in item.chunks if c.id not in stored]
            report.chunks_reused += len(item.chunks) - len(missing)
            remaining[item.source] = len(missing)
            queue.extend((item, chunk) for chunk in missing)
        if progress:
            progress("embed", 0, len(queue))
        for item in pending:
            if remaining[item.source] == 0:
                self._finish_document(item, reused[item.source], report)
        done = 0
        for batch in _length_sorted_batches(queue, self.params.batch_size):
            chunks = [chunk for _, chunk in batch]
            self.index.store_chunks(chunks, self._vectors(chunks, report))
            done += len(batch)
            if progress:
                progress("embed", done, len(queue))
            for item, _ in batch:
                remaining[item.source] -= 1
                if remaining[item.source] == 0:
                    self._finish_document(item, reused[item.source], report)

    def _vectors(self, chunks: list[Chunk], report: IngestReport) -> np.ndarray:
        """Vectors for ``chunks``: from the embedding cache where possible, else from the model."""
        titles, texts = [c.embedding_title() for c in chunks], [c.text for c in chunks]
        manifest = self.index.manifest
        assert manifest is not None
        vectors, computed = embed_documents_cached(self.embedder, self.cache, titles, texts, manifest.dimension)
        report.chunks_embedded += computed
        report.chunks_cached += len(chunks) - computed
        return vectors

    def _finish_document(self, item: _Pending, reused_ids: set[str], report: IngestReport) -> None:
        """All chunks of ``item`` are stored: refresh reused ones, then record it (stale ones go)."""
        # A reused chunk keeps its vector, but its metadata (ordinal, page) may have moved: rewrite it.
        if reused_ids:
            self.index.refresh_chunks([c for c in item.chunks if c.id in reused_ids])
        self.index.record_document(DocumentRecord(
            source=item.source,
            path=str(item.path),
            sha256=item.sha256,
            title=item.title,
            kind=item.kind,
            pages=item.pages,
            chunk_ids=[c.id for c in item.chunks],
            indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            pipeline=self.pipeline,
            programme=item.programme,
        ))
        (report.added if item.is_new else report.updated).append(item.source)

    def _prune(self, folders: list[Path], present: set[Path], report: IngestReport) -> None:
        for source, record in self.index.records().items():
            path = Path(record.path)
            in_scanned = any(path.is_relative_to(folder) for folder in folders)
            if in_scanned and path not in present and not path.exists():
                self.index.drop_document(source)
                report.removed.append(source)


#: Chunks sorted by length together: one window of the embedding queue (see _length_sorted_batches).
_SORT_WINDOW = 256


def _length_sorted_batches(queue: list[tuple[_Pending, Chunk]], size: int) -> Iterator[list[tuple[_Pending, Chunk]]]:
    """Batches of ``size`` in which chunks of similar length go together.

    A forward pass pads every input to the longest in its batch, so mixing a heading chunk with a
    full one wastes compute. Sorting only within windows of the queue keeps documents finishing (and
    becoming searchable, and surviving a crash) roughly in file order.
    """
    for start in range(0, len(queue), _SORT_WINDOW):
        window = sorted(queue[start : start + _SORT_WINDOW], key=lambda entry: len(entry[1].text))
        for offset in range(0, len(window), size):
            yield window[offset : offset + size]
