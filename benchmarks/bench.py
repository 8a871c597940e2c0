"""``assistant bench``: speed and memory of every stage in one run, next to the limits.

One run measures, on this machine and with the configured models:

* **ingest** of the corpus into a new index with an empty embedding cache (cold), again with the
  corpus unchanged, and into another new index from the warm cache: pages/s and chunks/s;
* **search latency** p50/p95 as the corpus grows to ×N (the corpus, the extra documents and N-1
  replicas whose text is identical, so the embedding cache builds them without the model);
* **time to first evidence**: question to the finished extractive answer with its sources;
* **the chat model**: first-token latency and tokens/s through our wrapper and through raw
  llama.cpp on the same prompt tokens (the limit), and what reusing the KV cache of the prompt
  prefix saves;
* **the embedding back end**: when the embedder runs on OpenVINO, the same cold ingest and retrieval
  quality with the same model on PyTorch (sentence-transformers), in the same run;
* **a standard LangChain pipeline** (PyPDFLoader/TextLoader, RecursiveCharacterTextSplitter, Chroma)
  with the same embedding model on PyTorch, as LangChain's sentence-transformers embeddings run it:
  ingest time and retrieval hit@1/@5 on a QA file, next to ours;
* **peak RSS** per stage.

Results go to ``bench.json``, ``bench.md`` and ``latency-vs-corpus.png`` in the output folder.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from assistant.answering.llm import llama_cpp_features
from assistant.app import App, LazyChatModel, build_app
from assistant.config import Settings
from assistant.errors import ConfigError, InputError, ModelError
from assistant.evaluation import RankingMetrics, first_hit_rank, load_jsonl, percentile
from assistant.indexing.ingest import IGNORED_NAMES
from benchmarks.data import HELDOUT_QUESTIONS, shared_dir

if TYPE_CHECKING:
    from assistant.indexing.embeddings import Embedder
    from assistant.answering.llm import ChatModel

Progress = Callable[[str], None]


def default_questions(home: Path) -> Path:
    """The documented ``--questions`` default: the shared dev set next to ``home``, else the held-out set."""
    dev = shared_dir(home) / "eval" / "dev_qa.jsonl"
    return HELDOUT_QUESTIONS if not dev.is_file() and HELDOUT_QUESTIONS.is_file() else dev


def default_extra_dir(home: Path) -> Path | None:
    """The documented ``--extra`` default: the shared extra corpus next to ``home``, when there is one."""
    extra = shared_dir(home) / "corpus-extra"
    return extra if extra.is_dir() else None


@dataclass(frozen=True)
class BenchOptions:
    """What to measure. ``scales`` are corpus multiples for the latency curve (1 is the corpus itself)."""

    questions: Path
    extra_dir: Path | None = None
    scales: tuple[int, ...] = (1, 3, 10)
    repeat: int = 3
    llm_runs: int = 3
    llm_max_tokens: int = 128
    baseline: bool = True
    llm: bool = True
    workdir: Path | None = None
    #: Forward-pass batch of the PyTorch reference (default: the configured one). 16 is the PyTorch
    #: path as it was before OpenVINO: "ingest ≥ 4× faster than today's path" is measured against it.
    reference_batch_size: int | None = None

    def __post_init__(self) -> None:
        if not self.scales or 1 not in self.scales or min(self.scales) < 1:
            raise InputError("bench.bad_scales", scales=self.scales)
        if self.repeat < 1 or self.llm_runs < 1 or self.llm_max_tokens < 2 or (self.reference_batch_size is not None and self.reference_batch_size < 1):
            raise InputError("bench.bad_counts")
        if not self.questions.is_file():
            raise InputError("bench.questions_missing", path=self.questions)
        if self.extra_dir is not None and not self.extra_dir.is_dir():
            raise InputError("bench.extra_not_folder", path=self.extra_dir)


@dataclass
class _Recorder:
    """Collects results and per-stage peak memory."""

    progress: Progress | None
    results: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        if self.progress:
            self.progress(f"{name} …")
        entry: dict[str, Any] = {}
        resettable = reset_peak_rss()
        started = time.perf_counter()
        yield entry
        entry.setdefault("seconds", round(time.perf_counter() - started, 3))
        entry["peak_rss_mb"] = peak_rss_mb()
        entry["peak_rss_scope"] = "stage" if resettable else "process"
        self.results[name] = entry


def run_bench(
    settings: Settings,
    options: BenchOptions,
    out: Path,
    *,
    embedder: "Embedder | None" = None,
    chat_model: "ChatModel | None" = None,
    reference: "Embedder | None" = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every stage, write the report files to ``out`` and return the results.

    ``embedder`` and ``chat_model`` default to the configured models (tests pass fakes).
    ``reference`` is the same embedding model on PyTorch; by default it is made when the configured
    embedder runs on another back end, and then also embeds the LangChain baseline. Nothing in the
    configured index or cache is touched: all indexes and the embedding cache live in a temporary
    work folder.
    """
    corpus = settings.corpus_dir
    if not corpus.is_dir() or not any(corpus.iterdir()):
        raise InputError("bench.corpus_missing", path=corpus)
    items = load_jsonl(options.questions)
    questions = [item["q"] for item in items]
    if not questions:
        raise InputError("bench.no_questions", path=options.questions)
    recorder = _Recorder(progress)
    with _workdir(options.workdir) as work:
        bench_settings = settings.with_(cache_dir=work / "cache", index_dir=work / "index-cold")
        if embedder is None:
            from assistant.indexing.embeddings import create_embedder

            embedder = create_embedder(settings)  # the model is found through the real cache folder
            if embedder.backend != "torch":
                batch = options.reference_batch_size or settings.embed_batch_size
                reference = create_embedder(settings.with_(embed_backend="torch", embed_batch_size=batch))
        with recorder.stage("model_load") as entry:
            embedder.embed_queries(["Aufwärmen"])  # loads the model, so no ingest timing includes it
            entry.update(embedder=embedder.name, backend=embedder.backend)
            if reference is not None:
                reference.embed_queries(["Aufwärmen"])
                entry["reference_backend"] = reference.backend
        app = build_app(bench_settings, embedder=embedder)
        _ingest_stages(recorder, app, bench_settings, embedder)
        _quality(recorder, app, items)
        if reference is not None:
            _reference_stages(recorder, bench_settings, reference, items)
        _latency_curve(recorder, bench_settings, embedder, options, questions, work)
        _first_evidence(recorder, app, questions)
        if options.llm:
            _llm(recorder, app, settings, chat_model, questions, options.llm_runs, options.llm_max_tokens)
        if options.baseline:
            _baseline(recorder, corpus, reference or embedder, items)
        app.index.close()
    report = {
        "machine": machine(),
        "settings": {"corpus": str(corpus), "questions": str(options.questions), "extra": str(options.extra_dir or ""),
                     "embedder": embedder.name, "backend": _described(embedder),
                     "reference_backend": _described(reference),
                     "top_k": settings.top_k, "threads": settings.n_threads},
        **recorder.results,
    }
    _ratios(report)
    write_report(report, out)
    return report


