"""A :class:`~assistant.answering.llm.ChatModel` on an OpenAI-compatible server (team deployment).

``ASSISTANT_LLM_URL`` names the server's ``/v1`` base URL: llama-cpp-python's ``python -m
llama_cpp.server``, llama.cpp's ``llama-server``, vLLM or Ollama. Answers stream from
``/chat/completions`` (server-sent events); everything the product does with an answer — evidence
prompts, attribution, number checks, refusals — stays in our code and applies to whatever the server
returns, exactly as for the local model.

Token counting for the context budget asks the server's tokenizer where it has one (llama-cpp-python:
``/extras/tokenize/count``; llama.cpp and vLLM: ``/tokenize``); otherwise it estimates conservatively
(one token per :data:`CHARS_PER_TOKEN_ESTIMATE` characters — German text in Qwen's and Llama's
tokenizers averages 3.5–4, so the estimate errs towards shorter prompts, never overflowing).

A server that cannot be reached, answers too slowly, answers with an error status or with something
that is not a completion stream raises :class:`~assistant.errors.ModelError` with the reason: the chat
shows it and the session stays usable (no hang: every read has a timeout).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ModelError
from .llm import Generation, Message, TokenCounts

if TYPE_CHECKING:
    import httpx

#: Characters per token assumed when the server has no tokenizer endpoint (errs towards more tokens).
CHARS_PER_TOKEN_ESTIMATE = 3.0
#: Characters of a server's error body quoted in a message.
ERROR_BODY_CHARS = 200


class OpenAIChatModel:
    """Streams answers from ``{base_url}/chat/completions``; see the module docstring.

    Thread-safe: each generation is its own HTTP request, so several sessions can generate at once
    (as many as the server has slots; the web UI's queue admits ``ASSISTANT_LLM_SLOTS``).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        context_window: int,
        timeout_s: float,
        client: "httpx.Client | None" = None,
    ) -> None:
        import httpx

        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelError("model.server_bad_url", url=base_url)
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model or 'server'} @ {parts.netloc}"
        self._context_window = context_window
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # Connect quickly or fail; between streamed pieces wait at most timeout_s (a CPU server may be slow).
        self._client = client or httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))
        self._tokenizer: str | None = None  # which tokenizer endpoint works: "extras", "tokenize", "estimate"
        self._probe_lock = threading.Lock()

    # --- ChatModel ------------------------------------------------------------------------

    @property
    def context_window(self) -> int:
        """The context the prompt budget plans for (``ASSISTANT_LLM_CONTEXT``; the server's own may be larger)."""
        return self._context_window

    @property
    def has_chat_template(self) -> bool:
        """A chat-completions endpoint applies the model's chat template itself."""
        return True

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the server's tokenizer, or a conservative estimate without one."""
        if not text:
            return 0
        with self._probe_lock:
            kind = self._tokenizer
        if kind in (None, "extras"):
            count = self._count_extras(text)
            if count is not None:
                self._remember("extras")
                return count
        if kind in (None, "tokenize"):
            count = self._count_tokenize(text)
            if count is not None:
                self._remember("tokenize")
                return count
        self._remember("estimate")
        return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = ()) -> Generation:
        """Stream the server's answer to ``messages`` (greedy, like the local model)."""
        counts = TokenCounts()
        return Generation(self._pieces(list(messages), max_tokens, list(stop), counts), counts)

    def prefill(self, messages: Sequence[Message]) -> None:
        """Nothing to do: the server keeps its own prompt cache (llama.cpp reuses a common prefix by itself)."""

    def close(self) -> None:
        self._client.close()

    # --- internals ------------------------------------------------------------------------

    def _pieces(self, messages: list[Message], max_tokens: int, stop: list[str], counts: TokenCounts) -> Iterator[str]:
        import httpx

        body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "stream": True, "temperature": 0.0,
                                "stream_options": {"include_usage": True}}
        if self.model:
            body["model"] = self.model
        if stop:
            body["stop"] = stop
        url = f"{self.base_url}/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code != 200:
                    detail = response.read().decode("utf-8", "replace")[:ERROR_BODY_CHARS]
                    raise ModelError("model.server_status", url=url, status=response.status_code, detail=detail.strip())
                yield from self._events(response.iter_lines(), counts, url)
            if not counts.prompt_tokens:
                # Servers that send no usage while streaming (llama_cpp.server): the messages' tokens by the
                # server's tokenizer, without the chat template's few tokens.
                counts.prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
        except httpx.TimeoutException:
            raise ModelError("model.server_timeout", url=url) from None
        except httpx.TransportError as exc:
            raise ModelError("model.server_unreachable", url=url, error=str(exc) or type(exc).__name__) from None

    @staticmethod
    def _events(lines: Iterator[str], counts: TokenCounts, url: str) -> Iterator[str]:
        """Text pieces of a server-sent-events completion stream; usage fills ``counts``."""
        saw_event = False
        for line in lines:
            if not line or line.startswith(":"):
                continue  # keep-alive or comment
            if not line.startswith("data:"):
                raise ModelError("model.server_garbage", url=url, sample=line[:80])
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                event = json.loads(data)
                choices = event.get("choices") or []
                usage = event.get("usage")
            except (ValueError, AttributeError):
                raise ModelError("model.server_garbage", url=url, sample=data[:80]) from None
            saw_event = True
            if isinstance(usage, dict):
                counts.prompt_tokens = int(usage.get("prompt_tokens") or 0)
                counts.completion_tokens = int(usage.get("completion_tokens") or 0)
            for choice in choices:
                delta = (choice or {}).get("delta") or {}
                piece = delta.get("content")
                if isinstance(piece, str) and piece:
                    if not usage:
                        counts.completion_tokens += 1  # servers without usage: one piece ≈ one token
                    yield piece
        if not saw_event:
            raise ModelError("model.server_garbage", url=url, sample="(leer)")

    def _server_root(self) -> str:
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    def _count_extras(self, text: str) -> int | None:
        """llama-cpp-python's server: POST /extras/tokenize/count {"input": …} → {"count": n}."""
        data = self._post_json(f"{self._server_root()}/extras/tokenize/count", {"input": text})
        count = data.get("count") if isinstance(data, dict) else None
        return int(count) if isinstance(count, int) else None

    def _count_tokenize(self, text: str) -> int | None:
        """llama.cpp's server ({"content": …} → {"tokens": […]}) and vLLM ({"prompt": …} → {"count": n})."""
        data = self._post_json(f"{self._server_root()}/tokenize", {"content": text, "prompt": text, "model": self.model,
                                                                   "add_special": False})
        if isinstance(data, dict):
            if isinstance(data.get("count"), int):
                return int(data["count"])
            if isinstance(data.get("tokens"), list):
                return len(data["tokens"])
        return None

    def _post_json(self, url: str, body: dict[str, Any]) -> Any:
        import httpx

        try:
            response = self._client.post(url, json=body)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _remember(self, kind: str) -> None:
        with self._probe_lock:
            self._tokenizer = kind
