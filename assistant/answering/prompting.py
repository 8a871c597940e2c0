"""Prompt assembly for the chat model: context budgeting and the plain-completion fallback format.

Pure functions, no model needed. :func:`fit_messages` turns a fixed prefix (instructions and
worked examples), numbered source excerpts and a question into chat messages that always fit the
model's context window. :func:`render_completion_prompt` renders messages as a document to be continued,
for GGUF models without a chat template (base models a user brings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, NamedTuple, Sequence, TypedDict

from ..errors import ConfigError, InputError
from ..messages import text
from ..text import detect_language, sentence_ends


class Message(TypedDict):
    """One chat turn."""

    role: Literal["system", "user", "assistant"]
    content: str


#: Counts the tokens of a text with the model's tokenizer.
TokenCounter = Callable[[str], int]

#: Tokens a chat template (or the fallback labels) adds around each message: role markers,
#: turn delimiters, newlines. Gemma's template adds 5, ChatML about 5, the fallback labels about 4.
MESSAGE_OVERHEAD_TOKENS = 8
#: Slack for BOS and for tokenising the joined prompt into slightly more tokens than its parts.
PROMPT_RESERVE_TOKENS = 16
#: Separates the sources from the question in the user turn.
_SOURCE_SEPARATOR = "\n\n"


class FittedPrompt(NamedTuple):
    """The result of :func:`fit_messages`: messages to send and how many sources made it in.

    Sources ``1..kept_source_count`` are in the prompt (the last one possibly cut short); the
    caller should only accept citations of those.
    """

    messages: list[Message]
    kept_source_count: int


def fit_messages(
    prefix: Sequence[Message],
    sources: Sequence[str],
    question: str,
    count_tokens: TokenCounter,
    context_window: int,
    max_new_tokens: int,
    *,
    sources_header: str,
    question_label: str,
) -> FittedPrompt:
    """``[*prefix, user turn with the sources and the question]``, fitted to the context window.

    ``prefix`` (the instructions and worked examples) is the same for every question, so llama.cpp
    keeps it in its KV cache and only the last turn costs prompt time; the sources therefore go into
    the user turn, not the system message. The sources (already formatted, most relevant first,
    e.g. ``"[1] Titel, S. 4\n…"``) are kept in order while they fit; the first that does not fit is
    cut at a sentence boundary, the rest dropped. The question is never trimmed. Unpacks as
    ``(messages, kept_source_count)``.

    Raises :class:`~assistant.errors.InputError` when the question is empty or the prefix and the
    question alone do not fit, :class:`~assistant.errors.ConfigError` when ``max_new_tokens`` leaves
    no room for a prompt.
    """
    if not question.strip():
        raise InputError("prompt.empty_question")
    budget = context_window - max_new_tokens - PROMPT_RESERVE_TOKENS
    if budget <= 0:
        raise ConfigError("prompt.no_room", max_new_tokens=max_new_tokens, context_window=context_window)

    def cost(text: str) -> int:
        return count_tokens(text) + MESSAGE_OVERHEAD_TOKENS

    def user_turn(kept: Sequence[str]) -> str:
        block = sources_header + "\n" + "\n".join(kept) + _SOURCE_SEPARATOR if kept else ""
        return f"{block}{question_label}: {question}"

    fixed = sum(cost(m["content"]) for m in prefix)
    base = fixed + cost(user_turn([]))
    if base > budget:
        raise InputError(
            "prompt.question_too_long", needed=base, budget=budget, context_window=context_window,
            max_new_tokens=max_new_tokens,
        )

    def fits(candidate: Sequence[str]) -> bool:
        return fixed + cost(user_turn(candidate)) <= budget

    kept: list[str] = []
    for source in sources:
        if fits([*kept, source]):
            kept.append(source)
            continue
        # Cut the first source that does not fit; everything after it is less relevant and dropped.
        cut = _longest_fitting_prefix(source, lambda text: fits([*kept, text]))
        if cut:
            kept.append(cut)
        break
    messages: list[Message] = [{"role": m["role"], "content": m["content"]} for m in prefix]
    messages.append({"role": "user", "content": user_turn(kept)})
    return FittedPrompt(messages, len(kept))


def _longest_fitting_prefix(text: str, fits: Callable[[str], bool]) -> str:
    """The longest prefix of ``text`` ending at a sentence boundary that ``fits``; "" if none does."""
    candidates = [text[:end] for end in sentence_ends(text)]
    low, high, best = 0, len(candidates) - 1, ""
    # Token counts grow with the prefix, so binary search keeps tokenizer calls at O(log n).
    while low <= high:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            best, low = candidates[middle], middle + 1
        else:
            high = middle - 1
    return best


# --- Plain-completion fallback for models without a chat template -----------------------------


@dataclass(frozen=True)
class TurnLabels:
    """Labels that mark the turns in a document-continuation prompt."""

    question: str
    answer: str


GERMAN_LABELS = TurnLabels(question=text("prompt.question_label", "de"), answer=text("prompt.answer_label", "de"))
ENGLISH_LABELS = TurnLabels(question=text("prompt.question_label", "en"), answer=text("prompt.answer_label", "en"))

def labels_for(messages: Sequence[Message]) -> TurnLabels:
    """German labels when the conversation (user turns) is German, English otherwise."""
    user_text = " ".join(m["content"] for m in messages if m["role"] == "user")
    return ENGLISH_LABELS if detect_language(user_text) == "en" else GERMAN_LABELS


def render_completion_prompt(messages: Sequence[Message]) -> tuple[str, list[str]]:
    """Render chat messages as a document for a base model to continue; returns ``(prompt, stop)``.

    Layout: the system text, a blank line, then each user turn as ``Frage: …`` and each assistant
    turn as ``Antwort: …``, ending with an open ``Antwort:`` for the model to complete. The stop
    strings end generation where a base model would start the next turn by itself.
    """
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("the last message must be the user's question")
    labels = labels_for(messages)
    parts: list[str] = []
    for message in messages:
        content = message["content"].strip()
        if message["role"] == "system":
            if content:
                parts.append(content + "\n\n")
        elif message["role"] == "user":
            parts.append(f"{labels.question}: {content}\n")
        else:
            parts.append(f"{labels.answer}: {content}\n\n")
    parts.append(f"{labels.answer}:")
    return "".join(parts), completion_stops(labels)


def completion_stops(labels: TurnLabels) -> list[str]:
    """Stop strings for the fallback format: the start of a next question or a repeated answer label."""
    return [f"\n{labels.question}:", f"\n{labels.answer}:", "\n\n\n"]
