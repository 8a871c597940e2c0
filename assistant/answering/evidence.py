"""Evidence: the sentences of the retrieved chunks that bear on the question, ranked once per question.

Both answer modes start here. The extractive answer quotes the best few units verbatim; the written
answer gives the language model the same units with their neighbouring sentences, grouped by source,
instead of whole chunks: a fraction of the prompt tokens, which is what a CPU spends its time on
before the first token (docs/BENCHMARKS.md measures both).

A unit is a sentence, or a line that introduces a list together with its items (see
:func:`evidence_units`). Units are embedded with the document side of the embedder and scored by
their similarity to the question plus a share of their chunk's retrieval score (the chunk as a whole
matched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..indexing.chunking import SECTION_SEPARATOR, Chunk
from ..text import split_sentences
from .retrieval import Hit


@dataclass(frozen=True)
class Unit:
    """One evidence unit: ``hit`` indexes the retrieved hits, ``position`` the unit within its chunk."""

    hit: int
    position: int
    text: str
    score: float


@dataclass(frozen=True)
class SourceExcerpt:
    """What the language model sees of one retrieved chunk: a few of its units, in document order."""

    hit: Hit
    units: tuple[str, ...]

    @property
    def text(self) -> str:
        """The excerpt as one passage (what a citation of this source is checked against)."""
        return " ".join(self.units)


class Evidence:
    """The scored units of the hits for one question (scores and vectors computed once, on creation)."""

    def __init__(
        self,
        hits: Sequence[Hit],
        query_vector: np.ndarray,
        embed: Callable[[Sequence[str], Sequence[str]], np.ndarray],
        chunk_weight: float,
        part_vectors: Sequence[np.ndarray] = (),
    ) -> None:
        """``embed(texts, titles)`` gives document vectors (the answerer passes the cached embedder).

        ``part_vectors`` are the vectors of a two-part question's parts (answering/decomposition.py):
        each part's best unit is always chosen, although it may score low against the question as a whole.
        """
        self.hits = list(hits)
        self._chunk_units = [chunk_units(h.chunk) for h in self.hits]
        flat = [(i, p, unit) for i, units in enumerate(self._chunk_units) for p, unit in enumerate(units)]
        self._vectors = embed([unit for _, _, unit in flat], [self.hits[i].chunk.embedding_title() for i, _, _ in flat])
        prior = chunk_weight * np.array([self.hits[i].score for i, _, _ in flat])
        scores = self._vectors @ query_vector + prior
        self.units = [Unit(i, p, unit, float(score)) for (i, p, unit), score in zip(flat, scores)]
        self._part_best = list(dict.fromkeys(int(np.argmax(self._vectors @ v + prior)) for v in part_vectors)) if flat else []

    def __bool__(self) -> bool:
        return bool(self.units)

    def best(self, limit: int, margin: float, diversity: float = 0.3) -> list[Unit]:
        """Up to ``limit`` relevant units that do not repeat each other, best first (maximal marginal relevance).

        Units scoring more than ``margin`` below the best one are never chosen.
        """
        if not self.units:
            return []
        scores = np.array([u.score for u in self.units])
        chosen: list[int] = []
        top = float(np.max(scores))
        candidates = [int(i) for i in np.argsort(-scores) if scores[i] >= top - margin]
        reserved = [i for i in self._part_best if i not in candidates[:1]][: max(0, limit - 1)]
        candidates = [i for i in candidates if i not in reserved]
        while candidates and len(chosen) < limit - len(reserved):
            def value(i: int) -> float:
                redundancy = max((float(self._vectors[i] @ self._vectors[j]) for j in chosen), default=0.0)
                return float(scores[i]) - diversity * redundancy

            pick = max(candidates, key=value)
            chosen.append(pick)
            candidates.remove(pick)
        return [self.units[i] for i in chosen + reserved]

    def excerpts(self, limit: int, margin: float, max_chars: int) -> list[SourceExcerpt]:
        """The model's sources: the best units, each with its neighbours, grouped by chunk.

        Chunks come in retrieval order, units in document order. A neighbouring sentence often holds
        the subject or the condition of the chosen one ("3.2 … nicht antragsberechtigt" after "3.1 …"),
        and a short chunk (a third of the budget or less) is given whole.
        Units are added best first until ``max_chars`` is reached, so a question costs a bounded
        number of prompt tokens whatever the chunk sizes.
        """
        picked: dict[int, set[int]] = {}
        used = 0
        for unit in self.best(limit, margin):
            units = self._chunk_units[unit.hit]
            if sum(len(u) + 1 for u in units) <= max_chars // 3:
                wanted = set(range(len(units)))  # a short chunk is one statement: give all of it
            else:
                wanted = {p for p in (unit.position - 1, unit.position, unit.position + 1) if 0 <= p < len(units)}
            new = wanted - picked.get(unit.hit, set())
            cost = sum(len(units[p]) + 1 for p in new)
            if used and used + cost > max_chars:
                # Fall back to the unit alone before giving up on it: it scored high enough to be chosen.
                new = {unit.position} - picked.get(unit.hit, set())
                cost = sum(len(units[p]) + 1 for p in new)
                if used + cost > max_chars:
                    continue
            picked.setdefault(unit.hit, set()).update(new)
            used += cost
        return [
            SourceExcerpt(self.hits[i], tuple(self._chunk_units[i][p] for p in sorted(positions)))
            for i, positions in sorted(picked.items())
        ]


def rerank(
    hits: Sequence[Hit], query_vector: np.ndarray, embed: Callable[[Sequence[str], Sequence[str]], np.ndarray], weight: float,
) -> list[Hit]:
    """``hits`` ordered by their fused score plus ``weight`` × the similarity of their best unit to the question.

    A chunk is embedded as a whole, so one sentence that answers the question is diluted by the rest of
    its chunk; the unit vectors (which the evidence needs anyway) let that sentence count. Ties keep the
    retrieval order; the hits themselves, scores included, are unchanged.
    """
    if weight <= 0 or len(hits) < 2:
        return list(hits)
    units = [chunk_units(h.chunk) for h in hits]
    flat = [(i, unit) for i, chunk in enumerate(units) for unit in chunk]
    best = np.zeros(len(hits))
    if flat:
        similarity = embed([u for _, u in flat], [hits[i].chunk.embedding_title() for i, _ in flat]) @ query_vector
        for (i, _), value in zip(flat, similarity):
            best[i] = max(best[i], float(value))
    order = sorted(range(len(hits)), key=lambda i: -(hits[i].score + weight * best[i]))
    return [hits[i] for i in order]


def innermost_heading(chunk: Chunk) -> str:
    """The chunk's own heading (the last part of its section path), which its text starts with."""
    return chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1]


