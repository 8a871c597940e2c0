"""Retrieval quality: dev questions over the default corpus, and XQuAD-de paragraph retrieval.

    .venv/bin/python -m benchmarks.retrieval dev    [--questions ../shared/eval/dev_qa.jsonl] [--grid]
    .venv/bin/python -m benchmarks.retrieval xquad  [--xquad-dir ../shared/eval/xquad] [--grid]
    .venv/bin/python -m benchmarks.retrieval chunks [--sizes 600,900,1200]   (dev metrics per chunk size)

Run from the repository root; the defaults shown read the shared evaluation data (benchmarks/data.py).

Every mode also writes its tables as JSON with ``--json PATH`` (read by benchmarks/report.py).

``dev`` uses the index built by ``assistant ingest`` (settings from ASSISTANT_* as usual); ``xquad``
indexes the 240 German paragraphs into a temporary index with the same pipeline. Both compute the
dense and BM25 rankings once per question and then report BM25-only, dense-only and hybrid fusion
(the configured weights, or a grid of weights with --grid), so tuning needs no re-embedding.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from assistant.answering.retrieval import fuse
from assistant.app import App, build_app
from assistant.config import FusionParams, Settings
from assistant.evaluation import RankingMetrics, first_hit_rank, is_hit, load_jsonl
from assistant.text import detect_language
from benchmarks.data import HELDOUT_QUESTIONS, SHARED, load_xquad

EVAL = SHARED / "eval"
Ranking = tuple[list, list, object]  # dense hits, keyword hits, query vector


def collect(app: App, queries: Sequence[str], depth: int) -> list[Ranking]:
    """Dense and keyword rankings (``depth`` deep) for each query, embedding queries in one batch."""
    vectors = app.embedder.embed_queries(list(queries))
    keyword = app.index.keyword()
    return [(app.index.vectors.query(v, depth), keyword.search(q, depth), v) for q, v in zip(queries, vectors)]


def ranked_keys(app: App, ranking: Ranking, params: FusionParams, bm25_weight: float, key: Callable, k: int = 10) -> list:
    """Distinct result keys (chunk text or paragraph id) of the fused ranking, best first."""
    dense, keyword, vector = ranking
    hits = fuse(dense if params.dense_weight > 0 else [], keyword if bm25_weight > 0 else [], vector, app.index, 3 * k, params, bm25_weight)
    keys: list = []
    for hit in hits:
        value = key(hit)
        if value not in keys:
            keys.append(value)
    return keys[:k]


def _fusion(**values: object) -> FusionParams:
    """The default fusion parameters with ``values`` changed (the comparison configurations start from them)."""
    return replace(Settings().fusion_params, **values)  # type: ignore[arg-type]


def configurations(base: FusionParams, grid: bool) -> list[tuple[str, FusionParams, float]]:
    """(label, params, bm25 factor for non-German queries)."""
    configs = [
        ("BM25 only", _fusion(dense_weight=0.0, bm25_weight=1.0, candidates=base.candidates, rrf_k=base.rrf_k), 1.0),
        ("dense only", _fusion(dense_weight=1.0, bm25_weight=0.0, candidates=base.candidates, rrf_k=base.rrf_k), 0.0),
        ("hybrid, equal RRF (naive)", _fusion(dense_weight=1.0, bm25_weight=1.0, candidates=base.candidates, rrf_k=base.rrf_k), 1.0),
        (f"hybrid (configured: bm25 {base.bm25_weight}, k {base.rrf_k}, non-German x{base.foreign_bm25_factor})", base, base.foreign_bm25_factor),
    ]
    if grid:
        for weight in (0.2, 0.3, 0.5, 0.7, 1.0):
            for rrf_k in (10, 60):
                for foreign in (0.0, 0.3):
                    p = _fusion(candidates=base.candidates, dense_weight=1.0, bm25_weight=weight, rrf_k=rrf_k, foreign_bm25_factor=foreign)
                    configs.append((f"grid rrf bm25 {weight} k {rrf_k} non-German x{foreign}", p, foreign))
        for weight in (0.1, 0.2, 0.3, 0.5):
            for foreign in (0.0, 0.5):
                p = _fusion(candidates=base.candidates, bm25_weight=weight, foreign_bm25_factor=foreign, method="convex")
                configs.append((f"grid convex bm25 {weight} non-German x{foreign}", p, foreign))
    return configs


#: Tables of this run, by title: [{"configuration", "n", "hit@1", "hit@5", "mrr@10"}] (written by --json).
RESULTS: dict[str, list[dict]] = {}


def report(title: str, app: App, queries: Sequence[str], rankings: list[Ranking], relevant: Callable, key: Callable, base: FusionParams, grid: bool) -> None:
    print(f"\n### {title}\n\n| configuration | n | hit@1 | hit@5 | MRR@10 |\n|---|---|---|---|---|")
    rows = RESULTS.setdefault(title, [])
    for label, params, foreign in configurations(base, grid):
        ranks = []
        for i, (query, ranking) in enumerate(zip(queries, rankings)):
            weight = params.bm25_weight if detect_language(query) == "de" else params.bm25_weight * foreign
            ranks.append(relevant(i, ranked_keys(app, ranking, params, weight, key)))
        metrics = RankingMetrics.from_ranks(ranks)
        rows.append({"configuration": label, "n": metrics.n, "hit@1": metrics.hit1, "hit@5": metrics.hit5, "mrr@10": metrics.mrr10})
        print(f"| {label} | {metrics.row()} |")


def reranked_row(title: str, app: App, queries: Sequence[str], relevant: Callable, key: Callable) -> None:
    """One more row for ``title``: the ranking answers use (configured hybrid, then re-ranked by each
    chunk's best evidence unit, ``Answerer.ranked``)."""
    app.answerer.warm_evidence(app.index.searchable_chunks(), app.settings.embed_batch_size)
    ranks = []
    for i, query in enumerate(queries):
        keys: list = []
        for hit in app.answerer.ranked(query, 10):
            if key(hit) not in keys:
                keys.append(key(hit))
        ranks.append(relevant(i, keys[:10]))
    metrics = RankingMetrics.from_ranks(ranks)
    label = f"hybrid + sentence re-ranking (answers: {app.settings.rerank_candidates} candidates, weight {app.settings.rerank_weight})"
    RESULTS.setdefault(title, []).append({"configuration": label, "n": metrics.n, "hit@1": metrics.hit1, "hit@5": metrics.hit5, "mrr@10": metrics.mrr10})
    print(f"| {label} | {metrics.row()} |")


def run_dev(args: argparse.Namespace, settings: Settings, title: str = "") -> None:
    items = [q for q in load_jsonl(args.questions) if q.get("gold")]
    app = build_app(settings)
    queries = [q["q"] for q in items]
    started = time.perf_counter()
    rankings = collect(app, queries, settings.candidates)
    print(f"{len(queries)} answerable dev questions, rankings in {time.perf_counter() - started:.1f} s")
    title = title or f"Dev questions ({args.questions.name}), chunk-level gold match"
    relevant = lambda i, texts: first_hit_rank(texts, items[i]["gold"])  # noqa: E731
    report(title, app, queries, rankings, relevant, lambda hit: hit.chunk.text, settings.fusion_params, args.grid)
    reranked_row(title, app, queries, relevant, lambda hit: hit.chunk.text)
    for i, q in enumerate(items):
        texts = ranked_keys(app, rankings[i], settings.fusion_params, settings.bm25_weight if detect_language(q["q"]) == "de" else 0.0, lambda h: h.chunk.text, 5)
        if not any(is_hit(t, q["gold"]) for t in texts):
            print(f"  miss@5: {q['id']} {q['q']}")


def run_xquad(args: argparse.Namespace, settings: Settings) -> None:
    paragraphs, german = load_xquad(args.xquad_dir / "xquad.de.json")
    _, english = load_xquad(args.xquad_dir / "xquad.en.json")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for number, text in enumerate(paragraphs):
            (corpus / f"p{number:04d}.txt").write_text(text, encoding="utf-8")
        app = build_app(settings.with_(home=Path(tmp), corpus_dir=corpus, index_dir=Path(tmp) / "index"))
        started = time.perf_counter()
        report_ = app.ingestor.ingest()
        print(f"XQuAD: {len(paragraphs)} paragraphs → {app.index.vectors.count()} chunks in {report_.seconds:.1f} s")
        paragraph_of = lambda hit: int(hit.chunk.source[1:5])  # noqa: E731
        for label, items in (("German questions", german), ("English questions (cross-lingual)", english)):
            queries = [item.question for item in items]
            started = time.perf_counter()
            rankings = collect(app, queries, settings.candidates)
            print(f"{label}: {len(queries)} queries ranked in {time.perf_counter() - started:.1f} s")
            title = f"XQuAD-de paragraphs, {label}, embedder {app.embedder.name}"
            relevant = lambda i, found, items=items: (found.index(items[i].paragraph) + 1) if items[i].paragraph in found else None  # noqa: E731
            report(title, app, queries, rankings, relevant, paragraph_of, settings.fusion_params, args.grid)
            reranked_row(title, app, queries, relevant, paragraph_of)


def run_chunks(args: argparse.Namespace, settings: Settings) -> None:
    """Dev metrics for several chunk sizes: the corpus indexed once per size into a temporary index."""
    for size in (int(part) for part in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            sized = settings.with_(index_dir=Path(tmp) / "index", chunk_target_chars=size, chunk_max_chars=max(settings.chunk_max_chars, size + size // 2))
            app = build_app(sized)
            ingested = app.ingestor.ingest()
            count = app.index.vectors.count()
            print(f"\nchunk target {size}: {count} chunks ({ingested.chunks_embedded} embedded) in {ingested.seconds:.0f} s")
            app.index.close()
            run_dev(args, sized, title=f"Dev questions, chunk target {size} chars (max {sized.chunk_max_chars}), {count} chunks")


def run_calibrate(args: argparse.Namespace, settings: Settings) -> None:
    """Best-hit cosine of answerable vs. unanswerable questions, and the accuracy of each threshold."""
    app = build_app(settings)
    positives: list[tuple[str, float]] = []
    negatives: list[tuple[str, float]] = []
    for path in args.calibration:
        for item in load_jsonl(path):
            top = max((h.dense_score for h in app.retriever.search(item["q"], settings.top_k)), default=0.0)
            (negatives if item.get("type") == "refuse" else positives).append((f"{item['id']} {item['q'][:60]}", top))
    _, xquad = load_xquad(args.xquad_dir / "xquad.de.json")
    _, xquad_en = load_xquad(args.xquad_dir / "xquad.en.json")
    sample = xquad[:: max(1, len(xquad) // 150)] + xquad_en[:: max(1, len(xquad_en) // 150)]
    vectors = app.embedder.embed_queries([x.question for x in sample])
    for item, vector in zip(sample, vectors):
        top = max((h.dense_score for h in app.retriever.search(item.question, settings.top_k, query_vector=vector)), default=0.0)
        negatives.append((f"xquad {item.question[:60]}", top))
    print(f"answerable: {len(positives)}, unanswerable: {len(negatives)} (of which {len(sample)} XQuAD questions)")
    for label, values in (("answerable", positives), ("unanswerable", negatives)):
        scores = sorted(v for _, v in values)
        print(f"{label}: min {scores[0]:.3f} p5 {scores[len(scores) // 20]:.3f} median {scores[len(scores) // 2]:.3f} max {scores[-1]:.3f}")
    print("\n| threshold | answerable kept | unanswerable refused | balanced accuracy |\n|---|---|---|---|")
    for t in [x / 100 for x in range(20, 70, 2)]:
        kept = sum(v >= t for _, v in positives) / len(positives)
        refused = sum(v < t for _, v in negatives) / len(negatives)
        print(f"| {t:.2f} | {kept:.3f} | {refused:.3f} | {(kept + refused) / 2:.3f} |")
    print("\nlowest answerable:", sorted(positives, key=lambda x: x[1])[:5])
    print("highest unanswerable:", sorted(negatives, key=lambda x: -x[1])[:8])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["dev", "xquad", "chunks", "calibrate"])
    parser.add_argument("--calibration", type=Path, nargs="+", default=[EVAL / "dev_qa.jsonl", HELDOUT_QUESTIONS])
    parser.add_argument("--questions", type=Path, default=EVAL / "dev_qa.jsonl")
    parser.add_argument("--xquad-dir", type=Path, default=EVAL / "xquad")
    parser.add_argument("--grid", action="store_true", help="also evaluate a grid of fusion weights")
    parser.add_argument("--sizes", default="600,900,1200", help="chunk target sizes in characters (mode chunks)")
    parser.add_argument("--json", type=Path, help="also write the tables to this JSON file")
    args = parser.parse_args()
    settings = Settings.from_env()
    {"dev": run_dev, "xquad": run_xquad, "chunks": run_chunks, "calibrate": run_calibrate}[args.what](args, settings)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"embedder": build_app(settings).embedder.name, "tables": RESULTS}, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
