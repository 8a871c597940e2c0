"""Written answers side by side: models and prompts, measured in one process over the same questions.

    .venv/bin/python -m benchmarks.chat_models \\
        --questions ../shared/eval/dev_qa.jsonl --out docs/benchmarks/chat-models.json [--shared] [--levers]

The app is ``build_app(Settings.from_env())``: the configured index (``ASSISTANT_INDEX_DIR``; an empty
one is filled from the corpus first, as ``assistant eval`` does) and the bundled models. For every
answerable question of the file (questions that retrieval already refuses are skipped and counted),
all variants run one after the other, so that a busy machine slows every variant alike:

* **extractive** — :meth:`Answerer.gather` only: the first evidence, its fact recall;
* **1.5B, evidence prompt** — the product path: gather → :meth:`Answerer.prompt` → ``model.stream`` →
  :meth:`Answerer.finish`;
* **raw llama.cpp** — the prompt tokens of that variant through a bare ``llama_cpp.Llama`` with the
  same sampling (the floor for our wrapper: first token and decoding speed, ours / raw);
* **1.5B, whole chunks** — the same, but the model sees the k retrieved chunks whole (fitted with the
  same :meth:`Answerer.fit`): issue 11, item 3;
* **0.5B, evidence prompt** — the small bundled model on the product path.

Each chat model is a separate instance that has read the fixed instructions beforehand
(``model.prefill(instruction_prefix("de"))``, as the UI does at start-up); what that prefill saves on
the first question is measured separately with two fresh models. ``--levers`` adds llama.cpp's
``n_batch``, thread count and prompt-lookup decoding on the first few prompts.

Timings "from the question" are what :class:`~assistant.answering.answer.Answer` timings measure
(retrieval, evidence and prompt building included). Quality figures are scored like ``assistant eval``
(:func:`assistant.evaluation.score_answer`): a written answer in which the model says the sources do not
answer counts as fact recall 0.

Writes the JSON report to ``--out`` and a Markdown table next to it (same name, ``.md``);
``python -m benchmarks.report`` renders the JSON into docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from assistant.answering.answer import Answer, Grounding, instruction_prefix
from assistant.answering.evidence import SourceExcerpt
from assistant.answering.prompting import FittedPrompt
from assistant.evaluation import QuestionResult, load_jsonl, percentile, score_answer, summarize
from assistant.text import detect_language
from benchmarks.bench import machine
from benchmarks.report import chat_models_markdown

if TYPE_CHECKING:
    from assistant.answering.answer import Answerer
    from assistant.answering.llm import ChatModel
    from assistant.app import App

Progress = Callable[[str], None]
#: Builds the excerpts and the fitted messages a variant sends for one grounding.
PromptBuilder = Callable[["Answerer", "ChatModel", Grounding], "tuple[list[SourceExcerpt], FittedPrompt]"]

LARGE, SMALL = "1.5B", "0.5B"

#: Variant keys, in report order, with their labels.
VARIANTS = {
    "llm_1_5b_evidence": "1.5B, evidence prompt (product)",
    "llm_1_5b_chunks": "1.5B, whole chunks",
    "llm_0_5b_evidence": "0.5B, evidence prompt",
    "extractive": "extractive (gather only)",
    "raw_llama_cpp": "raw llama.cpp, variant 1's prompt tokens",
}


@dataclass(frozen=True)
class Options:
    """What to run. ``limit``: only the first N answerable questions (quick checks)."""

    limit: int | None = None
    raw: bool = True
    warm_up: bool = True
    levers: bool = False
    lever_questions: int = 5
    lever_max_tokens: int = 64
    shared: bool = False
    #: Recorded in the report's settings.
    questions_file: str = ""


# -- prompts ------------------------------------------------------------------------------------


def evidence_prompt(answerer: "Answerer", model: "ChatModel", grounding: Grounding) -> tuple[list[SourceExcerpt], FittedPrompt]:
    """The product's prompt: the evidence units with their neighbours (:meth:`Answerer.prompt`)."""
    return answerer.prompt(model, grounding)


