#!/usr/bin/env bash
# Create .venv-data/ with the pinned tools that regenerate the bundled demo embeddings
# (data/demo/minilm-stdlib.*) from scripts/data/requirements-demo.txt. Only needed to regenerate
# that data; nothing in the build or the test suite needs Python.
#
# --no-deps: the requirements file is the whole closure the script imports. It keeps out the
# model wrapper's declared sentence-transformers -> torch dependency (several GB of CUDA wheels on
# Linux), which the numpy forward pass in demo_embeddings.py does not use.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv .venv-data
# Keep the venv out of git even where .gitignore lacks it (Python >= 3.13 venv does this itself).
printf '*\n' > .venv-data/.gitignore
.venv-data/bin/pip install --quiet --upgrade pip
.venv-data/bin/pip install --quiet --no-deps -r scripts/data/requirements-demo.txt
echo "demo-data environment ready: .venv-data/ ($(.venv-data/bin/python -V))"