# -- stages -----------------------------------------------------------------------------------


def _ingest_stages(recorder: _Recorder, app: App, settings: Settings, embedder: "Embedder") -> None:
    with recorder.stage("ingest_cold") as entry:
        entry.update(_ingest_figures(app.ingestor.ingest()))
    with recorder.stage("ingest_unchanged") as entry:
        entry.update(_ingest_figures(app.ingestor.ingest()))
    warm = build_app(settings.with_(index_dir=settings.index_dir.with_name("index-warm")), embedder=embedder)
    with recorder.stage("ingest_from_cache") as entry:
        entry.update(_ingest_figures(warm.ingestor.ingest()))
    warm.index.close()


def _described(embedder: "Embedder | None") -> str | None:
    """``torch (batch 16)``: the back end, with its forward-pass batch where the embedder has one."""
    if embedder is None:
        return None
    batch = getattr(embedder, "batch_size", None)
    return f"{embedder.backend} (batch {batch})" if batch else embedder.backend


def _reference_stages(recorder: _Recorder, settings: Settings, reference: "Embedder", items: Sequence[dict]) -> None:
    """Our cold ingest and retrieval with the reference back end (new index, no embedding cache)."""
    app = build_app(settings.with_(index_dir=settings.index_dir.with_name("index-reference"), embed_cache=False),
                    embedder=reference)
    with recorder.stage("ingest_cold_reference") as entry:
        entry.update(_ingest_figures(app.ingestor.ingest()))
    _quality(recorder, app, items, "retrieval_quality_reference")
    app.index.close()