def whole_chunks_prompt(answerer: "Answerer", model: "ChatModel", grounding: Grounding) -> tuple[list[SourceExcerpt], FittedPrompt]:
    """The k retrieved chunks whole, fitted like the evidence prompt (same prefix, labels and budget)."""
    excerpts = [SourceExcerpt(hit, (hit.chunk.text,)) for hit in grounding.hits]
    return excerpts, answerer.fit(model, grounding, excerpts)


# -- one written answer -------------------------------------------------------------------------


@dataclass
class Written:
    """One written answer and what it cost."""

    answer: Answer
    generated: str
    fitted: FittedPrompt
    generation_first_token_s: float | None  # from the first request for a piece (prompt evaluation included)
    generation_total_s: float
    decode_s: float | None
    tokens_per_s: float | None


def write_answer(answerer: "Answerer", model: "ChatModel", grounding: Grounding, build: PromptBuilder,
                 max_tokens: int | None = None) -> Written:
    """What :meth:`Answerer.write` does, with the model and the prompt builder chosen by the caller."""
    excerpts, fitted = build(answerer, model, grounding)
    generation = model.stream(fitted.messages, max_tokens or answerer.params.max_new_tokens)
    pieces: list[str] = []
    asked = time.perf_counter()
    try:
        for piece in generation:
            pieces.append(piece)
    finally:
        generation.close()
    stats = generation.stats
    generated = "".join(pieces)
    answer = answerer.finish(generated, grounding, excerpts, fitted, stats, asked)
    decode = None if stats.first_token_s is None else stats.total_s - stats.first_token_s
    return Written(answer, generated, fitted, stats.first_token_s, stats.total_s, decode, stats.tokens_per_s)


# -- raw llama.cpp --------------------------------------------------------------------------------


