"""Retrieval metrics and the evaluation data format (dev QA JSONL).

Gold matching follows ``shared/eval/README.md``: a chunk is a hit when one of the gold passages
appears in its text, both lower-cased with all whitespace and hyphens removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean
from typing import Any, Iterable, Sequence, TextIO

from .text import prose_language

#: A verbatim quote line ("- „…“ [2]"), as extractive answers and the evidence added to written ones have them.
_VERBATIM = re.compile(r"^- „.*“ \[\d+\]$", re.MULTILINE)

_IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011]+")


def normalize_for_match(text: str) -> str:
    """Lower-case and remove whitespace and hyphens (the contract's comparison form)."""
    return _IGNORED.sub("", text.lower())


def is_hit(text: str, gold: Sequence[str]) -> bool:
    """Whether a chunk text contains one of the gold passages."""
    haystack = normalize_for_match(text)
    return any(normalize_for_match(g) in haystack for g in gold if g.strip())


def first_hit_rank(texts: Sequence[str], gold: Sequence[str]) -> int | None:
    """1-based rank of the first hit, None if no text is a hit."""
    for rank, text in enumerate(texts, start=1):
        if is_hit(text, gold):
            return rank
    return None


@dataclass(frozen=True)
class RankingMetrics:
    """hit@1, hit@5 (recall@k for single-gold questions) and MRR@10 over a set of questions."""

    n: int
    hit1: float
    hit5: float
    mrr10: float

    @classmethod
    def from_ranks(cls, ranks: Iterable[int | None]) -> "RankingMetrics":
        """Aggregate 1-based first-hit ranks (None = not found)."""
        ranks = list(ranks)
        if not ranks:
            return cls(0, 0.0, 0.0, 0.0)
        return cls(
            n=len(ranks),
            hit1=mean(1.0 if r == 1 else 0.0 for r in ranks),
            hit5=mean(1.0 if r is not None and r <= 5 else 0.0 for r in ranks),
            mrr10=mean(1.0 / r if r is not None and r <= 10 else 0.0 for r in ranks),
        )

    def row(self) -> str:
        """A Markdown table row fragment: n | hit@1 | hit@5 | MRR@10."""
        return f"{self.n} | {self.hit1:.3f} | {self.hit5:.3f} | {self.mrr10:.3f}"


def load_jsonl(path: Path) -> list[dict]:
    """All JSON objects of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fact_recall(answer: str, facts: Sequence[Sequence[str]]) -> float | None:
    """Covered fact groups / all groups (a group is covered when the answer contains any of its strings)."""
    if not facts:
        return None
    lowered = answer.lower()
    return sum(any(alt.lower() in lowered for alt in group) for group in facts) / len(facts)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class QuestionResult:
    """One question's outcome in one mode."""

    id: str
    type: str
    refused: bool
    should_refuse: bool
    retrieval_rank: int | None  # first gold hit among retrieved chunks (None: none, or no gold)
    citation_hit: bool | None  # a cited chunk contains gold (None when not applicable)
    citations_valid: bool  # every citation points to a retrieved source
    fact_recall: float | None
    first_token_s: float | None
    total_s: float
    #: What the user saw: "llm" for a written answer, "extractive" for excerpts (also after a fallback).
    shown_mode: str = "extractive"
    #: A written answer is in the question's language (None for excerpts and refusals by retrieval).
    language_ok: bool | None = None
    #: Written answers: claims, the claims attributed to a supporting source, and the model's own markers.
    claims: int = 0
    verified: int = 0
    model_marked: int = 0
    model_marked_right: int = 0
    evidence_s: float | None = None


def score_answer(item: dict, answer: dict) -> QuestionResult:
    """Score one answer object (the JSON contract) against a dev-QA item."""
    gold = item.get("gold") or []
    should_refuse = item.get("type") == "refuse"
    retrieved = [r["text"] for r in answer["retrieved"]]
    retrieved_texts = set(retrieved)
    citations = answer["citations"]
    cited = [c["text"] for c in citations]
    attribution = answer.get("attribution") or {}
    return QuestionResult(
        id=item["id"],
        type=item.get("type", ""),
        refused=bool(answer["refused"]),
        should_refuse=should_refuse,
        retrieval_rank=first_hit_rank(retrieved, gold) if gold else None,
        citation_hit=(any(is_hit(t, gold) for t in cited) if gold and not answer["refused"] else None),
        citations_valid=all(t in retrieved_texts for t in cited),
        fact_recall=None if answer["refused"] and not should_refuse else fact_recall(answer["answer"], item.get("facts") or []),
        first_token_s=answer["timings"].get("first_token_s"),
        total_s=float(answer["timings"]["total_s"]),
        shown_mode=answer.get("mode", "extractive"),
        # Verbatim quote lines (the evidence a written answer adds) are in the documents' language by design.
        language_ok=(prose_language(_VERBATIM.sub(" ", answer["answer"])) == answer.get("language", "de"))
        if answer.get("mode") == "llm" else None,
        claims=attribution.get("claims", 0),
        verified=attribution.get("verified", 0),
        model_marked=attribution.get("model_marked", 0),
        model_marked_right=attribution.get("model_marked_right", 0),
        evidence_s=answer["timings"].get("evidence_s"),
    )


def summarize(results: Sequence[QuestionResult]) -> dict:
    """Aggregate metrics over question results (answerable questions for retrieval/citation/facts)."""
    answerable = [r for r in results if not r.should_refuse]
    ranked = [r.retrieval_rank for r in answerable]
    retrieval = RankingMetrics.from_ranks(ranked)
    citation = [r.citation_hit for r in answerable if r.citation_hit is not None]
    facts = [r.fact_recall if r.fact_recall is not None else 0.0 for r in answerable if r.fact_recall is not None or r.refused]
    first = [r.first_token_s for r in results if r.first_token_s is not None]
    total = [r.total_s for r in results]
    return {
        "n": len(results),
        "answerable": len(answerable),
        "hit@1": retrieval.hit1,
        "hit@5": retrieval.hit5,
        "mrr@10": retrieval.mrr10,
        "citation_hit_rate": float(mean(citation)) if citation else None,
        "citations_valid": all(r.citations_valid for r in results),
        "fact_recall": float(mean(facts)) if facts else None,
        "refusal_accuracy": mean(1.0 if r.refused == r.should_refuse else 0.0 for r in results) if results else None,
        "false_refusals": sum(1 for r in answerable if r.refused),
        "missed_refusals": sum(1 for r in results if r.should_refuse and not r.refused),
        "written_answers": sum(1 for r in results if r.shown_mode == "llm"),
        "verified_share": (sum(r.verified for r in results) / claims) if (claims := sum(r.claims for r in results)) else None,
        "model_marker_accuracy": (sum(r.model_marked_right for r in results) / marked) if (marked := sum(r.model_marked for r in results)) else None,
        "wrong_language": sum(1 for r in results if r.language_ok is False),
        "evidence_s_p50": percentile([r.evidence_s for r in results if r.evidence_s is not None], 50),
        "first_token_s_p50": percentile(first, 50),
        "first_token_s_p95": percentile(first, 95),
        "total_s_p50": percentile(total, 50),
        "total_s_p95": percentile(total, 95),
    }


def evaluate_file(app: Any, items: Sequence[dict], modes: Sequence[str], k: int, out: Path, progress: TextIO | None = None) -> str:
    """Run every item through the answers' ranking (10 deep) and ask (each mode); write report.json/report.md; return the Markdown."""
    per_mode: dict[str, list[QuestionResult]] = {mode: [] for mode in modes}
    rows: list[dict] = []
    for number, item in enumerate(items, start=1):
        hits = app.answerer.ranked(item["q"], 10)
        rank = first_hit_rank([h.chunk.text for h in hits], item.get("gold") or []) if item.get("gold") else None
        row: dict[str, Any] = {"id": item["id"], "type": item.get("type", ""), "question": item["q"], "retrieval_rank": rank}
        for mode in modes:
            answer = app.answerer.ask(item["q"], mode=mode, k=k).to_json(item["id"])
            result = score_answer(item, answer)
            # Retrieval metrics use the 10-deep ranking, not the k sources of the answer.
            result.retrieval_rank = rank
            per_mode[mode].append(result)
            row[mode] = {**asdict(result), "answer": answer["answer"], "notice": answer["notice"]}
        rows.append(row)
        if progress:
            print(f"[{number}/{len(items)}] {item['id']}", file=progress, flush=True)
    summary = {mode: summarize(results) for mode, results in per_mode.items()}
    by_type = {
        mode: {t: summarize([r for r in results if r.type == t]) for t in sorted({r.type for r in results})}
        for mode, results in per_mode.items()
    }
    report = {"k": k, "modes": list(modes), "summary": summary, "by_type": by_type, "questions": rows}
    markdown = render_markdown(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(markdown, encoding="utf-8")
    return markdown


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


_COLUMNS = [
    ("n", "n"), ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("citation_hit_rate", "citation hit"),
    ("citations_valid", "citations valid"), ("fact_recall", "fact recall"), ("refusal_accuracy", "refusal acc."),
    ("written_answers", "written"), ("verified_share", "verified sentences"), ("wrong_language", "wrong language"),
    ("evidence_s_p50", "evidence p50 s"), ("first_token_s_p50", "first token p50 s"), ("total_s_p50", "total p50 s"),
    ("total_s_p95", "total p95 s"),
]


def render_markdown(report: dict) -> str:
    """Summary and per-type tables of an evaluation report."""
    header = "| mode | type | " + " | ".join(label for _, label in _COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(_COLUMNS) + 2)]
    for mode in report["modes"]:
        lines.append(f"| {mode} | **all** | " + " | ".join(_fmt(report["summary"][mode][key]) for key, _ in _COLUMNS) + " |")
        for type_, metrics in report["by_type"][mode].items():
            lines.append(f"| {mode} | {type_} | " + " | ".join(_fmt(metrics[key]) for key, _ in _COLUMNS) + " |")
    return "\n".join(lines) + "\n"