def _ingest_figures(report: Any) -> dict[str, Any]:
    if report.failed:
        raise InputError("bench.corpus_unreadable", reasons="; ".join(str(reason) for reason in report.failed.values()))
    chunks = report.chunks_embedded + report.chunks_cached + report.chunks_reused
    seconds = max(report.seconds, 1e-9)
    return {
        "seconds": round(report.seconds, 3),
        "documents": len(report.added) + len(report.updated) + len(report.unchanged),
        "pages": report.pages,
        "chunks": chunks,
        "chunks_embedded": report.chunks_embedded,
        "chunks_cached": report.chunks_cached,
        "pages_per_s": round(report.pages / seconds, 2),
        "chunks_per_s": round(chunks / seconds, 2),
    }


def _quality(recorder: _Recorder, app: App, items: Sequence[dict], stage: str = "retrieval_quality") -> None:
    """Retrieval hit@1/@5/MRR@10 of our pipeline on the QA file (the baseline reports the same)."""
    with recorder.stage(stage) as entry:
        entry.update(_ranking(items, lambda q: [h.chunk.text for h in app.retriever.search(q, 10)]))


def _ranking(items: Sequence[dict], search: Callable[[str], list[str]]) -> dict[str, Any]:
    answerable = [item for item in items if item.get("gold") and item.get("type") != "refuse"]
    metrics = RankingMetrics.from_ranks(first_hit_rank(search(item["q"]), item["gold"]) for item in answerable)
    return {"questions": metrics.n, "hit@1": round(metrics.hit1, 3), "hit@5": round(metrics.hit5, 3), "mrr@10": round(metrics.mrr10, 3)}


def _latency_curve(
    recorder: _Recorder, settings: Settings, embedder: "Embedder", options: BenchOptions, questions: Sequence[str], work: Path
) -> None:
    """Search latency at each corpus multiple, grown incrementally in one index."""
    scaled = work / "scaled"
    scaled_settings = settings.with_(corpus_dir=scaled, index_dir=work / "index-scaled")
    points = []
    for scale in sorted(set(options.scales)):
        grow_corpus(settings.corpus_dir, options.extra_dir, scale, scaled)
        app = build_app(scaled_settings, embedder=embedder)
        with recorder.stage(f"scale_x{scale}") as entry:
            entry["ingest"] = _ingest_figures(app.ingestor.ingest())
            entry["index_chunks"] = app.index.vectors.count()
            started = time.perf_counter()
            app.retriever.search(questions[0], settings.top_k)  # first search: loads the BM25 index
            entry["first_search_s"] = round(time.perf_counter() - started, 3)
            timings = []
            for _ in range(options.repeat):
                for question in questions:
                    started = time.perf_counter()
                    app.retriever.search(question, settings.top_k)
                    timings.append(time.perf_counter() - started)
            entry.update(_percentiles("search", timings))
            entry["scale"] = scale
        points.append(recorder.results[f"scale_x{scale}"])
        app.index.close()
    recorder.results["latency_curve"] = [
        {"scale": p["scale"], "chunks": p["index_chunks"], "p50_ms": p["search_p50_ms"], "p95_ms": p["search_p95_ms"]}
        for p in points
    ]


def _first_evidence(recorder: _Recorder, app: App, questions: Sequence[str]) -> None:
    """Question to extractive answer: each question once (its sentences not yet embedded), then again."""
    for stage in ("first_evidence", "first_evidence_repeated"):
        with recorder.stage(stage) as entry:
            timings = [float(app.answerer.ask(q, mode="extractive").timings["first_token_s"] or 0.0) for q in questions]
            entry.update(_percentiles("first_evidence", timings))


