"""Persistent index: Chroma vector store, BM25 keyword index and the manifest that ties them together.

Layout of ``index/``::

    manifest.json   embedder name + dimension, and per document: content hash, chunk ids, metadata
    chroma/         Chroma PersistentClient (embeddings we compute, chunk texts, metadata)
    keyword/        BM25 index over the same chunk ids (rebuilt from Chroma whenever chunks change)

Chroma is the single source of truth for chunks; the manifest records which documents are complete,
and the BM25 index is derived data that is rebuilt when its ids differ from Chroma's. So a crash at any
point leaves a state the next ingest repairs without duplicates (see :mod:`assistant.indexing.ingest`).

Invariant kept by :class:`Index`, the only writer of all three parts: each chunk id the manifest
lists is stored in Chroma (chunks are written before the record that claims them, and deleted only
after no record claims them), and BM25 is rebuilt from the listed chunks after records change. The
ingestor only decides *what* to write, through :meth:`Index.store_chunks`, :meth:`Index.record_document`,
:meth:`Index.drop_document`, :meth:`Index.drop_incomplete`, :meth:`Index.delete_orphans` and
:meth:`Index.sync_keyword`, in that order within a run, while holding :meth:`Index.writing`. Damage
is detected when the index is opened: an unreadable manifest or vector store makes every use of the
index raise :class:`IndexStateError` naming ``assistant ingest --rebuild``, which still works (it
wipes the folder instead of reading it); missing chunks make searches raise and the next ingest
re-embeds them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
from filelock import FileLock, Timeout

from .chunking import Chunk
from ..errors import IndexMismatchError, IndexStateError
from ..messages import Message
from .lexical import KeywordIndex

MANIFEST_FORMAT = 1
COLLECTION = "chunks"


@dataclass
class DocumentRecord:
    """What the index knows about one ingested document."""

    source: str
    path: str  # absolute path at ingest time (the UI serves the file from here)
    sha256: str
    title: str
    kind: str
    pages: int | None
    chunk_ids: list[str]
    indexed_at: str  # ISO 8601, UTC
    #: Loader/chunker version and chunk sizes it was processed with; a change re-processes the file.
    pipeline: str = ""
    #: For a funding programme: its profile (:meth:`assistant.programmes.profiles.Profile.to_json`), extracted
    #: with the chunks of this version of the file, so it is replaced, kept and removed with the record.
    programme: dict[str, Any] | None = None


@dataclass
class Manifest:
    """Index-wide facts; written atomically after every completed document."""

    embedder: str
    dimension: int
    format: int = MANIFEST_FORMAT
    documents: dict[str, DocumentRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "Manifest | None":
        """The manifest at ``path``, None if there is none; IndexStateError if it is unreadable."""
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"unbekanntes Format {raw.get('format')!r}")
            docs = {s: DocumentRecord(**d) for s, d in raw["documents"].items()}
            return cls(embedder=raw["embedder"], dimension=int(raw["dimension"]), documents=docs)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexStateError("index.manifest_damaged", path=path, error=str(exc)) from exc

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename), so a crash never leaves a half-written manifest."""
        data = {
            "format": self.format,
            "embedder": self.embedder,
            "dimension": self.dimension,
            "documents": {s: asdict(d) for s, d in sorted(self.documents.items())},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def chunk_ids(self) -> set[str]:
        """All chunk ids of completely indexed documents (safe while an ingest in another thread adds records)."""
        # list() copies the records in one step under the GIL; iterating the dict itself would raise
        # "dictionary changed size during iteration" when an upload records a document meanwhile.
        return {cid for doc in list(self.documents.values()) for cid in doc.chunk_ids}


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": chunk.source,
        "title": chunk.title,
        "section": chunk.section,
        "ordinal": chunk.ordinal,
    }
    if chunk.page is not None:  # Chroma metadata cannot hold None: absence means "no page".
        meta["page"] = chunk.page
    return meta


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        source=str(meta["source"]),
        title=str(meta.get("title", "")),
        page=int(meta["page"]) if meta.get("page") is not None else None,
        section=str(meta.get("section", "")),
        text=text,
        ordinal=int(meta.get("ordinal", 0)),
    )


