"""Fusion and hybrid retrieval with the fake embedder."""

from __future__ import annotations

from pathlib import Path

from assistant.app import App
from assistant.indexing.chunking import Chunk
from assistant.config import Settings
from assistant.text import detect_language
from assistant.answering.retrieval import Retriever, fuse

import numpy as np


def _chunk(cid: str) -> Chunk:
    return Chunk(cid, "s.md", "T", None, "", f"text {cid}", 0)


class _NoIndex:
    """fuse() only touches the index for BM25-only hits; these tests give it none."""

    vectors = None


def test_rrf_rewards_agreement_and_respects_weights() -> None:
    dense = [(_chunk("a"), 0.9), (_chunk("b"), 0.8), (_chunk("c"), 0.7)]
    keyword = [("b", 12.0), ("c", 10.0), ("a", 1.0)]
    params = Settings(fusion="rrf", rrf_k=60, dense_weight=1.0, bm25_weight=1.0).fusion_params
    hits = fuse(dense, keyword, np.zeros(2), _NoIndex(), 3, params, bm25_weight=1.0)  # type: ignore[arg-type]
    assert [h.chunk.id for h in hits] == ["b", "a", "c"]  # ranks 2 + 1 beat 1 + 3 at equal weights
    dense_heavy = fuse(dense, keyword, np.zeros(2), _NoIndex(), 3, params, bm25_weight=0.1)  # type: ignore[arg-type]
    assert [h.chunk.id for h in dense_heavy] == ["a", "b", "c"]
    assert all(0 < h.score <= 1 for h in hits)
    assert hits[0].bm25_rank == 1 and hits[0].dense_rank == 2


def test_top_ranked_by_both_scores_one() -> None:
    hits = fuse([(_chunk("a"), 0.9)], [("a", 3.0)], np.zeros(2), _NoIndex(), 1, Settings(fusion="rrf").fusion_params, 0.5)  # type: ignore[arg-type]
    assert abs(hits[0].score - 1.0) < 1e-9


def test_language_detection() -> None:
    assert detect_language("Wer ist antragsberechtigt?") == "de"
    assert detect_language("Which ministries are behind Civic Coding?") == "en"
    assert detect_language("What does the policy paper recommend about audits?") == "en"
    assert detect_language("Förderquote EXIST") == "de"
    # English questions name German programmes and terms; their umlauts do not make them German.
    assert detect_language("Is the Förderrichtlinie still valid?") == "en"
    assert detect_language("What does the Förderrichtlinie KI für das Gemeinwohl say about Zuwendungsempfänger?") == "en"
    assert detect_language("Müssen Vereine Eigenmittel einbringen?") == "de"  # a lower-case German word with an umlaut


def _corpus(settings: Settings) -> None:
    (settings.corpus_dir / "a.txt").write_text(
        "Antragsberechtigt sind juristische Personen des öffentlichen Rechts.\n\n"
        "Bienen werden mit Sensoren im Bienenstock beobachtet.\n\n"
        "Die Zuwendung beträgt höchstens 90 Prozent der Ausgaben.",
        encoding="utf-8",
    )


def test_hybrid_search_returns_cited_chunks_with_scores(app: App, settings: Settings) -> None:
    _corpus(settings)
    app.ingestor.ingest()
    hits = app.retriever.search("Wer ist antragsberechtigt?", 2)
    assert hits[0].chunk.text.startswith("Antragsberechtigt")
    assert hits[0].bm25_score is not None and hits[0].bm25_rank == 1
    # Scores are ranked: the fused order follows the fused score, and cosine similarities are in [-1, 1].
    assert hits[0].score >= hits[-1].score and all(-1.0 <= h.dense_score <= 1.0 for h in hits)
    assert hits[0].chunk.source == "a.txt" and hits[0].chunk.page is None


def test_bm25_only_hits_get_a_dense_score(app: App, settings: Settings) -> None:
    # Two one-chunk documents that the two retrievers rank differently (with one candidate each).
    # The fake embedder matches exact words (a wins); BM25 stems inflected forms and counts them (b wins).
    (settings.corpus_dir / "a.txt").write_text("Bienenstock und Sensoren.", encoding="utf-8")
    (settings.corpus_dir / "b.txt").write_text("Bienenstöcke, Bienenstöcken, Bienenstöcke: Sensoren, Sensoren, Sensoren.", encoding="utf-8")
    app.ingestor.ingest()
    retriever = Retriever(app.index, app.embedder, settings.with_(candidates=1, bm25_weight=5.0).fusion_params)
    hits = retriever.search("Bienenstock Sensoren", 3)
    # One dense candidate, so at least one BM25 hit was not among them: it must still get its cosine.
    bm25_only = [h for h in hits if h.dense_rank is None]
    assert len(hits) >= 2 and bm25_only
    query = app.embedder.embed_queries(["Bienenstock Sensoren"])[0]
    _, stored = app.index.vectors.get([h.chunk.id for h in bm25_only], with_embeddings=True)
    assert stored is not None
    for hit, vector in zip(bm25_only, stored):
        assert isinstance(hit.dense_score, float) and abs(hit.dense_score - float(vector @ query)) < 1e-5
    ids = [h.chunk.id for h in hits]
    assert len(ids) == len(set(ids))


