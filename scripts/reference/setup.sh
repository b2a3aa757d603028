#!/usr/bin/env bash
# Create .venv-ref/ with the pinned reference tools (scripts/reference/requirements.txt).
# Only needed to regenerate fixtures or run peer benchmarks; the test suite reads the committed
# fixtures and does not need Python.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv .venv-ref
.venv-ref/bin/pip install --quiet --upgrade pip
.venv-ref/bin/pip install --quiet -r scripts/reference/requirements.txt
echo "reference environment ready: .venv-ref/"
