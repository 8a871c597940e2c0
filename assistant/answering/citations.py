"""Citations of generated answers: parsing markers, attributing sentences to sources, renumbering.

The language model is not trusted: every sentence of a written answer is attributed to the source
that supports it — lexically (shared content words, German stemming) or semantically (embedding
similarity to one of the source's sentences, which also covers English answers over German sources)
— and every number, amount and date it states must occur in that source. The model's own ``[n]`` is
kept only when the checker agrees; a claim that no source supports is flagged, never shown as cited."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..indexing.lexical import GermanAnalyzer
from ..messages import text
from ..text import (
    asks_yes_or_no, number_occurs, number_word_values, numbers, numbers_stated, prose_language, quantities_stated,
    says_not_in_sources, split_sentences, value_numbers,
)

# [1], [1, 2], [1][2], [1–3] and full-width variants the models sometimes emit.
_MARKER = re.compile(r"\[(\s*\d+(?:\s*[,;–-]\s*\d+)*\s*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+\s*")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
# Words that give a yes/no answer or negate: they add information even to a sentence built from the question.
_POLARITY = re.compile(r"\b(?:ja|nein|nicht|kein\w*|nur|yes|no|not|only|none)\b", re.IGNORECASE)
#: A sentence that opens with a verdict: "Ja, …", "Nein – …", "Yes, …".
_VERDICT = re.compile(r"\s*(?:ja|nein|yes|no)\b[\s,.;:!–-]*", re.IGNORECASE)
#: Negations a verdict may add to the question's words ("No, a company cannot apply."), as analyzer terms; the
#: German ones ("nicht", "kein…") are stopwords and never terms.
_NEGATION_TERMS = frozenset({"not", "cannot"})
_NEGATION = re.compile(r"\b(?:nicht|kein\w*|nie|niemals|not|no|never|cannot)\b|n't\b", re.IGNORECASE)


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
    """Attribution of one answer sentence.

    ``cited`` are the source numbers the model wrote; ``supported`` the sources the sentence is
    attributed to: the cited ones that support it, or — when the model cited none that does — the
    source that supports it best, found by the checker (``attributed`` is then true). A sentence
    that states the sources do not answer the question (``not_in_sources``) is a statement about
    the sources, not a claim, and needs no citation.
    """

    text: str  # the sentence without markers
    cited: tuple[int, ...]
    supported: tuple[int, ...]
    dropped: tuple[int, ...]  # cited numbers that were unknown or do not support the sentence
    attributed: bool = False
    not_in_sources: bool = False
    #: Too little content to be checked ("Kurz gesagt:", "Ja."): neither cited nor flagged.
    connective: bool = False
    #: Only repeats the question (see :meth:`SupportChecker.restates`): no claim, left out of the answer.
    restatement: bool = False
    #: "Ja, man kann …" with the yes/no question's own words (see :meth:`SupportChecker.echoes_verdict`):
    #: a verdict no source states, left out of the answer.
    verdict_echo: bool = False

    @property
    def claim(self) -> bool:
        """A sentence that states something and so must be supported."""
        return not self.not_in_sources and not self.connective and not self.restatement and not self.verdict_echo

    @property
    def unverified(self) -> bool:
        """A claim that no source supports."""
        return self.claim and not self.supported

    @property
    def model_marker_right(self) -> bool | None:
        """Whether the model's own markers named a supporting source (None when it wrote none)."""
        return bool(set(self.cited) & set(self.supported)) if self.cited and self.claim else None


@dataclass(frozen=True)
class VerifiedAnswer:
    """The answer after attribution, with markers renumbered to 1..m in order of first use."""

    text: str
    sources: tuple[int, ...]  # original source numbers, position i ↔ new marker i+1
    sentences: tuple[SentenceCheck, ...]

    @property
    def supported_count(self) -> int:
        """Claims with at least one supporting source."""
        return sum(1 for s in self.sentences if s.claim and s.supported)

    @property
    def unverified_count(self) -> int:
        """Claims that no source supports (shown flagged)."""
        return sum(1 for s in self.sentences if s.unverified)

    @property
    def echoed_verdict(self) -> bool:
        """The model answered yes or no in the question's own words (the verdict was left out)."""
        return any(s.verdict_echo for s in self.sentences)

    @property
    def says_not_in_sources(self) -> bool:
        """The answer opens by saying the sources do not answer the question."""
        return bool(self.sentences) and self.sentences[0].not_in_sources

    def marker_stats(self) -> dict[str, int]:
        """How often the model cited by itself and how often its markers were right (for evaluation)."""
        judged = [s.model_marker_right for s in self.sentences if s.model_marker_right is not None]
        return {
            "claims": sum(1 for s in self.sentences if s.claim),
            "verified": self.supported_count,
            "model_marked": len(judged),
            "model_marked_right": sum(judged),
            "attributed_by_code": sum(1 for s in self.sentences if s.attributed and s.supported),
        }


