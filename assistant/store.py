"""Persistent index: Chroma vector store, BM25 keyword index and the manifest that ties them together.

Layout of ``index/``::

    manifest.json   embedder name + dimension, and per document: content hash, chunk ids, metadata
    chroma/         Chroma PersistentClient (embeddings we compute, chunk texts, metadata)
    keyword/        BM25 index over the same chunk ids (rebuilt from Chroma whenever chunks change)

Chroma is the single source of truth for chunks; the manifest records which documents are complete,
and the BM25 index is derived data that is rebuilt when its ids differ from Chroma's. So a crash at any
point leaves a state the next ingest repairs without duplicates (see :mod:`assistant.ingest`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .chunking import Chunk
from .errors import IndexMismatchError, IndexStateError
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
            raise IndexStateError(
                f"Die Indexdatei {path} ist beschädigt ({exc}). Index neu aufbauen mit: assistant ingest --rebuild"
            ) from exc

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
        """All chunk ids of completely indexed documents."""
        return {cid for doc in self.documents.values() for cid in doc.chunk_ids}


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


class VectorStore:
    """Adapter over one Chroma collection holding our own embeddings (Chroma never embeds)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        # Cosine space: EmbeddingGemma and MiniLM vectors are L2-normalised; distance = 1 - cosine.
        self._collection = client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def reset(self) -> None:
        """Delete every chunk (drops and recreates the collection)."""
        self._client.delete_collection(COLLECTION)
        self._collection = self._client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    @property
    def max_batch_size(self) -> int:
        """Chroma's limit on records per write call."""
        getter = getattr(self._client, "get_max_batch_size", None)
        return int(getter()) if getter else 5000

    def count(self) -> int:
        """Number of stored chunks."""
        return int(self._collection.count())

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already (their embeddings can be reused)."""
        found: set[str] = set()
        for start in range(0, len(ids), self.max_batch_size):
            found.update(self._collection.get(ids=list(ids[start : start + self.max_batch_size]), include=[])["ids"])
        return found

    def ids_of_source(self, source: str) -> set[str]:
        """Ids of all stored chunks of one document."""
        return set(self._collection.get(where={"source": source}, include=[])["ids"])

    def all_ids(self) -> set[str]:
        """Ids of all stored chunks."""
        return set(self._collection.get(include=[])["ids"])

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Insert or replace chunks with their embeddings, in batches Chroma accepts."""
        step = self.max_batch_size
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
        for start in range(0, len(ids), self.max_batch_size):
            self._collection.delete(ids=ids[start : start + self.max_batch_size])

    def get(self, ids: Sequence[str], with_embeddings: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        """Chunks for ``ids`` in the given order (unknown ids are skipped), optionally with embeddings."""
        if not ids:
            return [], (np.zeros((0, 0), dtype=np.float32) if with_embeddings else None)
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
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
        result = self._collection.get(include=["documents", "metadatas"])
        return [_chunk(cid, text, meta) for cid, text, meta in zip(result["ids"], result["documents"], result["metadatas"])]

    def query(self, embedding: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks to a query embedding with their cosine similarity, best first."""
        n = min(k, self.count())
        if n == 0:
            return []
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
        raise IndexStateError(
            f"Der Vektorindex in {path} lässt sich nicht öffnen ({type(exc).__name__}: {exc}). "
            "Index neu aufbauen mit: assistant ingest --rebuild"
        ) from exc


class Index:
    """The three parts of the index, opened together and checked against the configured embedder."""

    def __init__(self, folder: Path, client: Any | None = None) -> None:
        self.folder = folder
        self.manifest_path = folder / "manifest.json"
        self.keyword_path = folder / "keyword"
        self.vectors = VectorStore(client if client is not None else open_chroma(folder / "chroma"))
        self.manifest = Manifest.load(self.manifest_path)
        self._keyword: KeywordIndex | None = None
        self._lock = threading.RLock()

    def check_embedder(self, name: str, dimension: int | None = None) -> None:
        """Refuse to mix models: the index's vectors are only comparable with its own embedder's."""
        if self.manifest is None:
            return
        if self.manifest.embedder != name or (dimension is not None and self.manifest.dimension != dimension):
            raise IndexMismatchError(
                f"Der Index wurde mit dem Embedding-Modell {self.manifest.embedder!r} "
                f"({self.manifest.dimension} Dimensionen) gebaut, konfiguriert ist {name!r}. "
                "Bitte neu indexieren: assistant ingest --rebuild"
            )

    def reset(self) -> None:
        """Empty the whole index (manifest first, so a crash midway leaves only orphans to clean)."""
        with self._lock:
            self.manifest_path.unlink(missing_ok=True)
            self.manifest = None
            self.vectors.reset()
            shutil.rmtree(self.keyword_path, ignore_errors=True)
            self._keyword = None

    def ensure_manifest(self, embedder: str, dimension: int) -> Manifest:
        """The manifest, created for this embedder if the index is new."""
        if self.manifest is None:
            self.manifest = Manifest(embedder=embedder, dimension=dimension)
            self.manifest.save(self.manifest_path)
        return self.manifest

    def keyword(self) -> KeywordIndex:
        """The BM25 index, loaded once; rebuilt if it is missing or out of step with the vector store."""
        with self._lock:
            if self._keyword is None:
                expected = self.manifest.chunk_ids() if self.manifest else set()
                loaded: KeywordIndex | None = None
                if self.keyword_path.exists():
                    try:
                        loaded = KeywordIndex.load(self.keyword_path)
                    except IndexStateError:
                        loaded = None  # derived data: rebuild below instead of failing
                if loaded is None or set(loaded.ids) != expected:
                    loaded = self.rebuild_keyword()
                self._keyword = loaded
            return self._keyword

    def rebuild_keyword(self) -> KeywordIndex:
        """Rebuild BM25 from the chunks of completely indexed documents and persist it."""
        with self._lock:
            expected = self.manifest.chunk_ids() if self.manifest else set()
            chunks = [c for c in self.vectors.all_chunks() if c.id in expected]
            chunks.sort(key=lambda c: (c.source, c.ordinal))
            keyword = KeywordIndex.build([c.id for c in chunks], [f"{c.header()}\n{c.text}" for c in chunks])
            keyword.save(self.keyword_path)
            self._keyword = keyword
            return keyword
