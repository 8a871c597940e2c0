"""Write docs/BENCHMARKS.md from the result files of the benchmark runs (no number is typed in by hand).

    .venv/bin/python -m benchmarks.report [--results docs/benchmarks] [--out docs/BENCHMARKS.md]

Reads what the commands listed under "Reproduce" wrote into the results folder; a missing result
becomes a note with the command that produces it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "bench": ".venv/bin/assistant bench --out docs/benchmarks",
    "eval": ".venv/bin/assistant eval ../shared/eval/dev_qa.jsonl --out docs/benchmarks/eval",
    "xquad-gemma": ".venv/bin/python -m benchmarks.retrieval xquad --json docs/benchmarks/xquad-embeddinggemma.json",
    "xquad-minilm": "ASSISTANT_EMBEDDER=minilm .venv/bin/python -m benchmarks.retrieval xquad --json docs/benchmarks/xquad-minilm.json",
    "dev": ".venv/bin/python -m benchmarks.retrieval dev --grid --json docs/benchmarks/dev-retrieval.json",
    "chunks": ".venv/bin/python -m benchmarks.retrieval chunks --sizes 600,900,1200 --json docs/benchmarks/chunks.json",
    "concurrency": ".venv/bin/python -m benchmarks.concurrency --out docs/benchmarks/concurrency.json",
    "first-evidence": ".venv/bin/python -m benchmarks.first_evidence --out docs/benchmarks/first-evidence.json",
    "backends": "bash benchmarks/embedder_backends/run_torch_variants.sh  # and the other run_*.sh there; see its README",
    "backend-vs-pytorch16": ".venv/bin/assistant bench --no-llm --no-baseline --scales 1 --repeat 1 --reference-batch-size 16 --out /tmp/b16  # copy bench.json to docs/benchmarks/backend-vs-pytorch16.json",
    "embed-variants": ".venv/bin/python -m benchmarks.embed_variants --out docs/benchmarks/embed-variants.json",
    "k-sweep": "for k in 3 5 8; do .venv/bin/assistant eval ../shared/eval/dev_qa.jsonl --modes extractive -k $k --out /tmp/k$k; done  # and benchmarks/heldout_qa.jsonl; copy report.json to docs/benchmarks/k-sweep/",
    "heldout": ".venv/bin/assistant eval benchmarks/heldout_qa.jsonl --modes extractive --out /tmp/heldout  # copy report.json to docs/benchmarks/heldout/",
    "heldout-written": ".venv/bin/assistant eval benchmarks/heldout_qa.jsonl --modes extractive,llm --out /tmp/heldout-written  # copy report.json/.md to docs/benchmarks/heldout/written-answers.*",
    "blind": ".venv/bin/assistant eval eval/blind/heldout.jsonl --modes extractive,llm --out /tmp/blind  # copy report.json/.md to docs/benchmarks/blind/heldout-after.*; tuning steps: eval/blind/tune.jsonl --modes extractive, report.json to docs/benchmarks/blind/tune/",
    "blind-small": "ASSISTANT_LLM=small .venv/bin/assistant eval eval/blind/heldout.jsonl --modes extractive,llm --out /tmp/blind-small  # after assistant setup --llm small; copy report.json/.md to docs/benchmarks/blind/heldout-small-model.*",
    "chat-models": ".venv/bin/python -m benchmarks.chat_models --questions ../shared/eval/dev_qa.jsonl --out docs/benchmarks/chat-models.json --levers",
    "team-load": "nice -n 5 .venv/bin/python -m benchmarks.team_load --out docs/benchmarks/team-load.json",
    "report": ".venv/bin/python -m benchmarks.report",
}

VARIANT_CHOICE = """\
Chosen: batches of 8 chunks sorted by length (ingest sorts the whole queue, the embedder each call), both
cores in one inference stream. Batches of 4 and 8 are within a few per cent of each other and ahead of
16 and of a token budget; 32 is slower; unsorted batches pad much more; two streams of one thread
each do not beat one stream of two."""

CONCURRENCY_NOTE = """\
Before the evidence warm-up and the per-batch embedder turns (an earlier run of this benchmark, same machine, the
sentences embedded per question): extractive with an upload p50 / p95 3.8 / 4.8 s against 0.5 / 0.9 s
alone, upload 13.5 s. With the warm-up every question reaches its evidence in about 0.04 s alone, and
8 at once took 0.26 / 0.29 s (p50 / p95, 5.6× the single p95 of that run). Since then the queries of
sessions that ask at the same moment share one forward pass (`QueryBatcher`: a short query is bound by
reading the weights, 17 ms for one and 97 ms for eight together): in back-to-back runs of the
extractive scenario on the same machine p95 0.33 → 0.20 s and wall time 0.77 → 0.48 s; the table
above was measured with it. The rest of a question (BM25, Chroma, re-ranking over cached unit vectors)
runs under Python's lock, about 10 ms each, so 8 questions arriving together still wait for each
other's share. The single-question p95 of 20 questions moves between 0.05 and 0.11 s from run to run,
which moves the ratio more than any change did. With an upload at the same time the p95 was 1.02 s, 1.50 s
and (the table above, after the embedder's fused attention) 1.31 s in three runs, with the upload itself
taking 5.65, 4.84 and 4.28 s: the questions wait behind its batches and the warm-up of its sentences, one
forward pass at a time, and which question waits behind which batch varies. An upload adds waits of one embedding batch at a time
(the embedder serves forward passes in order of arrival), plus the warm-up of the new document's
sentences right after it."""

#: Rows of the retrieval tables that the comparison needs, by the start of their label.
SINGLE = ("BM25 only", "dense only")
NAIVE = "hybrid, equal RRF (naive)"
DEFAULT = "hybrid (configured"
RERANKED = "hybrid + sentence re-ranking"


CHOICES = """\
- **Embedding back end** (`ASSISTANT_EMBED_BACKEND=auto`): the embedder runs on OpenVINO, exported once by
  `assistant setup` (torch.export of the whole sentence-transformers pipeline, one fused attention op
  over eager attention's finite mask, fp16 weights on disk) and checked there against PyTorch on 20 dev questions and their 81 top passages:
  every cosine ≥ 0.999 and every top-5 unchanged, or it falls back to f32 and then to PyTorch. On the
  AMD EPYC below bf16 passed, and cold ingest is several times faster with identical dev retrieval
  (headline above, bench tables below). The fused attention op (export format 5, 2026-11-29) replaced
  eager attention, whose key/value head repetition and matrix products had exported as Broadcast nodes on a
  reference kernel (11 % of a pass): cold ingest 94 → 73 s, 3.34× → 4.28× PyTorch in the same run (the
  batch-16 row above is from before it); set-up check min cosine 0.99992 → 0.99970, every top-5 unchanged. int8 weights (nncf) were rejected in the study (top-5
  overlap 0.965). Batches of 8 replaced 16: as fast on PyTorch in a cold ingest (the two PyTorch
  rows of the headline), faster on OpenVINO (the variants table below).
- **Fusion** (`ASSISTANT_FUSION=convex`, `ASSISTANT_BM25_WEIGHT=0.2`, BM25 off for non-German questions):
  cosine plus a small share of max-normalised BM25 beats both single retrievers and naive RRF on
  XQuAD-de and the dev set (tables below, grid in docs/RETRIEVAL.md). Switching BM25 off for English
  questions keeps cross-lingual retrieval at the dense level, where naive RRF drags it down. The
  weight is tuned for a strong multilingual embedder: with the small English MiniLM, BM25 is the
  better German retriever and the tuned hybrid falls below it (MiniLM tables) — a user who swaps in a
  weak embedder should raise `ASSISTANT_BM25_WEIGHT` or use `ASSISTANT_FUSION=rrf`.
- **Sentence re-ranking** (`ASSISTANT_RERANK_CANDIDATES=15`, `ASSISTANT_RERANK_WEIGHT=0.8`): answers take
  the 15 best chunks of the hybrid, add 0.8 × the cosine of each chunk's best evidence unit to its fused
  score and keep the top 5. A chunk is embedded as a whole, so the one sentence that answers
  ("Eine Förderung bereits begonnener Projekte findet grundsätzlich nicht statt") is diluted by its
  neighbours; the unit vectors are needed for the evidence anyway (and warmed ahead in the UI). Weight
  and depth were chosen on the blind set's tuning part (weights 0–2, 10/15/20 candidates); held-out with 10
  candidates: hit@1 0.723 → 0.766, hit@5 0.926 → 0.936, citation hit 0.924 → 0.935; XQuAD-de recall@1
  0.954 → 0.962 (German) and 0.939 → 0.961 (English). 15 candidates (was 10) find one more tuning
  question; with the evidence warm-up the extra units cost nothing, and with nothing cached the first
  evidence stays under a second (p50 0.67 → 0.75 s). XQuAD is the same with 10 and 15.
  `assistant search` shows the retrieval before re-ranking.
- **Funding vocabulary and two-part questions** (`ASSISTANT_QUERY_EXPANSION=1`, `ASSISTANT_SPLIT_QUESTIONS=1`,
  docs/RETRIEVAL.md): everyday wordings add the guideline terms for the same rule to the keyword query
  ("Kann ein Verein Partner werden?" → "Antragsberechtigt … Zuwendungsempfänger", "schon angefangen" →
  "vorzeitiger Maßnahmebeginn"); a question that asks two things is also searched part by part, and each
  part's best chunk and unit are kept. Tuning part (with 15 candidates): hit@5 0.909 → 0.955, citation hit
  0.864 → 0.894, fact recall 0.803 → 0.819, refusal unchanged; written answers on the multi-document
  tuning questions: fact recall 0.779 → 0.842. Held-out, blind: hit@5 0.936 → 0.957, citation hit
  0.936 → 0.957, fact recall 0.805 → 0.822, but refusal 0.948 → 0.939 (one more near-domain question
  answered: the added chunks state a value of the kind asked for). Dev: hit@5 0.944 → 1.000; XQuAD unchanged.
- **Six excerpts within 0.25** (`ASSISTANT_EXTRACTIVE_MAX_SENTENCES=6`, was 4; `ASSISTANT_EXTRACTIVE_SENTENCE_MARGIN=0.25`,
  was 0.12; `ASSISTANT_DETAIL_UNITS=4`, `ASSISTANT_DETAIL_MARGIN=0.12`): an answer quotes up to six units
  within 0.25 of the best, so the second half of a list, the other document of a two-part question or the
  value a sentence away more often makes it in. Whether a question asking for an amount, a date or a
  count finds one is still decided by the best four units within 0.12: with every quoted unit deciding,
  near-domain tuning questions were answered ("Wie hoch ist das Preisgeld …?", "Wie viele Projekte wurden
  … bewilligt?"). Tuning part fact recall 0.819 → 0.887, citation hit 0.894 → 0.924; supplementary set
  0.800 → 0.883; refusal unchanged in both (margins 0.14–1.0 and 8 units in the note of this change);
  answers p50 886 → 1,437 characters. Held-out, blind, in two steps (6 units, then the margin): fact
  recall 0.822 → 0.845 → **0.871** (multi-document 0.475 → 0.608, list 0.719 → 0.793, comparison 0.738 →
  0.857, fact 0.957 → 0.978), refusal unchanged (0.939: no answerable question refused, 7 near-domain
  ones answered); dev fact recall 0.963 → 1.000.
- **Chunk size** (`ASSISTANT_CHUNK_TARGET_CHARS=900`, max 1400): the chunk-size table shows 600 and 900
  alike on the dev set; 1200 also finds the one dev question the others miss and needs fewer chunks
  (faster ingest), but quotes and citations get coarser and it is not yet checked on held-out
  questions, so 900 stays for now.
- **k = 5 sources** per answer: in extractive mode k = 3 scores the same on the dev set and slightly higher
  on the held-out set, k = 8 lower (k table). We keep 5 because llm mode with a capable model needs the
  extra sources for list and multi-document questions; the differences are single questions.
- **Embedding input = document title + chunk text** (EmbeddingGemma's `title: … | text: …` slot), no
  longer the full section path: the innermost heading already opens every chunk, and the path made up
  a sixth of all embedded characters. It buys the cold-ingest parity with LangChain; the price is one
  question on several held-out metrics (before/after table). BM25 and citations keep the path.
- **Refusal**: similarity floor 0.30 plus the unknown-name check below 0.50 (was 0.55: three answerable
  tuning questions with an everyday word the corpus lacks lay between), calibrated on 38
  answerable against 366 unanswerable questions (docs/ANSWERS.md); down to 0.20 when the best hit
  contains every name the question uses (a table row among others); and a question for a value of a
  kind — a count, amount, duration, author, a person in a role, a phone number, e-mail or postal
  address, a day, the next round or call (a date after today or a coming one), an average, a time of day,
  a ministry, a pay grade, a country, city or month, the findings of an evaluation, a running total — is refused when no chunk of the chosen evidence states one of that kind (each
  question of a two-part sentence its own kind; where the question names a programme by acronym, only
  chunks that name it count). On the blind
  set's held-out part refusal accuracy rose from 0.887 to 0.913 and then 0.930 in both modes, blind
  (near-domain and out-of-domain questions refused: 9 → 13 → 15 of 21). In llm mode a "keine Angabe" of
  the model to a yes/no question over checked evidence shows the excerpts (it was wrong each time on the
  tuning sets): llm refusal accuracy 0.896 → 0.930. Two fixes found on the held-out part (not blind: a
  year framing a still-valid question, "Wie lang darf … sein?") leave no answerable question refused:
  0.948 in both modes; 0.939 since the funding vocabulary and two-part questions (one more near-domain
  question answered, still no answerable one refused), unchanged by the six excerpts, their margin and
  the next-round and turnover kinds (supplementary tuning set 0.817 → 0.850). A count of a named thing
  ("Wie viele Punkte …?" not answered by "zwei bis drei Seiten") refused two more near-domain tuning
  questions and no answerable one, but on the held-out part two unanswerable and two answerable ones: dropped.
  A second supplementary tuning set of 80 questions written blind for the refusal boundary (tune-near:
  refusal 0.688 → 0.838, no answerable question refused) gave the kinds per question, the average, time of
  day, ministry and pay grade, and the named-programme condition: held-out **0.939 → 0.957** in both modes,
  no answerable question refused (2 more near-domain questions refused; 5 of 14 still answered). A country,
  a city or a month by name (a small gazetteer) and the findings of an evaluation (tune-near 0.838 → 0.887,
  tune 0.975 → 0.988, tune-extra 0.850 → 0.867): held-out **0.957 → 0.965**, 4 of 14 near-domain still answered.
  A running total ("Wie viele Projekte wurden bisher gefördert?") needs a number stated as one (tune-near
  0.887 → 0.900). The next changes were made on the tuning sets in the same way: a record ("the largest fine so
  far"), pages and points stated in their unit, and a date to the day that no longer counts as a number
  (tune-extra 0.867 → 0.900); a name styled as a brand ("re:publica") that counts as a named programme
  (tune-near 0.900 → 0.912); a share ("Wie viel Prozent …?") that needs a percentage or a fraction, and "800
  million" read as "800.000.000"; units of time in compounds ("Mit wie vielen Arbeitsstunden …?"). Neither the
  running total nor these four changed a held-out answer. A third tuning set written for near-domain forms the others lack shows how
  little these rules carry over to new forms: its first run refused 12 of 40 near-domain questions (held-out:
  17 of 21 unanswerable ones); after the last two changes, 14 of 40 (tune-near2 0.625 → 0.662, one of its two
  false refusals fixed). A value the passages state per kind of applicant, for others than the one asked about
  ("Landesamt" over the rates of companies, universities and municipalities), is refused and names whom the
  passages speak of: 16 of 40 (tune-near2 0.662 → 0.688), no answerable question refused, no held-out answer
  changed. "Zu 100 Prozent" in a question is stated by "Vollfinanzierung" (its last false refusal: tune-near2
  0.688 → 0.700).
- **Evidence units** follow the chunker's structure: a list is one unit with the sentence it completes,
  a PDF card-table row one self-contained unit (blind set, "Each change on the tuning part").
  A first version of searching the parts of a two-part question (every part, however short) cost
  citation hits and facts on the tuning part and was dropped; the version above is neutral there in
  extractive mode. Adding the next chunk of a document where a chunk breaks off in mid-sentence was
  measured and dropped (no fact gained on the list and multi-document tuning questions, one lost).
- **Embedding speed**: the embedding cache (`ASSISTANT_EMBED_CACHE=1`) means a chunk is embedded once
  per model, ever; batches are sorted by length within windows of 256 chunks. Alternative backends
  are compared under "Embedding backends".
- **Evidence warm-up** (`ASSISTANT_EVIDENCE_WARMUP=1`): nine tenths of a first extractive answer were
  the vectors of its hits' sentences (p50 0.44 s to the first evidence, 0.75 s since the re-ranking
  reads the units of 15 chunks; 0.01 s for a repeated question). Computing them at ingest would double a cold ingest, so the web UI embeds them into the
  embedding cache in idle time after indexing and after each upload (3,375 units of the default
  corpus in about 100 s, once); afterwards every question reaches its evidence in 0.04 s p50 ("Time to
  first evidence since the re-ranking"). The embedder now serves callers one forward pass at a
  time, in order of arrival, so a question waits for at most one batch of an upload or the warm-up.
- **Written answers** (default with the bundled Qwen2.5-Coder-1.5B-Instruct): the model sees the
  evidence — the best sentences of the hits with their neighbours, at most 1,800 characters — not five
  whole chunks: about 40 % fewer prompt tokens, a first token in less than half the time and a higher
  fact recall ("Written answers" table). The fixed instructions and one made-up worked example come first,
  so llama.cpp reuses their KV cache; the UI reads them in at start-up. A second example showing a
  "not in the knowledge base" answer was dropped: it made the model refuse 4 of the 8 hardest
  answerable dev questions. Every sentence is attributed in code (where the model writes its own `[n]`, it
  names a supporting source in four of five sentences) and every number must occur in the cited source.
- **Written vs extractive**: written answers are completed with every excerpt of the extractive answer
  they do not state (quoted, cited, below the answer), and a sentence that only restates the question
  is dropped, and so is a yes or no in nothing but the question's words that no source sentence states
  ("Ja, man kann im offenen Verfahren … über den Preis verhandeln." over "Verhandlungen … sind
  unzulässig"; 4 of the 6 such verdicts on the yes/no tuning questions were wrong; docs/ANSWERS.md).
  An excerpt counts as stated only when the written answer has 80 % of its content terms and every value
  it states (similarity decides only across languages): with half of the terms, a shortened copy — a
  list without its last item, a fine without its second amount — hid what it dropped. Tuning part, over
  the same recorded model output: fact recall 0.829 → 0.850; answers 8 % longer (p50 1,126 → 1,277
  characters). Fact recall of written answers: blind held-out **0.877** vs 0.871 for the excerpts, with
  91.0 % of their sentences verified (before this coverage rule and the six excerpts 0.807 vs 0.822;
  dates 0.833 → 1.000, fact 0.913 → 0.978, multi-document 0.525 → 0.608, list 0.722 → 0.808); dev
  1.000 vs 1.000 with 96.9 % verified; `benchmarks/heldout_qa.jsonl` 0.950 vs 0.950 with 96 % (last measured before the
  re-ranking). Number words count as numbers in the check ("drei" = "3" = "three"), and a German
  paraphrase that restates a figure of its source passes from cosine 0.5, as an anchored English
  sentence does. They stay the default.
- **0.5B model** (`ASSISTANT_LLM=small`): faster, but weaker on the blind held-out part (same code, same
  Intel Xeon): first token p50 5.9 s against 9.3 s, but fact recall 0.857 (below the extractive 0.871)
  against 0.875, 0.851 of its sentences verified against 0.907, its own `[n]` markers right 0.235 against
  0.717, one answer in the wrong language. It matches the 1.5B model on the 18 dev questions, which are
  a smoke test. Not the default.
"""


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _missing(key: str) -> str:
    return f"_Not measured yet: run `{COMMANDS[key]}`._\n"


def _row(rows: list[dict], prefix: str) -> dict | None:
    return next((r for r in rows if r["configuration"].startswith(prefix)), None)


def retrieval_table(tables: dict[str, list[dict]]) -> str:
    """BM25 only / dense only / naive RRF / configured hybrid, for each table."""
    lines = []
    for title, rows in tables.items():
        lines += [f"**{title}**", "", "| configuration | n | recall@1 | recall@5 | MRR@10 |", "|---|---|---|---|---|"]
        for prefix in (*SINGLE, NAIVE, DEFAULT, RERANKED):
            row = _row(rows, prefix)
            if row:
                bold = "**" if prefix in (DEFAULT, RERANKED) else ""
                lines.append(f"| {bold}{row['configuration']}{bold} | {row['n']} | {row['hit@1']:.3f} | {row['hit@5']:.3f} | {row['mrr@10']:.3f} |")
        lines.append("")
    return "\n".join(lines)


def hybrid_claim(tables: dict[str, list[dict]]) -> str:
    """Whether the configured hybrid is at least as good as each single retriever, per table and metric."""
    verdicts = []
    for title, rows in tables.items():
        default = _row(rows, DEFAULT)
        singles = [r for r in (_row(rows, p) for p in SINGLE) if r]
        if not default or len(singles) < 2:
            continue
        ok = all(default[m] >= s[m] for s in singles for m in ("hit@1", "hit@5", "mrr@10"))
        best = {m: max(s[m] for s in singles) for m in ("hit@1", "hit@5", "mrr@10")}
        verdicts.append(
            f"- {title}: hybrid {default['hit@1']:.3f} / {default['hit@5']:.3f} / {default['mrr@10']:.3f} vs best single "
            f"{best['hit@1']:.3f} / {best['hit@5']:.3f} / {best['mrr@10']:.3f} (recall@1 / recall@5 / MRR@10) — "
            + ("**hybrid ≥ both single retrievers on every metric**" if ok else "hybrid below a single retriever on some metric")
            + (f"; re-ranked by the best sentence, as answers rank: {reranked['hit@1']:.3f} / {reranked['hit@5']:.3f} / "
               f"{reranked['mrr@10']:.3f}" if (reranked := _row(rows, RERANKED)) else "")
        )
    return "\n".join(verdicts)


def chunk_table(data: dict) -> str:
    lines = ["| chunk size | n | hit@1 | hit@5 | MRR@10 |", "|---|---|---|---|---|"]
    for title, rows in data["tables"].items():
        row = _row(rows, DEFAULT)
        if row:
            lines.append(f"| {title.split(', ', 1)[1]} | {row['n']} | {row['hit@1']:.3f} | {row['hit@5']:.3f} | {row['mrr@10']:.3f} |")
    return "\n".join(lines) + "\n"


def comparison(bench: dict, today: dict | None = None) -> str:
    """The done-when comparisons against the LangChain baseline, computed from bench.json."""
    base, ours, quality = bench.get("langchain_baseline", {}), bench.get("ingest_cold", {}), bench.get("retrieval_quality", {})
    if "ingest" not in base:
        return "_LangChain baseline not measured in this run._"
    speed = base["ingest"]["seconds"] / ours["seconds"]
    return "\n".join([
        f"- Retrieval hit@5 on the QA file: ours **{quality['hit@5']:.3f}**, LangChain **{base['hit@5']:.3f}** "
        f"(hit@1 {quality['hit@1']:.3f} vs {base['hit@1']:.3f}; MRR@10 {quality['mrr@10']:.3f} vs {base['mrr@10']:.3f}).",
        f"- Cold ingest of the default corpus with the same embedding model (LangChain on {bench['settings'].get('reference_backend') or bench['settings'].get('backend', 'torch')}): ours **{ours['seconds']:.0f} s** "
        f"({ours['chunks']} chunks), LangChain **{base['ingest']['seconds']:.0f} s** ({base['ingest']['chunks']} chunks): "
        f"ours is **{speed:.2f}×** as fast.",
        *_backend_lines(bench, today),
        f"- Re-ingest with the corpus unchanged: {bench['ingest_unchanged']['seconds']:.2f} s; a new index from the "
        f"embedding cache: {bench['ingest_from_cache']['seconds']:.1f} s (LangChain re-embeds everything every time).",
    ])


def _backend_lines(*runs: dict | None) -> list[str]:
    """One line per bench run that compared the embedding back end with PyTorch in the same run."""
    lines = []
    for bench in runs:
        ours, reference = (bench or {}).get("ingest_cold", {}), (bench or {}).get("ingest_cold_reference", {})
        if not reference:
            continue
        names = bench["settings"]
        quality, same = bench.get("retrieval_quality", {}), bench.get("retrieval_quality_reference", {})
        metrics = ("hit@1", "hit@5", "mrr@10")
        lines.append(
            f"- Embedding back end ({bench['machine']['cpu']}, {bench['machine']['date']}): cold ingest on "
            f"**{names['backend']}** {ours['seconds']:.0f} s, on **{names['reference_backend']}** {reference['seconds']:.0f} s: "
            f"**{reference['seconds'] / ours['seconds']:.2f}×** as fast in the same run; dev retrieval "
            f"{' / '.join(f'{quality[m]:.3f}' for m in metrics)} vs {' / '.join(f'{same[m]:.3f}' for m in metrics)} "
            "(hit@1 / hit@5 / MRR@10)" + (", unchanged." if all(quality[m] == same[m] for m in metrics) else ", **changed**."))
    return lines


def eval_section(results: Path) -> str:
    report = _load(results / "eval" / "report.json")
    if report is None:
        return _missing("eval")
    markdown = (results / "eval" / "report.md").read_text(encoding="utf-8")
    return (f"`assistant eval` over {report['summary'][report['modes'][0]]['n']} dev questions, k = {report['k']}; llm = the "
            "bundled Qwen2.5-Coder-1.5B-Instruct. The written-answer columns count claims verified against their "
            "sources; evidence = time to the extractive answer (sentence vectors already cached for llm rows, "
            f"which run after the extractive ones). Timings were taken on a 2-core AMD EPYC with no other jobs.\n\n{markdown}")


BACKEND_LABELS = {
    "torch_fp32_bs16_cpu": "PyTorch fp32 (what the product uses)",
    "ort_fp32": "ONNX Runtime fp32 (whole pipeline exported with torch.onnx)",
    "ort_qint8_avx512_vnni": "ONNX Runtime int8 dynamic quantisation",
    "ovraw_fp32": "OpenVINO, our exported graph, default precision (bf16 on this AMX CPU)",
    "ovraw_f32hint": "OpenVINO, our exported graph, forced f32",
    "ovraw_int8w": "OpenVINO, our exported graph, int8 weights (nncf)",
    "ov_fp32": "sentence-transformers backend=\"openvino\" (optimum-intel export)",
    "ov_st_f32hint": "sentence-transformers backend=\"openvino\", forced f32",
}


def backends_table(rows: list[dict[str, Any]]) -> str:
    """The back-end study's summary (benchmarks/embedder_backends): speed against quality, per variant."""
    lines = [
        "Measured while other jobs loaded the CPU, so the CPU-time ratio (chunks per CPU-second against torch fp32) is "
        "the fair speed figure; quality is the cosine to the torch fp32 vector of the same text and the overlap of the "
        "top-5 chunks for 40 queries. Details, failures and commands: "
        "[benchmarks/embedder_backends/README.md](../benchmarks/embedder_backends/README.md).",
        "",
        "| variant | CPU-time speed-up | query ms | doc cos mean / min | top-5 overlap |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        if r["name"] not in BACKEND_LABELS:
            continue  # timing-only reruns of the reference
        lines.append(f"| {BACKEND_LABELS[r['name']]} | {r.get('cpu_speedup', '–')}× | {r.get('query_ms', '–')} | "
                     f"{r.get('doc_cos_mean', '–')} / {r.get('doc_cos_min', '–')} | {r.get('overlap@5', '–')} |")
    return "\n".join(lines) + "\n"


def variants_table(data: dict[str, Any]) -> str:
    """How the OpenVINO embedder is fed (benchmarks/embed_variants.py): one row per variant."""
    m = data["machine"]
    lines = [
        f"{data['chunks']} random corpus chunks ({data['tokens_mean']} tokens on average, at most {data['tokens_max']}) "
        f"embedded with `{data['embedder']}` on OpenVINO {data['precision']}, the best of three passes per variant; "
        f"{m['cpu']}, {m['cores']} cores, {m['date']}.",
        "",
        "| variant | seconds | chunks/s | chunks per CPU-second |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['variant']} | {r['seconds']} | {r['chunks_per_s']} | {r['chunks_per_cpu_s']} |" for r in data["variants"]]
    return "\n".join(lines) + "\n"


def concurrency_table(data: dict[str, Any]) -> str:
    """One row per scenario of benchmarks/concurrency.py: latencies, queue, memory, correctness."""
    warmups = [w for sc in data["scenarios"].values() if (w := sc["summary"].get("evidence_warmup"))]
    seconds = sorted(w["seconds"] for w in warmups)
    warmup = (f" ({'/'.join(sorted({str(w['units']) for w in warmups}))} units in "
              f"{seconds[0]}{f'–{seconds[-1]}' if seconds[-1] != seconds[0] else ''} s, once after indexing)") if warmups else ""
    lines = [
        "Each session is a thread calling the web UI's chat callback, 8 at once; in the \"+upload\" scenarios a ninth "
        f"thread uploads a document at the same time (threads {data['settings']['threads']}, LLM answers up to "
        f"{data['settings']['llm_max_tokens']} tokens). The index is in the state the UI brings it to: the evidence units "
        "of every chunk warmed into the embedding cache"
        + warmup
        + "; each run (alone, at once, alone again) in a freshly built app. RSS growth: peak (VmHWM) during the "
        "run at once minus the resident memory before it (the process holds the earlier runs' apps too: Gradio "
        "keeps every built UI alive, so absolute figures would count them).",
        "",
        "| scenario | questions | first status p50 s | first content p50 / p95 s | total p50 / p95 s | same questions alone p50 / p95 s | "
        "p95 at once / alone | wall s | longest LLM queue | RSS growth MB | crashes | answers ≠ alone (of them another session's) | upload | index consistent |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, scenario in data["scenarios"].items():
        s = scenario["summary"]
        upload = s["upload"]
        uploaded = f"{upload.get('chunks', '?')} chunks in {upload.get('seconds', '?')} s, searchable: {upload.get('searchable')}" if upload else "–"
        ratio = s.get("total_p95_over_alone_p95")
        lines.append(
            f"| {name} | {s['turns']} | {s['first_status_s']['p50']:.2f} | {s['first_content_s']['p50']:.2f} / {s['first_content_s']['p95']:.2f} | "
            f"{s['total_s']['p50']:.2f} / {s['total_s']['p95']:.2f} | {s['sequential_total_s']['p50']:.2f} / {s['sequential_total_s']['p95']:.2f} | "
            f"{'–' if ratio is None else f'{ratio:.1f}×'} | {s['wall_s']:.1f} | {s['longest_queue']} | {s['peak_rss_mb'] - s['rss_before_mb']:.0f} | {s['crashes']} | "
            f"{len(s['not_matching_sequential'])} ({len(s.get('another_sessions_answer', []))}) | {uploaded} | {s['index_consistent']} |"
        )
    return "\n".join(lines) + "\n"


def first_evidence_text(data: dict[str, Any]) -> str:
    """Question → extractive evidence: cold, after the evidence warm-up, repeated."""
    rows = [("nothing cached (each question once)", data["cold"]), ("after the UI's evidence warm-up", data["warmed"]),
            ("the same questions again", data["repeated"])]
    lines = [
        f"{data['questions']} dev questions, `Answerer.gather` (retrieval of {data['rerank_candidates']} chunks, re-ranking, "
        f"refusal decision, evidence); {data['machine']}, {data['cores']} threads, {data['embedder']}. The warm-up embedded "
        f"{data['warmup']['units']} units in {data['warmup']['seconds']} s. Measured before the fused attention of the "
        "embedder (export format 5); the bench's \"Time to first evidence\" line above is after it (nothing cached).",
        "",
        "| state | p50 s | p95 s | max s |",
        "|---|---|---|---|",
    ]
    lines += [f"| {label} | {row['p50_s']:.3f} | {row['p95_s']:.3f} | {row['max_s']:.3f} |" for label, row in rows]
    return "\n".join(lines) + "\n"


def team_load_table(data: dict[str, Any]) -> str:
    """benchmarks/team_load.py: concurrent chats through the Gradio client against Chroma and model servers."""
    settings, seq, conc = data["settings"], data["sequential_s"], data["concurrent_s"]
    machine = data["machine"]
    return "\n".join([
        f"{settings['chats']} chats at once through `gradio_client`, logged in as {settings['users']} users, each asking one question "
        f"in llm mode; vectors on `{settings['chroma']}`, answers from {settings['model_server']} (up to {settings['max_tokens']} tokens); "
        f"{machine['cpu']}, {machine['cores']} cores, {machine['date']}.",
        "",
        "| chats | alone p50 / p95 s | concurrent p50 / p95 / max s | wall s | errors | answers ≠ alone | of them another chat's |",
        "|---|---|---|---|---|---|---|",
        f"| {settings['chats']} | {_num(seq['p50'], 1)} / {_num(seq['p95'], 1)} | {_num(conc['p50'], 1)} / {_num(conc['p95'], 1)} / "
        f"{_num(conc['max'], 1)} | {conc['wall']} | {len(data['errors'])} | {len(data['not_matching_reference'])} | "
        f"{len(data['another_chats_answer'])} |",
        "",
        f"One `llama_cpp.server` on {machine['cores']} cores writes one answer at a time: the wall time ({conc['wall']:.0f} s) is about "
        f"the chats one after another ({settings['chats']} × {seq['p50']:.1f} s = {settings['chats'] * seq['p50']:.0f} s), so the p95 grows "
        "with the number of chats. Shorter waits need a server with parallel slots (vLLM on a GPU) and `ASSISTANT_LLM_SLOTS` to match. "
        + ("Answers that differ from the chat alone differ in wording only (greedy decoding over a shared prompt cache); none is another chat's."
           if not data["another_chats_answer"] else f"**{len(data['another_chats_answer'])} answers are another chat's: mixing.**"),
    ]) + "\n"


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def chat_models_markdown(data: dict[str, Any]) -> str:
    """The side-by-side table of benchmarks/chat_models.py: written answers by model and prompt, extractive, raw llama.cpp."""
    m, s, q = data["machine"], data["settings"], data["questions"]
    refused = q["refused_by_retrieval"]
    loads = [r["load_1m"] for r in data["variants"].get("extractive", {}).get("runs", []) if r.get("load_1m") is not None]
    load = f"; 1-minute load average {min(loads):.1f}–{max(loads):.1f} when the questions started, of which this run's own {s['threads']} threads make up to {s['threads']}" if loads else ""
    lines = [
        f"Machine: {m.get('lscpu_model') or m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, no GPU; {m['date']}; "
        + (f"llama.cpp built for {m['llama_cpp_features']}; " if m.get("llama_cpp_features") else "")
        + (f"**shared**: other jobs could run on the same cores, so timings are noisy{load}."
           if m.get("shared") else f"CPU not shared with other jobs{load}.")
        + ("" if data.get("complete") else " **Partial run.**")
        + (f" Code: commit `{code['commit'][:7]}`" + (f" with uncommitted changes to {', '.join(f'`{f}`' for f in code['modified'])}"
                                                      if code.get("modified") else "") + "." if (code := data.get("code") or {}).get("commit") else ""),
        f"{q['measured']} of {q['answerable']} answerable questions of `{Path(s.get('questions_file') or '?').name}`"
        + (f" ({len(refused)} refused by retrieval and skipped: {', '.join(refused)})" if refused else "")
        + f"; k = {s['k']} sources, at most {s['max_new_tokens']} new tokens, {s['threads']} threads; every model read the "
        "fixed instructions before the first question. Times from the question (retrieval and evidence included); "
        "quality scored like `assistant eval` (a model's \"not in the sources\" counts as fact recall 0).",
        "",
        "| variant | model | questions | prompt tokens p50 | first token p50 / p95 s | total p50 / p95 s | tokens/s p50 | "
        "fact recall | verified sentences | model's [n] right | model refusals | fallbacks to excerpts | wrong language |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, v in data["variants"].items():
        if v.get("skipped"):
            lines.append(f"| {v['label']} | skipped: {v['skipped']} |" + " |" * 11)
            continue
        claims = f" ({v['verified']}/{v['claims']})" if v.get("claims") else ""
        first = f"{_num(v.get('first_token_s_p50'))} / {_num(v.get('first_token_s_p95'))}"
        total = f"{_num(v.get('total_s_p50'))} / {_num(v.get('total_s_p95'))}"
        lines.append(
            f"| {v['label']} | {v.get('model', '–')} | {v['questions']} | {_num(v.get('prompt_tokens_p50'), 0)} | {first} | {total} | "
            f"{_num(v.get('tokens_per_s_p50'))} | {_num(v.get('fact_recall'), 3)} | {_num(v.get('verified_share'), 3)}{claims} | "
            f"{_num(v.get('model_marker_accuracy'), 3)} | {_num(v.get('model_refusals'))} | {_num(v.get('fallbacks'))} | "
            f"{_num(v.get('wrong_language'))} |"
        )
    lines += ["", "Extractive: first token = the finished extractive answer with its sources. Raw llama.cpp: times from the "
              "completion call (prompt evaluation included), not from the question."]
    r = data.get("ratios") or {}
    if r:
        lines += ["", f"**Wrapper overhead** (ours / raw llama.cpp, same prompt tokens, question by question, {r['pairs']} pairs): "
                  f"first token ×{_num(r.get('first_token_ours_over_raw_p50'), 3)} (p50 of the ratios), decoding time "
                  f"×{_num(r.get('decode_time_ours_over_raw_p50'), 3)}, i.e. tokens/s ×{_num(r.get('tokens_per_s_ours_over_raw_p50'), 3)} "
                  f"(over the {r.get('same_text_pairs')} answers where both produced the same text)."]
    w = data.get("prefix_warm_up") or {}
    if w.get("with_prefill"):
        a, b = w["without_prefill"], w["with_prefill"]
        lines += ["", f"**Prefix warm-up** (fresh 1.5B model each, question {w['question']}, {a['prompt_tokens']} prompt tokens): "
                  f"first token {_num(a['first_token_s'])} s without, {_num(b['first_token_s'])} s after "
                  f"`model.prefill(instruction_prefix(\"de\"))` (which took {_num(b['prefill_s'])} s at start-up)."]
    levers = data.get("levers") or {}
    if levers.get("configs"):
        lines += ["", f"**llama.cpp levers** (raw llama.cpp, 1.5B, variant 1's first {levers['configs'][0]['questions']} prompts, "
                  f"up to {levers['max_tokens']} new tokens, instructions prefilled):", "",
                  "| configuration | first token p50 s | tokens/s p50 | total p50 s |", "|---|---|---|---|"]
        lines += [f"| {c['config']} | {_num(c['first_token_s_p50'])} | {_num(c['tokens_per_s_p50'])} | {_num(c['total_s_p50'])} |"
                  if not c.get("failed") else f"| {c['config']} | failed: {c['failed']} | | |" for c in levers["configs"]]
    return "\n".join(lines) + "\n"


def eval_rows(label_files: list[tuple[str, Path]], mode: str | None = None) -> str:
    """Summary rows of several `assistant eval` reports (``mode``, or the first mode of each)."""
    lines = ["| run | n | hit@1 | hit@5 | MRR@10 | citation hit | fact recall | refusal acc. |", "|---|---|---|---|---|---|---|---|"]
    for label, path in label_files:
        report = _load(path)
        if report is None or (mode is not None and mode not in report["modes"]):
            continue
        m = report["summary"][mode or report["modes"][0]]
        lines.append(f"| {label} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} | "
                     f"{m['citation_hit_rate']:.3f} | {m['fact_recall']:.3f} | {m['refusal_accuracy']:.3f} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


#: The changes measured on the tuning part of the blind set, in the order they were made (file stem → label).
BLIND_STEPS = {
    "0-base": "before (commit 7b5d9ee)",
    "1-value-refusal": "+ refuse when no chosen sentence states the value asked for",
    "2-list-units": "+ a list is one unit with the sentence it completes",
    "3-colon-intro": "+ an intro ending in \":\" keeps its items across a blank line",
    "4-card-tables-and-parts": "+ PDF card tables as rows (re-indexed), + question parts searched separately",
    "5-named-evidence": "+ below the similarity floor, a hit that names everything asked counts",
    "6-value-check-whole-chunks": "+ the value check reads the whole chunks, not only the chosen sentences",
    "7-without-parts": "− question parts (worse on citations and facts)",
    "8-final": "− date questions in the value check (held-out: 2 false refusals); language detection",
    "x-part-seeds-rejected": "(rejected) + each part's best sentence always chosen",
    "9-amount-refusal": "+ a question for a sum of money needs an amount with its currency",
    "10-sentence-rerank": "+ 10 retrieved chunks re-ranked by their best sentence (weight 0.8), top 5 kept",
    "11-author-refusal": "+ \"Wer hat … verfasst?\" needs a statement of authorship (held-out unchanged)",
    "12-detail-kinds": "+ person, phone, e-mail, postal address, day kinds; heading numbers; address blocks; unknown words below 0.50",
    "13-expansion-parts": "+ funding vocabulary in the keyword query, two-part questions searched by part, 15 candidates",
    "14-more-evidence": "+ 6 excerpts quoted, the best 4 decide whether a detail asked for is stated",
    "15-margin": "+ excerpts within 0.25 of the best unit (was 0.12); the best 4 within 0.12 still decide a detail",
    "16-refusal-kinds": "+ the next round needs one still to come; a turnover is an amount",
    "17-two-part-kinds": "+ a detail kind per question of a two-part sentence; average, time of day, ministry; more roles",
    "18-named-programme": "+ pay grade; a value counts only in a chunk that names the programme the question names by acronym",
    "19-places-findings": "+ a country, a city or a month by name; the findings of an evaluation",
    "20-to-date": "+ a running total (\"bisher\", \"so far\") needs a number stated as one",
    "21-records-units": "+ a record (\"the largest fine so far\") too; pages and points need a number in that unit; a day is no count",
    "22-styled-names": "+ a name styled as a brand (\"re:publica\", \"polisConvention\") counts as a named programme",
    "23-percent-millions": "+ a share (\"Wie viel Prozent …?\") needs a percentage or a fraction; \"800 million\" is \"800.000.000\"",
    "24-time-compounds": "+ units of time in compounds (\"wie vielen Arbeitsstunden\", \"zehn Arbeitstagen\")",
    "25-applicants": "+ a value stated per kind of applicant must be stated for the kind asked about (\"Landesamt\")",
    "26-full-financing": "+ \"100 Prozent\" in a question is stated by \"Vollfinanzierung\"",
}


#: The refusal changes measured on each supplementary tuning set that existed when they were made, in order:
#: (label, result file stem in the set's folder).
_LATER_STEPS = (
    ("+ pay grade, a value only where the named programme is", "named-programme"),
    ("+ a country, city or month by name, the findings of an evaluation", "places-findings"),
    ("+ a running total needs one stated", "to-date"),
    ("+ a record, pages and points in their unit, a day is no count", "records-units"),
    ("+ names styled as brands", "styled-names"),
    ("+ a share needs a percentage, amounts in millions", "percent-millions"),
    ("+ units of time in compounds", "time-compounds"),
    ("+ a value per kind of applicant for the kind asked about", "applicants"),
    ("+ \"100 Prozent\" stated by \"Vollfinanzierung\"", "full-financing"),
)


def _steps_after(stem: str) -> tuple[tuple[str, str], ...]:
    """The later steps made after the one whose result file is ``stem``: those a tuning set written then has seen."""
    return _LATER_STEPS[[s for _, s in _LATER_STEPS].index(stem) + 1:]


def _step_rows(folder: Path, steps: Sequence[tuple[str, str]]) -> list[tuple[str, Path]]:
    """The extractive rows of ``steps`` measured on one tuning set; the last is marked as the current state."""
    return [(f"{label}{': now' if n == len(steps) - 1 else ''} (extractive)", folder / f"{stem}.json")
            for n, (label, stem) in enumerate(steps)]


def written_rows(label_files: list[tuple[str, Path]]) -> str:
    """Written answers (llm mode) of several `assistant eval` reports side by side: quality and latency."""
    lines = ["| run | n | fact recall | refusal acc. | written answers | verified sentences | model's [n] right | "
             "wrong language | first token p50 s | total p50 / p95 s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for label, path in label_files:
        report = _load(path)
        if report is None or "llm" not in report["modes"]:
            continue
        m = report["summary"]["llm"]
        lines.append(f"| {label} | {m['n']} | {m['fact_recall']:.3f} | {m['refusal_accuracy']:.3f} | {m['written_answers']} | "
                     f"{_num(m.get('verified_share'), 3)} | {_num(m.get('model_marker_accuracy'), 3)} | {m['wrong_language']} | "
                     f"{_num(m.get('first_token_s_p50'))} | {_num(m.get('total_s_p50'))} / {_num(m.get('total_s_p95'))} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def _small_model(blind: Path) -> str:
    """The held-out part written by the small bundled model beside the default one (same code, same machine)."""
    small = blind / "heldout-small-model.json"
    if not small.is_file():
        return ""
    by_type = small.with_suffix(".md")
    return ("\n**Held-out part, the small chat model** (Qwen2.5-Coder-0.5B-Instruct, `ASSISTANT_LLM=small`), beside the "
            "last row of the default 1.5B model: the same code on the same machine (Intel Xeon, AVX-512 build, flash "
            "attention), run after it. Measured as the fast option; it is not the default.\n\n"
            + written_rows([("1.5B (default), + flash attention", blind / "heldout-flash-attention.json"),
                            ("0.5B (`ASSISTANT_LLM=small`)", small)])
            + ("\nThe small model by question type, both modes:\n\n" + by_type.read_text(encoding="utf-8")
               if by_type.is_file() else ""))


def blind_section(results: Path) -> str:
    """The blind set (eval/blind): held-out before/after in both modes, and each change on the tuning part."""
    blind = results / "blind"
    after = blind / "heldout-time-compounds.md"
    if not after.is_file():
        return _missing("blind")
    # The held-out runs since written answers were measured on it, in both modes (label, result file).
    both_modes = [("held-out, + funding vocabulary, two-part questions, 15 candidates", "heldout-expansion.json"),
                  ("held-out, + 6 excerpts, stricter coverage of written answers", "heldout-six.json"),
                  ("held-out, + excerpts within 0.25 of the best", "heldout-margin.json"),
                  ("(dropped) + a count must count the noun asked for, the next round, turnover", "heldout-counted-nouns.json"),
                  ("held-out, the next round and turnover kept, fused attention in the embedder, new index",
                   "heldout-after.json"),
                  ("held-out, + a kind per question of a two-part sentence, average, time of day, ministry",
                   "heldout-two-part-kinds.json"),
                  ("held-out, + pay grade, a value only where the named programme is", "heldout-named-programme.json"),
                  ("held-out, + a country, city or month by name, the findings of an evaluation", "heldout-places-findings.json"),
                  ("held-out, + a running total needs one stated", "heldout-to-date.json"),
                  ("held-out, + a record, pages and points in their unit, a day is no count", "heldout-records-units.json"),
                  ("held-out, + names styled as brands", "heldout-styled-names.json"),
                  ("held-out, + a share needs a percentage, amounts in millions", "heldout-percent-millions.json"),
                  ("held-out, + units of time in compounds", "heldout-time-compounds.json"),
                  # extractive only (llm not re-run: refusals come before generation); eval_rows leaves it out of llm
                  ("held-out, + a value per kind of applicant for the kind asked about", "heldout-applicants.json"),
                  ("held-out, + a value per kind of applicant, \"100 Prozent\" stated by \"Vollfinanzierung\" "
                   "(on the Intel Xeon)", "heldout-full-financing.json"),
                  ("held-out, same code, llama.cpp built for this CPU's AVX-512 by the set-up (on the Intel Xeon)",
                   "heldout-cpu-build.json"),
                  ("held-out, + flash attention: now (on the Intel Xeon)", "heldout-flash-attention.json")]
    held = eval_rows([("held-out, before (extractive)", blind / "heldout-before.json"),
                      ("held-out, after the refusal and evidence-unit changes (extractive)", blind / "heldout-evidence-units.json"),
                      ("held-out, + sentence re-ranking (extractive)", blind / "heldout-rerank.json"),
                      ("held-out, + author refusal, number words, citation fixes (extractive)", blind / "heldout-author.json"),
                      ("held-out, + detail kinds, address blocks, unknown words below 0.50 (extractive)", blind / "heldout-detail-kinds.json"),
                      ("held-out, + still-valid years, length questions — not blind, see below (extractive)", blind / "heldout-nonblind-fixes.json"),
                      *[(f"{label} (extractive)", blind / name) for label, name in both_modes]])
    held_written = eval_rows([(f"{label} (llm)", blind / name) for label, name in both_modes], "llm")
    steps_written = eval_rows([("before: 4 excerpts, a written sentence covers an excerpt with half its terms (llm)", blind / "tune" / "13-written.json"),
                               ("+ 6 excerpts, 80 % of the terms and every value, similarity only across languages (llm)",
                                blind / "tune" / "14-more-evidence.json"),
                               ("+ excerpts within 0.25 of the best (llm)", blind / "tune" / "15-margin.json"),
                               ("+ the next round, turnover (llm)", blind / "tune" / "16-refusal-kinds.json")], "llm")
    steps = eval_rows([(label, blind / "tune" / f"{stem}.json") for stem, label in BLIND_STEPS.items()])
    extra = eval_rows([("before the detail kinds (commit 3579c17, extractive)", blind / "tune-extra" / "before.json"),
                       ("after the detail kinds (extractive)", blind / "tune-extra" / "detail-kinds.json"),
                       ("+ funding vocabulary, two-part questions, 15 candidates (extractive)", blind / "tune-extra" / "expansion.json"),
                       ("+ 6 excerpts, the best 4 decide whether a detail is stated (extractive)", blind / "tune-extra" / "six.json"),
                       ("+ excerpts within 0.25 of the best (extractive)", blind / "tune-extra" / "margin.json"),
                       ("+ the next round, turnover (extractive)", blind / "tune-extra" / "after.json"),
                       ("+ a kind per question of a two-part sentence, average, time of day, ministry (extractive)",
                        blind / "tune-extra" / "two-part-kinds.json"),
                       *_step_rows(blind / "tune-extra", _LATER_STEPS)])
    near = eval_rows([("before (extractive)", blind / "tune-near" / "before.json"),
                      ("+ a kind per question of a two-part sentence, average, time of day, ministry (extractive)",
                       blind / "tune-near" / "after.json"),
                      *_step_rows(blind / "tune-near", _LATER_STEPS)])
    near_types = blind / "tune-near" / "styled-names.md"
    near2 = eval_rows([("first run, at the commit before any change made on it (extractive)", blind / "tune-near2" / "before.json"),
                       *_step_rows(blind / "tune-near2", _steps_after("styled-names"))])
    near2_types = blind / "tune-near2" / "before.md"
    extra_written = eval_rows([("+ funding vocabulary, two-part questions, 15 candidates (llm)", blind / "tune-extra" / "expansion-written.json"),
                               ("+ 6 excerpts, stricter coverage of written answers (llm)", blind / "tune-extra" / "six.json"),
                               ("+ excerpts within 0.25 of the best (llm)", blind / "tune-extra" / "margin.json"),
                               ("+ the next round, turnover: now (llm)", blind / "tune-extra" / "after.json")], "llm")
    extra_types = blind / "tune-extra" / "after.md"
    return ("196 questions written from the documents before any tuning (`eval/blind/README.md`): 81 to tune on, "
            "115 held out and evaluated once per change. k = 5; llm = the bundled Qwen2.5-Coder-1.5B-Instruct; timings on a "
            "2-core AMD EPYC.\n\n**Held-out part, before and after (summary, extractive):**\n\n" + held +
            "\nThe \"not blind\" row is the one exception. Its two fixes answer the two questions the held-out report "
            "showed refused although answerable: a year that frames a still-valid question (\"… im Jahr 2026 noch gültig?\") "
            "was refused because no source names the year, and \"Wie lang darf … sein?\" was taken for a question "
            "about a period. Both are general defects (tests with other wording), but they were found on the "
            "held-out part; the blind figure of that stop is the row before it (refusal 0.930 in both modes, "
            "`heldout-detail-kinds.md` by type). The rows after it are blind again: their changes were chosen on the "
            "tuning sets, and the held-out part was run once for each. The \"dropped\" row refused two more "
            "unanswerable and two answerable questions, all by the counted-noun rule (only the kind of refusal "
            "was looked at), so that rule was dropped; the two rules kept change no held-out answer (an "
            "extractive run after dropping it gave every answer unchanged). The last rows ran after the embedder's "
            "fused attention (export format 5) on an index built with it: 17 extractive answers differ in wording "
            "or order of excerpts (near-ties of the vectors), no figure but written fact recall (0.877 → 0.875) "
            "moved. The kinds chosen on the second supplementary tuning set (a kind per question of a two-part sentence, "
            "average, time of day, ministry, more roles) changed no held-out answer's refusal, facts or retrieval: "
            "the held-out near-domain questions still answered take other forms. The next change (a pay grade, and a "
            "value counts only in a chunk that names the programme the question names by acronym) refused two more "
            "near-domain questions in both modes and no answerable one: refusal 0.939 → 0.957. A country, a city or a month "
            "by name and the findings of an evaluation (kinds one held-out question asks for) refused one more near-domain "
            "question in both modes and no answerable one: 0.957 → 0.965. A running total needing a number stated as one "
            "changed no held-out answer's refusal, facts or retrieval; nor did a record, pages and points in their unit and "
            "a date to the day that no longer counts as a number (the latencies of that run are within 4 % of the one "
            "before), nor a name styled as a brand counting as a named programme (its latencies are 4-7 % higher: "
            "tuning runs shared the two cores with it), nor a share needing a percentage and amounts in millions, nor "
            "units of time in compounds. First token p50 over the four runs of this stop: 6.52, 6.79, 6.64 and 6.97 s; "
            "the second and the last shared the cores with other work, the first and third ran alone. A value stated per kind "
            "of applicant needing the kind asked about (\"Landesamt\" over the rates of companies, universities and "
            "municipalities) changed no held-out answer either: its extractive run (on a 2-core Intel Xeon with AMX, "
            "like its tuning runs; quality figures do not depend on the machine, and a run of the commit before it there "
            "gave the same refusals and facts as on the EPYC) has every refusal and fact recall of the run before, and "
            "llm mode was not re-run, since refusals are decided before any generation. Nor did \"100 Prozent\" in a question "
            "stated by \"Vollfinanzierung\": the last row ran both modes on the Intel Xeon. Every held-out question keeps "
            "its refusal in both modes; written answers differ in 3 questions (greedy decoding on another CPU), fact recall "
            "0.875 → 0.877, verified 0.909 → 0.919. Its latencies are the Intel Xeon's, not comparable with the rows "
            "before: first token p50 16.3 s, total p50 23.2 s, p95 46.4 s, against 6.97 / 9.59 / 21.2 s for the run "
            "before on the EPYC (different machines: no ratio is drawn). On the Intel Xeon llama.cpp read a 600-token prompt in "
            "16.9 s (35 tokens/s, measured directly); the portable AVX2 build uses neither its AVX-512 nor its AMX. "
            "The set-up now builds llama.cpp a second time for the CPU's own features where it has more than AVX2, and keeps "
            "that build when it runs and reads prompts at least 10 % faster (README); on the Intel Xeon it chose AVX-512 with "
            "VNNI and BF16 (73.1 instead of 43.8 prompt tokens/s in its check). The last row is that build, same code, same "
            "machine: every held-out question keeps its refusal in both modes and every extractive answer is identical; 40 "
            "written answers differ in wording (other floating-point kernels under greedy decoding), fact recall 0.877 → 0.880, "
            "verified 0.919 → 0.941. First token p50 16.3 → 10.6 s, total p50 23.2 → 17.0 s, p95 46.4 → 38.3 s (two runs "
            "on one machine, an hour apart; the machine's own speed varied by up to a fifth between runs of one build). "
            "The next row turns on llama.cpp's flash attention (llama.cpp's own default, which llama-cpp-python leaves off; "
            "`ASSISTANT_LLM_FLASH_ATTENTION`), same machine, 40 minutes later: every refusal and extractive answer unchanged, "
            "37 written answers differ in wording, fact recall 0.880 → 0.875, verified 0.941 → 0.907 (within the range the "
            "same code gave on other kernels: 0.909 on the EPYC, 0.919 and 0.941 here); first token p50 10.6 → 9.3 s "
            "(over the 98 written answers alone 11.4 → 9.7 s), total p50 17.0 → 15.1 s, p95 38.3 → 39.6 s.\n" +
            "\n**Held-out part, written answers (llm mode):**\n\n" + held_written +
            _small_model(blind) +
            "\n**Held-out part after the changes, by question type, both modes:**\n\n" + after.read_text(encoding="utf-8") +
            "\n**Each change on the tuning part (extractive):**\n\n" + steps +
            "\n**Written answers on the tuning part** (the last two changes; the model's output for each prompt was "
            "recorded once and replayed for the variants, which greedy decoding makes exact: the rows after the first "
            "carry no timings; the 6 excerpts alone, over the same output, gave 0.829):\n\n"
            + steps_written +
            "\n**Supplementary tuning set** (`eval/blind/tune-extra.jsonl`, 60 questions written from the documents for "
            "the refusal boundary: 30 near-domain or out-of-domain, 30 answerable questions for the same kinds of "
            "detail). Tuned on, never held out; the kinds it covers were chosen after the held-out report listed "
            "near-domain failures (contacts, counts, prize money), so the held-out refusal figure after it is "
            "somewhat optimistic for those kinds.\n\n" + extra + "\nWritten answers (llm mode) on it:\n\n" + extra_written +
            ("\n**Supplementary tuning set after the changes, by question type (extractive):**\n\n"
             + extra_types.read_text(encoding="utf-8") if extra_types.is_file() else "") +
            "\n**Second supplementary tuning set** (`eval/blind/tune-near.jsonl`, 80 questions written from the documents "
            "by two helper sessions: 40 near-domain questions of the forms a consultant uses, 40 answerable look-alikes). "
            "Written because the earlier tuning sets' near-domain questions were all used up by the rules before; tuned on, "
            "never held out.\n\n" + near +
            ("\nBy question type after the change (extractive):\n\n" + near_types.read_text(encoding="utf-8")
             if near_types.is_file() else "") +
            "\n**Third supplementary tuning set** (`eval/blind/tune-near2.jsonl`, 80 questions written by two helper sessions "
            "who were asked for near-domain forms the earlier sets lack: a rate or limit for another group, an exception, "
            "another stage, a venue, a qualifier the text does not cover; 40 near-domain, 40 answerable look-alikes). Its "
            "first run measures the refusal rules on forms they were not written for: 12 of 40 near-domain questions "
            "refused (0.300), against 17 of 21 on the held-out part, and 2 answerable ones refused. Tuned on, never held "
            "out.\n\n" + near2 +
            ("\nBy question type, first run (extractive):\n\n" + near2_types.read_text(encoding="utf-8")
             if near2_types.is_file() else ""))


def build(results: Path) -> str:
    bench = _load(results / "bench.json")
    gemma, minilm = _load(results / "xquad-embeddinggemma.json"), _load(results / "xquad-minilm.json")
    dev, chunks = _load(results / "dev-retrieval.json"), _load(results / "chunks.json")
    concurrency, backends = _load(results / "concurrency.json"), _load(results / "embedder-backends.json")
    variants = _load(results / "embed-variants.json")
    # The same back-end comparison against PyTorch as configured before OpenVINO (batch 16): see COMMANDS.
    today = _load(results / "backend-vs-pytorch16.json")
    chat_models = _load(results / "chat-models.json")
    out = ["# Benchmarks", "", "Generated by `benchmarks/report.py` from the result files in `docs/benchmarks/`; every figure "
           "comes from a run on the machine named below. Timings are for that machine (2 CPU cores, no GPU); "
           "quality figures do not depend on it.", ""]
    if bench:
        m = bench["machine"]
        out += [f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, no GPU, {m['os']}, Python {m['python']}; "
                + (f"llama.cpp built for {m['llama_cpp_features']}; " if m.get("llama_cpp_features") else "")
                + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + f". Bench run {m['date']}.", ""]
    out += ["## Headline comparisons", ""]
    tables = (gemma or {}).get("tables", {})
    out += ["**Hybrid vs single retrievers (XQuAD-de, default embedder):**", "", hybrid_claim(tables) or _missing("xquad-gemma"), ""]
    out += ["**Our pipeline vs a standard LangChain pipeline (same embedding model):**", "", comparison(bench, today) if bench else _missing("bench"), ""]

    out += ["## What we chose from these measurements", "", CHOICES, ""]
    out += ["## Answer quality (`assistant eval`)", "", eval_section(results), ""]
    written = results / "heldout" / "written-answers.md"
    out += ["### Held-out questions (`benchmarks/heldout_qa.jsonl`, 44 questions, both modes)", "",
            written.read_text(encoding="utf-8") if written.is_file() else _missing("heldout-written"), ""]
    out += ["### Blind test set (`eval/blind/`)", "", blind_section(results), ""]
    out += ["## Written answers: models and prompts", "",
            chat_models_markdown(chat_models) if chat_models else _missing("chat-models"), ""]
    # An earlier run on the other 2-core machine (AMD EPYC, no AVX-512 build): the machines differ about 3x,
    # so its timings stand beside this run's, never in a ratio with them.
    epyc = _load(results / "chat-models-epyc.json")
    if epyc:
        out += ["### The same benchmark, an earlier run on the AMD EPYC", "", chat_models_markdown(epyc), ""]
    out += ["## Retrieval quality", "", "### XQuAD-de paragraph retrieval (240 paragraphs, 1,190 questions)", ""]
    for data, key in ((gemma, "xquad-gemma"), (minilm, "xquad-minilm")):
        out += [f"Embedder `{data['embedder']}`:" if data else "", "", retrieval_table(data["tables"]) if data else _missing(key), ""]
    out += ["### Dev set over the default corpus", "", retrieval_table(dev["tables"]) if dev else _missing("dev"), ""]
    out += ["### Chunk size (dev set, configured hybrid)", "", chunk_table(chunks) if chunks else _missing("chunks"), ""]
    sweep = results / "k-sweep"
    out += ["### Sources per answer (k), extractive answers, measured with the section path still in the embedding input", "",
            eval_rows([(f"{name} k={k}", sweep / f"{name}-k{k}.json") for name in ("dev", "heldout") for k in (3, 5, 8)]) or _missing("k-sweep"), ""]
    held = results / "heldout"
    out += ["### Embedding input: title + section path (before) vs. document title only (now), extractive answers", "",
            eval_rows([("dev, title + section path", sweep / "dev-k5.json"), ("dev, title only (default)", results / "eval" / "report.json"),
                       ("held-out, title + section path", held / "before-title-only.json"),
                       ("held-out, title only (default)", held / "after-title-only.json")])
            or _missing("heldout"), ""]

    out += ["## Speed and memory (`assistant bench`)", ""]
    bench_llm = (bench or {}).get("llm", {}).get("model")
    if bench_llm and chat_models and bench_llm not in {v.get("model") for v in chat_models["variants"].values()}:
        out += [f"The language-model rows of this run measured `{bench_llm}`, the chat model bundled at the time; "
                "the current models are measured under \"Written answers: models and prompts\".", ""]
    out += [(results / "bench.md").read_text(encoding="utf-8").replace("](latency-vs-corpus.png)", "](benchmarks/latency-vs-corpus.png)")
            if bench else _missing("bench"), ""]
    first = _load(results / "first-evidence.json")
    out += ["### Time to first evidence since the re-ranking (`benchmarks/first_evidence.py`)", ""]
    out += [first_evidence_text(first) if first else _missing("first-evidence"), ""]
    out += ["### Embedding backends: the study (EmbeddingGemma, Xeon with AMX)", "", backends_table(backends) if backends else _missing("backends"), ""]
    out += ["### Feeding the OpenVINO embedder: batch size, token budget, sorting, threads", "",
            variants_table(variants) if variants else _missing("embed-variants"), "", VARIANT_CHOICE, ""]
    out += ["### Concurrency (8 chat sessions at once, with and without an upload)", ""]
    out += [concurrency_table(concurrency) if concurrency else _missing("concurrency"), "", CONCURRENCY_NOTE, ""]
    team = _load(results / "team-load.json")
    out += ["### Team deployment (Chroma server, model server, logins)", ""]
    out += [team_load_table(team) if team else _missing("team-load"), ""]
    out += ["## Reproduce", "", "After `bash scripts/setup.sh --test`, from the repository root (quiet machine for timings):", "", "```bash"]
    out += [COMMANDS[k] for k in ("bench", "eval", "xquad-gemma", "xquad-minilm", "dev", "chunks", "k-sweep", "heldout", "heldout-written", "blind", "blind-small", "concurrency", "first-evidence", "backend-vs-pytorch16", "backends", "embed-variants", "chat-models", "team-load", "report")]
    out += ["```", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = parser.parse_args()
    args.out.write_text(build(args.results), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
