"""The set-up's choice between the portable llama.cpp build and the one for this CPU (scripts/llama_check.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "llama_check.py"
_spec = importlib.util.spec_from_file_location("llama_check", SCRIPT)
llama_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(llama_check)


def run_line(tokens_per_s: float, features: str = "AVX2") -> str:
    return json.dumps({"features": features, "prompt_tokens": 529, "prompt_tokens_per_s": tokens_per_s, "written": "Die"})


def test_a_clearly_faster_cpu_build_is_chosen():
    choice, why = llama_check.choose(run_line(43.8), run_line(73.1, "AVX2 AVX512"))
    assert choice == "native"
    assert "73.1 statt 43.8" in why


@pytest.mark.parametrize("native", [43.8, 47.0, 30.0])
def test_a_cpu_build_not_clearly_faster_leaves_the_portable_one(native):
    # 47.0 is 7 % faster: within what two runs of one build differ by on a busy machine.
    assert llama_check.choose(run_line(43.8), run_line(native))[0] == "portable"


def test_a_cpu_build_that_died_leaves_the_portable_one():
    choice, why = llama_check.choose(run_line(43.8), "exit 132")
    assert choice == "portable"
    assert "exit 132" in why


def test_choose_writes_the_choice_and_both_runs(tmp_path):
    out = tmp_path / "choice"
    portable, native = run_line(40.0), "exit 132"
    done = subprocess.run([sys.executable, str(SCRIPT), "choose", str(out), portable, native],
                          capture_output=True, text=True, check=True)
    assert out.read_text(encoding="utf-8").splitlines() == ["portable", portable, native]
    assert "stürzte ab (exit 132)" in done.stderr


def test_wrong_arguments_print_the_usage():
    done = subprocess.run([sys.executable, str(SCRIPT), "choose", "only-a-file"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "llama_check.py choose FILE PORTABLE NATIVE" in done.stderr
