#!/usr/bin/env bash
# The `gpu` bench suite on the GPU machine, in one run (device tool: carry [".device"], from the
# project root: `bash apps/bench/device/gpu-run.sh`). Prepared here beforehand with
# apps/bench/device/prepare.sh (Node, Dawn, Vulkan loader and the bundled suite in .device/).
# Writes under $OUT: gpu.md and gpu.json (the table), gpu-torch.json (the PyTorch CUDA peer),
# nvidia-smi.txt and the logs. Time limits keep the whole run inside one device call.
set -uo pipefail
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
# 1. PyTorch on CUDA (float32, TF32 off), the same workloads
if command -v python3 >/dev/null && python3 -c 'import torch' 2>/dev/null; then
  timeout "${TORCH_TIMEOUT:-200}" python3 apps/bench/src/suites/gpu/gpu_torch.py --device cuda ${TORCH_ARGS:-} \
    > "$out/gpu-torch.json" 2> "$out/gpu-torch.log" || echo "PyTorch peer failed (exit $?), see gpu-torch.log" >&2
else
  echo "no python3 with torch on this machine: no PyTorch peer" | tee "$out/gpu-torch.log" >&2
fi
# 2. TensorFlow.js WebGPU on Dawn: stock kernels, then Atlas's, with one profiled step of each
timeout "${NODE_TIMEOUT:-330}" bash .device/on-device.sh .device/gpu.mjs --out="$out" --torch-json="$out/gpu-torch.json" ${GPU_ARGS:-} \
  > "$out/gpu-node.log" 2>&1 || echo "node run failed (exit $?), see gpu-node.log" >&2
tail -n 60 "$out/gpu-node.log"
cat "$out/gpu.md" 2>/dev/null || true
