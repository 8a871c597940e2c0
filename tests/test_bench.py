"""`assistant bench` end to end on a small corpus with fakes; the raw llama.cpp part with the bundled GGUF (slow)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import benchmarks
from assistant.cli import main
from assistant.config import Settings
from assistant.errors import ConfigError, InputError, ModelError
from benchmarks.bench import BenchOptions, default_extra_dir, default_questions, grow_corpus, run_bench
from benchmarks.data import HELDOUT_QUESTIONS
from tests.fakes import HashEmbedder, ScriptedChatModel

DOCS = {
    "foerderung.md": "# Förderung\n\nDie Förderquote beträgt höchstens 50 Prozent der zuwendungsfähigen Ausgaben.\n\n"
    "## Antrag\n\nAnträge werden über das Portal easy-Online eingereicht.\n",
    "datenschutz.md": "# Datenschutz\n\nPersonenbezogene Daten dürfen nur mit Rechtsgrundlage verarbeitet werden.\n",
    "SOURCES.md": "# Quellen\n\nnicht indexieren\n",
}
QUESTIONS = [
    {"id": "q1", "q": "Wie hoch ist die Förderquote?", "type": "fact", "gold": ["Förderquote beträgt höchstens 50 Prozent"]},
    {"id": "q2", "q": "Wo werden Anträge eingereicht?", "type": "fact", "gold": ["Portal easy-Online"]},
    {"id": "q3", "q": "Wann dürfen personenbezogene Daten verarbeitet werden?", "type": "fact", "gold": ["mit Rechtsgrundlage"]},
    {"id": "q4", "q": "Was kostet ein Elefant?", "type": "refuse", "gold": []},
]


@pytest.fixture
def bench_setup(settings: Settings, tmp_path: Path) -> tuple[Settings, BenchOptions]:
    for name, text in DOCS.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "gesetz.md").write_text("# Gesetz\n\n§ 1 Dieses Gesetz gilt für Behörden des Bundes.\n", encoding="utf-8")
    questions = tmp_path / "qa.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8")
    options = BenchOptions(questions=questions, extra_dir=extra, scales=(1, 3), repeat=2, llm_runs=2, llm_max_tokens=8,
                           workdir=tmp_path / "work")
    return settings, options


def test_bench_measures_every_stage_and_writes_the_report(bench_setup: tuple[Settings, BenchOptions], tmp_path: Path, no_network: object) -> None:
    settings, options = bench_setup
    embedder = HashEmbedder()
    embedder.backend = "openvino-bf16"
    reference = HashEmbedder()
    reference.backend = "torch"
    out = tmp_path / "out"
    stages: list[str] = []
    report = run_bench(settings, options, out, embedder=embedder, reference=reference,
                       chat_model=ScriptedChatModel("Die Förderquote beträgt 50 Prozent [1]."), progress=stages.append)

    cold, unchanged, cached = report["ingest_cold"], report["ingest_unchanged"], report["ingest_from_cache"]
    assert cold["documents"] == 2 and cold["chunks"] == cold["chunks_embedded"] > 0 and cold["chunks_per_s"] > 0
    assert unchanged["chunks_embedded"] == unchanged["chunks_cached"] == 0
    assert cached["chunks_embedded"] == 0 and cached["chunks_cached"] == cold["chunks"]

    x1, x3 = report["latency_curve"]
    assert (x1["scale"], x3["scale"]) == (1, 3)
    extra_chunks = x3["chunks"] - 3 * x1["chunks"]
    assert x1["chunks"] == cold["chunks"] and extra_chunks >= 1  # corpus ×3 plus the extra document
    # Replicas differ as files but not as text: only the extra document needed the model.
    assert report["scale_x3"]["ingest"]["chunks_embedded"] == extra_chunks
    assert report["scale_x3"]["search_n"] == 2 * len(QUESTIONS) and x3["p95_ms"] >= x3["p50_ms"] > 0

    assert report["retrieval_quality"]["questions"] == 3 and report["retrieval_quality"]["hit@5"] == 1.0
    baseline = report["langchain_baseline"]
    assert baseline["ingest"]["documents"] == 2 and baseline["questions"] == 3 and 0 <= baseline["hit@5"] <= 1
    assert report["first_evidence"]["first_evidence_n"] == report["first_evidence_repeated"]["first_evidence_n"] == len(QUESTIONS)
    # The reference back end ingests the same chunks itself (no cache) and retrieves the same.
    same = report["ingest_cold_reference"]
    assert same["chunks_embedded"] == cold["chunks"] and same["chunks_cached"] == 0
    assert reference.documents_embedded >= cold["chunks"] + baseline["ingest"]["chunks"]  # the baseline runs on it too
    assert report["ratios"]["retrieval_same_as_reference_backend"] is True
    assert report["ratios"]["ingest_speed_vs_reference_backend"] > 0

    llm = report["llm"]
    assert len(llm["ours"]["runs"]) == 2 and llm["ours"]["runs"][0]["completion_tokens"] == 6
    assert "skipped" in llm["raw_llama_cpp"]  # a fake is not a GGUF model
    assert {"ingest_speed_vs_langchain", "hit@5_vs_langchain", "search_p50_largest_over_x1"} <= set(report["ratios"])
    assert all(entry["peak_rss_mb"] > 0 for key, entry in report.items() if key.startswith(("ingest_", "scale_")))

    assert json.loads((out / "bench.json").read_text(encoding="utf-8"))["ratios"] == report["ratios"]
    markdown = (out / "bench.md").read_text(encoding="utf-8")
    assert "| ours (hybrid), torch |" in markdown and "LangChain baseline, cold, torch" in markdown
    assert "| ×3 |" in markdown and "LangChain baseline" in markdown and "latency-vs-corpus.png" in markdown
    assert (out / "latency-vs-corpus.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stages[0].startswith("model_load") and any(s.startswith("langchain_baseline") for s in stages)
    assert not (settings.index_dir / "manifest.json").exists()  # the configured index is never touched


def test_grow_corpus_replicates_files_with_identical_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (corpus / "sub" / "b.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (corpus / "SOURCES.md").write_text("x", encoding="utf-8")
    (corpus / ".papierkorb").mkdir()
    (corpus / ".papierkorb" / "old.md").write_text("gelöscht", encoding="utf-8")
    target = tmp_path / "scaled"
    grow_corpus(corpus, None, 3, target)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == ["korpus/a.md", "korpus/sub/b.pdf", "replik-01/a.md", "replik-01/sub/b.pdf", "replik-02/a.md", "replik-02/sub/b.pdf"]
    assert (target / "replik-02" / "a.md").read_text(encoding="utf-8") == "# A\n\nText.\n\n\n"
    assert len({(target / f).read_bytes() for f in files if f.endswith("a.md")}) == 3


def test_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nicht gefunden"):
        BenchOptions(questions=tmp_path / "missing.jsonl")
    (tmp_path / "q.jsonl").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="muss 1 enthalten"):
        BenchOptions(questions=tmp_path / "q.jsonl", scales=(2, 4))
    with pytest.raises(InputError, match="--reference-batch-size"):
        BenchOptions(questions=tmp_path / "q.jsonl", reference_batch_size=0)


def test_data_defaults_to_the_shared_folder_next_to_home(tmp_path: Path) -> None:
    home = tmp_path / "checkout"
    home.mkdir()
    assert default_questions(home) == HELDOUT_QUESTIONS and default_extra_dir(home) is None
    dev = tmp_path / "shared" / "eval" / "dev_qa.jsonl"
    dev.parent.mkdir(parents=True)
    dev.write_text("{}\n", encoding="utf-8")
    (tmp_path / "shared" / "corpus-extra").mkdir()
    assert default_questions(home) == dev and default_extra_dir(home) == tmp_path / "shared" / "corpus-extra"


def test_bench_command_names_the_extra_when_the_benchmarks_cannot_be_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delattr(benchmarks, "bench")
    monkeypatch.setitem(sys.modules, "benchmarks.bench", None)  # makes the import raise ImportError
    assert main(["bench", "--quick"]) == ConfigError.exit_code
    assert 'pip install -e ".[bench]"' in capsys.readouterr().err


@pytest.mark.slow
def test_raw_llama_cpp_runs_the_same_prompt_tokens(bench_setup: tuple[Settings, BenchOptions], tmp_path: Path) -> None:
    from assistant.models import resolve_llm

    settings, options = bench_setup
    try:
        resolve_llm(settings.with_(cache_dir=Settings().cache_dir))
    except ModelError as exc:  # the bundled model is installed by `assistant setup`
        pytest.skip(f"bundled GGUF not available: {exc}")
    settings = settings.with_(cache_dir=Settings().cache_dir, llm_context=2048)
    options = BenchOptions(questions=options.questions, scales=(1,), repeat=1, llm_runs=2, llm_max_tokens=8, baseline=False,
                           workdir=tmp_path / "work")
    report = run_bench(settings, options, tmp_path / "out", embedder=HashEmbedder())
    llm = report["llm"]
    ours, raw = llm["ours"]["runs"], llm["raw_llama_cpp"]["runs"]
    assert [r["prompt_tokens"] for r in ours] == [r["prompt_tokens"] for r in raw]  # same prompt tokens
    assert all(r["first_token_s"] > 0 and 1 <= r["completion_tokens"] <= 8 for r in ours + raw)
    prefix = llm["prefix_cache"]
    assert 0 < prefix["shared_prefix_tokens"] < prefix["prompt_tokens"]
    assert prefix["same_prompt_again_first_token_s"] < prefix["cold_first_token_s"]
