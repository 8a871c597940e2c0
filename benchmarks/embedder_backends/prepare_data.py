"""Sample 200 real chunks of the default corpus and 40 German queries.

    .venv/bin/python -m benchmarks.embedder_backends.prepare_data   (from the repository root)
"""
import json, random
from pathlib import Path
from assistant.loaders import load_document, SUPPORTED_SUFFIXES
from assistant.indexing.chunking import chunk_document
from benchmarks.data import REPOSITORY, SHARED

chunks = []
for f in sorted((REPOSITORY / "corpus").iterdir()):
    if f.suffix.lower() in SUPPORTED_SUFFIXES:
        for c in chunk_document(load_document(f, f.name)):
            chunks.append({"title": c.header(), "text": c.text, "source": c.source})
print("total chunks", len(chunks))
rng = random.Random(0)
sample = rng.sample(chunks, 200)
queries = [json.loads(l)["q"] for l in open(SHARED / "eval/dev_qa.jsonl")]
xq = json.load(open(SHARED / "eval/xquad/xquad.de.json"))
xqs = [qa["question"] for art in xq["data"] for p in art["paragraphs"] for qa in p["qas"]]
queries += random.Random(1).sample(xqs, 40 - len(queries))
json.dump({"chunks": sample, "queries": queries}, open(Path(__file__).parent / "data/texts.json", "w"), ensure_ascii=False, indent=0)
print(len(sample), len(queries), "mean chars", sum(len(c["text"]) for c in sample) / len(sample))
