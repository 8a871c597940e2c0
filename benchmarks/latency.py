"""Search latency over the built index: per-query p50/p95 (query embedding + dense + BM25 + fusion).

    .venv/bin/python benchmarks/latency.py [--questions ../shared/eval/dev_qa.jsonl] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.app import build_app  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.evaluation import load_jsonl, percentile  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=SHARED / "dev_qa.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    app = build_app(Settings.from_env())
    queries = [item["q"] for item in load_jsonl(args.questions)]
    started = time.perf_counter()
    app.retriever.search(queries[0], args.k)  # loads the embedder and the BM25 index
    warmup = time.perf_counter() - started
    timings = []
    for _ in range(args.repeat):
        for query in queries:
            t = time.perf_counter()
            app.retriever.search(query, args.k)
            timings.append(time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index: {app.index.vectors.count()} chunks, embedder {app.embedder.name}")
    print(f"first search (model load included): {warmup:.2f} s")
    print(f"search latency over {len(timings)} queries: p50 {percentile(timings, 50) * 1000:.0f} ms, "
          f"p95 {percentile(timings, 95) * 1000:.0f} ms; peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
