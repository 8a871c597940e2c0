"""benchmarks/chat_models.py on a tiny corpus with fakes: every variant measured, the report and its Markdown complete."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.app import build_app
from assistant.config import Settings
from benchmarks.chat_models import LARGE, SMALL, VARIANTS, Options, measure, write_report
from benchmarks.report import build, chat_models_markdown
from tests.fakes import HashEmbedder, ScriptedChatModel

DOCS = {
    "foerderung.md": "# Förderung\n\nDie Förderquote beträgt höchstens 50 Prozent der zuwendungsfähigen Ausgaben.\n\n"
    "## Antrag\n\nAnträge werden über das Portal easy-Online eingereicht.\n",
    "datenschutz.md": "# Datenschutz\n\nPersonenbezogene Daten dürfen nur mit Rechtsgrundlage verarbeitet werden.\n",
}
ITEMS = [
    {"id": "q1", "q": "Wie hoch ist die Förderquote der zuwendungsfähigen Ausgaben?", "type": "fact", "facts": [["50 Prozent"]]},
    {"id": "q2", "q": "Wo werden Anträge eingereicht?", "type": "fact", "facts": [["easy-Online"]]},
    {"id": "q3", "q": "Wann dürfen personenbezogene Daten verarbeitet werden?", "type": "fact", "facts": [["Rechtsgrundlage"]]},
    {"id": "q4", "q": "What does an elephant cost at the zoo?", "type": "en", "facts": [["money"]]},  # retrieval refuses it
    {"id": "r1", "q": "Was kostet ein Elefant?", "type": "refuse", "facts": []},  # not an answerable question: not run
]
#: One reply per answerable question, in order: cited, the model's "not in the sources", unsupported (→ excerpts).
REPLIES = (
    "Die Förderquote beträgt höchstens 50 Prozent [1].",
    "Die Wissensbasis enthält dazu keine Angabe.",
    "Elefanten fressen gern Bananen [1].",
)


def test_every_variant_is_measured_and_reported(settings: Settings, tmp_path: Path) -> None:
    for name, content in DOCS.items():
        (settings.corpus_dir / name).write_text(content, encoding="utf-8")
    app = build_app(settings, embedder=HashEmbedder())
    app.ingestor.ingest()
    loaded: list[str] = []

    def load_model(size: str) -> ScriptedChatModel:
        loaded.append(size)
        return ScriptedChatModel(*REPLIES, name=f"fake-{size}")

    checkpoints: list[dict] = []
    report = measure(app, ITEMS, load_model, Options(shared=True, levers=True, questions_file="qa.jsonl"),
                     checkpoint=checkpoints.append)

    # Two fresh models for the prefix warm-up, then one instance per written variant.
    assert loaded == [LARGE, LARGE, LARGE, LARGE, SMALL]
    # A partial report after every question and after the ratios (before the levers).
    assert report["complete"] and len(checkpoints) == 4 and not checkpoints[-1]["complete"]
    assert all(row["load_1m"] is None or row["load_1m"] >= 0 for row in report["variants"]["extractive"]["runs"])
    assert report["questions"] == {"file": 5, "answerable": 4, "refused_by_retrieval": ["q4"], "measured": 3}
    machine = report["machine"]
    assert machine["shared"] is True and machine["cores"] >= 1 and machine["date"] and "lscpu_model" in machine
    assert report["settings"]["questions_file"] == "qa.jsonl" and report["settings"]["k"] == settings.top_k

    variants = report["variants"]
    assert list(variants) == list(VARIANTS)
    for key in ("llm_1_5b_evidence", "llm_1_5b_chunks", "llm_0_5b_evidence"):
        v = variants[key]
        assert v["questions"] == 3 and [r["id"] for r in v["runs"]] == ["q1", "q2", "q3"]
        assert v["written_answers"] == 1 and v["model_refusals"] == 1 and v["fallbacks"] == 1 and v["wrong_language"] == 0
        assert v["fact_recall"] is not None and 0 < v["fact_recall"] < 1
        assert v["prompt_tokens_p50"] > 0 and v["first_token_s_p50"] > 0 and v["total_s_p95"] >= v["total_s_p50"]
        assert v["claims"] >= 1 and v["verified"] >= 1 and 0 < v["verified_share"] <= 1
        first = v["runs"][0]
        assert first["shown_mode"] == "llm" and "[1]" in first["answer"] and first["fact_recall"] == 1.0
        assert first["first_token_s"] >= first["generation_first_token_s"]  # from the question vs. from the request
    assert variants["llm_1_5b_evidence"]["model"] == "fake-1.5B" and variants["llm_0_5b_evidence"]["model"] == "fake-0.5B"
    # Whole chunks cost more prompt tokens than the evidence excerpts (or as many, for chunks of one sentence).
    assert variants["llm_1_5b_chunks"]["prompt_tokens_p50"] >= variants["llm_1_5b_evidence"]["prompt_tokens_p50"]
    extractive = variants["extractive"]
    assert extractive["questions"] == 3 and extractive["fact_recall"] == 1.0 and extractive["first_token_s_p50"] > 0
    # Raw llama.cpp and the levers need a GGUF model: skipped with a reason for fakes.
    assert variants["raw_llama_cpp"]["skipped"] and report["levers"]["skipped"] and report["ratios"] == {}
    warm = report["prefix_warm_up"]
    assert warm["question"] == "q1" and warm["without_prefill"]["first_token_s"] > 0 and warm["with_prefill"]["prompt_tokens"] > 0

    out = tmp_path / "results" / "chat-models.json"
    markdown = write_report(report, out)
    assert json.loads(out.read_text(encoding="utf-8"))["variants"]["extractive"]["fact_recall"] == 1.0
    assert out.with_suffix(".md").read_text(encoding="utf-8") == markdown
    assert "| 1.5B, evidence prompt (product) | fake-1.5B | 3 |" in markdown and "**shared**" in markdown
    assert "refused by retrieval and skipped: q4" in markdown and "skipped: only measurable with a GGUF model" in markdown
    assert markdown.count("\n| ") == 2 + len(VARIANTS) - 1  # header, rule, one row per variant

    # docs/BENCHMARKS.md gets the section from the JSON, or the "not measured yet" note without it.
    page = build(out.parent)
    assert "## Written answers: models and prompts" in page and "| 0.5B, evidence prompt | fake-0.5B |" in page
    assert "an earlier run on the AMD EPYC" not in page
    # A run on the other machine stands in a section of its own, after this run's table.
    (out.parent / "chat-models-epyc.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    page = build(out.parent)
    assert page.index("### The same benchmark, an earlier run on the AMD EPYC") > page.index("## Written answers: models and prompts")
    assert page.count("| 0.5B, evidence prompt | fake-0.5B |") == 2
    (out.parent / "chat-models-epyc.json").unlink()
    out.unlink()
    assert "_Not measured yet: run `.venv/bin/python -m benchmarks.chat_models" in build(out.parent)

    # With a GGUF model the report also has the wrapper ratios and the levers (one of which may fail).
    report["ratios"] = {"pairs": 3, "first_token_ours_over_raw_p50": 1.01, "decode_time_ours_over_raw_p50": 1.02,
                        "tokens_per_s_ours_over_raw_p50": 0.98, "same_text_pairs": 3}
    report["levers"] = {"max_tokens": 64, "configs": [
        {"config": "n_batch 512, 2 threads (default)", "questions": 3, "first_token_s_p50": 3.2, "tokens_per_s_p50": 20.4, "total_s_p50": 6.0},
        {"config": "prompt lookup", "questions": 0, "failed": "ValueError('x')", "first_token_s_p50": None, "tokens_per_s_p50": None,
         "total_s_p50": None},
    ]}
    markdown = chat_models_markdown(report)
    assert "first token ×1.010" in markdown and "tokens/s ×0.980 (over the 3 answers" in markdown
    assert "| n_batch 512, 2 threads (default) | 3.20 | 20.40 | 6.00 |" in markdown and "| prompt lookup | failed: ValueError('x') |" in markdown


def test_the_small_models_held_out_run_stands_beside_the_default_ones(tmp_path: Path) -> None:
    from benchmarks.report import _small_model, written_rows

    def report(fact: float, first: float, modes: list[str]) -> str:
        summary = {"n": 3, "fact_recall": fact, "refusal_accuracy": 1.0, "written_answers": 2, "verified_share": 0.9,
                   "model_marker_accuracy": 0.5, "wrong_language": 0, "first_token_s_p50": first, "total_s_p50": 2 * first,
                   "total_s_p95": 3 * first}
        return json.dumps({"modes": modes, "summary": {mode: summary for mode in modes}})

    (tmp_path / "heldout-flash-attention.json").write_text(report(0.875, 9.3, ["extractive", "llm"]), encoding="utf-8")
    assert _small_model(tmp_path) == ""  # nothing measured, no section
    (tmp_path / "heldout-small-model.json").write_text(report(0.8, 5.0, ["extractive", "llm"]), encoding="utf-8")
    (tmp_path / "heldout-small-model.md").write_text("| by type |\n", encoding="utf-8")
    section = _small_model(tmp_path)
    assert "| 1.5B (default), + flash attention | 3 | 0.875 | 1.000 | 2 | 0.900 | 0.500 | 0 | 9.30 | 18.60 / 27.90 |" in section
    assert "| 0.5B (`ASSISTANT_LLM=small`) | 3 | 0.800 |" in section and section.endswith("| by type |\n")
    # A report without written answers has no row.
    (tmp_path / "extractive.json").write_text(report(0.9, 0.1, ["extractive"]), encoding="utf-8")
    assert written_rows([("extractive only", tmp_path / "extractive.json")]) == ""
