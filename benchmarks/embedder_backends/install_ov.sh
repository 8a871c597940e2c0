#!/bin/bash
# Second venv: OpenVINO backend needs optimum-intel 2.2.0, which pins transformers<5.6.
set -e
cd "$(dirname "$0")"
../../.venv/bin/python -m venv venv-ov
venv-ov/bin/pip install -q --upgrade pip
venv-ov/bin/pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu --find-links /opt/wheels
venv-ov/bin/pip install -q sentence-transformers==6.2.0 "transformers<5.6"
du -sm venv-ov/lib/python3.11/site-packages > size_ov_base.txt
venv-ov/bin/pip freeze > freeze_ov_base.txt
venv-ov/bin/pip install -q "sentence-transformers[openvino]==6.2.0" "transformers<5.6" torch==2.13.0
du -sm venv-ov/lib/python3.11/site-packages > size_ov_full.txt
venv-ov/bin/pip freeze > freeze_ov_full.txt
