"""Deterministic test doubles shared by the test suite."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Bag-of-words embedder: lower-cased word tokens hashed into ``dimension`` buckets, L2-normalised.

    Texts sharing words get a positive cosine similarity, texts without common words (almost always)
    zero — enough for retrieval tests, deterministic across processes (no ``hash()`` randomisation).
    Titles, when given, are embedded together with the text, as the real embedder does.
    The counters let tests check that cached embeddings are not recomputed.
    """

    def __init__(self, dimension: int = 64, name: str | None = None) -> None:
        self.dimension = dimension
        self.name = name or f"hash-{dimension}"
        self.documents_embedded = 0
        self.queries_embedded = 0

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        """Embed documents (title words count like text words)."""
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"got {len(titles)} titles for {len(texts)} texts")
        self.documents_embedded += len(texts)
        combined = [f"{title} {text}" for title, text in zip(titles, texts)] if titles is not None else list(texts)
        return self._embed(combined)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries."""
        self.queries_embedded += len(texts)
        return self._embed(list(texts))

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            # An empty text still gets a unit vector (the empty token's bucket) so every row is normalised.
            for token in _WORD.findall(text.lower()) or [""]:
                bucket = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                vectors[row, bucket % self.dimension] += 1.0
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors
