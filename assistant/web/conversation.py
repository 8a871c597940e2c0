"""One chat session: follow-up questions made standalone, answers streamed turn by turn, LLM turns queued.

Retrieval sees one question at a time, so an elliptic follow-up ("Und wer ist antragsberechtigt?")
would search for nothing in particular. :func:`rewrite_follow_up` turns it into a standalone query by
adding the topic of the previous question — deterministically, without a language model, so it also
works with the extractive mode and the tiny bundled model.

:func:`answer_turn` is the whole chat step the UI runs: rewrite, retrieve and show the evidence at
once, wait for the chat model if needed (:class:`LlmQueue`, first come first served, with visible
positions), stream the written answer, record the result in the :class:`Session`. Closing it early (the stop button) releases the model and marks the turn stopped.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Literal

from ..answering.answer import Answer, Answerer, Mode
from ..errors import AssistantError, IndexStateError
from ..text import ENGLISH_FUNCTION_WORDS, NAME_CONNECTORS, QUESTION_WORDS, STOPWORDS
from ..messages import Message

if TYPE_CHECKING:
    from ..indexing.store import Index

# -- follow-up rewriting ----------------------------------------------------------------------------

#: A question that opens like this continues the previous one.
_CONTINUATION = re.compile(
    r"^\s*(?:und|and|aber|but|also|auch|sowie|what about|how about|und was ist mit|wie (?:ist|sieht) es (?:mit|aus))\b[\s,]*",
    re.IGNORECASE,
)
#: Words that point back to something said before.
_DEICTIC = re.compile(
    r"\b(?:dafür|dazu|dabei|davon|damit|darauf|darüber|daran|darin|dort|dorthin|hierfür|hierzu|hierbei|"
    r"diese|dieser|dieses|diesem|diesen|ebenfalls|das programm|dem programm|die richtlinie|der richtlinie|"
    r"die förderung|der förderung|das vorhaben|it|its|they|them|there|this|these|those)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"§+\s*\d+\w*|\w[\w\-./]*\w|\w")
#: A question with at most this many words is treated as a fragment of the conversation.
_SHORT_WORDS = 2


@dataclass(frozen=True)
class Rewrite:
    """The query actually searched for, and whether it differs from what the user typed."""

    query: str
    rewritten: bool
    topic: str = ""


def noun_phrases(text: str) -> list[str]:
    """Capitalised word groups in ``text``: nouns, names, acronyms ("Förderrichtlinie KI für das Gemeinwohl").

    German capitalises every noun, so capitalisation finds the content words of a German question;
    in English it finds names. A group may contain small connectors between capitalised words.
    """
    tokens = _TOKEN.findall(text)
    phrases: list[str] = []
    i = 0
    while i < len(tokens):
        if not _is_name_word(tokens[i], first=i == 0):
            i += 1
            continue
        group = [tokens[i]]
        j = i + 1
        while j < len(tokens):
            if _is_name_word(tokens[j], first=False) or tokens[j][0].isdigit():
                group.append(tokens[j])
                j += 1
                continue
            run = j
            while run < len(tokens) and run - j < 2 and tokens[run].lower() in NAME_CONNECTORS:
                run += 1
            if run > j and run < len(tokens) and _is_name_word(tokens[run], first=False):
                group.extend(tokens[j : run + 1])
                j = run + 1
                continue
            break
        phrases.append(" ".join(group))
        i = j
    return phrases


def _is_name_word(token: str, *, first: bool) -> bool:
    if not token[0].isupper() and not token.startswith("§"):
        return False
    lowered = token.lower()
    if lowered in QUESTION_WORDS or lowered in ENGLISH_FUNCTION_WORDS:
        return False
    # A sentence-initial function word is capitalised only because it starts the sentence.
    return not (first and lowered in STOPWORDS)


def _is_strong(phrase: str) -> bool:
    """A phrase that names something specific: several capitalised words, an acronym, a number or §."""
    words = phrase.split()
    capitalised = [w for w in words if w[0].isupper()]
    return (
        len(capitalised) >= 2
        or any(sum(c.isupper() for c in w) >= 2 for w in words)
        or any(c.isdigit() for c in phrase)
        or "§" in phrase
    )


def topic_of(question: str) -> str:
    """The topic of a question for use in a follow-up: its specific names, else its nouns."""
    phrases = noun_phrases(question)
    strong = [p for p in phrases if _is_strong(p)]
    chosen = strong[:2] if strong else phrases[:3]
    return ", ".join(chosen)


def rewrite_follow_up(question: str, previous_query: str | None) -> Rewrite:
    """Make an elliptic follow-up standalone by adding the previous question's topic.

    A question counts as elliptic when it continues ("Und …", "And …"), points back ("dafür", "dort",
    "it"), has no noun of its own or is very short — and does not name its own specific subject.
    Self-contained questions and first questions are returned unchanged.
    """
    text = " ".join(question.split())
    if not previous_query or not text:
        return Rewrite(text, False)
    continues = bool(_CONTINUATION.match(text))
    points_back = bool(_DEICTIC.search(text))
    phrases = noun_phrases(text)
    own_strong = any(_is_strong(p) for p in phrases)
    if own_strong and not points_back:
        return Rewrite(text, False)
    words = _TOKEN.findall(text)
    if not (continues or points_back or not phrases or len(words) <= _SHORT_WORDS):
        return Rewrite(text, False)
    topic = topic_of(previous_query)
    if not topic:
        return Rewrite(text, False)
    core = _CONTINUATION.sub("", text).strip().rstrip("?").strip() or text.rstrip("?")
    core = core[0].upper() + core[1:]
    if topic.lower() in core.lower():
        return Rewrite(f"{core}?", core + "?" != text, topic)
    return Rewrite(f"{core} ({topic})?", True, topic)


# -- session state ---------------------------------------------------------------------------------

TurnStatus = Literal["searching", "queued", "answering", "done", "stopped", "error"]


@dataclass
class Turn:
    """One question and its answer, as far as it got."""

    question: str
    query: str
    rewritten: bool
    mode: Mode
    status: TurnStatus = "searching"
    #: The extractive answer, shown as soon as retrieval is done while a written answer is pending.
    evidence: Answer | None = None
    draft: str = ""  # raw generated text so far (llm mode), shown while streaming
    answer: Answer | None = None
    queue_position: int = 0
    error: Message | None = None  # why the turn failed; rendered in the session's language
    #: Set by the stop button (another thread); the streaming step ends at its next chance.
    stop_requested: bool = False


@dataclass
class Session:
    """Everything one browser tab knows; held in Gradio's per-session state, never shared."""

    language: str = "de"
    turns: list[Turn] = field(default_factory=list)

    def reset(self) -> None:
        """Start over in place (a running answer stops; the same object stays in the tab's state)."""
        stop_turn(self)
        self.turns.clear()

    def previous_query(self) -> str | None:
        """The standalone query of the last turn (follow-ups of follow-ups keep the original topic)."""
        return self.turns[-1].query if self.turns else None

    def last_answered(self) -> Turn | None:
        """The most recent turn with a final answer."""
        return next((t for t in reversed(self.turns) if t.answer is not None), None)


# -- the chat model queue -----------------------------------------------------------------------------


class LlmTicket:
    """A place in the :class:`LlmQueue`; release it when done (also when abandoned)."""

    def __init__(self, queue: "LlmQueue") -> None:
        self._queue = queue

    def position(self) -> int:
        """0 while this ticket holds the model, else how many requests are ahead of it."""
        return self._queue._position(self)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the model; True once it is this ticket's turn."""
        return self._queue._wait(self, timeout)

    def release(self) -> None:
        """Give the model (or the place in the line) to the next request."""
        self._queue._release(self)


class LlmQueue:
    """First come, first served access to the chat model.

    Answers in llm mode take seconds to minutes on a CPU and the local model serves one request at a
    time, so requests line up and each waiter can show its position. A model server serves ``slots``
    requests at once (``ASSISTANT_LLM_SLOTS``): the first ``slots`` tickets hold the model together.
    Extractive answers never wait here.
    """

    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError("an LlmQueue needs at least one slot")
        self.slots = slots
        self._line: deque[LlmTicket] = deque()
        self._changed = threading.Condition()

    def enter(self) -> LlmTicket:
        """Join the line."""
        ticket = LlmTicket(self)
        with self._changed:
            self._line.append(ticket)
        return ticket

    def __len__(self) -> int:
        with self._changed:
            return len(self._line)

    def _position(self, ticket: LlmTicket) -> int:
        with self._changed:
            index = self._line.index(ticket) if ticket in self._line else 0
            return max(0, index - self.slots + 1)

    def _wait(self, ticket: LlmTicket, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: ticket in self._line and self._line.index(ticket) < self.slots, timeout)

    def _release(self, ticket: LlmTicket) -> None:
        with self._changed:
            if ticket in self._line:
                self._line.remove(ticket)
                self._changed.notify_all()


