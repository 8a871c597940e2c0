#!/bin/bash
cd "$(dirname "$0")"
nice -n 10 venv/bin/python quantize_raw_onnx.py models/raw-onnx/model.onnx models/raw-onnx/model_qint8_avx512_vnni.onnx > results/quantize_raw.log 2>&1
nice -n 10 venv/bin/python bench.py --name ort_fp32 --path models/raw-onnx/model.onnx --backend ort-raw --n-quality 100 > results/ort_fp32.log 2>&1
nice -n 10 venv/bin/python bench.py --name ort_qint8_avx512_vnni --path models/raw-onnx/model_qint8_avx512_vnni.onnx --backend ort-raw --n-quality 100 > results/ort_qint8.log 2>&1