@contextmanager
def _chroma_errors(operation: Message) -> Iterator[None]:
    """Chroma's errors for a damaged store ("database disk image is malformed") as IndexStateError;
    for a Chroma server, a lost connection too (the server was stopped or killed)."""
    import httpx
    from chromadb.errors import InternalError, NotFoundError

    try:
        yield
    except (InternalError, NotFoundError) as exc:
        raise IndexStateError("index.vectors_damaged", operation=operation, error=str(exc)) from exc
    except httpx.TransportError as exc:
        raise IndexStateError("index.server_lost", operation=operation, error=str(exc) or type(exc).__name__) from exc


class VectorStore:
    """Adapter over one Chroma collection holding our own embeddings (Chroma never embeds).

    Every Chroma call that fails because the store is damaged raises IndexStateError instead.
    """

    def __init__(self, client: Any, collection: str = COLLECTION) -> None:
        self._client = client
        self.collection_name = collection
        with _chroma_errors(Message("index.op.open_collection")):
            self._collection = self._open_collection()

    def _open_collection(self) -> Any:
        # Cosine space: EmbeddingGemma and MiniLM vectors are L2-normalised; distance = 1 - cosine.
        return self._client.get_or_create_collection(self.collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"})

    def embedder(self) -> str | None:
        """The embedder the collection was built with, as recorded in its metadata (None: not recorded)."""
        with _chroma_errors(Message("index.op.read")):
            return (self._collection.metadata or {}).get("embedder")

    def record_embedder(self, name: str) -> None:
        """Write the embedder's name into the collection's metadata (a Chroma server has no manifest of ours)."""
        with _chroma_errors(Message("index.op.write")):
            if (self._collection.metadata or {}).get("embedder") != name:
                self._collection.modify(metadata={"embedder": name})  # the distance function stays (it is configuration)

    def reset(self) -> None:
        """Delete every chunk (drops and recreates the collection)."""
        with _chroma_errors(Message("index.op.reset")):
            self._client.delete_collection(COLLECTION)
            self._collection = self._open_collection()

    @property
    def max_batch_size(self) -> int:
        """Chroma's limit on records per write call."""
        getter = getattr(self._client, "get_max_batch_size", None)
        return int(getter()) if getter else 5000

    def count(self) -> int:
        """Number of stored chunks."""
        with _chroma_errors(Message("index.op.count")):
            return int(self._collection.count())

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already (their embeddings can be reused)."""
        found: set[str] = set()
        with _chroma_errors(Message("index.op.read")):
            for start in range(0, len(ids), self.max_batch_size):
                found.update(self._collection.get(ids=list(ids[start : start + self.max_batch_size]), include=[])["ids"])
        return found

    def ids_of_source(self, source: str) -> set[str]:
        """Ids of all stored chunks of one document."""
        with _chroma_errors(Message("index.op.read")):
            return set(self._collection.get(where={"source": source}, include=[])["ids"])

    def all_ids(self) -> set[str]:
        """Ids of all stored chunks."""
        with _chroma_errors(Message("index.op.read")):
            return set(self._collection.get(include=[])["ids"])

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Insert or replace chunks with their embeddings, in batches Chroma accepts."""
        step = self.max_batch_size
        with _chroma_errors(Message("index.op.write")):
            for start in range(0, len(chunks), step):
                batch = chunks[start : start + step]
                self._collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=np.asarray(embeddings[start : start + step], dtype=np.float32),
                    documents=[c.text for c in batch],
                    metadatas=[_metadata(c) for c in batch],
                )

    def delete(self, ids: Iterable[str]) -> None:
        """Remove chunks by id (missing ids are ignored)."""
        ids = list(ids)
        with _chroma_errors(Message("index.op.delete")):
            for start in range(0, len(ids), self.max_batch_size):
                self._collection.delete(ids=ids[start : start + self.max_batch_size])

    def get(self, ids: Sequence[str], with_embeddings: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        """Chunks for ``ids`` in the given order (unknown ids are skipped), optionally with embeddings."""
        if not ids:
            return [], (np.zeros((0, 0), dtype=np.float32) if with_embeddings else None)
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        with _chroma_errors(Message("index.op.read")):
            result = self._collection.get(ids=list(ids), include=include)
        position = {cid: i for i, cid in enumerate(result["ids"])}
        order = [position[cid] for cid in ids if cid in position]
        chunks = [_chunk(result["ids"][i], result["documents"][i], result["metadatas"][i]) for i in order]
        vectors = None
        if with_embeddings:
            vectors = np.asarray(result["embeddings"], dtype=np.float32)[order] if order else np.zeros((0, 0))
        return chunks, vectors

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for rebuilding the keyword index)."""
        with _chroma_errors(Message("index.op.read")):
            result = self._collection.get(include=["documents", "metadatas"])
        return [_chunk(cid, text, meta) for cid, text, meta in zip(result["ids"], result["documents"], result["metadatas"])]

    def query(self, embedding: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks to a query embedding with their cosine similarity, best first."""
        n = min(k, self.count())
        if n == 0:
            return []
        with _chroma_errors(Message("index.op.search")):
            result = self._collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)],
                n_results=n,
                include=["documents", "metadatas", "distances"],
            )
        return [
            (_chunk(cid, text, meta), 1.0 - float(dist))
            for cid, text, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
        ]


