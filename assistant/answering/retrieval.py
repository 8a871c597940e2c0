"""Hybrid retrieval: dense (embedder + Chroma) and German BM25, fused by a weighted score sum.

Why weighted, score-based and language-aware: the dense retriever is the stronger one (EmbeddingGemma
on XQuAD-de: recall@1 0.92 vs. 0.89 for BM25), so BM25 acts as a correction with a small weight on the
*scores* (cosine + 0.2 × BM25/max BM25), which keeps the dense model's confidence; rank fusion throws
that away and lost to dense alone on our dev set. BM25 over German chunks cannot match an English
question, and equal-weight fusion then drags good dense results down (XQuAD, English questions: dense
recall@5 0.99, naive fusion 0.95), so non-German queries use the dense ranking alone — unless they use
a funding wording whose German guideline terms (answering/expansion.py) BM25 can search for them.
Measurements: docs/RETRIEVAL.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..config import FusionParams
from ..indexing.chunking import Chunk
from ..text import detect_language
from .expansion import expansion_terms

if TYPE_CHECKING:
    from ..indexing.embeddings import Embedder
    from ..indexing.store import Index


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score and the evidence behind it.

    ``score`` is the fused score normalised to [0, 1] (1 = ranked first by every retriever);
    ``dense_score`` is the cosine similarity of query and chunk (computed for every hit, also those
    found by BM25 alone), ``bm25_score`` the raw BM25 score (None if BM25 did not return the chunk).
    """

    chunk: Chunk
    score: float
    dense_score: float
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_json(self) -> dict[str, object]:
        """The evaluation contract's ``retrieved`` entry (plus diagnostics: dense/BM25 scores, chunk id)."""
        chunk = self.chunk
        return {
            "source": chunk.source,
            "title": chunk.title,
            "page": chunk.page,
            "section": chunk.section,
            "score": round(self.score, 4),
            "dense_score": round(self.dense_score, 4),
            "bm25_score": None if self.bm25_score is None else round(self.bm25_score, 3),
            "chunk_id": chunk.id,
            "text": chunk.text,
        }


class Retriever:
    """Searches an :class:`~assistant.indexing.store.Index` with an :class:`~assistant.indexing.embeddings.Embedder`."""

    def __init__(self, index: "Index", embedder: "Embedder", params: FusionParams) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params

    def closeness(self, query: str, sources: Sequence[str]) -> dict[str, float]:
        """For each indexed document in ``sources``: the highest cosine similarity of ``query`` to one of its chunks.

        Unlike :meth:`search`, every document gets a value, however far down the ranking it would be
        (the briefing orders funding programmes by it).
        """
        self.index.check_embedder(self.embedder.name, self.embedder.dimension)
        query_vector = self.embedder.embed_queries([query])[0]
        result: dict[str, float] = {}
        for source in sources:
            record = self.index.record(source)
            if record is None:
                continue
            _, vectors = self.index.chunks(record.chunk_ids, with_embeddings=True)
            if vectors is not None and len(vectors):
                norms = np.linalg.norm(vectors, axis=1) * float(np.linalg.norm(query_vector))
                result[source] = float(np.max((vectors @ query_vector) / np.where(norms > 0, norms, 1.0)))
        return result

    def search(self, query: str, k: int, query_vector: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first; empty when the index is empty.

        ``query_vector`` may be passed when the caller has embedded the query already.
        """
        query = query.strip()
        self.index.check_embedder(self.embedder.name, self.embedder.dimension)
        if not query or self.index.chunk_count() == 0:
            return []
        p = self.params
        if query_vector is None:
            query_vector = self.embedder.embed_queries([query])[0]
        # Only chunks of completely indexed documents count (see Index.searchable_ids); fetching as many
        # more candidates as there are other chunks keeps the filter from shortening the ranking.
        listed = self.index.searchable_ids()
        unlisted = max(0, self.index.chunk_count() - len(listed))
        dense = [(c, s) for c, s in self.index.nearest(query_vector, p.candidates + unlisted) if c.id in listed]
        german = detect_language(query) == "de"
        extra = expansion_terms(query) if p.expand else ""
        if german:
            bm25_weight, keyword_query = p.bm25_weight, f"{query} {extra}".strip()
        elif extra:
            # BM25 cannot match an English question, but it can match the German terms it asks about.
            bm25_weight, keyword_query = p.bm25_weight, extra
        else:
            bm25_weight, keyword_query = p.bm25_weight * p.foreign_bm25_factor, query
        keyword = self.index.keyword().search(keyword_query, p.candidates) if bm25_weight > 0 else []
        keyword = [(cid, score) for cid, score in keyword if cid in listed]
        return fuse(dense, keyword, query_vector, self.index, k, p, bm25_weight)

    def knows(self, word: str) -> bool:
        """Whether the searched documents contain ``word`` at all (its stem or a compound part's)."""
        return self.index.knows(word)


def fuse(
    dense: list[tuple[Chunk, float]],
    keyword: list[tuple[str, float]],
    query_vector: np.ndarray,
    index: "Index",
    k: int,
    params: FusionParams,
    bm25_weight: float,
) -> list[Hit]:
    """Fuse a dense and a keyword ranking into ``k`` hits (method and weights from ``params``)."""
    chunks: dict[str, Chunk] = {}
    dense_scores: dict[str, float] = {}
    dense_ranks: dict[str, int] = {}
    for rank, (chunk, similarity) in enumerate(dense, start=1):
        chunks[chunk.id] = chunk
        dense_scores[chunk.id] = similarity
        dense_ranks[chunk.id] = rank
    bm25_scores = {chunk_id: score for chunk_id, score in keyword}
    bm25_ranks = {chunk_id: rank for rank, (chunk_id, _) in enumerate(keyword, start=1)}

    def fetch(ids: list[str]) -> None:
        # Found by BM25 only: fetch text and vectors so every hit has a comparable dense score.
        if ids:
            fetched, vectors = index.chunks(ids, with_embeddings=True)
            assert vectors is not None
            for chunk, vector in zip(fetched, vectors):
                chunks[chunk.id] = chunk
                dense_scores[chunk.id] = float(np.dot(vector, query_vector))

    scores: dict[str, float] = {}
    if params.method == "convex":
        fetch([cid for cid in bm25_scores if cid not in chunks])
        top_bm25 = max(bm25_scores.values(), default=0.0) or 1.0
        total = params.dense_weight + bm25_weight
        for cid in chunks:
            combined = params.dense_weight * dense_scores[cid] + bm25_weight * bm25_scores.get(cid, 0.0) / top_bm25
            scores[cid] = min(1.0, max(0.0, combined / total))
        ranked = sorted(scores, key=lambda cid: -scores[cid])[:k]
    else:
        best = (params.dense_weight + bm25_weight) / (params.rrf_k + 1)
        for cid, rank in dense_ranks.items():
            scores[cid] = params.dense_weight / (params.rrf_k + rank) / best
        for cid, rank in bm25_ranks.items():
            scores[cid] = scores.get(cid, 0.0) + bm25_weight / (params.rrf_k + rank) / best
        ranked = sorted(scores, key=lambda cid: -scores[cid])[:k]
        fetch([cid for cid in ranked if cid not in chunks])
    return [
        Hit(
            chunk=chunks[cid],
            score=scores[cid],
            dense_score=dense_scores[cid],
            bm25_score=bm25_scores.get(cid),
            dense_rank=dense_ranks.get(cid),
            bm25_rank=bm25_ranks.get(cid),
        )
        for cid in ranked
        if cid in chunks
    ]
