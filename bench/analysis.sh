#!/usr/bin/env bash
# Benchmark of the Stage 1 analysis on a large assessment: `selfassess demo` loads about a
# million answers (RESPONDENTS × 95 items; 10,500 by default: 997,500 answers), then 16
# clients read, one path after another for a fixed time: the analysis JSON, the dashboard
# and a quality statement page. Prints requests/s and p50/p95/p99 per path, the server's peak
# memory, and the load average (a busy machine gives low, noisy figures).
#
#   bench/analysis.sh
#   RESPONDENTS=2000 SECONDS_PER_PATH=5 bench/analysis.sh        # a quick run
#   SELFASSESS_BIN=target/release/selfassess bench/analysis.sh   # an already built binary
#   DATA_DIR=/tmp/analysis-data bench/analysis.sh                # keep (and reuse) the data
#
# Target (issue 5): p95 ≤ 100 ms for each path with 16 concurrent clients.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

respondents="${RESPONDENTS:-10500}"
seconds="${SECONDS_PER_PATH:-10}"
clients="${CLIENTS:-16}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
step() { printf '==> %s\n' "$*" >&2; }

if [ ! -d static/templates ]; then
  step "building front-end assets (npm)"
  [ -d node_modules ] || npm ci --no-audit --no-fund >&2
  npm run --silent build >&2
fi
if [ -n "${SELFASSESS_BIN:-}" ]; then
  app="$SELFASSESS_BIN"
else
  step "building selfassess (release)"
  cargo build --release --quiet --bin selfassess
  app="$target_dir/release/selfassess"
fi
step "building the benchmark tools (release, bench/target)"
cargo build --release --quiet --manifest-path bench/Cargo.toml --target-dir bench/target
tools="$root/bench/target/release"

work=$(mktemp -d /tmp/selfassess-analysis.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

data="${DATA_DIR:-$work/data}"
if [ ! -f "$data/demo.txt" ]; then
  step "loading $respondents responses × 95 items (selfassess demo)"
  started=$(date +%s)
  "$app" demo --data-dir "$data" --respondents "$respondents" >"$work/demo.txt"
  cp "$work/demo.txt" "$data/demo.txt"
  step "loaded in $(( $(date +%s) - started ))s"
fi
lead_line=$(grep -m1 'demo-assessment-lead-' "$data/demo.txt")
email=$(tr -s ' ' '\n' <<<"$lead_line" | grep -m1 '@')
password=${lead_line##*password: }
assessment=$(sed -n 's|^Assessment: /assessments/||p' "$data/demo.txt")
token=$("$app" admin token --data-dir "$data" --email "$email" --name bench --days 1)
answers=$("$tools/selfassess-bench" count --db "$data/selfassess.db")

port=$("$tools/selfassess-bench" free-port)
host="127.0.0.1:$port"
RUST_LOG=warn "$app" serve --addr "$host" --data-dir "$data" >"$work/app.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
step "$clients clients, ${seconds}s per path"
"$tools/reads" --host "$host" --email "$email" --password "$password" --token "$token" \
  --clients "$clients" --seconds "$seconds" \
  "/api/v1/assessments/$assessment/analysis" \
  "/assessments/$assessment/analysis" \
  "/assessments/$assessment/analysis/QS1" >"$work/reads.json"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")

echo
echo "Analysis of one assessment: $answers (responses answers), $clients clients, ${seconds}s per path, $(nproc) cores"
echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %9s %8s %8s %8s %9s\n' path "req/s" "p50 ms" "p95 ms" "p99 ms" "bytes"
fail=0
while read -r line; do
  read -r path rps p50 p95 p99 bytes errors < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["path"], d["per_second"], d["p50_ms"], d["p95_ms"], d["p99_ms"], d["bytes"], d["errors"])' "$line")
  printf '%-58s %9s %8s %8s %8s %9s\n' "${path/$assessment/\{id\}}" "$rps" "$p50" "$p95" "$p99" "$bytes"
  if [ "$errors" != 0 ]; then echo "  $errors errors" >&2; fail=1; fi
  if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 100 else 1)' "$p95"; then :; else echo "  p95 above the 100 ms target" >&2; fi
done <"$work/reads.json"
echo "Server peak memory (VmHWM): $(( peak_kb / 1024 )) MB"
exit "$fail"