def open_chroma(path: Path) -> Any:
    """A Chroma PersistentClient with telemetry off; IndexStateError if the store cannot be opened."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # Chroma raises many types for a damaged store; all mean the same here.
        raise IndexStateError("index.vectors_unopenable", path=path, error_type=type(exc).__name__, error=str(exc)) from exc


def open_chroma_server(url: str) -> Any:
    """A Chroma HttpClient for ``url`` (``http://host:port``) with telemetry off; IndexStateError if unreachable."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IndexStateError("index.server_bad_url", url=url)
    try:
        return chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                                   ssl=parts.scheme == "https", settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # noqa: BLE001 - connection refused, TLS, version mismatch: all "cannot use the server"
        raise IndexStateError("index.server_unreachable", url=url, error=str(exc) or type(exc).__name__) from exc


def close_chroma(client: Any | None, path: Path) -> None:
    """Release a PersistentClient (if any) and drop Chroma's per-process cache entry for ``path``.

    Chroma keeps one shared system per folder for the whole process, also a half-started one from
    a failed open; without dropping it, a client opened after the folder was wiped would reuse it.
    """
    if client is not None:
        try:
            client.close()  # the public way: stops the folder's system once its last client closes
        except Exception:  # noqa: BLE001 - a damaged store may fail to close; it is wiped next anyway
            pass
    _forget_failed_system(path)


def _forget_failed_system(path: Path) -> None:
    """Drop the system a failed open left in Chroma's per-process cache (Chroma 1.5: private state).

    There is no public way: a system whose start failed has no client to close it, and the public
    ``clear_system_cache()`` forgets the systems of every folder, breaking other open clients.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    # getattr: a Chroma release without this cache simply has nothing to forget.
    system = getattr(SharedSystemClient, "_identifier_to_system", {}).pop(str(path), None)
    getattr(SharedSystemClient, "_identifier_to_refcount", {}).pop(str(path), None)
    if system is not None:
        try:
            system.stop()
        except Exception:  # noqa: BLE001 - a half-started system may fail to stop; it is discarded anyway
            pass


class Index:
    """The three parts of the index, opened together and checked against the configured embedder.

    Opening never raises: damage found on opening is kept in :attr:`damage` and raised by every use
    of :attr:`manifest` or :attr:`vectors`, so that :meth:`reset` (``assistant ingest --rebuild``)
    can still repair the folder. :attr:`missing_chunks` counts chunks the manifest lists but the
    vector store lacks; searches refuse such an index and the next ingest re-embeds them.
    """

    def __init__(self, folder: Path, client: Any | None = None, *, collection: str = COLLECTION, shared: bool = False) -> None:
        self.folder = folder
        #: The vector store is a Chroma server that others may use too: never wipe chunks this index did not record.
        self.shared = shared
        self.manifest_path = folder / "manifest.json"
        self.keyword_path = folder / "keyword"
        self.chroma_path = folder / "chroma"
        self._owns_client = client is None
        self._keyword: KeywordIndex | None = None
        #: Writes to records or chunks so far, and how many of them BM25 was built after: when the two
        #: differ, :meth:`sync_keyword` rebuilds it (a count, not a flag: a search may rebuild BM25
        #: while an ingest writes, and the result then lacks the later writes).
        self._writes = 0
        self._keyword_writes = 0
        self._lock = threading.RLock()
        self.damage: IndexStateError | None = None
        self.missing_chunks = 0
        self._vectors: VectorStore | None = None
        self._manifest: Manifest | None = None
        self._client = client
        try:
            if self._client is None:
                self._client = open_chroma(self.chroma_path)
            self._vectors = VectorStore(self._client, collection)
            self._manifest = Manifest.load(self.manifest_path)
            self.missing_chunks = self._count_missing()
        except IndexStateError as exc:
            self.damage = exc

    @property
    def vectors(self) -> VectorStore:
        """The vector store; raises the damage found on opening."""
        if self.damage is not None:
            raise self.damage
        assert self._vectors is not None
        return self._vectors

    @property
    def manifest(self) -> Manifest | None:
        """The manifest (None for a new index); raises the damage found on opening."""
        if self.damage is not None:
            raise self.damage
        return self._manifest

    def records(self) -> dict[str, DocumentRecord]:
        """The completely indexed documents by source: a snapshot that later writes leave unchanged."""
        manifest = self.manifest
        # dict() copies in one step under the GIL, also while an upload records a document meanwhile.
        return dict(manifest.documents) if manifest is not None else {}

    def record(self, source: str) -> DocumentRecord | None:
        """The record of one indexed document, None if it is not (or no longer) indexed."""
        manifest = self.manifest
        return manifest.documents.get(source) if manifest is not None else None

    def chunk_count(self) -> int:
        """Chunks in the vector store, also those no record claims yet (see :meth:`searchable_ids`)."""
        return self.vectors.count()

    def nearest(self, embedding: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` stored chunks nearest to a query embedding with their cosine similarity, best first."""
        return self.vectors.query(embedding, k)

    def chunks(self, ids: Sequence[str], with_embeddings: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        """Stored chunks for ``ids`` in the given order (unknown ids skipped), optionally with embeddings."""
        return self.vectors.get(ids, with_embeddings)

    def knows(self, word: str) -> bool:
        """Whether the indexed documents contain ``word`` (see :meth:`KeywordIndex.knows`)."""
        return self.keyword().knows(word)

    def _count_missing(self, attempts: int = 3) -> int:
        """How many manifest chunks the vector store lacks (by count: cheap enough for every start).

        A concurrent ingest can make the two reads disagree for a moment, so a shortfall is confirmed
        by re-reading both before it counts as damage.
        """
        assert self._vectors is not None
        missing = 0
        for attempt in range(attempts):
            expected = len(self._manifest.chunk_ids()) if self._manifest else 0
            missing = max(0, expected - self._vectors.count())
            if not missing:
                return 0
            if attempt + 1 < attempts:
                time.sleep(0.2)
                self._manifest = Manifest.load(self.manifest_path)
        return missing

    def check_embedder(self, name: str, dimension: int | None = None, *, repairing: bool = False) -> None:
        """Refuse to mix models: the index's vectors are only comparable with its own embedder's.

        Also raises for a damaged index, and (unless ``repairing``, as ingest does) for one whose
        vector store lacks chunks the manifest lists.
        """
        manifest = self.manifest
        recorded = self.vectors.embedder() if self.shared else None
        if recorded is not None and recorded != name:
            raise IndexMismatchError("index.server_embedder_mismatch", built=recorded, configured=name,
                                     collection=self.vectors.collection_name)
        if manifest is None:
            return
        if manifest.embedder != name or (dimension is not None and manifest.dimension != dimension):
            raise IndexMismatchError(
                "index.embedder_mismatch", built=manifest.embedder, dimension=manifest.dimension, configured=name
            )
        if self.missing_chunks and not repairing:
            raise IndexStateError(
                "index.incomplete", missing=self.missing_chunks, manifest=self.manifest_path, vectors=self.chroma_path
            )

    def reset(self) -> None:
        """Empty the whole index (manifest first, so a crash midway leaves only orphans to clean).

        A damaged vector store is wiped from disk and created anew instead of being emptied.
        """
        with self._lock:
            self.manifest_path.unlink(missing_ok=True)
            self._manifest = None
            try:
                if self._vectors is None:
                    raise IndexStateError("index.vectors_not_open")
                self._vectors.reset()
            except IndexStateError:
                if not self._owns_client:
                    raise  # a client handed in by the caller is not ours to wipe
                close_chroma(self._client, self.chroma_path)
                shutil.rmtree(self.chroma_path, ignore_errors=True)
                self._client = open_chroma(self.chroma_path)
                self._vectors = VectorStore(self._client)
            self.damage = None
            self.missing_chunks = 0
            shutil.rmtree(self.keyword_path, ignore_errors=True)
            self._keyword = None

    def close(self) -> None:
        """Release the vector store (a client handed in by the caller stays open)."""
        with self._lock:
            if self._owns_client:
                close_chroma(self._client, self.chroma_path)
                self._client = None
                self._vectors = None
                self.damage = self.damage or IndexStateError("index.closed")

    def ensure_manifest(self, embedder: str, dimension: int) -> Manifest:
        """The manifest, created for this embedder if the index is new.

        Chunks found without a manifest (it was deleted, or a rebuild was interrupted) have unknown
        provenance and could stem from another embedding model: they are dropped, not reused.
        """
        with self._lock:
            manifest = self.manifest
            if manifest is None:
                if self.vectors.count():
                    if self.shared:
                        # Another installation's chunks (or ours, with the index folder lost): never wiped implicitly.
                        raise IndexStateError("index.server_foreign_chunks", collection=self.vectors.collection_name,
                                              chunks=self.vectors.count(), manifest=self.manifest_path)
                    self.vectors.reset()
                manifest = self._manifest = Manifest(embedder=embedder, dimension=dimension)
                manifest.save(self.manifest_path)
            if self.shared:
                self.vectors.record_embedder(embedder)
            return manifest

    def searchable_ids(self) -> set[str]:
        """Chunk ids a search may return: those of completely indexed documents.

        The vector store can hold more than that: chunks of a document still being ingested (stored
        before the manifest record that makes them count), stale chunks of an updated document for a
        moment, and orphans a crash left behind until the next ingest deletes them.
        """
        manifest = self.manifest
        return manifest.chunk_ids() if manifest is not None else set()

    def searchable_chunks(self) -> list[Chunk]:
        """The chunks a search may return (see :meth:`searchable_ids`), in id order."""
        return self.chunks(sorted(self.searchable_ids()))[0]

    def verify_chunks(self) -> set[str]:
        """Sources of documents with chunks missing from the vector store (exact, by id)."""
        manifest = self.manifest
        if manifest is None:
            return set()
        stored = self.vectors.existing_ids(sorted(manifest.chunk_ids()))
        return {source for source, record in manifest.documents.items() if not set(record.chunk_ids) <= stored}

    # -- writing (see the module docstring for the invariant these methods keep) ------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index as its only writer, across processes (CLI and UI may run side by side).

        A second writer is refused at once with IndexStateError instead of waiting. The operating
        system releases the lock when its holder dies, so a killed ingest never blocks the next one.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        # A fresh lock object per use: a second writer in this process is refused like one in another.
        lock = FileLock(self.folder / ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexStateError("index.locked") from None
        try:
            yield
        finally:
            lock.release()

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already (their embeddings can be reused)."""
        return self.vectors.existing_ids(ids)

    def store_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Store chunks with their embeddings; they count once :meth:`record_document` claims them."""
        self.vectors.upsert(chunks, embeddings)

    def refresh_chunks(self, chunks: Sequence[Chunk]) -> None:
        """Rewrite the metadata (ordinal, page) of stored chunks, keeping their stored embeddings."""
        _, stored = self.vectors.get([c.id for c in chunks], with_embeddings=True)
        if stored is not None and len(stored) == len(chunks):
            self.vectors.upsert(chunks, stored)

    def record_document(self, record: DocumentRecord) -> None:
        """Make a document count: write its record, then delete the chunks of its earlier version.

        Every chunk the record lists must be stored already (:meth:`store_chunks`). The record is
        written atomically before any chunk goes, so a crash leaves at most orphans to clean.
        """
        manifest = self._written_manifest()
        manifest.documents[record.source] = record
        manifest.save(self.manifest_path)
        self._writes += 1
        # Only now, with no record claiming them, may the old version's chunks go.
        stale = self.vectors.ids_of_source(record.source) - set(record.chunk_ids)
        if stale:
            self.vectors.delete(stale)

    def drop_document(self, source: str) -> None:
        """Remove an indexed document: its record first, so a crash midway leaves only orphans."""
        manifest = self._written_manifest()
        del manifest.documents[source]
        manifest.save(self.manifest_path)
        self._writes += 1
        self.vectors.delete(self.vectors.ids_of_source(source))

    def drop_incomplete(self) -> list[str]:
        """Drop the documents whose chunks are still missing (after a repair attempt); their sources.

        Such a record cannot be trusted any more; afterwards every chunk the manifest lists is stored.
        """
        dropped = sorted(self.verify_chunks())
        for source in dropped:
            self.drop_document(source)
        self.missing_chunks = 0
        return dropped

    def delete_orphans(self) -> bool:
        """Delete stored chunks that no record claims (left by a crash or a removed file); True if any."""
        orphans = self.vectors.all_ids() - self._written_manifest().chunk_ids()
        if orphans:
            self.vectors.delete(orphans)
            self._writes += 1
        return bool(orphans)

    def sync_keyword(self) -> KeywordIndex:
        """Bring BM25 in step after writes: rebuilt if records or chunks changed or it was never saved.

        Otherwise its stored ids are only checked against the manifest (and it is rebuilt if a crash
        left it behind).
        """
        with self._lock:
            if self._writes != self._keyword_writes or not self.keyword_path.exists():
                return self._rebuild_keyword()
            return self.keyword()

    def _written_manifest(self) -> Manifest:
        manifest = self.manifest
        assert manifest is not None, "ensure_manifest() comes before any write"
        return manifest

    def keyword(self) -> KeywordIndex:
        """The BM25 index, loaded once; rebuilt if it is missing or out of step with the vector store."""
        with self._lock:
            if self._keyword is None:
                manifest = self.manifest
                expected = manifest.chunk_ids() if manifest else set()
                loaded: KeywordIndex | None = None
                if self.keyword_path.exists():
                    try:
                        loaded = KeywordIndex.load(self.keyword_path)
                    except IndexStateError:
                        loaded = None  # derived data: rebuild below instead of failing
                if loaded is None or set(loaded.ids) != expected:
                    loaded = self._rebuild_keyword()
                self._keyword = loaded
            return self._keyword

    def _rebuild_keyword(self) -> KeywordIndex:
        """Rebuild BM25 from the chunks of completely indexed documents and persist it."""
        with self._lock:
            writes = self._writes
            manifest = self.manifest
            expected = manifest.chunk_ids() if manifest else set()
            chunks = [c for c in self.vectors.all_chunks() if c.id in expected]
            chunks.sort(key=lambda c: (c.source, c.ordinal))
            keyword = KeywordIndex.build([c.id for c in chunks], [f"{c.header()}\n{c.text}" for c in chunks])
            keyword.save(self.keyword_path)
            self._keyword = keyword
            self._keyword_writes = writes
            return keyword