class SupportChecker:
    """Decides whether a source text supports a sentence.

    ``embed`` maps texts to L2-normalised vectors (the embedder's document side) and is only used
    when the lexical check fails, so German answers copied closely from sources cost no model call.
    Vectors are remembered by text: one answer checks each of its sentences against several sources,
    and each source against several sentences, so without the memory the same source sentences would be
    embedded again for every sentence of the answer.
    """

    #: Texts remembered at most (then the memory starts over): a few answers' sources and sentences.
    MEMORY = 4096

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray] | None,
        lexical_threshold: float = 0.5,
        semantic_threshold: float = 0.6,
        min_terms: int = 3,
        coverage_threshold: float = 0.75,
        anchored_threshold: float = 0.5,
        coverage_share: float = 0.8,
    ) -> None:
        self.embed = embed
        self.coverage_share = coverage_share
        self.anchored_threshold = anchored_threshold
        self.coverage_threshold = coverage_threshold
        self.min_terms = min_terms
        self.lexical_threshold = lexical_threshold
        self.semantic_threshold = semantic_threshold
        self._analyzer = GermanAnalyzer()
        self._memory: dict[str, np.ndarray] = {}
        self._memory_lock = threading.Lock()

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        """``embed(texts)``, embedding only the texts not seen before (in one call).

        The checker is shared by all chat sessions: the memory is read and extended under a lock, the
        embedding itself runs outside it.
        """
        assert self.embed is not None
        with self._memory_lock:
            known = {t: self._memory[t] for t in texts if t in self._memory}
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            known.update(zip(new, self.embed(new)))
            with self._memory_lock:
                if len(self._memory) + len(new) > self.MEMORY:
                    self._memory.clear()
                self._memory.update((t, known[t]) for t in new)
        return np.stack([known[t] for t in texts])

    def content_terms(self, sentence: str) -> int:
        """How many distinct content terms (stemmed, no stop words) a sentence has."""
        return len(set(self._analyzer.terms(sentence)))

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
        vectors = self._vectors([sentence, *parts])
        return float(np.max(vectors[1:] @ vectors[0]))

    def restates(self, sentence: str, question: str) -> bool:
        """Whether ``sentence`` only repeats the question: every content word and number is the question's own.

        "Antragstellende müssen sich bei KI für das Gemeinwohl bekennen." answers "Zu welchen Werten müssen
        sich Antragstellende … bekennen?" with nothing, yet shares every word with a source that states the
        values. A yes, no or negation is new information ("Ja, Vereine können das beantragen."), so such a
        sentence is never a mere restatement, nor is one that picks a few of the question's words.
        """
        if not question or _POLARITY.search(sentence):
            return False
        terms, asked = set(self._analyzer.terms(sentence)), set(self._analyzer.terms(question))
        # Most of the question, not one option of it: "Antragstellende müssen ein Verein sein." picks an
        # answer from "… Verein oder GmbH?" with words of the question alone.
        return bool(terms) and terms <= asked and len(terms) >= 0.6 * len(asked) and all(
            number_occurs(n, question) for n in numbers(sentence)
        )

    def echoes_verdict(self, sentence: str, question: str, sources: Sequence[str]) -> bool:
        """Whether ``sentence`` answers a yes/no question with a yes or no that no source states, in
        nothing but the question's words.

        "Ja, man kann im offenen Verfahren über den Preis verhandeln." shares every word with a source
        that says "Verhandlungen … sind unzulässig": the words check out, the verdict is the model's own.
        On the tuning sets the 1.5B model wrote such a sentence for 6 of 17 yes/no questions, and 4 of
        the verdicts were wrong (docs/BENCHMARKS.md). A verdict a source sentence states with all its
        words and the same negation ("Nein, natürliche Personen sind nicht antragsberechtigt." over
        "Natürliche Personen sind nicht antragsberechtigt.") stands, and so does one that names the rule
        in words of its own ("Politische Parteien sind nicht antragsberechtigt."): both are checked like any claim.
        """
        lead = _VERDICT.match(sentence)
        if not question or lead is None or not asks_yes_or_no(question):
            return False
        body = sentence[lead.end():]
        terms, asked = set(self._analyzer.terms(body)), set(self._analyzer.terms(question))
        if not terms or not terms <= asked | _NEGATION_TERMS or not all(number_occurs(n, question) for n in numbers(sentence)):
            return False
        negated = bool(_NEGATION.search(body))
        return not any(
            terms <= set(self._analyzer.terms(part)) and bool(_NEGATION.search(part)) == negated
            for source in sources for part in split_sentences(source)
        )

    def supports(self, sentence: str, source: str) -> bool:
        """Whether ``source`` supports ``sentence``: every number the sentence states occurs in the source,
        and the source says the same (shared content terms, or a similar sentence)."""
        if not quantities_stated(sentence, source):
            return False  # an amount, date, year or count the source does not state is invented, however fluent
        if self.lexical(sentence, source) >= self.lexical_threshold:
            return True
        return self._similar_enough(sentence, source, self.semantic(sentence, source))

    def _similar_enough(self, sentence: str, source: str, similarity: float) -> bool:
        """Whether a sentence that shares too few words with ``source`` still says what it says.

        Across languages the embedder rates a faithful English rendering of a German sentence lower
        (0.52–0.59 for "The application must be filed by 31 October …" against "… spätestens bis zum 31.
        Oktober …"), so an English sentence passes from ``anchored_threshold`` on when it also carries
        something checkable that the source states: a number (all of them are checked already) or a
        name ("Mozilla Common Voice", "BMFSFJ"). A German paraphrase that restates a figure of the source
        ("kann höchstens drei Jahre lang gefördert werden" for "mit einer Laufzeit von maximal drei Jahren",
        0.52) passes the same way when it states a number; a name alone does not anchor it, since German
        sentences share the source's names whatever they claim. A sentence with neither needs
        ``semantic_threshold``.
        """
        if similarity >= self.semantic_threshold:
            return True
        if similarity < self.anchored_threshold:
            return False
        if prose_language(sentence) == "en":
            return _anchored(sentence, source)
        return bool(numbers(sentence) or number_word_values(sentence))

    def uncovered(self, answer: str, passages: Sequence[str]) -> list[int]:
        """Indexes of the ``passages`` whose content ``answer`` does not state.

        A passage is covered when ``coverage_share`` of its content terms occur in the answer and the
        answer states each of its values (the number is usually the fact: a passage on the 300.000-Euro
        rate is not covered by a sentence on 250.000 Euro). A small model shortens what it copies: a list
        without its last item, "… von bis zu 10000000 EUR" without "oder 2 % des Jahresumsatzes" still
        shares most words with the passage, so half of them (the earlier rule) let it cover the passage
        and the dropped item was lost (tuning part: fact recall of written answers 0.829 -> 0.850).
        An answer in another language than the passage shares few terms with it: there, an answer
        sentence as similar as ``coverage_threshold`` covers it, its values stated. Not for an answer in
        the passage's language: a sentence on the first of the DSGVO's principles was that similar to
        the passage on the last one.
        """
        shares = [self.lexical(passage, answer) for passage in passages]
        plain = strip_markers(answer)  # a marker [2] states no 2
        stated = [numbers_stated(value_numbers(passage), plain) for passage in passages]
        missing = [i for i, share in enumerate(shares) if share < self.coverage_share or not stated[i]]
        language = prose_language(answer)
        translated = [i for i in missing if stated[i] and shares[i] < self.lexical_threshold and prose_language(passages[i]) != language]
        sentences = [s for s in answer_sentences(answer) if len(s.split()) >= 3]
        if self.embed is None or not sentences or not translated:
            return missing
        vectors = self._vectors([strip_markers(s) for s in sentences] + [passages[i] for i in translated])
        similarity = vectors[len(sentences):] @ vectors[: len(sentences)].T
        covered = {i for i, row in zip(translated, similarity) if float(np.max(row)) >= self.coverage_threshold}
        return [i for i in missing if i not in covered]

    def best_source(self, sentence: str, sources: Sequence[str]) -> int | None:
        """The 1-based number of the source that supports ``sentence`` best, or None if none does.

        Lexical overlap decides first (cheap, and exact for German answers copied from the sources);
        the embedder only ranks the sources when no source passes lexically.
        """
        eligible = [n for n, source in enumerate(sources, start=1) if quantities_stated(sentence, source)]
        if not eligible:
            return None
        lexical = {n: self.lexical(sentence, sources[n - 1]) for n in eligible}
        best = max(eligible, key=lambda n: lexical[n])
        if lexical[best] >= self.lexical_threshold:
            return best
        semantic = {n: self.semantic(sentence, sources[n - 1]) for n in eligible}
        best = max(eligible, key=lambda n: semantic[n])
        return best if self._similar_enough(sentence, sources[best - 1], semantic[best]) else None