def chunk_units(chunk: Chunk) -> list[str]:
    """The evidence units of one chunk (what :class:`Evidence` embeds and scores)."""
    return evidence_units(chunk.text, innermost_heading(chunk))


def evidence_units(text: str, heading: str = "") -> list[str]:
    """Sentences, lists and table rows of a chunk that can stand alone as evidence.

    The chunker keeps list items and table rows on their own line and separates paragraphs by a blank
    line, so a paragraph followed by single lines is a list with its intro ("Neben der CIP zählen
    hierzu" / "die KI-Ideenwerkstatt …"). Such a list is one unit with the sentence it completes —
    the items answer "Welche …?" only together — and an intro line ending in ":" is kept with the
    lines it introduces. An extract never shows an intro without the list or items without what they
    enumerate. Table rows stay one unit each (the loaders write each row self-contained), and so do
    long items such as the numbered clauses of a law. The chunk's leading ``heading`` line is
    context, not evidence, and is skipped.
    """
    lines = text.splitlines()
    if heading and lines and lines[0].strip() == heading.strip():
        lines = lines[1:]
    units: list[str] = []
    for group in _paragraphs(lines):
        intro, items = group[0], group[1:]
        if items and all(not _TABLE_ROW.search(i) and len(i) <= _LIST_ITEM_CHARS for i in items):
            sentences = [s for s in split_sentences(intro) if s.strip()] or [intro]
            units.extend(s for s in sentences[:-1] if len(s.split()) >= 4)
            units.extend(_list_units(sentences[-1], items))
        else:
            units.extend(_line_units(group))
    return units


def _paragraphs(lines: Sequence[str]) -> list[list[str]]:
    """Runs of non-blank lines (stripped), split at blank lines — except after a line ending in ":",
    which introduces what follows (a law's "(2) Folgende Stellen sind förderfähig:" and its items), and
    between the short lines such an intro is followed by: an address written one line per paragraph
    ("Bewilligungsbehörde ist:" / "Bundesamt für …" / "An den Gelenkbogenhallen 2–6" / "50679 Köln")
    is one statement, not three fragments too short to quote."""
    groups: list[list[str]] = [[]]
    after_blank = False
    for line in lines:
        line = line.strip()
        if not line:
            after_blank = True
            continue
        group = groups[-1]
        if after_blank and group and not (
            group[-1].endswith(":") or (_short_line(line) and _short_line(group[-1]) and any(g.endswith(":") for g in group))
        ):
            groups.append([])
        groups[-1].append(line)
        after_blank = False
    return [g for g in groups if g]


def _short_line(line: str) -> bool:
    """A line of an address or a name block: short, and no sentence."""
    return len(line) <= _BLOCK_LINE_CHARS and not line.endswith((".", "!", "?", ":"))


def _line_units(lines: Sequence[str]) -> list[str]:
    """Units of lines that are no short list: sentences, and an intro ending in ":" with what follows."""
    units: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.endswith(":") and i + 1 < len(lines):
            items = [line]
            i += 1
            while i < len(lines) and sum(map(len, items)) < 500 and not lines[i].endswith(":"):
                items.append(lines[i])
                i += 1
                if lines[i - 1].endswith("."):
                    break
            units.append(" ".join(items))
            continue
        units.extend(s for s in split_sentences(line) if len(s.split()) >= 4)
        i += 1
    return units


# Rows of a table as the loaders write them: cells joined by " | " (Markdown, HTML) or " — " (PDF cards).
_TABLE_ROW = re.compile(r" \| | — ")
#: Lines of an address block are at most this long (street, postcode and place, a body's name).
_BLOCK_LINE_CHARS = 80
#: Longer lines are clauses that stand alone (the numbered items of a law), not items of a short list.
_LIST_ITEM_CHARS = 250
#: A list unit holds its intro and items up to about this many characters; a longer list is split into
#: several units, each with the intro again (an extract never shows items without what they enumerate).
_LIST_UNIT_CHARS = 600


def _list_units(intro: str, items: Sequence[str]) -> list[str]:
    """``intro`` and ``items`` as units of at most about :data:`_LIST_UNIT_CHARS` characters each."""
    units: list[str] = []
    current: list[str] = []
    for item in items:
        if current and sum(len(part) + 1 for part in [intro, *current, item]) > _LIST_UNIT_CHARS:
            units.append(" ".join([intro, *current]))
            current = []
        current.append(item)
    if current:
        units.append(" ".join([intro, *current]))
    return units