class RawLlama:
    """A bare ``llama_cpp.Llama`` on the same GGUF, context and sampling as a :class:`LlamaCppChatModel`."""

    def __init__(self, model: Any, n_ctx: int, n_threads: int, n_batch: int = 512, draft_model: Any = None,
                 flash_attention: bool = True) -> None:
        from llama_cpp import Llama

        sampling = model.sampling
        self.seed = sampling.pop("seed")
        self.sampling = sampling
        self.llama = Llama(model_path=str(model.path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                           n_batch=n_batch, n_gpu_layers=0, seed=self.seed, draft_model=draft_model, flash_attn=flash_attention,
                           # llama-cpp-python 0.3 sizes its logits buffer by this argument, not by the draft model
                           # (which needs logits for every token): without it, speculative decoding fails.
                           logits_all=draft_model is not None, verbose=False)

    def prefill(self, tokens: Sequence[int]) -> None:
        """What ``LlamaCppChatModel.prefill`` does: evaluate ``tokens`` into a fresh KV cache."""
        self.llama.reset()
        self.llama.eval(list(tokens))

    def generate(self, tokens: Sequence[int], stops: Sequence[str], max_tokens: int) -> dict[str, Any]:
        """Stream a completion of ``tokens``; times are from the call (prompt evaluation included)."""
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        for chunk in self.llama.create_completion(prompt=list(tokens), max_tokens=max_tokens, stop=list(stops), stream=True,
                                                  seed=self.seed, **self.sampling):
            piece = chunk["choices"][0]["text"]
            if not piece:
                continue  # the closing chunk carries only the finish reason
            if first is None:
                first = time.perf_counter() - started
            pieces.append(piece)
        total = time.perf_counter() - started
        decode = None if first is None else total - first
        count = len(pieces)  # streamed pieces: one per token (a split multi-byte character joins the next)
        return {
            "prompt_tokens": len(tokens),
            "completion_pieces": count,
            "first_token_s": _round(first, 4),
            "total_s": round(total, 4),
            "decode_s": _round(decode, 4),
            "tokens_per_s": round((count - 1) / decode, 2) if count > 1 and decode else None,
            "text": "".join(pieces),
        }

    def close(self) -> None:
        self.llama.close()


# -- the run ----------------------------------------------------------------------------------------


def measure(
    app: "App",
    items: Sequence[dict],
    load_model: Callable[[str], "ChatModel"],
    options: Options = Options(),
    *,
    progress: Progress | None = None,
    checkpoint: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every variant over the answerable questions of ``items``; the report (see the module docstring).

    ``load_model(LARGE)`` / ``load_model(SMALL)`` returns a new chat model instance on every call
    (tests pass fakes). Raw llama.cpp and the levers need :class:`LlamaCppChatModel` and are
    reported as skipped otherwise. ``checkpoint`` receives the partial report after every question.
    """
    from assistant.answering.llm import LlamaCppChatModel

    started_run = time.perf_counter()
    answerer = app.answerer
    settings = app.settings
    answerable = [item for item in items if item.get("type") != "refuse"]
    say = progress or (lambda _message: None)

    # The embedder (and the BM25 index) load on the first question: not part of any question's timing.
    answerer.gather("Aufwärmen der Modelle")

    report: dict[str, Any] = {
        "machine": machine_info(options.shared),
        "code": code_state(),
        "settings": {
            "questions_file": options.questions_file, "index": str(settings.index_dir),
            "embedder": getattr(app.embedder, "name", type(app.embedder).__name__),
            "k": answerer.params.k, "llm_context": settings.llm_context, "max_new_tokens": answerer.params.max_new_tokens,
            "threads": settings.n_threads, "evidence_units": answerer.params.prompt_units,
            "evidence_chars": answerer.params.prompt_chars, "prefilled_instructions": True,
        },
        "questions": {"file": len(items), "answerable": len(answerable), "refused_by_retrieval": [], "measured": 0},
        "variants": {},
    }

    warm_up = _prefix_warm_up(answerer, load_model, answerable, say) if options.warm_up else {"skipped": "--no-warm-up"}
    report["prefix_warm_up"] = warm_up

    models: dict[str, ChatModel] = {}
    loads: dict[str, float] = {}
    for key, size in (("llm_1_5b_evidence", LARGE), ("llm_1_5b_chunks", LARGE), ("llm_0_5b_evidence", SMALL)):
        started = time.perf_counter()
        model = load_model(size)
        model.count_tokens("Laden")  # loads the model
        model.prefill(instruction_prefix("de"))
        models[key] = model
        loads[key] = round(time.perf_counter() - started, 3)
    raw: RawLlama | None = None
    raw_skip = None
    large = models["llm_1_5b_evidence"]
    if not options.raw:
        raw_skip = "--no-raw"
    elif not isinstance(large, LlamaCppChatModel):
        raw_skip = "only measurable with a GGUF model (llama.cpp)"
    else:
        raw = RawLlama(large, settings.llm_context, settings.n_threads, flash_attention=settings.llm_flash_attention)
        raw.prefill(large.prompt_tokens(instruction_prefix("de"))[0])

    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in VARIANTS}
    scored: dict[str, list[QuestionResult]] = {key: [] for key in VARIANTS if key != "raw_llama_cpp"}
    builders: dict[str, PromptBuilder] = {
        "llm_1_5b_evidence": evidence_prompt, "llm_1_5b_chunks": whole_chunks_prompt, "llm_0_5b_evidence": evidence_prompt,
    }
    lever_prompts: list[tuple[list[int], list[str]]] = []
    measured = 0
    for number, item in enumerate(answerable, start=1):
        if options.limit is not None and measured >= options.limit:
            break
        question, qid = item["q"], item["id"]
        grounding = answerer.gather(question)
        if grounding.refused:
            report["questions"]["refused_by_retrieval"].append(qid)
            say(f"[{number}/{len(answerable)}] {qid}: refused by retrieval, skipped")
            continue
        measured += 1
        # The 1-minute load average when the question started: how busy the shared CPU was.
        base = {"id": qid, "type": item.get("type", ""), "language": grounding.language, "load_1m": (_load_average() or [None])[0]}
        result = score_answer(item, grounding.answer.to_json(qid))
        scored["extractive"].append(result)
        runs["extractive"].append({**base, **_extractive_row(grounding, result)})
        line = [f"[{number}/{len(answerable)}] {qid}: evidence {grounding.answer.timings['first_token_s']:.2f} s"]
        for key, build in builders.items():
            model = models[key]
            # A fresh grounding per variant: its timings start at the question, as the product's do.
            written = write_answer(answerer, model, answerer.gather(question), build)
            result = score_answer(item, written.answer.to_json(qid))
            scored[key].append(result)
            runs[key].append({**base, **_written_row(written, result)})
            line.append(f"{key} {written.answer.timings['first_token_s']} / {written.answer.timings['total_s']} s")
            if key == "llm_1_5b_evidence" and isinstance(model, LlamaCppChatModel):
                tokens, stops = model.prompt_tokens(written.fitted.messages)
                lever_prompts.append((tokens, stops))
                if raw is not None:
                    figures = raw.generate(tokens, stops, answerer.params.max_new_tokens)
                    runs["raw_llama_cpp"].append({**base, **_raw_row(figures, written)})
                    line.append(f"raw {figures['first_token_s']} / {figures['total_s']} s")
        say("; ".join(line))
        report["questions"]["measured"] = measured
        _fill_variants(report, runs, scored, models, loads, raw_skip)
        if checkpoint:
            checkpoint(dict(report, complete=False))

    _fill_variants(report, runs, scored, models, loads, raw_skip)
    report["ratios"] = wrapper_ratios(runs["llm_1_5b_evidence"], runs["raw_llama_cpp"])
    if raw is not None:
        raw.close()
    del models
    gc.collect()

    if checkpoint:
        checkpoint(dict(report, complete=False))
    if not options.levers:
        report["levers"] = {"skipped": "not requested (--levers)"}
    elif not isinstance(large, LlamaCppChatModel):
        report["levers"] = {"skipped": "only measurable with a GGUF model (llama.cpp)"}
    else:
        report["levers"] = _levers(large, settings, lever_prompts[: options.lever_questions], options.lever_max_tokens, say)
    report["seconds"] = round(time.perf_counter() - started_run, 1)
    report["machine"]["load_average_end"] = _load_average()
    report["complete"] = True
    return report


def _prefix_warm_up(answerer: "Answerer", load_model: Callable[[str], "ChatModel"], answerable: Sequence[dict],
                    say: Progress) -> dict[str, Any]:
    """First token of the first German question on a fresh 1.5B model, without and with the prefill beforehand."""
    for item in answerable:
        if detect_language(item["q"]) == "de" and not answerer.gather(item["q"]).refused:
            break
    else:
        return {"skipped": "no answerable German question"}
    result: dict[str, Any] = {"question": item["id"]}
    for label, prefill in (("without_prefill", False), ("with_prefill", True)):
        model = load_model(LARGE)
        started = time.perf_counter()
        model.count_tokens("Laden")
        load_s = time.perf_counter() - started
        prefill_s = None
        if prefill:
            started = time.perf_counter()
            model.prefill(instruction_prefix("de"))
            prefill_s = round(time.perf_counter() - started, 3)
        written = write_answer(answerer, model, answerer.gather(item["q"]), evidence_prompt, max_tokens=1)
        result[label] = {"load_s": round(load_s, 3), "prefill_s": prefill_s,
                         "prompt_tokens": written.answer.timings["prompt_tokens"],
                         "first_token_s": written.answer.timings["first_token_s"]}
        say(f"prefix warm-up {label}: first token {written.answer.timings['first_token_s']} s")
        del model, written
        gc.collect()
    first = [result[k]["first_token_s"] for k in ("without_prefill", "with_prefill")]
    result["saved_s"] = round(first[0] - first[1], 3) if None not in first else None
    return result


def _extractive_row(grounding: Grounding, result: QuestionResult) -> dict[str, Any]:
    return {"first_token_s": grounding.answer.timings["first_token_s"], "total_s": grounding.answer.timings["total_s"],
            "fact_recall": result.fact_recall, "answer": grounding.answer.text}


def _written_row(written: Written, result: QuestionResult) -> dict[str, Any]:
    answer = written.answer
    return {
        "prompt_tokens": answer.timings["prompt_tokens"],
        "completion_tokens": answer.timings["completion_tokens"],
        "sources_kept": written.fitted.kept_source_count,
        "first_token_s": answer.timings["first_token_s"],
        "total_s": answer.timings["total_s"],
        "generation_first_token_s": _round(written.generation_first_token_s, 4),
        "decode_s": _round(written.decode_s, 4),
        "tokens_per_s": _round(written.tokens_per_s, 2),
        "shown_mode": answer.mode,
        "model_refused": answer.refused,
        "fallback": answer.mode == "extractive" and not answer.refused,
        "language_ok": result.language_ok,
        "fact_recall": result.fact_recall,
        "attribution": dict(answer.attribution),
        "unverified_sentences": answer.unverified_sentences,
        "generated": written.generated,
        "answer": answer.text,
    }


def _raw_row(figures: dict[str, Any], written: Written) -> dict[str, Any]:
    raw_text = figures.pop("text")
    return {**figures, "same_text_as_ours": raw_text == written.generated}


def _fill_variants(report: dict[str, Any], runs: dict[str, list[dict[str, Any]]], scored: dict[str, list[QuestionResult]],
                   models: dict[str, "ChatModel"], loads: dict[str, float], raw_skip: str | None) -> None:
    variants: dict[str, Any] = {}
    for key, label in VARIANTS.items():
        if key == "raw_llama_cpp":
            variants[key] = {"label": label, "skipped": raw_skip} if raw_skip else {
                "label": label, "model": getattr(models["llm_1_5b_evidence"], "name", ""), **raw_summary(runs[key]), "runs": runs[key]}
        elif key == "extractive":
            variants[key] = {"label": label, **extractive_summary(runs[key], scored[key]), "runs": runs[key]}
        else:
            variants[key] = {"label": label, "model": getattr(models[key], "name", type(models[key]).__name__),
                             "load_and_prefill_s": loads[key], **written_summary(runs[key], scored[key]), "runs": runs[key]}
    report["variants"] = variants


# -- summaries --------------------------------------------------------------------------------------


def _p(values: Sequence[float | None], q: float, digits: int = 3) -> float | None:
    return _round(percentile([v for v in values if v is not None], q), digits)


def _latencies(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {f"{key}_p{q}": _p([r[key] for r in rows], q) for key in ("first_token_s", "total_s") for q in (50, 95)}


def written_summary(rows: Sequence[dict[str, Any]], scored: Sequence[QuestionResult]) -> dict[str, Any]:
    """Speed and quality of one written-answer variant (quality as ``assistant eval`` summarises it)."""
    quality = summarize(scored) if scored else {}
    return {
        "questions": len(rows),
        "prompt_tokens_p50": _p([r["prompt_tokens"] for r in rows], 50, 0),
        "completion_tokens_p50": _p([r["completion_tokens"] for r in rows], 50, 0),
        **_latencies(rows),
        "tokens_per_s_p50": _p([r["tokens_per_s"] for r in rows], 50, 2),
        "fact_recall": _round(quality.get("fact_recall"), 3),
        "claims": sum(r.claims for r in scored),
        "verified": sum(r.verified for r in scored),
        "verified_share": _round(quality.get("verified_share"), 3),
        "model_marked": sum(r.model_marked for r in scored),
        "model_marker_accuracy": _round(quality.get("model_marker_accuracy"), 3),
        "written_answers": sum(1 for r in rows if r["shown_mode"] == "llm" and not r["model_refused"]),
        "model_refusals": sum(1 for r in rows if r["model_refused"]),
        "fallbacks": sum(1 for r in rows if r["fallback"]),
        "wrong_language": quality.get("wrong_language", 0),
    }


def extractive_summary(rows: Sequence[dict[str, Any]], scored: Sequence[QuestionResult]) -> dict[str, Any]:
    """Time to first evidence and fact recall of the extractive answers."""
    quality = summarize(scored) if scored else {}
    return {"questions": len(rows), **_latencies(rows), "fact_recall": _round(quality.get("fact_recall"), 3)}


def raw_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Raw llama.cpp figures; its times start at the completion call, not at the question."""
    return {
        "questions": len(rows),
        "prompt_tokens_p50": _p([r["prompt_tokens"] for r in rows], 50, 0),
        **_latencies(rows),
        "tokens_per_s_p50": _p([r["tokens_per_s"] for r in rows], 50, 2),
        "same_text_as_ours": sum(1 for r in rows if r["same_text_as_ours"]),
    }


def wrapper_ratios(ours: Sequence[dict[str, Any]], raw: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Our wrapper against raw llama.cpp on the same prompt tokens, question by question (> 1: ours is slower).

    First token: from the request for the first piece (the wrapper renders and tokenizes the prompt
    in that time). Decoding: the time after the first token, compared only where both produced the
    same text (then the same tokens), so the ratio of times is the inverse ratio of tokens/s.
    """
    if not raw:
        return {}
    by_id = {r["id"]: r for r in ours}
    first = [by_id[r["id"]]["generation_first_token_s"] / r["first_token_s"] for r in raw
             if r["first_token_s"] and by_id[r["id"]]["generation_first_token_s"]]
    same = [(by_id[r["id"]]["decode_s"], r["decode_s"]) for r in raw if r["same_text_as_ours"] and r["decode_s"] and by_id[r["id"]]["decode_s"]]
    return {
        "pairs": len(raw),
        "first_token_ours_over_raw_p50": _p(first, 50),
        "decode_time_ours_over_raw_p50": _p([o / r for o, r in same], 50),
        "tokens_per_s_ours_over_raw_p50": _p([r / o for o, r in same], 50),
        "same_text_pairs": len(same),
        "first_token_ours_over_raw_of_p50s": _ratio(_p([o["generation_first_token_s"] for o in ours], 50),
                                                    _p([r["first_token_s"] for r in raw], 50)),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# -- levers ------------------------------------------------------------------------------------------


def _levers(model: Any, settings: Any, prompts: Sequence[tuple[list[int], list[str]]], max_tokens: int, say: Progress) -> dict[str, Any]:
    """llama.cpp settings on the same prompts (raw llama.cpp, fresh instance each, instructions prefilled)."""
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    threads, flash = settings.n_threads, settings.llm_flash_attention
    prefix = model.prompt_tokens(instruction_prefix("de"))[0]
    default: dict[str, Any] = {"n_batch": 512, "n_threads": threads, "flash_attention": flash}
    configs: list[tuple[str, dict[str, Any]]] = [
        (f"n_batch 512, {threads} threads (default)", default),
        (f"n_batch 128, {threads} threads", {**default, "n_batch": 128}),
        ("n_batch 512, 1 thread", {**default, "n_threads": 1}),
        (f"flash attention {'off' if flash else 'on'}, n_batch 512, {threads} threads", {**default, "flash_attention": not flash}),
        (f"prompt-lookup decoding (10 tokens), {threads} threads",
         {**default, "draft_model": LlamaPromptLookupDecoding(num_pred_tokens=10)}),
    ]
    results: list[dict[str, Any]] = []
    for label, config in configs:
        runs = []
        try:
            raw = RawLlama(model, settings.llm_context, **config)
            raw.prefill(prefix)
            for tokens, stops in prompts:
                figures = raw.generate(tokens, stops, max_tokens)
                figures.pop("text")
                runs.append(figures)
            raw.close()
        except Exception as exc:  # noqa: BLE001 - one lever failing must not lose the others
            say(f"lever {label} failed: {exc!r}")
            results.append({"config": label, "questions": len(runs), "failed": repr(exc), "first_token_s_p50": None,
                            "tokens_per_s_p50": None, "total_s_p50": None, "runs": runs})
            continue
        finally:
            gc.collect()
        row = {"config": label, "questions": len(runs), "first_token_s_p50": _p([r["first_token_s"] for r in runs], 50),
               "tokens_per_s_p50": _p([r["tokens_per_s"] for r in runs], 50, 2),
               "total_s_p50": _p([r["total_s"] for r in runs], 50), "runs": runs}
        say(f"lever {label}: first token p50 {row['first_token_s_p50']} s, {row['tokens_per_s_p50']} tokens/s")
        results.append(row)
    return {"max_tokens": max_tokens, "configs": results}


# -- machine and output --------------------------------------------------------------------------------


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def lscpu_model() -> str | None:
    """``lscpu``'s "Model name" line (None where lscpu is missing)."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in output.splitlines():
        if line.strip().startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return None


def code_state() -> dict[str, Any]:
    """The checkout the run measured: commit, files changed under assistant/ and a hash of that diff (read-only git)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    commit, status, diff = git("rev-parse", "HEAD"), git("status", "--porcelain", "--", "assistant"), git("diff", "HEAD", "--", "assistant")
    return {
        "commit": commit.strip() if commit else None,
        "modified": [line[3:] for line in (status or "").splitlines()],
        "diff_sha256": hashlib.sha256(diff.encode("utf-8")).hexdigest() if diff else None,
    }


def machine_info(shared: bool) -> dict[str, Any]:
    """:func:`benchmarks.bench.machine` plus lscpu's model name, whether the CPU was shared, and the load."""
    info = machine()
    info.update(lscpu_model=lscpu_model(), shared=shared, load_average_start=_load_average(),
                date=time.strftime("%Y-%m-%d %H:%M %Z"))
    return info


def write_report(report: dict[str, Any], out: Path) -> str:
    """The JSON to ``out`` and the Markdown table to ``out`` with ``.md``; returns the Markdown."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    markdown = chat_models_markdown(report)
    out.with_suffix(".md").write_text(markdown, encoding="utf-8")
    return markdown


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, required=True, help="dev QA JSONL (id, q, type, facts)")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/chat-models.json"))
    parser.add_argument("--shared", action="store_true", help="other jobs loaded the CPU during the run (recorded in the report)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N answerable questions")
    parser.add_argument("--levers", action="store_true", help="also n_batch, threads and prompt lookup on the first prompts")
    parser.add_argument("--lever-questions", type=int, default=5)
    parser.add_argument("--no-raw", action="store_true", help="skip raw llama.cpp")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the prefix warm-up measurement")
    args = parser.parse_args(argv)

    from assistant.answering.llm import LlamaCppChatModel
    from assistant.app import build_app
    from assistant.config import Settings
    from assistant.models import resolve_llm

    settings = Settings.from_env()
    resolved = {LARGE: resolve_llm(settings), SMALL: resolve_llm(settings.with_(llm="small"))}

    def load_model(size: str) -> LlamaCppChatModel:
        model = resolved[size]
        return LlamaCppChatModel(model.path, model.name, n_ctx=settings.llm_context, n_threads=settings.n_threads,
                                 flash_attention=settings.llm_flash_attention)

    app = build_app(settings)
    if not app.index.records():  # a fresh checkout: the default corpus, as `assistant eval` does
        print(f"indexing {settings.corpus_dir} into {settings.index_dir} first …", file=sys.stderr, flush=True)
        app.ingestor.ingest()
    items = load_jsonl(args.questions)
    options = Options(limit=args.limit, raw=not args.no_raw, warm_up=not args.no_warm_up, levers=args.levers,
                      lever_questions=args.lever_questions, shared=args.shared, questions_file=str(args.questions))
    progress = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    report = measure(app, items, load_model, options, progress=progress, checkpoint=lambda partial: write_report(partial, args.out))
    print(write_report(report, args.out))
    app.index.close()
    return 0


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


if __name__ == "__main__":
    sys.exit(main())