# A name in an English sentence: a capitalised word of three or more letters that does not open it.
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][\wÄÖÜäöüß-]{2,}")


def _anchored(sentence: str, source: str) -> bool:
    """Whether ``sentence`` states a number, or a name that ``source`` contains (any case)."""
    if numbers(sentence) or number_word_values(sentence):
        return True
    folded = source.casefold()
    return any(name.casefold() in folded for name in _NAME.findall(sentence.strip()))


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


def attribute(
    answer: str,
    sources: Sequence[str],
    checker: SupportChecker,
    language: str = "de",
    withhold: Callable[[str], bool] | None = None,
    question: str = "",
) -> VerifiedAnswer:
    """Attribute every sentence of a generated answer to the sources that support it.

    ``sources[i]`` is the text of source number ``i + 1``. A small model often omits ``[n]`` or puts
    it on the wrong sentence, so markers are not trusted: a cited number is kept only when that
    source supports the sentence; otherwise the sentence is given the source that supports it best,
    and a claim that no source supports is shown flagged ("(nicht belegt)"), never as cited. Numbers
    outside ``1..len(sources)`` are always dropped. Line structure (paragraphs, list items) is kept.
    Unsupported sentences for which ``withhold`` is true (e.g. an echo of the instructions) are left
    out of the text. A sentence that only repeats ``question`` is no claim and is left out as well: it
    would pass the check against any source that answers the question.
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
            check = _check_sentence(sentence, sources, checker, question)
            if not check.text:
                continue
            checks.append(check)
            if check.restatement or check.verdict_echo:
                continue
            for n in check.supported:
                if n not in order:
                    order.append(n)
            if not check.supported and withhold is not None and withhold(check.text):
                continue
            if check.supported:
                rendered.append(_attach(check.text, "".join(f"[{order.index(n) + 1}]" for n in check.supported)))
            elif check.claim:
                rendered.append(_attach(check.text, text("answer.unverified", language)))
            else:
                rendered.append(check.text)
        if rendered:
            out_lines.append(head + " ".join(rendered))
    joined = "\n".join(out_lines).strip()
    return VerifiedAnswer(text=re.sub(r"\n{3,}", "\n\n", joined), sources=tuple(order), sentences=tuple(checks))


def _check_sentence(sentence: str, sources: Sequence[str], checker: SupportChecker, question: str = "") -> SentenceCheck:
    cited = tuple(dict.fromkeys(parse_markers(sentence)))
    plain = strip_markers(sentence)
    if not plain:
        return SentenceCheck(plain, cited, (), cited)
    if checker.restates(plain, question):
        return SentenceCheck(plain, cited, (), cited, restatement=True)
    if checker.echoes_verdict(plain, question, sources):
        return SentenceCheck(plain, cited, (), cited, verdict_echo=True)
    supported = tuple(n for n in cited if 1 <= n <= len(sources) and checker.supports(plain, sources[n - 1]))
    dropped = tuple(n for n in cited if n not in supported)
    if supported:
        return SentenceCheck(plain, cited, supported, dropped)
    if says_not_in_sources(plain):
        return SentenceCheck(plain, cited, (), dropped, not_in_sources=True)
    if not numbers(plain) and checker.content_terms(plain) < checker.min_terms:
        return SentenceCheck(plain, cited, (), dropped, connective=True)
    best = checker.best_source(plain, sources)
    return SentenceCheck(plain, cited, (best,) if best else (), dropped, attributed=best is not None)


def _attach(sentence: str, marks: str) -> str:
    """Put markers before the sentence's final punctuation: "… gefördert [1]."."""
    match = re.search(r"([.!?…:;]+[\"'“”»«)]*)$", sentence)
    if match:
        return f"{sentence[: match.start()]} {marks}{match.group(1)}"
    return f"{sentence} {marks}"
