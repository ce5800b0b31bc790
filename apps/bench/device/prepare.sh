#!/usr/bin/env bash
# Here (a CPU machine), before a GPU session: fill .device/ with what the GPU machine lacks (the
# shared recipe ../shared/gpu/prepare.sh: Node, Dawn's dawn.node, the Vulkan loader) and bundle the
# gpu suite's device entry into .device/gpu.mjs (one file, one copy of tfjs-core, `webgpu` external).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
shared=${ATLAS_SHARED_GPU:-$root/../../shared/gpu}
[ -f "$shared/prepare.sh" ] || shared=/work/shared/gpu
bash "$shared/prepare.sh"
pnpm --filter @atlas/bench bundle:device
copies=$(grep -c 'Engine = class' .device/gpu.mjs || true)
[ "$copies" = 1 ] || { echo "expected one copy of tfjs-core in .device/gpu.mjs, found $copies" >&2; exit 1; }
du -sh .device
echo "ready: device run with carry [\".device\"] and command: bash apps/bench/device/gpu-run.sh"
