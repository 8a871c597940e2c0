"""Answers with verified citations: retrieve → decide evidence → extract or generate → verify.

Two modes:

* ``extractive`` ("Belegstellen"): the answer is composed only of the most relevant sentences of
  the retrieved chunks, ranked by the embedder, each with its ``[n]``. Deterministic, no language
  model, cannot invent anything. Default when only the bundled base model is available.
* ``llm``: a local GGUF model answers from numbered sources; every citation is then checked
  (:mod:`assistant.answering.citations`). If no sentence of the generated answer is supported by its sources,
  the extractive answer is shown instead, so an unreliable model never presents invented facts as
  cited.

Grounding never depends on the model: the refusal decision is made from retrieval scores before
any generation, and source texts are passed as quoted data that cannot open a new turn.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator, Literal, Sequence

import numpy as np

from ..config import AnswerParams
from ..indexing.chunking import SECTION_SEPARATOR
from .citations import SupportChecker, verify
from ..messages import text
from ..text import STOPWORDS, detect_language, split_sentences
from .prompting import FittedPrompt, Message, fit_messages
from .retrieval import Hit

if TYPE_CHECKING:
    from ..indexing.embeddings import Embedder
    from .llm import ChatModel
    from .retrieval import Retriever

Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer, with the exact chunk text and the cited passages in it."""

    n: int
    source: str
    title: str
    page: int | None
    section: str
    text: str
    quotes: tuple[str, ...] = ()

    def label(self, language: str = "de") -> str:
        """"Title, S. 4 — Section" for source lists."""
        page = text("answer.page", language, page=self.page) if self.page else ""
        section = f" — {self.section}" if self.section else ""
        return f"{self.title}{page}{section}"


@dataclass
class Answer:
    """The result of :meth:`Answerer.ask` (serialised by :meth:`to_json` per the eval contract)."""

    question: str
    text: str
    refused: bool
    mode: Mode
    language: str
    citations: list[Citation]
    retrieved: list[Hit]
    notice: str = ""  # shown above the answer: why this mode, or why the LLM answer was replaced
    timings: dict[str, float | int | None] = field(default_factory=dict)
    unverified_sentences: int = 0

    def to_json(self, question_id: str | None = None) -> dict[str, Any]:
        """The evaluation contract's answer object."""
        return {
            "id": question_id,
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "language": self.language,
            "notice": self.notice,
            "unverified_sentences": self.unverified_sentences,
            "citations": [
                {"n": c.n, "source": c.source, "title": c.title, "page": c.page, "section": c.section,
                 "text": c.text, "quotes": list(c.quotes)}
                for c in self.citations
            ],
            "retrieved": [h.to_json() for h in self.retrieved],
            "timings": self.timings,
        }


# Strings that would let a document close the data block and open a new turn of its own.
_TURN_TOKENS = re.compile(
    r"<\|?(?:im_start|im_end|start_of_turn|end_of_turn|eot_id|start_header_id|end_header_id|system|user|assistant|endoftext)\|?>"
    r"|</?s>|\[/?INST\]",
    re.IGNORECASE,
)
_TURN_LABEL = re.compile(r"^(\s*)(Frage|Antwort|Question|Answer|System|User|Assistant)\s*:", re.IGNORECASE | re.MULTILINE)


def quote_source(text: str) -> str:
    """Source text made inert as prompt data: no chat-template tokens, no line that looks like a turn label."""
    return _TURN_LABEL.sub(r"\1\2 -", _TURN_TOKENS.sub(" ", text))


def format_source(n: int, hit: Hit) -> str:
    """A numbered source for the prompt: "[n] Title, S. 4 — Section\\n<text>"."""
    chunk = hit.chunk
    # German in both prompts: the sources are German documents, and the prompt format is calibrated.
    page = text("answer.page", "de", page=chunk.page) if chunk.page else ""
    section = f" — {chunk.section}" if chunk.section else ""
    return f"[{n}] {quote_source(chunk.title)}{page}{quote_source(section)}\n{quote_source(chunk.text)}"


