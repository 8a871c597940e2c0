#!/bin/bash
cd "$(dirname "$0")"
nice -n 10 venv-ov/bin/python convert_ov_raw.py > results/convert_ov_raw.log 2>&1
nice -n 10 venv-ov/bin/python bench.py --name ovraw_fp32 --path models/ov-raw/model.xml --backend ov-raw --n-quality 100 > results/ovraw_fp32.log 2>&1
nice -n 10 venv-ov/bin/python bench.py --name ovraw_int8w --path models/ov-raw/model_int8w.xml --backend ov-raw --n-quality 100 > results/ovraw_int8w.log 2>&1
