"""Retrieval metrics and the evaluation data formats (dev QA JSONL, XQuAD).

Gold matching follows ``shared/eval/README.md``: a chunk is a hit when one of the gold passages
appears in its text, both lower-cased with all whitespace and hyphens removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Iterable, Sequence

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


@dataclass(frozen=True)
class XQuADItem:
    """One XQuAD question with the id of the paragraph that holds its answer."""

    question_id: str
    question: str
    paragraph: int


def load_xquad(path: Path) -> tuple[list[str], list[XQuADItem]]:
    """Paragraph texts (in file order) and questions of an XQuAD (SQuAD 1.1 format) file."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs: list[str] = []
    items: list[XQuADItem] = []
    for article in data:
        for para in article["paragraphs"]:
            paragraphs.append(para["context"])
            for qa in para["qas"]:
                items.append(XQuADItem(qa["id"], qa["question"], len(paragraphs) - 1))
    return paragraphs, items
