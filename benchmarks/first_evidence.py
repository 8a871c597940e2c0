"""Time from a question to its extractive evidence, over the built index, in the three states a user meets.

    .venv/bin/python -m benchmarks.first_evidence --out docs/benchmarks/first-evidence.json
        [--questions ../shared/eval/dev_qa.jsonl]

* ``cold``: nothing cached, each question asked once (the sentences of its 10 re-ranked chunks are
  embedded then); what ``assistant ask`` meets on a fresh index, or the UI before its warm-up is done;
* ``warmed``: after the web UI's evidence warm-up (``EvidenceWarmer``), each question asked once;
* ``repeated``: the same questions again (query vectors cached too).

Models are loaded before the first timing. The index is read only: the embedding cache is a fresh
temporary file, so nothing of the user's cache is used or changed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from assistant.app import App
from assistant.config import Settings
from assistant.evaluation import load_jsonl, percentile
from benchmarks.bench import machine
from benchmarks.concurrency import opened, warm_evidence
from benchmarks.data import SHARED


def timed(app: App, questions: list[str]) -> dict[str, float]:
    """p50/p95/max seconds of ``Answerer.gather`` (retrieval, re-ranking, refusal decision, evidence) per question."""
    seconds = []
    for question in questions:
        started = time.perf_counter()
        app.answerer.gather(question)
        seconds.append(time.perf_counter() - started)
    return {"p50_s": round(percentile(seconds, 50) or 0, 3), "p95_s": round(percentile(seconds, 95) or 0, 3),
            "max_s": round(max(seconds), 3), "n": len(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev_qa.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    questions = [item["q"] for item in load_jsonl(args.questions)]
    base = Settings.from_env()
    report: dict = {"questions": len(questions), "machine": machine()["cpu"], "cores": base.n_threads,
                    "rerank_candidates": base.rerank_candidates}
    with tempfile.TemporaryDirectory(prefix="first-evidence-") as tmp:
        # Two fresh cache files: the cold run fills its cache (and query vectors) with exactly these questions.
        cold, warm = (base.with_(embed_cache=True, embed_cache_file=Path(tmp) / f"{name}.sqlite") for name in ("cold", "warm"))
        with opened(cold, "extractive") as app:
            report["embedder"] = f"{app.embedder.name} on {app.embedder.backend}"
            report["cold"] = timed(app, questions)
        report["warmup"] = warm_evidence(warm)
        with opened(warm, "extractive") as app:
            report["warmed"] = timed(app, questions)
            report["repeated"] = timed(app, questions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
