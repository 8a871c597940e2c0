"""Choose the llama.cpp build for this CPU: run a build on the bundled model, or decide between two runs.

Called by scripts/setup.sh, which measures each build in its own process (a build made for instructions
the CPU or its hypervisor does not allow dies with SIGILL, and only that process dies):

    .venv/bin/python scripts/llama_check.py                      # the build installed in .venv
    PYTHONPATH=DIR .venv/bin/python scripts/llama_check.py       # a build installed with pip --target DIR
    .venv/bin/python scripts/llama_check.py choose FILE PORTABLE NATIVE

A run prints one JSON line: the CPU features llama.cpp was built with, prompt tokens per second, and the
first tokens it wrote. ``choose`` takes the portable build's line and the CPU build's line (or "exit N"
where it died), writes the choice ("native" or "portable", then both lines) to FILE and says why.
"""

from __future__ import annotations

import json
import sys
import time

# About 500 tokens of German advisory text, the kind of prompt the assistant sends: read twice, the
# second time timed (the first pays for page faults of the memory-mapped weights).
_PARAGRAPH = (
    "Gefördert werden Vorhaben gemeinwohlorientierter Organisationen, die Künstliche Intelligenz für "
    "soziale, ökologische oder kulturelle Ziele einsetzen. Anträge sind bis zum 31. März beim Projektträger "
    "einzureichen; die Förderquote beträgt bis zu 80 Prozent der zuwendungsfähigen Ausgaben. "
)
_PROMPT = "<|im_start|>user\n" + _PARAGRAPH * 6 + "Fasse zusammen.<|im_end|>\n<|im_start|>assistant\n"

#: The CPU build replaces the portable one only when it reads prompts this much faster: two runs of one
#: build differed by up to a fifth on a busy 2-core VM (40.8 and 32.5 tokens/s), and a build that is
#: not clearly faster is not worth leaving the one every CPU runs.
MIN_SPEED_UP = 1.1


def measure() -> dict[str, object]:
    """Run the importable llama.cpp build on the chat model the assistant would load, as it would load it."""
    from llama_cpp import Llama

    from assistant.answering.llm import llama_cpp_features
    from assistant.config import Settings
    from assistant.models import resolve_llm

    settings = Settings.from_env()
    model = resolve_llm(settings)
    llama = Llama(model_path=str(model.path), n_ctx=1024, n_threads=settings.n_threads,
                  n_threads_batch=settings.n_threads, n_gpu_layers=0, flash_attn=settings.llm_flash_attention,
                  verbose=False)
    tokens = llama.tokenize(_PROMPT.encode("utf-8"), special=True)
    llama.eval(tokens)
    llama.reset()
    started = time.perf_counter()
    llama.eval(tokens)
    seconds = time.perf_counter() - started
    written = llama.create_completion(_PROMPT, max_tokens=8, temperature=0)["choices"][0]["text"]
    return {
        "features": llama_cpp_features(),
        "prompt_tokens": len(tokens),
        "prompt_tokens_per_s": round(len(tokens) / seconds, 1),
        "written": written,
    }


def choose(portable: str, native: str) -> tuple[str, str]:
    """("native" or "portable", why in German) from the two runs' output lines."""
    old = json.loads(portable)["prompt_tokens_per_s"]
    if not native.startswith("{"):
        return "portable", f"er stürzte ab ({native}); der portable Build bleibt"
    new = json.loads(native)["prompt_tokens_per_s"]
    if new >= MIN_SPEED_UP * old:
        return "native", f"{new} statt {old} Prompt-Tokens/s; er wird verwendet"
    return "portable", f"{new} statt {old} Prompt-Tokens/s, nicht schneller; der portable Build bleibt"


def main(argv: list[str]) -> None:
    if argv[:1] == ["choose"] and len(argv) == 4:
        path, portable, native = argv[1:]
        choice, why = choose(portable, native)
        with open(path, "w", encoding="utf-8") as out:
            out.write(f"{choice}\n{portable}\n{native}\n")
        print(f"llama.cpp für diese CPU: {why}.", file=sys.stderr)
    elif not argv:
        print(json.dumps(measure(), ensure_ascii=False))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
