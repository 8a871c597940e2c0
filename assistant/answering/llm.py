"""Local chat model: the :class:`ChatModel` protocol and its llama.cpp adapter for GGUF files.

``stream()`` returns a :class:`Generation`: iterate it for the text pieces as they are generated;
once iteration has finished, ``generation.stats`` holds token counts and timings::

    generation = model.stream(messages, max_tokens=384)
    for piece in generation:
        print(piece, end="", flush=True)
    print(generation.stats.first_token_s)

The llama.cpp model is loaded lazily on first use, once. A GGUF with ``tokenizer.chat_template``
in its metadata (an instruct model such as the bundled Qwen2.5-Coder) is prompted through that template;
one without (a base model a user brings) gets the document-continuation format of
:mod:`assistant.answering.prompting`.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InputError, ModelError
from .prompting import Message, render_completion_prompt

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = [
    "ChatModel",
    "Generation",
    "GenerationStats",
    "LlamaCppChatModel",
    "Message",
    "TokenCounts",
    "llama_cpp_features",
    "render_chat_prompt",
]


@dataclass(frozen=True)
class GenerationStats:
    """Token counts and timings of one generation.

    Times are seconds from the first request for a piece (so they include prompt evaluation and
    any wait for another generation to finish). ``completion_tokens`` counts the tokens the model
    generated, including a closing end-of-turn token when it stopped by itself.
    """

    prompt_tokens: int
    completion_tokens: int
    first_token_s: float | None
    total_s: float

    @property
    def tokens_per_s(self) -> float | None:
        """Decoding speed after the first token; None when there is nothing to measure."""
        if self.first_token_s is None or self.completion_tokens < 2:
            return None
        decode_s = self.total_s - self.first_token_s
        return (self.completion_tokens - 1) / decode_s if decode_s > 0 else None


@dataclass
class TokenCounts:
    """Counts a producer fills in while generating; read by :class:`Generation`."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Generation(Iterator[str]):
    """An iterator over generated text pieces that measures itself; see :attr:`stats`.

    ``counts`` is updated by the producer; without it, each piece counts as one completion token
    (useful for test fakes: ``Generation(iter(["Hal", "lo"]))``).
    """

    def __init__(
        self,
        pieces: Iterable[str],
        counts: TokenCounts | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._pieces = iter(pieces)
        self._counts = counts
        self._clock = clock
        self._piece_count = 0
        self._start: float | None = None
        self._first: float | None = None
        self._end: float | None = None

    def __iter__(self) -> Generation:
        return self

    def __next__(self) -> str:
        if self._start is None:
            self._start = self._clock()
        try:
            piece = next(self._pieces)
        except BaseException:
            # StopIteration and errors alike end the measurement.
            self._finish()
            raise
        if piece and self._first is None:
            self._first = self._clock()
        self._piece_count += 1
        return piece

    def close(self) -> None:
        """Stop generating early and release the model for the next request."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()
        self._finish()

    @property
    def finished(self) -> bool:
        """True once the pieces are exhausted, generation failed or :meth:`close` was called."""
        return self._end is not None

    @property
    def stats(self) -> GenerationStats:
        """Counts and timings so far; final once :attr:`finished` is true."""
        start = self._start if self._start is not None else self._clock()
        end = self._end if self._end is not None else self._clock()
        counts = self._counts or TokenCounts(completion_tokens=self._piece_count)
        return GenerationStats(
            prompt_tokens=counts.prompt_tokens,
            completion_tokens=counts.completion_tokens,
            first_token_s=None if self._first is None else self._first - start,
            total_s=end - start,
        )

    def _finish(self) -> None:
        if self._end is None:
            self._end = self._clock()
            if self._start is None:
                self._start = self._end


class ChatModel(Protocol):
    """A chat model that streams answers; implemented by :class:`LlamaCppChatModel` and test fakes."""

    name: str

    @property
    def context_window(self) -> int:
        """Tokens of prompt plus answer the model can attend to."""
        ...

    @property
    def has_chat_template(self) -> bool:
        """Whether the model brings its own chat format (instruction-tuned) or is prompted as a document."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in a prompt, without BOS."""
        ...

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = ()) -> Generation:
        """Generate the next assistant turn for ``messages``, yielding text as it is produced."""
        ...

    def prefill(self, messages: Sequence[Message]) -> None:
        """Read ``messages`` ahead of time, so that a later prompt starting with them is answered sooner."""
        ...


