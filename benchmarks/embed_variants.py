"""How to feed the OpenVINO embedder: batch size, token-budget batches, length sorting, threads.

    ASSISTANT_INDEX_DIR=… .venv/bin/python -m benchmarks.embed_variants --out docs/benchmarks/embed-variants.json

Embeds the same random sample of indexed chunks (with their titles, as ingest does) with the
exported model of ``assistant setup`` in each variant (the best of three passes) and reports chunks
per wall second and per CPU second of this process. Run it on an otherwise idle machine; compare only within one run.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.config import Settings
from assistant.indexing.embeddings import document_inputs
from assistant.indexing.openvino_backend import (
    load_tokenizer,
    model_max_tokens,
    model_prompts,
    pad_id,
    padded_inputs,
    usable_export,
)
from assistant.indexing.store import Index
from assistant.models import resolve_embedder
from benchmarks.bench import machine


#: Passes per variant; the fastest counts.
ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=160)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    import openvino as ov

    settings = Settings.from_env()
    chunks = Index(settings.index_dir).vectors.all_chunks()
    random.Random(0).shuffle(chunks)
    chunks = chunks[: args.chunks]
    resolved = resolve_embedder(settings)
    export = usable_export(settings.cache_dir, resolved.name)
    if export is None:
        raise SystemExit("no checked OpenVINO export: run `assistant setup` first")
    ir, precision = export
    texts = document_inputs(model_prompts(resolved.path)["document"], [c.text for c in chunks],
                            [c.embedding_title() for c in chunks], True)
    # Tokenised as the product's embedder does (assistant/indexing/openvino_backend.py).
    tokenizer = load_tokenizer(resolved.path, model_max_tokens(resolved.path, settings.embed_max_tokens))
    ids = [encoding.ids for encoding in tokenizer.encode_batch(texts)]
    lengths = [len(row) for row in ids]
    pad = pad_id(resolved.path, tokenizer)
    core = ov.Core()

    def compiled(threads: int, streams: int = 1) -> Any:
        return core.compile_model(str(ir), "CPU", {"INFERENCE_PRECISION_HINT": precision, "INFERENCE_NUM_THREADS": threads,
                                                   "NUM_STREAMS": streams})

    def encode(batches: list[list[int]], model: Any, parallel: int = 1) -> None:
        def inputs(rows: list[int]) -> dict[str, np.ndarray]:
            return padded_inputs([ids[i] for i in rows], pad)
        if parallel == 1:
            request = model.create_infer_request()
            for rows in batches:
                request.infer(inputs(rows))
            return
        queue = ov.AsyncInferQueue(model, parallel)
        for rows in batches:
            queue.start_async(inputs(rows))
        queue.wait_all()

    order = sorted(range(len(texts)), key=lengths.__getitem__)

    def fixed(size: int, rows: list[int] = order) -> list[list[int]]:
        return [rows[i : i + size] for i in range(0, len(rows), size)]

    def budget(tokens: int) -> list[list[int]]:
        batches: list[list[int]] = [[]]
        for i in order:  # ascending length: the newest row is the longest of its batch
            if batches[-1] and (len(batches[-1]) + 1) * lengths[i] > tokens:
                batches.append([])
            batches[-1].append(i)
        return batches

    two_threads = compiled(settings.n_threads)
    variants: list[tuple[str, Callable[[], None]]] = [
        ("batch 8, sorted by length (the default)", lambda: encode(fixed(8), two_threads)),
        ("batch 4, sorted", lambda: encode(fixed(4), two_threads)),
        ("batch 16, sorted (the default before OpenVINO)", lambda: encode(fixed(16), two_threads)),
        ("batch 32, sorted", lambda: encode(fixed(32), two_threads)),
        ("token budget 4096, sorted", lambda: encode(budget(4096), two_threads)),
        ("token budget 8192, sorted", lambda: encode(budget(8192), two_threads)),
        ("batch 8, unsorted", lambda: encode(fixed(8, list(range(len(texts)))), two_threads)),
        ("batch 8, sorted, 1 thread", lambda: encode(fixed(8), compiled(1))),
        ("batch 8, sorted, 2 streams x 1 thread, 2 requests", lambda: encode(fixed(8), compiled(settings.n_threads, 2), 2)),
    ]
    rows = []
    for label, run in variants:
        # The best of ROUNDS passes: the first pass of a variant also builds the kernels for its batch
        # shapes (dynamic shapes), which made whichever variant ran first look slowest.
        timings = []
        for _ in range(ROUNDS):
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            timings.append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = min(timings)
        rows.append({"variant": label, "seconds": round(wall, 2), "chunks_per_s": round(len(texts) / wall, 2),
                     "chunks_per_cpu_s": round(len(texts) / cpu, 2)})
        print(rows[-1], flush=True)
    result = {"machine": machine(), "embedder": resolved.name, "precision": precision, "chunks": len(texts),
              "tokens_mean": round(float(np.mean(lengths)), 1), "tokens_max": max(lengths), "variants": rows}
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
