#!/bin/bash
cd "$(dirname "$0")"
nice -n 10 venv/bin/python fix_value_info.py models/raw-onnx/model.onnx models/raw-onnx/model_novi.onnx > results/fix_vi.log 2>&1
nice -n 10 venv/bin/python quantize_raw_onnx.py models/raw-onnx/model_novi.onnx models/raw-onnx/model_qint8_avx512_vnni.onnx > results/quantize_raw.log 2>&1
while kill -0 9556 2>/dev/null; do sleep 5; done
nice -n 10 venv/bin/python bench.py --name ort_qint8_avx512_vnni --path models/raw-onnx/model_qint8_avx512_vnni.onnx --backend ort-raw --n-quality 100 > results/ort_qint8.log 2>&1