# -- one chat step -----------------------------------------------------------------------------------

#: How often a queued request re-checks its position (and yields, so a stop click can end it).
QUEUE_POLL_SECONDS = 0.5


def answer_turn(
    answerer: Answerer,
    index: "Index",
    session: Session,
    question: str,
    mode: Mode,
    queue: LlmQueue,
    k: int | None = None,
) -> Iterator[Turn]:
    """Answer ``question`` in ``session`` from ``index``, yielding the growing turn after every change.

    The turn is appended to the session at once; its status goes searching → (queued →) answering →
    done, or error with a message. :func:`stop_turn` (from another thread) or closing the iterator
    ends it early: the turn is marked stopped, the answer stream closed (which frees the model) and
    the queue left; after a stop request nothing more is yielded.
    """
    rewrite = rewrite_follow_up(question, session.previous_query())
    turn = Turn(question=" ".join(question.split()), query=rewrite.query, rewritten=rewrite.rewritten, mode=mode)
    session.turns.append(turn)
    ticket: LlmTicket | None = None
    try:
        if not index.records():
            raise IndexStateError("ui.empty_index")
        yield turn
        # Retrieval and evidence need no model: they never wait in the model's queue.
        grounding = answerer.gather(turn.query, k)
        if turn.stop_requested:
            return
        if mode == "extractive" or grounding.refused:
            turn.answer = grounding.answer
            turn.status = "done"
            yield turn
            return
        turn.evidence = grounding.answer
        yield turn
        ticket = queue.enter()
        while not ticket.wait(QUEUE_POLL_SECONDS):
            if turn.stop_requested:
                return
            turn.status = "queued"
            turn.queue_position = ticket.position()
            yield turn
        turn.status = "searching"  # the model reads the evidence; the UI says the answer is being written
        yield turn
        stream = answerer.write(grounding)
        try:
            for event in stream:
                if turn.stop_requested:
                    return
                if isinstance(event, Answer):
                    turn.answer = event
                    turn.status = "done"
                else:
                    turn.draft += event
                    turn.status = "answering"
                yield turn
        finally:
            stream.close()
    except AssistantError as exc:
        turn.status = "error"
        turn.error = exc.message
        yield turn
    finally:
        if ticket is not None:
            ticket.release()
        if turn.status not in ("done", "error"):
            turn.status = "stopped"


def stop_turn(session: Session) -> None:
    """The stop button: ask the running answer of ``session`` to end, and show its turn as stopped.

    A flag rather than cancelling the request: the streaming step ends by itself at its next piece,
    so the browser sees a finished request and the next question is accepted at once.
    """
    if session.turns and session.turns[-1].status not in ("done", "error"):
        session.turns[-1].stop_requested = True
        session.turns[-1].status = "stopped"
