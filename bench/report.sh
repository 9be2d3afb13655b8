#!/usr/bin/env bash
# Benchmark of the report exports (issue 8): times the Word, HTML and PDF renderers and the
# zip pack on a report the size of the demo council's (see bench/report/src/main.rs), in a
# release build, and prints the median, p95 and slowest of RUNS runs of each.
#
#   bench/report.sh
#   RUNS=50 bench/report.sh
#
# Targets: ≤ 100 ms for the .docx and ≤ 1 s for the .pdf. The first run builds selfassess
# with its `pdf` feature (typst) in release mode: many minutes on two cores; later runs reuse
# the build (in CARGO_TARGET_DIR, or target/ by default, shared with the app's own builds).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs="${RUNS:-30}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

printf '==> %s\n' "building the report benchmark (release, with the pdf feature)" >&2
cargo build --release --quiet --manifest-path bench/report/Cargo.toml --target-dir "$target_dir"
printf '==> load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$target_dir/release/selfassess-report-bench" "$runs"
