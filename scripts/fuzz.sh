#!/usr/bin/env bash
# Fuzz the file readers of crates/io (cargo-fuzz, libFuzzer) for a bounded time per target.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     default: 60 s each, every target
#
# Targets: npy, vecs (.fvecs/.bvecs/.ivecs), safetensors, raw, text (JSON/JSONL/CSV/TSV/TXT).
# Every input must give a consistent matrix or a coded error: a panic, a wrong error code or an
# allocation above -malloc_limit_mb (a size taken from a header instead of the file) is a
# finding. Findings land in crates/io/fuzz/artifacts/<target>/; once fixed, copy the input to
# crates/io/tests/fuzz/<target>-<what>.bin, where tests/fuzz_regressions.rs replays it.
# Not part of .ci/run (needs nightly and minutes of CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy vecs safetensors raw text)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# libFuzzer's instrumentation needs nightly; fall back to stable with RUSTC_BOOTSTRAP.
toolchain=(+nightly)
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  if ! rustup toolchain install nightly --profile minimal; then
    echo "nightly unavailable: trying stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    toolchain=()
  fi
fi

cd crates/io/fuzz
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${seconds}s"
  if ! cargo "${toolchain[@]}" fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=4096 -malloc_limit_mb=64 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1; then
    echo "!! $t: finding in crates/io/fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