def test_english_query_does_not_use_bm25_by_default(app: App, settings: Settings) -> None:
    _corpus(settings)
    app.ingestor.ingest()
    hits = app.retriever.search("Where are the bees observed?", 3)
    assert all(h.bm25_score is None for h in hits)


def test_english_eligibility_question_searches_the_german_guideline_terms(app: App, settings: Settings) -> None:
    _corpus(settings)
    app.ingestor.ingest()
    hits = app.retriever.search("Who is eligible to apply?", 3)
    assert hits[0].chunk.text.startswith("Antragsberechtigt") and hits[0].bm25_rank == 1
    plain = Retriever(app.index, app.embedder, settings.with_(query_expansion=False).fusion_params)
    assert all(h.bm25_score is None for h in plain.search("Who is eligible to apply?", 3))


def test_everyday_wording_finds_the_guideline_rule_through_its_terms(app: App, settings: Settings) -> None:
    """"schon angefangen" shares no word with "vorzeitiger Maßnahmebeginn"; the expansion supplies it."""
    (settings.corpus_dir / "r.md").write_text(
        "# Richtlinie\n\n## Vorzeitiger Maßnahmebeginn\n\nEine Förderung bereits begonnener Vorhaben findet nicht statt.\n\n"
        "## Zweck\n\nDie Stiftung fördert Projekte zum Schutz der Umwelt.\n",
        encoding="utf-8",
    )
    app.ingestor.ingest()
    question = "Fördert die Stiftung ein Projekt, mit dem wir schon angefangen haben?"
    rule = [h for h in app.retriever.search(question, 5) if "begonnener" in h.chunk.text]
    assert rule and rule[0].bm25_score is not None
    plain = Retriever(app.index, app.embedder, settings.with_(query_expansion=False).fusion_params)
    assert all(h.bm25_score is None for h in plain.search(question, 5) if "begonnener" in h.chunk.text)


def test_empty_index_and_blank_query_return_nothing(app: App, tmp_path: Path) -> None:
    assert app.retriever.search("Förderung", 3) == []
    assert app.retriever.search("   ", 3) == []


class _VectorsOnly:
    """An index stand-in that returns fixed vectors for BM25-only chunks."""

    @staticmethod
    def chunks(ids, with_embeddings=False):  # type: ignore[no-untyped-def]
        return [_chunk(cid) for cid in ids], np.array([[0.5, 0.0]] * len(ids), dtype=np.float32)


def test_convex_fusion_combines_cosine_and_normalised_bm25() -> None:
    dense = [(_chunk("a"), 0.8), (_chunk("b"), 0.6)]
    keyword = [("c", 10.0), ("b", 5.0)]
    params = Settings(fusion="convex", dense_weight=1.0, bm25_weight=1.0).fusion_params
    hits = fuse(dense, keyword, np.array([1.0, 0.0]), _VectorsOnly(), 3, params, 1.0)  # type: ignore[arg-type]
    scores = {h.chunk.id: h.score for h in hits}
    # a: (0.8 + 0) / 2, b: (0.6 + 0.5) / 2, c: (0.5 (fetched cosine) + 1.0) / 2
    assert [h.chunk.id for h in hits] == ["c", "b", "a"]
    assert abs(scores["c"] - 0.75) < 1e-6 and abs(scores["a"] - 0.4) < 1e-6
    assert hits[0].dense_score == 0.5 and hits[0].bm25_rank == 1


def test_chunks_outside_the_manifest_are_never_returned(app: App, settings: Settings) -> None:
    """Orphans (a crash before repair, a document still being ingested) are in Chroma but not searchable."""
    _corpus(settings)
    app.ingestor.ingest()
    query = "Wer ist antragsberechtigt?"
    orphans = [
        Chunk("orphan-gone", "geloescht.md", "Gelöscht", None, "", "Wer ist antragsberechtigt? Niemand.", 0),
        Chunk("orphan-stale", "a.txt", "a", None, "", "Wer ist antragsberechtigt? Alte Fassung.", 9),
    ]
    app.index.vectors.upsert(orphans, app.embedder.embed_documents([c.text for c in orphans]))
    assert app.index.vectors.query(app.embedder.embed_queries([query])[0], 1)[0][0].id.startswith("orphan")
    listed = app.index.manifest.chunk_ids()
    for candidates in (1, 50):  # with one candidate an orphan would take the only slot
        retriever = Retriever(app.index, app.embedder, settings.with_(candidates=candidates).fusion_params)
        hits = retriever.search(query, 5)
        assert hits and {h.chunk.id for h in hits} <= listed
        assert hits[0].chunk.text.startswith("Antragsberechtigt")
    answer = app.answerer.ask(query, mode="extractive")
    assert "Niemand" not in answer.text and "Alte Fassung" not in answer.text
    assert {h.chunk.id for h in answer.retrieved} <= listed
    app.ingestor.ingest()  # the next ingest deletes them
    assert app.index.vectors.all_ids() == listed
