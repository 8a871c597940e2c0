#!/bin/bash
cd "$(dirname "$0")"
while kill -0 11460 2>/dev/null; do sleep 5; done
OV_PRECISION=f32 nice -n 10 venv-ov/bin/python bench.py --name ovraw_f32hint --path models/ov-raw/model.xml --backend ov-raw --n-quality 100 > results/ovraw_f32hint.log 2>&1
OV_PRECISION=f32 nice -n 10 venv-ov/bin/python bench.py --name ov_st_f32hint --path models/eg-ov --backend openvino --n-quality 100 > results/ov_st_f32hint.log 2>&1
