#!/bin/bash
# Lab venv (transformers 5.23): onnxruntime + onnx resolve; optimum-onnx 0.1.0 pins transformers<4.58,
# so it and optimum 2.1.0 are installed with --no-deps to see whether ST's backend="onnx" works anyway.
set -e
cd "$(dirname "$0")"
venv/bin/pip install -q onnxruntime onnx
du -sm venv/lib/python3.11/site-packages > size_ort.txt
venv/bin/pip install -q --no-deps optimum-onnx==0.1.0 optimum==2.1.0
du -sm venv/lib/python3.11/site-packages > size_ort_optimum.txt
venv/bin/pip freeze > freeze_onnx.txt
