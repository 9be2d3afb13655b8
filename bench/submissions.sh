#!/usr/bin/env bash
# Load benchmark of survey submissions: JSON responses of 12 answers from 64 concurrent clients
# for a fixed time, against
#   1. selfassess itself (release build, SQLite, WAL, synchronous=FULL), through the whole
#      stack: routing, JSON, validation, link lookup, idempotency, group-commit writer;
#   2. a bare axum + SQLite reference, one transaction per request;
#   3. a bare axum + SQLite reference, a single writer thread committing up to 256
#      submissions per transaction;
# one after the other on this machine, with the same durability. Prints throughput, p50/p99,
# the ratios, and checks that what is stored equals what was acknowledged.
#
#   bench/submissions.sh                 # 20 s per run, 64 clients
#   SECONDS_PER_RUN=10 CLIENTS=32 bench/submissions.sh
#   SELFASSESS_BIN=target/release/selfassess bench/submissions.sh   # an already built binary
#
# Needs: cargo; npm (only if static/ has not been built yet). Sends traffic to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds="${SECONDS_PER_RUN:-20}"
clients="${CLIENTS:-64}"
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
tool="$root/bench/target/release/selfassess-bench"

work=$(mktemp -d /tmp/selfassess-bench.XXXXXX)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$tool" free-port; }

# CPU time (user + system, in clock ticks) the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_for() { # host path
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server at $1 did not start" >&2
  exit 1
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 1. selfassess -----------------------------------------------------------------------
step "selfassess: setting up a council, an assessment and a round"
data="$work/app"
port=$(free_port)
host="127.0.0.1:$port"
email="bench@example.org"
password="violet harbour quartz meadow"
printf '%s\n' "$password" | "$app" admin create --data-dir "$data" --email "$email" --name "Bench Admin" --password-stdin >/dev/null
api_token=$("$app" admin token --data-dir "$data" --email "$email" --name bench --days 1 2>"$work/token.log") || { cat "$work/token.log" >&2; exit 1; }
RUST_LOG=warn "$app" serve --addr "$host" --data-dir "$data" >"$work/app.log" 2>&1 &
server_pid=$!
wait_for "$host"
read -r round group < <("$tool" setup --host "$host" --email "$email" --password "$password" --token "$api_token")
step "selfassess: $clients clients for ${seconds}s"
before=$(cpu_ticks "$server_pid")
"$tool" load --host "$host" --path "/api/v1/rounds/$round/responses" --group "$group" \
  --clients "$clients" --seconds "$seconds" --label app >"$work/app.json"
echo "$(( $(cpu_ticks "$server_pid") - before )) $(getconf CLK_TCK)" >"$work/app.cpu"
stop_server
"$tool" count --db "$data/selfassess.db" >"$work/app.count"

# --- 2. and 3. the references ------------------------------------------------------------
run_reference() { # mode label
  local db="$work/$1.db" port host
  port=$(free_port)
  host="127.0.0.1:$port"
  "$tool" reference "$1" --addr "$host" --db "$db" 2>"$work/$1.log" &
  server_pid=$!
  wait_for "$host"
  step "reference ($2): $clients clients for ${seconds}s"
  before=$(cpu_ticks "$server_pid")
  "$tool" load --host "$host" --path "/api/v1/rounds/bench/responses" --group "g" \
    --clients "$clients" --seconds "$seconds" --label "$1" >"$work/$1.json"
  echo "$(( $(cpu_ticks "$server_pid") - before )) $(getconf CLK_TCK)" >"$work/$1.cpu"
  stop_server
  "$tool" count --db "$db" >"$work/$1.count"
}
run_reference tx "one transaction per request"
run_reference group "single writer, group commit"

# --- the table ---------------------------------------------------------------------------
echo
echo "Submissions of 12 answers, $clients clients, ${seconds}s each, SQLite WAL synchronous=FULL, $(nproc) cores"
echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(figures from a machine that is busy with other work are low and noisy: compare runs made together)"
"$tool" report --dir "$work"
