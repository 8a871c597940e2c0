"""Answers with verified citations: retrieve → decide → evidence → (write) → attribute.

Every question first goes through :meth:`Answerer.gather`, which needs no language model: retrieval,
the refusal decision, and the evidence (the sentences of the hits that bear on the question). Its
extractive answer — verbatim units, each with its ``[n]`` — is shown at once.

* ``extractive`` ("Belegstellen"): that answer is final. Deterministic, cannot invent anything;
  the default when no instruct model is available.
* ``llm`` ("KI-Antwort"): :meth:`Answerer.write` gives an instruct model the same evidence (with
  neighbouring sentences, grouped by source) and streams its answer; every sentence is then
  attributed to the source that supports it and every number checked against that source
  (:mod:`assistant.answering.citations`). A model that says the sources do not answer the question
  gives a refusal; an answer of which nothing can be attributed is replaced by the extractive one.

Grounding never depends on the model: the refusal decision is made from retrieval before any
generation, and source texts are passed as quoted data that cannot open a new turn.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Sequence

import numpy as np

from ..config import AnswerParams
from ..indexing.embedding_cache import embed_documents_cached
from ..indexing.embeddings import QueryVectors
from .. import messages
from ..applicants import OtherApplicants, other_applicants_only
from ..messages import text
from ..text import (
    STOPWORDS, asked_details, asks_yes_or_no, detect_language, digits, number_compounds, number_occurs, numbers, says_not_in_sources,
    states_detail, unstated_numbers,
)
from ..programmes.dates import find_dates, format_date
from .citations import SupportChecker, VerifiedAnswer, attribute
from .decomposition import question_parts
from .evidence import Evidence, SourceExcerpt, Unit, chunk_units, innermost_heading, rerank
from .prompting import FittedPrompt, Message, fit_messages
from .retrieval import Hit
from .validity import depends_on_today

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk
    from ..indexing.embedding_cache import EmbeddingCache
    from ..indexing.embeddings import Embedder
    from .llm import ChatModel, GenerationStats
    from .retrieval import Retriever
    from .validity import Alert, ValidityNotes

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
    #: Written answers: claims, verified claims, and how often the model's own markers were right.
    attribution: dict[str, int] = field(default_factory=dict)
    #: Validity lines that open the answer (an expired guideline, a passed deadline), see answering/validity.py.
    alerts: list["Alert"] = field(default_factory=list)

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
            "attribution": self.attribution,
            "alerts": [a.to_json() for a in self.alerts],
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


def format_excerpt(n: int, excerpt: SourceExcerpt) -> str:
    """A numbered source for the prompt: "[n] Title, S. 4 — Section" and the excerpt's units."""
    chunk = excerpt.hit.chunk
    # German labels in both prompts: the sources are German documents.
    page = text("answer.page", "de", page=chunk.page) if chunk.page else ""
    heading = innermost_heading(excerpt.hit.chunk)
    section = f" — {heading}" if heading else ""
    return f"[{n}] {quote_source(chunk.title)}{page}{quote_source(section)}\n{quote_source(excerpt.text)}"


