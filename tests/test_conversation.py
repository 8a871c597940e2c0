"""Conversation logic: follow-up rewriting, session history, the LLM queue, and one chat step with fakes."""

from __future__ import annotations

import threading

import pytest

from assistant.web import conversation
from assistant.app import App, build_app
from assistant.config import Settings
from assistant.web.conversation import (
    LlmQueue,
    Session,
    Turn,
    answer_turn,
    noun_phrases,
    rewrite_follow_up,
    stop_turn,
    topic_of,
)
from tests.fakes import HashEmbedder, ScriptedChatModel

GUIDELINE = """# Förderrichtlinie KI für das Gemeinwohl

## 1 Zuwendungszweck

Der Bund fördert mit der Förderrichtlinie KI für das Gemeinwohl Projekte gemeinnütziger Träger.

## 3 Zuwendungsempfänger

Antragsberechtigt sind gemeinnützige Organisationen und Hochschulen. Natürliche Personen sind nicht antragsberechtigt.
"""
FIRST = "Was fördert die Förderrichtlinie KI für das Gemeinwohl?"


# -- rewriting ---------------------------------------------------------------------------------------


def test_elliptic_follow_up_gets_the_topic_of_the_previous_question() -> None:
    rewrite = rewrite_follow_up("Und wer ist antragsberechtigt?", FIRST)
    assert rewrite.rewritten
    assert rewrite.query == "Wer ist antragsberechtigt (Förderrichtlinie KI für das Gemeinwohl)?"
    assert rewrite.topic == "Förderrichtlinie KI für das Gemeinwohl"


@pytest.mark.parametrize(
    "follow_up, expected",
    [
        ("Wie hoch ist die Förderung dafür?", "Wie hoch ist die Förderung dafür (Förderrichtlinie KI für das Gemeinwohl)?"),
        ("Wer ist antragsberechtigt?", "Wer ist antragsberechtigt (Förderrichtlinie KI für das Gemeinwohl)?"),
        ("Und die Fristen?", "Die Fristen (Förderrichtlinie KI für das Gemeinwohl)?"),
        ("Fristen?", "Fristen (Förderrichtlinie KI für das Gemeinwohl)?"),
    ],
)
def test_deictic_short_and_nounless_questions_are_follow_ups(follow_up: str, expected: str) -> None:
    assert rewrite_follow_up(follow_up, FIRST).query == expected


@pytest.mark.parametrize(
    "question",
    [
        "Was regelt die DSGVO zu Auskunftsrechten?",
        "Und was gilt nach der DSGVO?",  # continues, but names its own subject
        "Gibt es Fristen für Anträge?",
    ],
)
def test_self_contained_questions_are_kept(question: str) -> None:
    rewrite = rewrite_follow_up(question, FIRST)
    assert rewrite.query == question and not rewrite.rewritten


def test_first_question_is_kept_apart_from_whitespace() -> None:
    assert rewrite_follow_up("  Und  wer ist antragsberechtigt? ", None).query == "Und wer ist antragsberechtigt?"


def test_english_follow_up() -> None:
    rewrite = rewrite_follow_up("And who can apply?", "What does the AI for the Common Good guideline fund?")
    assert rewrite.query == "Who can apply (AI for the Common Good)?"


def test_topic_is_not_repeated_when_already_in_the_question() -> None:
    previous = "Wer ist antragsberechtigt (Förderrichtlinie KI für das Gemeinwohl)?"
    assert rewrite_follow_up("Und bis wann?", previous).query == "Bis wann (Förderrichtlinie KI für das Gemeinwohl)?"
    assert topic_of(previous) == "Förderrichtlinie KI für das Gemeinwohl"


def test_noun_phrases_and_topic_prefer_specific_names() -> None:
    question = "Welche Pflichten hat ein Verantwortlicher nach der DSGVO?"
    assert noun_phrases(question) == ["Pflichten", "Verantwortlicher", "DSGVO"]
    assert topic_of(question) == "DSGVO"
    assert noun_phrases("Wie hoch ist die Förderquote im Programm Civic Coding?") == ["Förderquote im Programm Civic Coding"]
    assert topic_of("Was ist wichtig?") == ""


