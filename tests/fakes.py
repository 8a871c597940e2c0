"""Deterministic test doubles shared by the test suite."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence

import numpy as np

from assistant.text import STOPWORDS

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Bag-of-words embedder: lower-cased content words hashed into ``dimension`` buckets, L2-normalised.

    Texts sharing words get a positive cosine similarity, texts without common words (almost always)
    zero — enough for retrieval tests, deterministic across processes (no ``hash()`` randomisation).
    Titles, when given, are embedded together with the text, as the real embedder does.
    The counters let tests check that cached embeddings are not recomputed.
    """

    def __init__(self, dimension: int = 64, name: str | None = None) -> None:
        self.dimension = dimension
        self.name = name or f"hash-{dimension}"
        self.backend = "hash"
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
            for token in [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS] or [""]:
                bucket = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                vectors[row, bucket % self.dimension] += 1.0
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors


class GatedEmbedder(HashEmbedder):
    """Holds every document batch that mentions ``word`` until ``release`` is set."""

    def __init__(self, word: str) -> None:
        super().__init__(dimension=4096)
        self.word = word
        self.release = threading.Event()
        self.held = threading.Event()

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        if any(self.word in t for t in texts):
            self.held.set()
            assert self.release.wait(10)
        return super().embed_documents(texts, titles)


class ScriptedChatModel:
    """A chat model that replies with scripted answers and records every prompt it was given.

    ``replies`` are returned in order (the last one repeats); each reply is streamed in word-sized
    pieces. ``count_tokens`` counts whitespace-separated words, so budgeting is easy to reason about.
    """

    def __init__(self, *replies: str, context_window: int = 4096, name: str = "scripted") -> None:
        self.replies = list(replies) or [""]
        self.name = name
        self._context_window = context_window
        self.prompts: list[list[dict]] = []
        #: Message lists read ahead with :meth:`prefill` (the UI's start-up warm-up).
        self.prefilled: list[list[dict]] = []

    @property
    def context_window(self) -> int:
        return self._context_window

    @property
    def has_chat_template(self) -> bool:
        return True

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prefill(self, messages):  # type: ignore[no-untyped-def]
        self.prefilled.append([dict(m) for m in messages])

    def stream(self, messages, max_tokens, stop=()):  # type: ignore[no-untyped-def]
        from assistant.answering.llm import Generation, TokenCounts

        self.prompts.append([dict(m) for m in messages])
        reply = self.replies[min(len(self.prompts) - 1, len(self.replies) - 1)]
        pieces = re.findall(r"\S+\s*", reply)
        prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
        return Generation(pieces, TokenCounts(prompt_tokens=prompt_tokens, completion_tokens=len(pieces)))