class LlamaCppChatModel:
    """A GGUF chat model run on the CPU by llama-cpp-python.

    Loads on first use (thread-safe, once). Generation is serialised: one llama context cannot run
    two generations at once, so a second ``stream()`` waits until the first one is exhausted or
    closed. Sampling is greedy with a mild repeat penalty, so the same question gives the same
    answer; ``temperature > 0`` samples with the fixed ``seed`` instead.
    """

    def __init__(
        self,
        path: Path,
        name: str,
        n_ctx: int,
        n_threads: int,
        seed: int = 0,
        *,
        flash_attention: bool = True,
        temperature: float = 0.0,
        repeat_penalty: float = 1.1,
        top_k: int = 40,
        top_p: float = 0.95,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._seed = seed
        self._flash_attention = flash_attention
        self._sampling: dict[str, Any] = {
            "temperature": temperature,
            "repeat_penalty": repeat_penalty,
            "top_k": top_k,
            "top_p": top_p,
        }
        self._llama: Llama | None = None
        self._chat_template: Any = None  # llama_cpp's Jinja2ChatFormatter, when the GGUF has a template
        self._load_lock = threading.Lock()
        # A plain Lock, not an RLock: a streaming UI may resume the generator (and release the lock)
        # from another worker thread than the one that started it.
        self._generate_lock = threading.Lock()
        #: Seconds the last load took (None until loaded).
        self.load_s: float | None = None

    # --- ChatModel ------------------------------------------------------------------------

    @property
    def context_window(self) -> int:
        """The context size llama.cpp allocated (loads the model)."""
        return int(self._model().n_ctx())

    @property
    def has_chat_template(self) -> bool:
        """Whether the GGUF metadata holds ``tokenizer.chat_template`` (loads the model)."""
        self._model()
        return self._chat_template is not None

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` as document text (no BOS, special-token names are plain text)."""
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = ()) -> Generation:
        """Stream the answer to ``messages``; see :class:`Generation` for pieces and stats.

        Raises :class:`~assistant.errors.InputError` (when iterated) if the prompt leaves no room
        for an answer; :func:`assistant.answering.prompting.fit_messages` prevents that.
        """
        counts = TokenCounts()
        return Generation(self._generate(list(messages), max_tokens, list(stop), counts), counts)

    def prefill(self, messages: Sequence[Message]) -> None:
        """Evaluate ``messages`` into llama.cpp's KV cache (loads the model).

        llama.cpp reuses the longest common token prefix of consecutive prompts, so after this the fixed
        instructions of every llm prompt cost nothing, also for the first question after start-up.
        """
        with self._generate_lock:
            llama = self._model()
            tokens, _ = self.prompt_tokens(messages)
            llama.reset()
            llama.eval(tokens)

    @property
    def sampling(self) -> dict[str, Any]:
        """The sampling parameters every generation uses (greedy by default)."""
        return dict(self._sampling, seed=self._seed)

    # --- internals ------------------------------------------------------------------------

    def _model(self) -> Llama:
        if self._llama is None:
            with self._load_lock:
                if self._llama is None:
                    self._load()
        assert self._llama is not None
        return self._llama

    def _load(self) -> None:
        if not self.path.is_file():
            raise ModelError("model.gguf_not_found", path=self.path)
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ModelError("model.llama_missing", error=str(exc)) from exc
        _route_llama_logs()
        started = time.perf_counter()
        try:
            llama = Llama(
                model_path=str(self.path),
                n_ctx=self._n_ctx,
                n_threads=self._n_threads,
                n_threads_batch=self._n_threads,
                n_gpu_layers=0,
                flash_attn=self._flash_attention,
                seed=self._seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError("model.gguf_load_failed", path=self.path, error=str(exc)) from exc
        template = llama.metadata.get("tokenizer.chat_template")
        if template:
            eos_id, bos_id = llama.token_eos(), llama.token_bos()

            def token_text(token: int) -> str:
                return llama.detokenize([token], special=True).decode("utf-8") if token != -1 else ""

            # Same construction llama-cpp-python uses for create_chat_completion.
            self._chat_template = Jinja2ChatFormatter(
                template=template,
                eos_token=token_text(eos_id),
                bos_token=token_text(bos_id),
                stop_token_ids=[eos_id],
            )
        self.load_s = time.perf_counter() - started
        self._llama = llama

    def prompt_tokens(self, messages: Sequence[Message], stop: Sequence[str] = ()) -> tuple[list[int], list[str]]:
        """Render and tokenize ``messages`` as :meth:`stream` does; returns the tokens and all stop strings.

        Benchmarks feed the same tokens to raw llama.cpp to measure this wrapper's overhead.
        """
        llama = self._model()
        if self._chat_template is None:
            prompt, format_stops = render_completion_prompt(messages)
            # special=False: document text that happens to spell "<start_of_turn>" stays text.
            return llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False), list(stop) + format_stops
        result = render_chat_prompt(self._chat_template, messages)
        # The template writes BOS and turn markers itself, hence no add_bos and special=True.
        tokens = llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        template_stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, list(stop) + [s for s in template_stops if s]

    def _generate(
        self, messages: list[Message], max_tokens: int, stop: list[str], counts: TokenCounts
    ) -> Iterator[str]:
        from llama_cpp import StoppingCriteriaList

        with self._generate_lock:
            llama = self._model()
            tokens, stops = self.prompt_tokens(messages, stop)
            room = llama.n_ctx() - len(tokens)
            if room < 1:
                raise InputError("prompt.too_long", tokens=len(tokens), context_window=llama.n_ctx())
            prompt_length = counts.prompt_tokens = len(tokens)

            def count_sampled(input_ids: Any, logits: Any) -> bool:
                # llama-cpp-python calls this after each sampled token with the prompt plus the tokens
                # before it, and once more after the loop with the same length: the length, not the
                # number of calls, gives the count. Never asks to stop.
                counts.completion_tokens = max(counts.completion_tokens, len(input_ids) - prompt_length + 1)
                return False

            chunks = llama.create_completion(
                prompt=tokens,
                max_tokens=min(max_tokens, room),
                stop=stops,
                stream=True,
                seed=self._seed,
                stopping_criteria=StoppingCriteriaList([count_sampled]),
                **self._sampling,
            )
            try:
                for chunk in chunks:
                    text = chunk["choices"][0]["text"]
                    if text:
                        yield text
            finally:
                chunks.close()


def render_chat_prompt(formatter: Any, messages: Sequence[Message]) -> Any:
    """Render ``messages`` with a llama-cpp-python chat formatter (a GGUF's Jinja chat template).

    Returns the formatter's response (``prompt``, ``stop``, ``added_special``). Some templates
    reject a system turn ("roles must alternate"); the system text is then folded into the first
    user turn, which is what those models expect.
    """
    from jinja2 import TemplateError

    turns = list(messages)
    try:
        return formatter(messages=turns)
    except (TemplateError, ValueError):
        if len(turns) < 2 or turns[0]["role"] != "system":
            raise
        system, first, *rest = turns
        merged: Message = {"role": first["role"], "content": system["content"] + "\n\n" + first["content"]}
        return formatter(messages=[merged, *rest])


def llama_cpp_features() -> str | None:
    """The CPU features the installed llama.cpp was built with ("… AVX2 …", "… AVX512 …"; None without llama_cpp).

    The set-up may install a build for the CPU's own features instead of the portable one (README), and
    prompt speed depends on it: the set-up's check and the benchmarks name it.
    """
    try:
        from llama_cpp import llama_print_system_info
    except ImportError:
        return None
    return " ".join(re.findall(r"(\w+) = 1", llama_print_system_info().decode("utf-8", "replace")))


_llama_log = logging.getLogger("assistant.llama_cpp")
_log_callback: Any = None  # kept referenced: llama.cpp calls it from C for the life of the process


def _route_llama_logs() -> None:
    """Send llama.cpp's log output to Python logging instead of stderr (once per process).

    llama-cpp-python's own callback maps the ggml log levels wrongly in 0.3.x and prints warnings
    such as "using full-size SWA cache" to stderr even with ``verbose=False``. Errors stay visible
    as ERROR records; everything else is DEBUG.
    """
    global _log_callback
    if _log_callback is not None:
        return
    import llama_cpp

    last_level = [logging.DEBUG]

    @llama_cpp.llama_log_callback
    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        # ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation of the previous message.
        python_level = last_level[0] if level == 5 else logging.ERROR if level == 4 else logging.DEBUG
        last_level[0] = python_level
        message = text.decode("utf-8", errors="replace").rstrip()
        if message:
            _llama_log.log(python_level, message)

    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))
    _log_callback = forward
