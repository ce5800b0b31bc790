#!/usr/bin/env bash
# Here (a CPU machine), before a GPU session: fill .device/ with what the GPU machine lacks (the
# shared recipe ../shared/gpu/prepare.sh: Node, Dawn's dawn.node, the Vulkan loader) and bundle the
# gpu suite's device entry into .device/gpu.mjs (one file, one copy of tfjs-core, `webgpu` external).
# Works in a plain checkout and in a git worktree: the shared recipe appends to `.git/info/exclude`,
# which is no path in a worktree (there `.git` is a file), so it runs from a copy that asks git
# where the exclude file is (exclude-device.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git rev-parse --show-toplevel)
cd "$root"
shared=${ATLAS_SHARED_GPU:-$root/../../shared/gpu}
[ -f "$shared/prepare.sh" ] || shared=/work/shared/gpu
bash "$here/exclude-device.sh" >/dev/null
recipe=$(mktemp -d)
trap 'rm -rf "$recipe"' EXIT
cp "$shared/on-device.sh" "$recipe/on-device.sh"
# the recipe's one exclude line, pointed at the file git reads
sed 's#\.git/info/exclude#"$(git rev-parse --path-format=absolute --git-path info/exclude)"#g' "$shared/prepare.sh" > "$recipe/prepare.sh"
bash "$recipe/prepare.sh"
pnpm --filter @atlas/bench bundle:device
copies=$(grep -c 'Engine = class' .device/gpu.mjs || true)
[ "$copies" = 1 ] || { echo "expected one copy of tfjs-core in .device/gpu.mjs, found $copies" >&2; exit 1; }
du -sh .device
echo "ready: device run with carry [\".device\"] and command: bash apps/bench/device/gpu-run.sh"