def _llm(
    recorder: _Recorder, app: App, settings: Settings, chat_model: "ChatModel | None", questions: Sequence[str], runs: int,
    max_tokens: int,
) -> None:
    """The chat model on the prompts llm mode builds for the first ``runs`` questions it answers (refused ones skipped)."""
    from assistant.answering.llm import LlamaCppChatModel

    with recorder.stage("llm") as entry:
        if chat_model is None:
            from assistant.models import resolve_llm

            try:
                chat_model = LazyChatModel.local(settings, resolve_llm(settings), None)()
            except ModelError as exc:
                entry["skipped"] = f"kein Sprachmodell: {exc}"
                return
        started = time.perf_counter()
        chat_model.count_tokens("Laden")  # loads the model
        entry["model"] = getattr(chat_model, "name", type(chat_model).__name__)
        entry["load_s"] = round(time.perf_counter() - started, 3)
        prompts = []
        ours: list[dict[str, Any]] = []
        for question in questions:
            if len(prompts) == runs:
                break
            grounding = app.answerer.gather(question)
            if grounding.refused:
                continue
            _, fitted = app.answerer.prompt(chat_model, grounding)
            prompts.append(fitted.messages)
            generation = chat_model.stream(fitted.messages, max_tokens)
            for _ in generation:
                pass
            ours.append(_generation_figures(generation.stats.prompt_tokens, generation.stats.completion_tokens,
                                            generation.stats.first_token_s, generation.stats.total_s))
        entry["ours"] = _summarise_generations(ours)
        if isinstance(chat_model, LlamaCppChatModel):
            entry["raw_llama_cpp"], entry["prefix_cache"] = _raw_llama(chat_model, prompts, settings, max_tokens)
        else:
            entry["raw_llama_cpp"] = {"skipped": "nur mit einem GGUF-Modell (llama.cpp) messbar"}


def _raw_llama(model: Any, prompts: Sequence[Any], settings: Settings, max_tokens: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same prompt tokens through a bare ``llama_cpp.Llama``: the floor for our wrapper's latency."""
    from llama_cpp import Llama

    sampling = model.sampling
    llama = Llama(model_path=str(model.path), n_ctx=settings.llm_context, n_threads=settings.n_threads,
                  n_threads_batch=settings.n_threads, n_gpu_layers=0, flash_attn=settings.llm_flash_attention,
                  seed=sampling.pop("seed"), verbose=False)

    def generate(tokens: list[int], stops: list[str], limit: int) -> dict[str, Any]:
        started = time.perf_counter()
        first: float | None = None
        count = 0
        for chunk in llama.create_completion(prompt=tokens, max_tokens=limit, stop=stops, stream=True, **sampling):
            if not chunk["choices"][0]["text"]:
                continue  # the closing chunk carries only the finish reason
            if first is None:
                first = time.perf_counter() - started
            count += 1
        return _generation_figures(len(tokens), count, first, time.perf_counter() - started)

    encoded = [model.prompt_tokens(messages) for messages in prompts]
    raw = [generate(tokens, stops, max_tokens) for tokens, stops in encoded]
    # What reusing the evaluated prompt prefix saves: llama.cpp keeps the KV cache of the last prompt
    # and evaluates only the tokens after the longest common prefix.
    target, target_stops = encoded[-1]
    llama.reset()
    cold = generate(target, target_stops, 1)
    after_other: dict[str, Any] = {"first_token_s": None}  # needs a second question
    if len(encoded) > 1:
        generate(encoded[0][0], encoded[0][1], 1)
        after_other = generate(target, target_stops, 1)  # shares the fixed system-prompt prefix only
    repeated = generate(target, target_stops, 1)  # the whole prompt is cached
    shared = _common_prefix(encoded[0][0], target) if len(encoded) > 1 else None
    prefix = {
        "prompt_tokens": len(target),
        "shared_prefix_tokens": shared,
        "cold_first_token_s": cold["first_token_s"],
        "after_other_question_first_token_s": after_other["first_token_s"],
        "same_prompt_again_first_token_s": repeated["first_token_s"],
    }
    del llama
    return _summarise_generations(raw), prefix


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _generation_figures(prompt_tokens: int, completion_tokens: int, first: float | None, total: float) -> dict[str, Any]:
    decode = total - first if first is not None else 0.0
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "first_token_s": None if first is None else round(first, 4),
        "total_s": round(total, 4),
        "tokens_per_s": round((completion_tokens - 1) / decode, 2) if completion_tokens > 1 and decode > 0 else None,
    }