#: Markdown a code model likes to produce that has no place in a short advisory answer.
_CODE_FENCE = re.compile(r"^\s*```.*$", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def plain_answer(generated: str) -> str:
    """The model's text as plain sentences: no template tokens, code fences, headings, table rules or bold.

    Table rows become lines with their cells joined, so that their content is still attributed.
    """
    cleaned = _TURN_TOKENS.sub(" ", generated)
    cleaned = _TABLE_RULE.sub("", _CODE_FENCE.sub("", cleaned))
    cleaned = _EMPHASIS.sub(r"\2", _HEADING.sub("", cleaned))
    lines = []
    for line in cleaned.splitlines():
        if line.strip().startswith("|"):
            line = " – ".join(cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip())
        lines.append(line)
    return "\n".join(lines).strip()


@dataclass
class Grounding:
    """Everything known about a question before a language model runs (see :meth:`Answerer.gather`).

    ``answer`` is final when the question is refused; otherwise it is the extractive answer, shown
    at once and kept when no written answer follows.
    """

    question: str
    language: str
    hits: list[Hit]
    evidence: Evidence | None
    answer: Answer
    started: float

    @property
    def refused(self) -> bool:
        """Whether the question is refused before any generation."""
        return self.answer.refused


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
        cache: "EmbeddingCache | None" = None,
        notes: "ValidityNotes | None" = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.retriever = retriever
        #: The date a coming round is checked against (``Settings.today_date``).
        self.today = today
        #: Adds "expired since …" lines to answers that rest on a guideline no longer in force.
        self.notes = notes
        self.embedder = embedder
        #: Sentence vectors of retrieved chunks recur across questions: kept with the chunk vectors.
        self._cache = cache
        self._query_vectors = QueryVectors(lambda texts: self.embedder.embed_queries(texts), size=256)
        self._chat_model = chat_model
        self.default_mode = default_mode
        self.params = params
        self.checker = SupportChecker(lambda texts: self.embedder.embed_documents(texts))

    def warm_up(self, language: str = "de") -> None:
        """Load the chat model and read the fixed instructions into its cache (for start-up, in the background).

        Nothing happens when answers are extractive by default: the model may never be needed.
        """
        if self.default_mode == "llm" and self._chat_model is not None:
            self._chat_model().prefill(instruction_prefix(language))

    def ask(self, question: str, mode: Mode | None = None, k: int | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question. ``on_token`` receives generated text as it streams (llm mode only)."""
        for event in self.stream(question, mode, k):
            if isinstance(event, Answer):
                return event
            if on_token:
                on_token(event)
        raise AssertionError("stream() ended without an answer")

    def stream(self, question: str, mode: Mode | None = None, k: int | None = None) -> Iterator[str | Answer]:
        """Answer one question as events: generated text pieces (llm mode), then the final :class:`Answer`.

        The pieces are the model's raw output; the final answer is the attributed text, which may
        differ (markers renumbered or added, unsupported sentences flagged). Closing the iterator early
        stops generation and frees the model for the next request.
        """
        grounding = self.gather(question, k)
        if (mode or self.default_mode) == "extractive" or grounding.refused:
            yield grounding.answer
        else:
            yield from self.write(grounding)

    def gather(self, question: str, k: int | None = None) -> Grounding:
        """Retrieval, the refusal decision and the evidence: everything that needs no language model.

        The returned answer is extractive (or a refusal) and complete, with its timings; a written
        answer builds on the same grounding with :meth:`write`.
        """
        started = time.perf_counter()
        language = detect_language(question)
        query_vector, parts = self._query(question)
        unit_vectors = self._unit_vectors(len(query_vector))
        hits = self._ranked(question, k or self.params.k, query_vector, unit_vectors, parts)
        retrieval_s = time.perf_counter() - started
        evidence: Evidence | None = None
        missing = missing_details(question, hits)
        if missing and self.notes is not None and self.notes.settles_years(question, hits, missing):
            missing = []  # "Ist die Richtlinie 2026 noch gültig?": the validity line answers it (see ValidityNotes)
        if not self.has_evidence(question, hits) or missing:
            answer = self._refusal(question, hits, language, missing)
        else:
            evidence = Evidence(hits, query_vector, unit_vectors, self.params.chunk_weight, list(parts.values()))
            chosen = evidence.best(self.params.max_sentences, self.params.sentence_margin)
            kinds = asked_details(question)
            detail_chunks = self._detail_chunks(question, evidence, hits) if kinds else []
            unstated = [kind for kind in kinds if not self._states_detail(kind, detail_chunks)]
            # "Bis zu wie viel Prozent wird eine Landesbehörde gefördert?" over the rates of companies, universities
            # and municipalities: the value is stated, for others only.
            others = None if unstated else other_applicants_only(question, [h.chunk.text for h in hits])
            if not chosen or unstated or others:
                # "Wie viele Projekte wurden bewilligt?" over excerpts without any number: the programme is
                # there, the detail asked for is not, and the nearby excerpts would answer another question.
                # A question that asks two things is refused when either is missing.
                answer = self._refusal(question, hits, language, kind=unstated[0] if unstated else None, others=others)
                evidence = None
            else:
                answer = self._dated(self._extractive(question, hits, chosen, language))
                if self.default_mode == "extractive":
                    answer.notice = text("answer.extractive_notice", language)
        elapsed = round(time.perf_counter() - started, 4)
        answer.timings = {
            "retrieval_s": round(retrieval_s, 4), "evidence_s": elapsed, "first_token_s": elapsed,
            "total_s": elapsed, "prompt_tokens": 0, "completion_tokens": 0,
        }
        return Grounding(question, language, list(hits), evidence, answer, started)

    def ranked(self, question: str, n: int) -> list[Hit]:
        """The ``n`` best chunks as answers rank them: retrieval, then re-ranking by the best evidence unit
        (what ``assistant eval`` scores as retrieval)."""
        query_vector, parts = self._query(question)
        return self._ranked(question, n, query_vector, self._unit_vectors(len(query_vector)), parts)

    def _detail_chunks(self, question: str, evidence: Evidence, hits: Sequence[Hit]) -> list[str]:
        """The texts that decide whether a detail the question asks for is stated: the whole chunks of the best few
        units. Not of every unit quoted: a weak sixth match must not make the question answerable. Whole chunks,
        since refusing an answerable question is the worse mistake, and the value is often stated a sentence away
        from the best match.

        When the question names programmes, bodies or events by acronym or by a name styled as a brand
        (:func:`acronyms`) that the corpus knows, only chunks that name one of them (in their text, title or section)
        count: "Which ministry funds URBAN.KI?" is not answered by the ministry of another programme whose chunk came
        among the best.
        """
        best = evidence.best(self.params.detail_units, self.params.detail_margin)
        chunks = [hits[i].chunk for i in {u.hit for u in best}]
        named = [n.casefold() for n in acronyms(question) if self.retriever.knows(n)]
        if named:
            chunks = [c for c in chunks if _names_one_of(c, named)]
        return [c.text for c in chunks]

    def _states_detail(self, kind: str, chunks: Sequence[str]) -> bool:
        """Whether one of ``chunks`` states a value of ``kind``; for the next round, one still to come or a date
        after today."""
        if kind == "next":
            today = self.today()
            return any(states_detail(kind, chunk) or any(d.value > today for d in find_dates(chunk)) for chunk in chunks)
        return any(states_detail(kind, chunk) for chunk in chunks)

    def _query(self, question: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The question's vector, and the vectors of the parts of a two-part question that are searched on
        their own (none when switched off); all embedded in one forward pass."""
        parts = question_parts(question) if self.params.split_questions else []
        query_vector, *part_vectors = self._query_vectors([question, *parts])
        return query_vector, dict(zip(parts, part_vectors))

    def _ranked(
        self, question: str, n: int, query_vector: np.ndarray, unit_vectors: Callable[[Sequence[str], Sequence[str]], np.ndarray],
        parts: dict[str, np.ndarray],
    ) -> list[Hit]:
        ranked = self._search(question, max(n, self.params.rerank_candidates), query_vector, unit_vectors)
        if not parts:
            return ranked[:n]
        # Each part's best chunk gets one of the top k places (see answering/decomposition.py).
        k = min(n, self.params.k)
        taken = {h.chunk.id for h in ranked[:k]}
        reserved: list[Hit] = []
        for part, part_vector in parts.items():
            best = self._search(part, self.params.rerank_candidates, part_vector, unit_vectors)[:1]
            if best and best[0].chunk.id not in taken:
                taken.add(best[0].chunk.id)
                reserved.append(best[0])
        reserved = reserved[: k - 1]
        ids = {h.chunk.id for h in reserved}
        rest = [h for h in ranked if h.chunk.id not in ids]
        keep = k - len(reserved)
        return (rest[:keep] + reserved + rest[keep:])[:n]

    def _search(
        self, query: str, n: int, query_vector: np.ndarray, unit_vectors: Callable[[Sequence[str], Sequence[str]], np.ndarray],
    ) -> list[Hit]:
        candidates = self.retriever.search(query, n, query_vector=query_vector)
        return rerank(candidates, query_vector, unit_vectors, self.params.rerank_weight)

    def _unit_vectors(self, dimension: int) -> Callable[[Sequence[str], Sequence[str]], np.ndarray]:
        """Unit vectors for one question: from the cache or embedded, and kept for the question's second
        use (the re-ranking embeds the candidates' units, the evidence reads those of the top k again)."""
        seen: dict[tuple[str, str], np.ndarray] = {}

        def embed(texts: Sequence[str], titles: Sequence[str]) -> np.ndarray:
            pairs = list(zip(titles, texts, strict=True))
            new = list(dict.fromkeys(pair for pair in pairs if pair not in seen))
            if new:
                vectors = embed_documents_cached(self.embedder, self._cache, [t for t, _ in new], [x for _, x in new], dimension)[0]
                seen.update(zip(new, vectors))
            if not pairs:
                return np.zeros((0, dimension), dtype=np.float32)
            return np.stack([seen[pair] for pair in pairs])

        return embed

    def warm_evidence(self, chunks: Iterable["Chunk"], batch_size: int, stop: Callable[[], bool] = lambda: False) -> int:
        """Embed the evidence units of ``chunks`` that the cache lacks, ``batch_size`` at a time; returns how many.

        Unit vectors are what a first question costs (the units of the 10 re-ranked chunks, about 0.7 s
        on two cores, against 0.04 s for the rest of the extractive answer); computed ahead in idle time,
        every question is as fast as a repeated one. ``stop`` is asked between batches. Without a cache nothing can be
        kept, and nothing is done.
        """
        if self._cache is None:
            return 0
        titles: list[str] = []
        texts: list[str] = []
        for chunk in chunks:
            units = chunk_units(chunk)
            titles += [chunk.embedding_title()] * len(units)
            texts += units
        dimension = self.embedder.dimension
        missing = [i for i, vector in enumerate(self._cache.get(titles, texts, dimension)) if vector is None]
        missing.sort(key=lambda i: len(texts[i]))  # similar lengths in a batch: little padding
        done = 0
        for start in range(0, len(missing), batch_size):
            if stop():
                break
            batch_titles = [titles[i] for i in missing[start : start + batch_size]]
            batch_texts = [texts[i] for i in missing[start : start + batch_size]]
            self._cache.put(batch_titles, batch_texts, self.embedder.embed_documents(batch_texts, batch_titles))
            done += len(batch_texts)
        return done

    def has_evidence(self, question: str, hits: Sequence[Hit]) -> bool:
        """Whether retrieval found enough to answer from.

        Two signals, calibrated in docs/ANSWERS.md: the best hit's cosine similarity (below the minimum,
        only when the best hit contains every name the question uses), and — for German
        questions in the uncertain middle band — whether every name the question uses occurs in the
        corpus at all. Near-domain questions ("Förderquote beim EXIST-Gründerstipendium?") reach
        similarities like answerable ones, but name a programme the knowledge base never mentions.
        """
        if not hits:
            return False
        best = max(h.dense_score for h in hits)
        if best < self.params.min_evidence:
            # A weak match as a whole, but the chunk names what the question names (a table row among others).
            top = max(hits, key=lambda h: h.dense_score).chunk.text.casefold()
            names = salient_names(question)
            return best >= self.params.named_evidence and bool(names) and all(n.casefold() in top for n in names)
        if best >= self.params.sure_evidence or detect_language(question) != "de":
            return True
        return all(self.retriever.knows(name) for name in salient_names(question))

    def write(self, grounding: Grounding) -> Iterator[str | Answer]:
        """The written answer for ``grounding``: generated text pieces, then the attributed :class:`Answer`.

        Closing the iterator early stops generation and frees the model for the next request.
        """
        if grounding.refused or grounding.evidence is None:
            yield grounding.answer
            return
        if self._chat_model is None:
            raise RuntimeError("llm mode requested but no chat model is configured")
        model = self._chat_model()
        excerpts, fitted = self.prompt(model, grounding)
        generation = model.stream(fitted.messages, self.params.max_new_tokens)
        pieces: list[str] = []
        asked = time.perf_counter()
        try:
            for piece in generation:
                pieces.append(piece)
                yield piece
        finally:
            generation.close()  # also when the consumer stops early: frees the model for the next request
        yield self.finish("".join(pieces), grounding, excerpts, fitted, generation.stats, asked)

    def finish(
        self, generated: str, grounding: Grounding, excerpts: Sequence[SourceExcerpt], fitted: FittedPrompt,
        stats: "GenerationStats", asked: float,
    ) -> Answer:
        """The answer shown for ``generated``, the model's text for ``fitted``: attributed, a refusal, or the
        fallback, with its timings counted from the question (``asked``: when generation was requested)."""
        answer = self._dated(self._attributed(generated, grounding, excerpts[: fitted.kept_source_count], fitted))
        answer.timings = dict(
            grounding.answer.timings,
            first_token_s=None if stats.first_token_s is None else round(asked - grounding.started + stats.first_token_s, 4),
            total_s=round(time.perf_counter() - grounding.started, 4),
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
        return answer

    def prompt(self, model: "ChatModel", grounding: Grounding) -> tuple[list[SourceExcerpt], FittedPrompt]:
        """The excerpts of ``grounding``'s evidence and the messages llm mode sends to ``model`` for them."""
        assert grounding.evidence is not None, "a refused question has no prompt"
        p = self.params
        excerpts = grounding.evidence.excerpts(p.prompt_units, p.prompt_margin, p.prompt_chars)
        return excerpts, self.fit(model, grounding, self._with_validity(excerpts, grounding))

    @staticmethod
    def _with_validity(excerpts: list[SourceExcerpt], grounding: Grounding) -> list[SourceExcerpt]:
        """The excerpts, plus the passage that dates a programme when the answer carries a validity line.

        The written answer must not say "ja, beantragen" under a line that says the guideline expired: the
        model sees the dated passage (and, in the question, today's date; see :meth:`fit`). Only for questions
        whose answer depends on the day: given to any question, the 1.5B model wrote the date into answers
        on other things ("… bestimmen KI dem Gemeinwohl heute (28.11.2026)"). Modifies ``excerpts``.
        """
        if not depends_on_today(grounding.question):
            return excerpts
        for alert in grounding.answer.alerts:
            if any(alert.quote in e.text for e in excerpts):
                continue
            hit = next((h for h in grounding.answer.retrieved if alert.quote in h.chunk.text), None)
            if hit is not None:
                excerpts.append(SourceExcerpt(hit, (alert.quote,)))  # after the evidence for the question itself
        return excerpts

    def fit(self, model: "ChatModel", grounding: Grounding, excerpts: Sequence[SourceExcerpt]) -> FittedPrompt:
        """The instructions and worked example, then one turn with ``excerpts`` and the question, fitted to ``model``."""
        language = grounding.language
        question = grounding.question
        if grounding.answer.alerts and self.notes is not None and depends_on_today(question):
            # "Kann ich noch …?" depends on the day: the model compares the dated passage with it.
            question += " " + text("prompt.today", language, date=format_date(self.today(), language))
        return fit_messages(
            instruction_prefix(language), [format_excerpt(n, e) for n, e in enumerate(excerpts, start=1)],
            question, model.count_tokens, model.context_window, self.params.max_new_tokens,
            sources_header=text("answer.sources_header", language), question_label=text("prompt.question_label", language),
        )

    # -- answers ------------------------------------------------------------------------------

    def _dated(self, answer: Answer) -> Answer:
        return self.notes.apply(answer) if self.notes is not None else answer

    def _refusal(self, question: str, hits: Sequence[Hit], language: str, missing: Sequence[str] = (),
                 kind: str | None = None, others: OtherApplicants | None = None) -> Answer:
        nearest = distinct_sources(hits)[:3]
        if missing:
            lines = [text("answer.refusal_detail", language, details=", ".join(f"„{d}“" for d in missing))]
        elif others:
            *head, last = (_APPLICANTS[a].render(language) for a in others.stated)
            stated = text("answer.applicant_list", language, head=", ".join(head), last=last)
            asked = _APPLICANTS[others.asked].render(language)
            lines = [text("answer.refusal_applicants", language, asked=asked, stated=stated)]
        elif kind:
            lines = [text("answer.refusal_kind", language, detail=_MISSING_KIND[kind].render(language))]
        else:
            lines = [text("answer.refusal", language)]
        if nearest:
            lines += ["", *_nearest_lines(nearest, language)]
        return Answer(question, "\n".join(lines), True, "extractive", language, [], list(hits))

    def _extractive(self, question: str, hits: Sequence[Hit], chosen: Sequence[Unit], language: str) -> Answer:
        numbers_by_hit: dict[int, int] = {}
        quotes: dict[int, list[str]] = {}
        lines = [text("answer.extractive_intro", language)]
        for unit in chosen:
            n = numbers_by_hit.setdefault(unit.hit, len(numbers_by_hit) + 1)
            quotes.setdefault(unit.hit, []).append(unit.text)
            lines.append(f"- „{unit.text}“ [{n}]")
        citations = [_citation(n, hits[i], quotes[i]) for i, n in numbers_by_hit.items()]
        return Answer(question, "\n".join(lines), False, "extractive", language, citations, list(hits))

    def _attributed(self, generated: str, grounding: Grounding, excerpts: Sequence[SourceExcerpt], fitted: FittedPrompt) -> Answer:
        language = grounding.language
        # The instructions and worked examples are ours, not evidence (the answer goes after them).
        instructions = "\n".join(m["content"] for m in fitted.messages[:-1])
        verified = attribute(
            plain_answer(generated), [e.text for e in excerpts], self.checker, language, question=grounding.question,
            # A model that echoes the instructions or copies an example must not show that — also not the
            # example's made-up date or amount in a sentence of its own ("The latest point is 31 May 2099").
            # The short "not in the knowledge base" statement they ask for is the one sentence that may repeat them.
            withhold=lambda sentence: (self.checker.lexical(sentence, instructions) >= 0.6 and not (
                says_not_in_sources(sentence) and self.checker.content_terms(sentence) <= 6
            )) or any(len(digits(n)) >= 3 and number_occurs(n, instructions) for n in numbers(sentence)),
        )
        stats = verified.marker_stats()
        # The hits plus any chunk the extractive answer cites beyond them (a dated passage of a validity
        # line): the written answer may quote it too, and every citation must point to a retrieved source.
        retrieved = list(grounding.answer.retrieved)
        if verified.says_not_in_sources and asks_yes_or_no(grounding.question):
            # "Kann eine GmbH …?" over evidence that passed the refusal checks: the excerpts state the rule the case
            # is decided by ("Personen des Privatrechts müssen gemeinnützig sein"); the model's "keine Angabe" only
            # means no excerpt names the case itself. On the tuning sets it was wrong each time it said so on a
            # yes/no question (docs/BENCHMARKS.md), so the excerpts are shown, with a notice that says why.
            return self._fallback(grounding, retrieved, stats, text("answer.yes_no_notice", language))
        if verified.says_not_in_sources:
            # The model's "not in the knowledge base" is a refusal; what it adds from the sources stays cited.
            answer = Answer(grounding.question, verified.text, True, "llm", language, [], retrieved, attribution=stats)
            answer.citations = self._citations(verified, excerpts)
            nearest = distinct_sources(grounding.hits)[:3]
            if nearest and not answer.citations:
                answer.text += "\n\n" + "\n".join(_nearest_lines(nearest, language))
            return answer
        if verified.supported_count == 0 and verified.echoed_verdict:
            # "Ja, man kann …" in the question's words was all the model wrote: the verdict is left out
            # (SupportChecker.echoes_verdict), and the rules that decide the case are shown instead.
            return self._fallback(grounding, retrieved, stats, text("answer.yes_no_notice", language))
        if verified.supported_count == 0:
            return self._fallback(grounding, retrieved, stats, text("answer.fallback_notice", language))
        body, citations = self._with_uncovered_evidence(verified.text, self._citations(verified, excerpts), grounding)
        return Answer(
            grounding.question, body, False, "llm", language, citations,
            retrieved, unverified_sentences=verified.unverified_count, attribution=stats,
        )

    @staticmethod
    def _fallback(grounding: Grounding, retrieved: list[Hit], stats: dict[str, int], notice: str) -> Answer:
        """The extractive answer instead of the written one, with ``notice`` saying why."""
        extractive = grounding.answer
        return Answer(grounding.question, extractive.text, False, "extractive", grounding.language, extractive.citations,
                      retrieved, notice=notice, attribution=stats, alerts=extractive.alerts)

    def _with_uncovered_evidence(self, written: str, citations: list[Citation], grounding: Grounding) -> tuple[str, list[Citation]]:
        """The written answer followed by the extractive answer's excerpts it does not state, quoted and cited.

        A small model leaves things out: the second half of a list, the other of two amounts, a whole
        source. The extractive answer's excerpts are the best evidence found; whatever of it the written
        answer does not cover is added verbatim, so a written answer never says less than the excerpts
        would have (measured in docs/BENCHMARKS.md: fact recall and citation hit of both modes).
        """
        quoted = [(c, quote) for c in grounding.answer.citations for quote in c.quotes]
        missing = self.checker.uncovered(written, [quote for _, quote in quoted])
        if not missing:
            return written, citations
        numbers_by_chunk = {(c.source, c.text): c.n for c in citations}
        extra_quotes: dict[int, list[str]] = {}
        lines = [written, "", text("answer.more_evidence", grounding.language)]
        for source, quote in (quoted[i] for i in missing):
            n = numbers_by_chunk.setdefault((source.source, source.text), len(numbers_by_chunk) + 1)
            extra_quotes.setdefault(n, []).append(quote)
            lines.append(f"- „{quote}“ [{n}]")
        by_number = {c.n: c for c in citations}
        extractive = {(c.source, c.text): c for c, _ in quoted}
        for key, n in numbers_by_chunk.items():
            if n in extra_quotes:  # a source the written answer cites keeps its number and gains the quotes
                base = by_number.get(n) or replace(extractive[key], n=n, quotes=())
                by_number[n] = replace(base, quotes=base.quotes + tuple(extra_quotes[n]))
        return "\n".join(lines), [by_number[n] for n in sorted(by_number)]

    @staticmethod
    def _citations(verified: VerifiedAnswer, excerpts: Sequence[SourceExcerpt]) -> list[Citation]:
        citations = []
        for new_n, old_n in enumerate(verified.sources, start=1):
            quotes = [s.text for s in verified.sentences if old_n in s.supported]
            citations.append(_citation(new_n, excerpts[old_n - 1].hit, quotes))
        return citations


def instruction_prefix(language: str) -> list[Message]:
    """The fixed start of every llm prompt: instructions and a worked example (KV-cached by llama.cpp)."""
    sources = text("answer.sources_header", language) + "\n" + text("answer.example_sources", language) + "\n\n"
    label = text("prompt.question_label", language) + ": "
    return [
        {"role": "system", "content": text("answer.system", language)},
        {"role": "user", "content": sources + label + text("answer.example_question", language)},
        {"role": "assistant", "content": text("answer.example_answer", language)},
    ]


#: What a refusal says the closest passages lack, by the kind of value asked for (``text.asked_detail``).
_MISSING_KIND = {
    "next": messages.Message("answer.detail.next"), "count": messages.Message("answer.detail.count"),
    "duration": messages.Message("answer.detail.duration"),
    "amount": messages.Message("answer.detail.amount"), "author": messages.Message("answer.detail.author"),
    "person": messages.Message("answer.detail.person"), "phone": messages.Message("answer.detail.phone"),
    "email": messages.Message("answer.detail.email"), "address": messages.Message("answer.detail.address"),
    "contact": messages.Message("answer.detail.contact"), "day": messages.Message("answer.detail.day"),
    "average": messages.Message("answer.detail.average"), "time": messages.Message("answer.detail.time"),
    "ministry": messages.Message("answer.detail.ministry"), "paygrade": messages.Message("answer.detail.paygrade"),
    "country": messages.Message("answer.detail.country"), "city": messages.Message("answer.detail.city"),
    "month": messages.Message("answer.detail.month"), "findings": messages.Message("answer.detail.findings"),
    "percent": messages.Message("answer.detail.percent"), "pages": messages.Message("answer.detail.pages"),
    "points": messages.Message("answer.detail.points"),
    "to_date": messages.Message("answer.detail.to_date"),
}


#: Kinds of applicant by name (``applicants.applicant_kinds``), for a refusal that says whom the passages speak of.
_APPLICANTS = {
    "company": messages.Message("answer.applicant.company"), "university": messages.Message("answer.applicant.university"),
    "research": messages.Message("answer.applicant.research"), "municipality": messages.Message("answer.applicant.municipality"),
    "state": messages.Message("answer.applicant.state"), "federal": messages.Message("answer.applicant.federal"),
    "authority": messages.Message("answer.applicant.authority"), "nonprofit": messages.Message("answer.applicant.nonprofit"),
}


def missing_details(question: str, hits: Sequence[Hit]) -> list[str]:
    """Numbers the question asks about (a year, a round, an amount) that no retrieved passage states.

    "Wie hoch ist die Förderung im Jahr 2027?" over sources that end in 2025 is near the domain — the
    programme exists — but the detail asked for does not: nearby excerpts would answer another question.
    """
    # A number in a compound describes the asker's case, it asks for nothing: "Darf eine 14-Jährige einwilligen?"
    # is answered by the ages the sources name (16, 13), not by a passage that says "14".
    describing = {m.group(1) for m in number_compounds(question)}
    asked = [n for n in numbers(question) if n not in describing]
    if not asked or not hits:
        return []
    passages = "\n".join(f"{h.chunk.title}\n{h.chunk.section}\n{h.chunk.text}" for h in hits)
    return unstated_numbers(asked, question, passages)  # "800 million euros" is stated by "800.000.000 EUR"


_NAME = re.compile(r"[A-Za-zÄÖÜäöüß][\wÄÖÜäöüß]*(?:-[\wÄÖÜäöüß]+)*")


def salient_names(question: str) -> list[str]:
    """Words of a German question that name something: capitalised words after the first, acronyms.

    German capitalises nouns, so these are the question's topic words ("Förderquote",
    "EXIST-Gründerstipendium", "ZIM"); each part of a hyphenated word counts on its own.
    """
    names: list[str] = []
    compound_words = {m.start(2) for m in number_compounds(question)}
    for position, match in enumerate(_NAME.finditer(question)):
        if match.start() in compound_words:
            continue  # "14-Jährige", "5-Jahres-Plan": a number's compound, no name
        for part in match.group(0).split("-"):
            acronym = sum(c.isupper() for c in part) >= 2
            if len(part) >= 3 and part.lower() not in STOPWORDS and (acronym or (position > 0 and part[0].isupper())):
                names.append(part)
    return names


#: A name styled as a brand: lower case joined by a colon or a dot ("re:publica"), or a capital inside a word
#: that starts in lower case ("polisConvention").
_STYLED_NAME = re.compile(r"(?<![\w.:])[a-zäöü]{2,}[:.][a-zäöü]{3,}(?![\w.:])|(?<![\w.:])[a-zäöü]+[A-ZÄÖÜ][\wÄÖÜäöüß]*")


def acronyms(question: str) -> list[str]:
    """The names of a question written with two capitals or more ("DBU", "CERV", "KoKI", "URBAN" of URBAN.KI) or
    styled as a brand ("re:publica", "polisConvention")."""
    styled = _STYLED_NAME.findall(question)
    return [name for name in salient_names(question) if sum(c.isupper() for c in name) >= 2 and name not in styled] + styled


def _names_one_of(chunk: "Chunk", folded_names: Sequence[str]) -> bool:
    """Whether the chunk's title, section or text contains one of ``folded_names`` (case-folded)."""
    folded = f"{chunk.title}\n{chunk.section}\n{chunk.text}".casefold()
    return any(name in folded for name in folded_names)


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


def _nearest_lines(nearest: Sequence[Hit], language: str) -> list[str]:
    """"Am nächsten kommen diese Quellen …" and one line per source: what a refusal points to."""
    return [text("answer.nearest", language)] + [f"- {_label(h, language)}" for h in nearest]


def _label(hit: Hit, language: str) -> str:
    return _citation(0, hit, ()).label(language)
