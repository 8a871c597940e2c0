"""Citation markers in generated answers: parsing, verification against sources, renumbering.

The language model is not trusted: every ``[n]`` must refer to a source that was actually given, and
a sentence that cites a source must be supported by it — lexically (shared content words, German
stemming) or semantically (embedding similarity to one of the source's sentences, which also covers
English answers over German sources). Unsupported citations are removed; a sentence that loses all of
its citations is flagged as unverified, never presented as cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..indexing.lexical import GermanAnalyzer
from ..messages import text
from ..text import split_sentences

# [1], [1, 2], [1][2], [1–3] and full-width variants the models sometimes emit.
_MARKER = re.compile(r"\[(\s*\d+(?:\s*[,;–-]\s*\d+)*\s*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+\s*")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")


def parse_markers(text: str) -> list[int]:
    """All source numbers cited in ``text``, in order of appearance (ranges expanded)."""
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1).strip()):
            if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                low, high = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                if 0 < high - low < 10:
                    numbers.extend(range(low, high + 1))
                    continue
            numbers.extend(int(x) for x in re.findall(r"\d+", part))
    return numbers


def strip_markers(text: str) -> str:
    """Text without citation markers (and without the space left before punctuation)."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _MARKER.sub("", text)).strip()


@dataclass(frozen=True)
class SentenceCheck:
    """Verification result of one answer sentence."""

    text: str  # the sentence without markers
    cited: tuple[int, ...]  # source numbers as written by the model
    supported: tuple[int, ...]  # the subset that is valid and supports the sentence
    dropped: tuple[int, ...]  # cited numbers that were unknown or unsupported

    @property
    def unverified(self) -> bool:
        """The sentence cited sources but none of them supports it."""
        return bool(self.cited) and not self.supported


@dataclass(frozen=True)
class VerifiedAnswer:
    """The answer after verification, with markers renumbered to 1..m in order of first use."""

    text: str
    sources: tuple[int, ...]  # original source numbers, position i ↔ new marker i+1
    sentences: tuple[SentenceCheck, ...]

    @property
    def supported_count(self) -> int:
        """Sentences with at least one supported citation."""
        return sum(1 for s in self.sentences if s.supported)

    @property
    def unverified_count(self) -> int:
        """Sentences whose citations were all dropped."""
        return sum(1 for s in self.sentences if s.unverified)


class SupportChecker:
    """Decides whether a source text supports a sentence.

    ``embed`` maps texts to L2-normalised vectors (the embedder's document side) and is only used
    when the lexical check fails, so German answers copied closely from sources cost no model call.
    """

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray] | None,
        lexical_threshold: float = 0.5,
        semantic_threshold: float = 0.6,
        min_terms: int = 3,
    ) -> None:
        self.embed = embed
        self.min_terms = min_terms
        self.lexical_threshold = lexical_threshold
        self.semantic_threshold = semantic_threshold
        self._analyzer = GermanAnalyzer()

    def lexical(self, sentence: str, source: str) -> float:
        """Share of the sentence's content terms that occur in the source.

        Sentences with fewer than ``min_terms`` content terms score 0: echoing one or two words of a
        source ("HACKED [1]") is not evidence, so such sentences must pass the semantic check.
        """
        terms = set(self._analyzer.terms(sentence))
        if len(terms) < self.min_terms:
            return 0.0
        return len(terms & set(self._analyzer.terms(source))) / len(terms)

    def semantic(self, sentence: str, source: str) -> float:
        """Highest cosine similarity between the sentence and any sentence of the source."""
        if self.embed is None:
            return 0.0
        parts = [s for line in source.splitlines() for s in split_sentences(line) if len(s.split()) >= 3] or [source]
        vectors = self.embed([sentence, *parts])
        return float(np.max(vectors[1:] @ vectors[0]))

    def supports(self, sentence: str, source: str) -> bool:
        """Whether ``source`` supports ``sentence``."""
        if self.lexical(sentence, source) >= self.lexical_threshold:
            return True
        return self.semantic(sentence, source) >= self.semantic_threshold


def answer_sentences(text: str) -> list[str]:
    """Split an answer into sentences, keeping markers attached to the sentence they follow."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for sentence in split_sentences(line):
            # Markers written after the period ("… gefördert. [2] Danach …") belong to the previous sentence.
            leading = _LEADING_MARKERS.match(sentence)
            if sentences and leading:
                sentences[-1] = f"{sentences[-1]} {leading.group(0).strip()}"
                sentence = sentence[leading.end():]
            if sentence.strip():
                sentences.append(sentence)
    return sentences


def verify(
    answer: str,
    sources: Sequence[str],
    checker: SupportChecker,
    language: str = "de",
    withhold: Callable[[str], bool] | None = None,
) -> VerifiedAnswer:
    """Check every cited sentence against its sources; drop bad markers, flag unverified sentences.

    ``sources[i]`` is the text of source number ``i + 1``. Numbers outside ``1..len(sources)`` are
    always dropped. Line structure (paragraphs, list items) of the answer is preserved. Sentences
    without a supported citation for which ``withhold`` is true (e.g. an echo of the system prompt)
    are left out of the text.
    """
    checks: list[SentenceCheck] = []
    order: list[int] = []
    out_lines: list[str] = []
    for line in answer.splitlines():
        if not line.strip():
            out_lines.append("")
            continue
        prefix = re.match(r"\s*(?:[-*•]|\d+[.)])\s+", line)
        head = prefix.group(0) if prefix else ""
        rendered: list[str] = []
        for sentence in answer_sentences(line[len(head):]):
            cited = tuple(dict.fromkeys(parse_markers(sentence)))
            plain = strip_markers(sentence)
            supported = tuple(
                n for n in cited if 1 <= n <= len(sources) and plain and checker.supports(plain, sources[n - 1])
            )
            checks.append(SentenceCheck(plain, cited, supported, tuple(n for n in cited if n not in supported)))
            for n in supported:
                if n not in order:
                    order.append(n)
            if not plain or (not supported and withhold is not None and withhold(plain)):
                continue
            if supported:
                marks = "".join(f"[{order.index(n) + 1}]" for n in supported)
                rendered.append(_attach(plain, marks))
            elif cited:
                rendered.append(_attach(plain, text("answer.unverified", language)))
            else:
                rendered.append(plain)
        if rendered:
            out_lines.append(head + " ".join(rendered))
    joined = "\n".join(out_lines).strip()
    return VerifiedAnswer(text=re.sub(r"\n{3,}", "\n\n", joined), sources=tuple(order), sentences=tuple(checks))


def _attach(sentence: str, marks: str) -> str:
    """Put markers before the sentence's final punctuation: "… gefördert [1]."."""
    match = re.search(r"([.!?…:;]+[\"'“”»«)]*)$", sentence)
    if match:
        return f"{sentence[: match.start()]} {marks}{match.group(1)}"
    return f"{sentence} {marks}"