class Answerer:
    """Answers questions from a :class:`~assistant.answering.retrieval.Retriever`.

    ``chat_model`` is a zero-argument factory so the GGUF loads only when a question needs it;
    ``default_mode`` is the mode used when a caller does not choose one.
    """

    def __init__(
        self,
        retriever: "Retriever",
        embedder: "Embedder",
        chat_model: Callable[[], "ChatModel"] | None,
        default_mode: Mode,
        params: AnswerParams,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self._chat_model = chat_model
        self.default_mode = default_mode
        self.params = params
        self.checker = SupportChecker(lambda texts: self.embedder.embed_documents(texts))

    def ask(
        self,
        question: str,
        mode: Mode | None = None,
        k: int | None = None,
        history: Sequence[Message] = (),
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer one question. ``on_token`` receives generated text as it streams (llm mode only)."""
        for event in self.stream(question, mode, k, history):
            if isinstance(event, Answer):
                return event
            if on_token:
                on_token(event)
        raise AssertionError("stream() ended without an answer")

    def stream(
        self,
        question: str,
        mode: Mode | None = None,
        k: int | None = None,
        history: Sequence[Message] = (),
    ) -> Iterator[str | Answer]:
        """Answer one question as events: generated text pieces (llm mode), then the final :class:`Answer`.

        The pieces are the model's raw output; the final answer is the verified text, which may differ
        (markers renumbered or removed, unsupported sentences flagged). Closing the iterator early
        stops generation and frees the model for the next request.
        """
        started = time.perf_counter()
        mode = mode or self.default_mode
        language = detect_language(question)
        k = k or self.params.k
        query_vector = self.embedder.embed_queries([question])[0]
        hits = self.retriever.search(question, k, query_vector=query_vector)
        timings: dict[str, float | int | None] = {"retrieval_s": round(time.perf_counter() - started, 4)}

        if not self.has_evidence(question, hits):
            answer = self._refusal(question, hits, mode, language)
        elif mode == "extractive":
            answer = self._extractive(question, hits, query_vector, language)
            answer.notice = text("answer.extractive_notice", language) if self.default_mode == "extractive" else ""
        else:
            answer = yield from self._generate(question, hits, query_vector, language, history, timings)
        now = time.perf_counter() - started
        timings.setdefault("first_token_s", round(now, 4))  # extractive: time to first evidence
        timings["total_s"] = round(now, 4)
        timings.setdefault("prompt_tokens", 0)
        timings.setdefault("completion_tokens", 0)
        answer.timings = timings
        yield answer

    def has_evidence(self, question: str, hits: Sequence[Hit]) -> bool:
        """Whether retrieval found enough to answer from.

        Two signals, calibrated in docs/ANSWERS.md: the best hit's cosine similarity, and — for German
        questions in the uncertain middle band — whether every name the question uses occurs in the
        corpus at all. Near-domain questions ("Förderquote beim EXIST-Gründerstipendium?") reach
        similarities like answerable ones, but name a programme the knowledge base never mentions.
        """
        if not hits:
            return False
        best = max(h.dense_score for h in hits)
        if best < self.params.min_evidence:
            return False
        if best >= self.params.sure_evidence or detect_language(question) != "de":
            return True
        return all(self.retriever.knows(name) for name in salient_names(question))

    # -- modes ------------------------------------------------------------------------------

    def _refusal(self, question: str, hits: Sequence[Hit], mode: Mode, language: str) -> Answer:
        nearest = distinct_sources(hits)[:3]
        lines = [text("answer.refusal", language)]
        if nearest:
            lines += ["", text("answer.nearest", language)] + [f"- {_label(h, language)}" for h in nearest]
        return Answer(question, "\n".join(lines), True, mode, language, [], list(hits))

    def _extractive(self, question: str, hits: Sequence[Hit], query_vector: np.ndarray, language: str) -> Answer:
        units = [
            (rank, unit)
            for rank, hit in enumerate(hits)
            for unit in evidence_units(hit.chunk.text, hit.chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1])
        ]
        if not units:
            return self._refusal(question, hits, "extractive", language)
        vectors = self.embedder.embed_documents([u for _, u in units], [hits[r].chunk.embedding_title() for r, _ in units])
        similarity = vectors @ query_vector
        p = self.params
        # Sentences from higher-ranked chunks get a bonus: the chunk as a whole matched the question.
        scores = similarity + p.chunk_weight * np.array([hits[r].score for r, _ in units])
        chosen = _mmr(scores, vectors, p.max_sentences, p.sentence_margin)
        numbers: dict[int, int] = {}
        lines = [text("answer.extractive_intro", language)]
        quotes: dict[int, list[str]] = {}
        for i in chosen:
            rank, unit = units[i]
            n = numbers.setdefault(rank, len(numbers) + 1)
            quotes.setdefault(rank, []).append(unit)
            lines.append(f"- „{unit}“ [{n}]")
        citations = [_citation(n, hits[rank], quotes[rank]) for rank, n in numbers.items()]
        return Answer(question, "\n".join(lines), False, "extractive", language, citations, list(hits))

    def prompt(
        self, model: "ChatModel", question: str, hits: Sequence[Hit], language: str, history: Sequence[Message] = ()
    ) -> FittedPrompt:
        """The messages llm mode sends to ``model`` for ``question`` with ``hits`` as sources."""
        sources = [format_source(n, hit) for n, hit in enumerate(hits, start=1)]
        return fit_messages(
            text("answer.system", language), sources, question, history, model.count_tokens, model.context_window,
            self.params.max_new_tokens, sources_header=text("answer.sources_header", language),
        )

    def _generate(
        self,
        question: str,
        hits: Sequence[Hit],
        query_vector: np.ndarray,
        language: str,
        history: Sequence[Message],
        timings: dict[str, float | int | None],
    ) -> Generator[str, None, Answer]:
        if self._chat_model is None:
            raise RuntimeError("llm mode requested but no chat model is configured")
        model = self._chat_model()
        fitted = self.prompt(model, question, hits, language, history)
        generation = model.stream(fitted.messages, self.params.max_new_tokens)
        pieces: list[str] = []
        try:
            for piece in generation:
                pieces.append(piece)
                yield piece
        finally:
            generation.close()  # also when the consumer stops early: frees the model for the next request
        stats = generation.stats
        timings.update(
            first_token_s=None if stats.first_token_s is None else round(timings["retrieval_s"] + stats.first_token_s, 4),  # type: ignore[operator]
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
        kept = list(hits[: fitted.kept_source_count])
        system = text("answer.system", language)
        verified = verify(
            "".join(pieces), [h.chunk.text for h in kept], self.checker, language,
            # The instructions are ours, not evidence: a model that echoes them must not show them.
            withhold=lambda sentence: self.checker.lexical(sentence, system) >= 0.6,
        )
        if verified.supported_count == 0:
            fallback = self._extractive(question, hits, query_vector, language)
            fallback.mode = "llm"
            fallback.notice = text("answer.fallback_notice", language)
            return fallback
        citations = []
        for new_n, old_n in enumerate(verified.sources, start=1):
            quotes = [s.text for s in verified.sentences if old_n in s.supported]
            citations.append(_citation(new_n, kept[old_n - 1], quotes))
        return Answer(
            question, verified.text, False, "llm", language, citations, list(hits),
            unverified_sentences=verified.unverified_count,
        )


_NAME = re.compile(r"[A-Za-zÄÖÜäöüß][\wÄÖÜäöüß]*(?:-[\wÄÖÜäöüß]+)*")


def salient_names(question: str) -> list[str]:
    """Words of a German question that name something: capitalised words after the first, acronyms.

    German capitalises nouns, so these are the question's topic words ("Förderquote",
    "EXIST-Gründerstipendium", "ZIM"); each part of a hyphenated word counts on its own.
    """
    names: list[str] = []
    for position, match in enumerate(_NAME.finditer(question)):
        for part in match.group(0).split("-"):
            acronym = sum(c.isupper() for c in part) >= 2
            if len(part) >= 3 and part.lower() not in STOPWORDS and (acronym or (position > 0 and part[0].isupper())):
                names.append(part)
    return names


def evidence_units(text: str, heading: str = "") -> list[str]:
    """Sentences and list items of a chunk that can stand alone as evidence.

    A line that introduces a list ("Gefördert werden:") is kept together with its items, so that an
    extract never shows an intro without the list or items without what they enumerate. The chunk's
    leading ``heading`` line is context, not evidence, and is skipped.
    """
    units: list[str] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if heading and lines and lines[0] == heading.strip():
        lines = lines[1:]
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


def _mmr(scores: np.ndarray, vectors: np.ndarray, limit: int, margin: float, diversity: float = 0.3) -> list[int]:
    """Maximal marginal relevance: relevant units that do not repeat each other, best first."""
    chosen: list[int] = []
    best = float(np.max(scores))
    candidates = [i for i in np.argsort(-scores) if scores[i] >= best - margin]
    while candidates and len(chosen) < limit:
        def value(i: int) -> float:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            return float(scores[i]) - diversity * redundancy

        pick = max(candidates, key=value)
        chosen.append(int(pick))
        candidates.remove(pick)
    return chosen


def _citation(n: int, hit: Hit, quotes: Sequence[str]) -> Citation:
    chunk = hit.chunk
    return Citation(n, chunk.source, chunk.title, chunk.page, chunk.section, chunk.text, tuple(quotes))


def distinct_sources(hits: Sequence[Hit]) -> list[Hit]:
    """Hits with distinct (document, page), best first: the "nearest sources" of a refusal."""
    seen: set[tuple[str, int | None]] = set()
    result = []
    for hit in hits:
        key = (hit.chunk.source, hit.chunk.page)
        if key not in seen:
            seen.add(key)
            result.append(hit)
    return result


def _label(hit: Hit, language: str) -> str:
    return _citation(0, hit, ()).label(language)
