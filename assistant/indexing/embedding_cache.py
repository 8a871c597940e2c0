"""On-disk cache of document vectors, keyed by embedding model and the exact embedding input.

Embedding is the cost centre of ingestion (about 0.25 s per chunk for EmbeddingGemma on two cores).
Chroma already reuses vectors within one index; this cache reaches further: a rebuilt or second
index, a document moved to another folder, or a replicated corpus never embeds a chunk twice.

A row is keyed by ``sha256(namespace, title, text)``; the namespace names the model (its weights
fingerprint) and every setting that changes its output, so a stale vector can never be served.
Vectors are stored as exact float32 bytes. The cache is derived data: when the file is damaged it
is set aside and started afresh, and ingestion carries on without it rather than fail.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Protocol
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
#: SQLite caps the number of host parameters per statement (32766 since 3.32; be conservative).
_LOOKUP_BATCH = 500


def cache_key(namespace: str, title: str, text: str) -> bytes:
    """The row key of one embedding input (32 bytes)."""
    digest = hashlib.sha256()
    for part in (namespace, title, text):
        encoded = part.encode("utf-8")
        # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.digest()


class EmbeddingCache:
    """Document vectors of one embedding configuration (``namespace``) in an SQLite file.

    Safe to share between threads; writes are single transactions, so a crash leaves either the
    whole batch or none of it.
    """

    def __init__(self, path: Path, namespace: str) -> None:
        self.path = Path(path)
        self.namespace = namespace
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def get(self, titles: Sequence[str], texts: Sequence[str], dimension: int) -> list[np.ndarray | None]:
        """The cached vector for each (title, text) pair, None where there is none of ``dimension``."""
        keys = [cache_key(self.namespace, title, text) for title, text in zip(titles, texts, strict=True)]
        found: dict[bytes, bytes] = {}
        with self._lock:
            db = self._connection()
            if db is not None:
                try:
                    for start in range(0, len(keys), _LOOKUP_BATCH):
                        part = keys[start : start + _LOOKUP_BATCH]
                        marks = ",".join("?" * len(part))
                        found.update(db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part))
                except sqlite3.DatabaseError as exc:
                    self._give_up(exc)
        size = dimension * 4
        return [
            np.frombuffer(found[key], dtype=np.float32).copy() if len(found.get(key, b"")) == size else None
            for key in keys
        ]

    def put(self, titles: Sequence[str], texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (one per (title, text) pair) in one transaction."""
        rows = [
            (cache_key(self.namespace, title, text), np.asarray(vector, dtype=np.float32).tobytes())
            for title, text, vector in zip(titles, texts, vectors, strict=True)
        ]
        with self._lock:
            db = self._connection()
            if db is None or not rows:
                return
            try:
                with db:
                    db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
            except sqlite3.DatabaseError as exc:
                self._give_up(exc)

    def close(self) -> None:
        """Close the database connection (reopened on next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            # Damaged file (torn write on a full disk, foreign file): keep it for inspection, start anew.
            aside = self.path.with_name(f"{self.path.name}.defekt-{time.strftime('%Y%m%d-%H%M%S')}")
            log.warning("Embedding-Cache %s ist beschädigt (%s); er wird nach %s verschoben und neu angelegt.", self.path, exc, aside)
            try:
                self.path.replace(aside)
                self._db = self._open()
            except (OSError, sqlite3.DatabaseError) as again:
                self._give_up(again)
        except OSError as exc:
            self._give_up(exc)
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            db.execute("SELECT key FROM vectors LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _give_up(self, exc: Exception) -> None:
        log.warning("Embedding-Cache %s nicht nutzbar (%s); es wird ohne Cache weiter eingebettet.", self.path, exc)
        if self._db is not None:
            self._db.close()
        self._db = None
        self._broken = True


class DocumentEmbedder(Protocol):
    """What :func:`embed_documents_cached` needs of an embedder."""

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray: ...


def embed_documents_cached(
    embedder: DocumentEmbedder, cache: EmbeddingCache | None, titles: Sequence[str], texts: Sequence[str], dimension: int
) -> tuple[np.ndarray, int]:
    """Document vectors for (title, text) pairs: from ``cache`` where present, else embedded and stored.

    Returns the vectors (one row per pair, in order) and how many had to be computed. Used for chunks at
    ingest and for the sentences of retrieved chunks at question time, which recur across questions.
    """
    cached = cache.get(titles, texts, dimension) if cache is not None else [None] * len(texts)
    missing = [i for i, vector in enumerate(cached) if vector is None]
    if missing:
        fresh = embedder.embed_documents([texts[i] for i in missing], [titles[i] for i in missing])
        if cache is not None:
            cache.put([titles[i] for i in missing], [texts[i] for i in missing], fresh)
        for i, vector in zip(missing, fresh):
            cached[i] = vector
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32), 0
    return np.stack([np.asarray(v, dtype=np.float32) for v in cached]), len(missing)
