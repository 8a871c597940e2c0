"""Write the fixed sample that ``assistant setup`` checks an embedding back end on.

The sample is the 20 dev questions and, for each, the five passages of the default corpus that
the PyTorch embedder ranks highest (their near-ties are where a lower precision would change a
ranking first). Run from the repository root over a built index of the default corpus:

    ASSISTANT_INDEX_DIR=… .venv/bin/python -m benchmarks.backend_sample ../shared/eval/dev_qa.jsonl

It rewrites ``assistant/indexing/backend_sample.json``; the file is committed, so a set-up never
needs the corpus or an index to check a back end.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.app import build_app
from assistant.config import Settings
from assistant.indexing.openvino_backend import SAMPLE_PATH

PER_QUESTION = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="JSONL with a 'q' per line (the dev set)")
    args = parser.parse_args()
    questions = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    app = build_app(Settings.from_env())
    passages: dict[str, dict[str, str]] = {}
    for vector in app.embedder.embed_queries(questions):
        for chunk, _ in app.index.nearest(vector, PER_QUESTION):
            passages.setdefault(chunk.id, {"title": chunk.embedding_title(), "text": chunk.text})
    sample = {"queries": questions, "passages": list(passages.values())}
    SAMPLE_PATH.write_text(json.dumps(sample, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(questions)} queries, {len(passages)} passages -> {SAMPLE_PATH}")


if __name__ == "__main__":
    main()