# -- session and queue --------------------------------------------------------------------------------


def test_queue_is_first_come_first_served_with_positions() -> None:
    queue = LlmQueue()
    first, second, third = queue.enter(), queue.enter(), queue.enter()
    assert (first.position(), second.position(), third.position()) == (0, 1, 2)
    assert first.wait(0.01) and not second.wait(0.01)
    second.release()  # an abandoned waiter leaves the line
    assert third.position() == 1
    first.release()
    assert third.wait(0.01) and third.position() == 0
    third.release()
    assert len(queue) == 0


def test_waiter_is_admitted_when_the_holder_releases() -> None:
    queue = LlmQueue()
    holder, waiter = queue.enter(), queue.enter()
    threading.Timer(0.05, holder.release).start()
    assert waiter.wait(5.0)


def test_stop_turn_marks_only_unfinished_turns() -> None:
    session = Session(turns=[Turn("q", "q", False, "llm", "answering")])
    stop_turn(session)
    assert session.turns[0].status == "stopped" and session.turns[0].stop_requested
    done = Turn("q", "q", False, "llm", "done")
    session.turns.append(done)
    stop_turn(session)
    assert done.status == "done" and not done.stop_requested
    session.reset()
    assert session.turns == []


# -- answer_turn with fakes ------------------------------------------------------------------------------


def _app(settings: Settings, *replies: str) -> tuple[App, ScriptedChatModel | None]:
    (settings.corpus_dir / "richtlinie.md").write_text(GUIDELINE, encoding="utf-8")
    model = ScriptedChatModel(*replies) if replies else None
    app = build_app(settings.with_(min_evidence=0.15), embedder=HashEmbedder(dimension=4096), chat_model=model)
    app.ingestor.ingest()
    return app, model


def test_extractive_turn_and_rewritten_follow_up(settings: Settings) -> None:
    app, _ = _app(settings)
    session = Session()
    states = [t.status for t in answer_turn(app.answerer, app.index, session, FIRST, "extractive", LlmQueue())]
    assert states[0] == "searching" and states[-1] == "done"
    follow = list(answer_turn(app.answerer, app.index, session, "Und wer ist antragsberechtigt?", "extractive", LlmQueue()))[-1]
    assert follow.rewritten and follow.query.startswith("Wer ist antragsberechtigt (Förderrichtlinie KI")
    assert follow.answer is not None and "Antragsberechtigt sind gemeinnützige" in follow.answer.text
    assert [t.question for t in session.turns] == [FIRST, "Und wer ist antragsberechtigt?"]


def test_llm_turn_shows_evidence_first_then_streams_the_attributed_answer(settings: Settings) -> None:
    app, model = _app(settings, "Antragsberechtigt sind gemeinnützige Organisationen und Hochschulen [1].")
    session = Session()
    list(answer_turn(app.answerer, app.index, session, FIRST, "llm", LlmQueue()))
    updates = [(t.status, t.evidence is not None, t.draft) for t in
               answer_turn(app.answerer, app.index, session, "Und wer ist antragsberechtigt?", "llm", LlmQueue())]
    first_evidence = next(i for i, (_, evidence, _) in enumerate(updates) if evidence)
    first_draft = next(i for i, (_, _, draft) in enumerate(updates) if draft)
    assert first_evidence < first_draft, "the excerpts are shown before the model writes"
    drafts = [draft for status, _, draft in updates if status == "answering"]
    assert len(drafts) > 2 and drafts[-1].endswith("[1].") and all(b.startswith(a) for a, b in zip(drafts, drafts[1:]))
    final = session.turns[-1]
    assert final.status == "done" and final.answer is not None and final.answer.citations
    assert model is not None
    # The follow-up is rewritten into a standalone question; the prompt holds no earlier turns, so the
    # fixed instructions and examples stay a cacheable prefix.
    first_prompt, second_prompt = model.prompts
    assert second_prompt[:-1] == first_prompt[:-1]
    assert second_prompt[-1]["content"].endswith(session.turns[-1].query)