def _summarise_generations(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    first = [r["first_token_s"] for r in runs if r["first_token_s"] is not None]
    speed = [r["tokens_per_s"] for r in runs if r["tokens_per_s"] is not None]
    return {
        "runs": list(runs),
        "first_token_p50_s": _round(percentile(first, 50), 4),
        "tokens_per_s_p50": _round(percentile(speed, 50), 2),
        "prompt_tokens_p50": _round(percentile([r["prompt_tokens"] for r in runs], 50), 0),
    }


def _baseline(recorder: _Recorder, corpus: Path, embedder: "Embedder", items: Sequence[dict]) -> None:
    from benchmarks.baseline import build_langchain_baseline

    with recorder.stage("langchain_baseline") as entry:
        try:
            baseline = build_langchain_baseline(corpus, embedder)
        except ConfigError as exc:  # LangChain not installed: say so in the report, measure the rest
            entry["skipped"] = str(exc)
            return
        entry["ingest"] = {
            "seconds": round(baseline.ingest_seconds, 3),
            "documents": baseline.files,
            "pages": baseline.pages,
            "chunks": baseline.chunks,
            "pages_per_s": round(baseline.pages / max(baseline.ingest_seconds, 1e-9), 2),
            "chunks_per_s": round(baseline.chunks / max(baseline.ingest_seconds, 1e-9), 2),
        }
        entry.update(_ranking(items, lambda q: baseline.search(q, 10)))


def _ratios(report: dict[str, Any]) -> None:
    """Side-by-side ratios (> 1 means ours is faster, or ours retrieves better)."""
    ratios: dict[str, Any] = {}
    ours, base = report.get("ingest_cold", {}), report.get("langchain_baseline", {})
    if "ingest" in base and ours.get("seconds"):
        ratios["ingest_speed_vs_langchain"] = round(base["ingest"]["seconds"] / ours["seconds"], 2)
        quality = report.get("retrieval_quality", {})
        if base.get("hit@5"):
            ratios["hit@5_vs_langchain"] = round(quality.get("hit@5", 0.0) / base["hit@5"], 3)
    reference = report.get("ingest_cold_reference", {})
    if reference.get("seconds") and ours.get("seconds"):
        ratios["ingest_speed_vs_reference_backend"] = round(reference["seconds"] / ours["seconds"], 2)
        quality, same = report.get("retrieval_quality", {}), report.get("retrieval_quality_reference", {})
        ratios["retrieval_same_as_reference_backend"] = all(quality.get(m) == same.get(m) for m in ("hit@1", "hit@5", "mrr@10"))
    llm = report.get("llm", {})
    raw, mine = llm.get("raw_llama_cpp", {}), llm.get("ours", {})
    if raw.get("first_token_p50_s") and mine.get("first_token_p50_s"):
        ratios["first_token_raw_over_ours"] = round(raw["first_token_p50_s"] / mine["first_token_p50_s"], 3)
    if raw.get("tokens_per_s_p50") and mine.get("tokens_per_s_p50"):
        ratios["tokens_per_s_ours_over_raw"] = round(mine["tokens_per_s_p50"] / raw["tokens_per_s_p50"], 3)
    curve = report.get("latency_curve", [])
    if len(curve) > 1 and curve[0]["p50_ms"]:
        ratios["search_p50_largest_over_x1"] = round(curve[-1]["p50_ms"] / curve[0]["p50_ms"], 2)
        ratios["chunks_largest_over_x1"] = round(curve[-1]["chunks"] / curve[0]["chunks"], 2)
    if ours.get("seconds") and report.get("ingest_from_cache", {}).get("seconds"):
        ratios["ingest_cold_over_from_cache"] = round(ours["seconds"] / report["ingest_from_cache"]["seconds"], 1)
    report["ratios"] = ratios


# -- corpus replication ---------------------------------------------------------------------


def grow_corpus(corpus: Path, extra: Path | None, scale: int, target: Path) -> None:
    """Make ``target`` hold the corpus ×``scale``: the corpus, the extra documents (scale > 1) and
    ``scale - 1`` replicas.

    Replicas end in ``n`` extra newlines: their files differ (so duplicate detection does not skip
    them) while their text, and hence their chunks' embedding input, is identical.
    """
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file() and p.name not in IGNORED_NAMES and not _hidden(p, corpus)]
    _copy_files(files, corpus, target / "korpus", 0)
    if scale > 1 and extra is not None:
        extra_files = [p for p in sorted(extra.rglob("*")) if p.is_file() and p.name not in IGNORED_NAMES and not _hidden(p, extra)]
        _copy_files(extra_files, extra, target / "zusatz", 0)
    for replica in range(1, scale):
        _copy_files(files, corpus, target / f"replik-{replica:02d}", replica)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _copy_files(files: Sequence[Path], root: Path, folder: Path, newlines: int) -> None:
    for file in files:
        destination = folder / file.relative_to(root)
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, destination)
        if newlines:
            with open(destination, "ab") as handle:
                handle.write(b"\n" * newlines)


@contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        yield Path(tmp)


# -- measurement helpers ----------------------------------------------------------------------


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next reading covers one stage; False if not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def status_mb(field_name: str) -> float | None:
    """A memory line of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in MB; None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident memory in MB: VmHWM since the last reset, else the process maximum."""
    peak = status_mb("VmHWM")
    return peak if peak is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _percentiles(prefix: str, seconds: Sequence[float]) -> dict[str, Any]:
    return {
        f"{prefix}_n": len(seconds),
        f"{prefix}_p50_ms": _round(_ms(percentile(seconds, 50)), 1),
        f"{prefix}_p95_ms": _round(_ms(percentile(seconds, 95)), 1),
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def machine() -> dict[str, Any]:
    """CPU, cores, memory and library versions, for the report header."""
    cpu = platform.processor() or platform.machine()
    memory_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for package in ("torch", "openvino", "sentence-transformers", "chromadb", "llama_cpp_python", "bm25s", "langchain-core"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "llama_cpp_features": llama_cpp_features(),
        "gpu": False,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


# -- report -----------------------------------------------------------------------------------


def write_report(report: dict[str, Any], out: Path) -> None:
    """``bench.json``, ``bench.md`` and the latency plot into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    plotted = plot_latency(report.get("latency_curve", []), out / "latency-vs-corpus.png")
    (out / "bench.md").write_text(render_markdown(report, plot="latency-vs-corpus.png" if plotted else None), encoding="utf-8")


def plot_latency(curve: Sequence[dict[str, Any]], path: Path) -> bool:
    """Search latency p50/p95 against index size as a PNG; False when matplotlib is missing."""
    if not curve:
        return False
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    chunks = [p["chunks"] for p in curve]
    figure, axes = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    axes.plot(chunks, [p["p50_ms"] for p in curve], marker="o", label="p50")
    axes.plot(chunks, [p["p95_ms"] for p in curve], marker="s", label="p95")
    for point in curve:
        axes.annotate(f"×{point['scale']}", (point["chunks"], point["p50_ms"]), textcoords="offset points", xytext=(4, -12))
    axes.set_xlabel("Abschnitte im Index (chunks)")
    axes.set_ylabel("Suchlatenz (ms)")
    axes.set_title("Hybride Suche: Latenz gegen Korpusgröße")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def _dash(value: Any) -> str:
    return "–" if value is None else str(value)


def render_markdown(report: dict[str, Any], plot: str | None = None) -> str:
    """The benchmark tables in Markdown."""
    m = report["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, no GPU; Python {m['python']}, {m['os']}; "
        f"{m['date']}. Embedder `{report['settings']['embedder']}` on {report['settings'].get('backend') or '?'}"
        + (f" (reference: {report['settings']['reference_backend']})." if report["settings"].get("reference_backend") else "."),
        "",
        "### Ingest",
        "",
        "| run | documents | pages | chunks | embedded | from cache | seconds | pages/s | chunks/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    backend, reference = report["settings"].get("backend") or "?", report["settings"].get("reference_backend")
    labels = [("ingest_cold", f"ours, cold (new index, empty cache), {backend}"),
              ("ingest_cold_reference", f"ours, cold (new index, empty cache), {reference}"),
              ("ingest_unchanged", "ours, unchanged corpus"), ("ingest_from_cache", "ours, new index from the embedding cache")]
    for key, label in labels:
        e = report.get(key)
        if e:
            lines.append(f"| {label} | {e['documents']} | {e['pages']} | {e['chunks']} | {e['chunks_embedded']} | "
                         f"{e['chunks_cached']} | {e['seconds']:.2f} | {e['pages_per_s']} | {e['chunks_per_s']} | {e['peak_rss_mb']} |")
    base = report.get("langchain_baseline", {})
    if "ingest" in base:
        b = base["ingest"]
        lines.append(f"| LangChain baseline, cold, {reference or backend} | {b['documents']} | {b['pages']} | {b['chunks']} | {b['chunks']} | 0 | "
                     f"{b['seconds']:.2f} | {b['pages_per_s']} | {b['chunks_per_s']} | {base['peak_rss_mb']} |")
    elif base.get("skipped"):
        lines.append(f"\nLangChain baseline skipped: {base['skipped']}")
    quality = report.get("retrieval_quality")
    if quality:
        lines += ["", "### Retrieval on the QA file (answerable questions)", "", "| pipeline | questions | hit@1 | hit@5 | MRR@10 |", "|---|---|---|---|---|",
                  f"| ours (hybrid), {backend} | {quality['questions']} | {quality['hit@1']} | {quality['hit@5']} | {quality['mrr@10']} |"]
        same = report.get("retrieval_quality_reference")
        if same:
            lines.append(f"| ours (hybrid), {reference} | {same['questions']} | {same['hit@1']} | {same['hit@5']} | {same['mrr@10']} |")
        if "hit@5" in base:
            lines.append(f"| LangChain baseline | {base['questions']} | {base['hit@1']} | {base['hit@5']} | {base['mrr@10']} |")
    curve = report.get("latency_curve", [])
    if curve:
        lines += ["", "### Search latency against corpus size", "",
                  "| corpus | chunks | ingest s (embedded / from cache) | first search s | p50 ms | p95 ms | peak RSS MB |", "|---|---|---|---|---|---|---|"]
        for point in curve:
            e = report[f"scale_x{point['scale']}"]
            i = e["ingest"]
            lines.append(f"| ×{point['scale']} | {point['chunks']} | {i['seconds']:.1f} ({i['chunks_embedded']} / {i['chunks_cached']}) | "
                         f"{e['first_search_s']} | {point['p50_ms']} | {point['p95_ms']} | {e['peak_rss_mb']} |")
        if plot:
            lines += ["", f"![Search latency against corpus size]({plot})"]
    evidence = report.get("first_evidence")
    if evidence:
        lines += ["", f"Time to first evidence (question → extractive answer with sources, {evidence['first_evidence_n']} questions): "
                  f"p50 {evidence['first_evidence_p50_ms']} ms, p95 {evidence['first_evidence_p95_ms']} ms"
                  + (f"; the same questions again: p50 {again['first_evidence_p50_ms']} ms, p95 {again['first_evidence_p95_ms']} ms."
                     if (again := report.get("first_evidence_repeated")) else ".")]
    llm = report.get("llm", {})
    if llm.get("skipped"):
        lines += ["", f"Chat model skipped: {llm['skipped']}"]
    elif llm:
        lines += ["", f"### Chat model `{llm['model']}` (load {llm['load_s']} s)", "",
                  "| path | runs | prompt tokens p50 | first token p50 s | tokens/s p50 |", "|---|---|---|---|---|"]
        for key, label in (("ours", "ours (LlamaCppChatModel.stream)"), ("raw_llama_cpp", "raw llama.cpp, same prompt tokens")):
            g = llm.get(key, {})
            if "runs" in g:
                lines.append(f"| {label} | {len(g['runs'])} | {g['prompt_tokens_p50']} | {g['first_token_p50_s']} | {g['tokens_per_s_p50']} |")
        prefix = llm.get("prefix_cache")
        if prefix:
            lines += ["", f"KV-cache reuse of the prompt prefix ({prefix['prompt_tokens']} prompt tokens, "
                      f"{_dash(prefix['shared_prefix_tokens'])} shared with the previous question): first token cold "
                      f"{prefix['cold_first_token_s']} s, after another question {_dash(prefix['after_other_question_first_token_s'])} s, "
                      f"same prompt again {prefix['same_prompt_again_first_token_s']} s."]
    ratios = report.get("ratios")
    if ratios:
        lines += ["", "### Ratios", "", "| ratio | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in ratios.items()]
    return "\n".join(lines) + "\n"