def test_closing_a_turn_stops_it_and_frees_the_queue(settings: Settings) -> None:
    app, _ = _app(settings, "eins zwei drei vier fünf sechs sieben acht")
    session, queue = Session(), LlmQueue()
    turns = answer_turn(app.answerer, app.index, session, FIRST, "llm", queue)
    for turn in turns:
        if turn.status == "answering":
            break
    turns.close()
    assert session.turns[-1].status == "stopped" and session.turns[-1].draft == "eins "
    assert len(queue) == 0
    assert list(answer_turn(app.answerer, app.index, session, FIRST, "llm", queue))[-1].status == "done"


def test_stop_request_ends_the_turn_without_further_updates(settings: Settings) -> None:
    app, _ = _app(settings, "eins zwei drei vier fünf sechs sieben acht")
    session, queue = Session(), LlmQueue()
    turns = answer_turn(app.answerer, app.index, session, FIRST, "llm", queue)
    seen = []
    for turn in turns:
        seen.append(turn.draft)
        if turn.status == "answering":
            stop_turn(session)  # the stop button, as another callback would
    assert seen[-1] == "eins " and session.turns[-1].status == "stopped"
    assert len(queue) == 0
    waiting = answer_turn(app.answerer, app.index, session, FIRST, "llm", queue)
    other = queue.enter()
    next(waiting)
    stop_turn(session)  # stopping also works while waiting in line
    assert list(waiting) == [] and len(queue) == 1
    other.release()


def test_llm_turn_waits_in_line_and_shows_its_position(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "QUEUE_POLL_SECONDS", 0.01)
    app, _ = _app(settings, "Antragsberechtigt sind gemeinnützige Organisationen [1].")
    queue = LlmQueue()
    other = queue.enter()  # another tab is generating
    turns = answer_turn(app.answerer, app.index, Session(), FIRST, "llm", queue)
    assert next(turns).status == "searching"
    shown = next(turns)
    assert shown.evidence is not None and shown.status == "searching", "the evidence does not wait for the model"
    queued = next(turns)
    assert queued.status == "queued" and queued.queue_position == 1
    other.release()
    assert list(turns)[-1].status == "done"
    assert len(queue) == 0


def test_extractive_turn_never_waits_for_the_model(settings: Settings) -> None:
    app, _ = _app(settings, "egal [1].")
    queue = LlmQueue()
    queue.enter()  # the model is busy forever
    assert list(answer_turn(app.answerer, app.index, Session(), FIRST, "extractive", queue))[-1].status == "done"


def test_errors_become_visible_turns(settings: Settings) -> None:
    empty = build_app(settings, embedder=HashEmbedder())
    turn = list(answer_turn(empty.answerer, empty.index, Session(), FIRST, "extractive", LlmQueue()))[-1]
    assert turn.status == "error" and "Wissensbasis ist leer" in str(turn.error)
    app, _ = _app(settings)  # no chat model: the bundled one is not set up in the temp cache
    queue = LlmQueue()
    turn = list(answer_turn(app.answerer, app.index, Session(), FIRST, "llm", queue))[-1]
    assert turn.status == "error" and "assistant setup" in str(turn.error)
    assert len(queue) == 0


def test_interleaved_sessions_keep_their_own_answers(settings: Settings) -> None:
    app, _ = _app(settings)
    one, two = Session(), Session()
    a = answer_turn(app.answerer, app.index, one, "Wer ist antragsberechtigt?", "extractive", LlmQueue())
    b = answer_turn(app.answerer, app.index, two, "Was ist der Zuwendungszweck?", "extractive", LlmQueue())
    next(a), next(b)
    list(b), list(a)
    assert [t.question for t in one.turns] == ["Wer ist antragsberechtigt?"]
    assert [t.question for t in two.turns] == ["Was ist der Zuwendungszweck?"]
    assert one.turns[0].answer is not None and two.turns[0].answer is not None
    assert one.turns[0].answer.question != two.turns[0].answer.question
