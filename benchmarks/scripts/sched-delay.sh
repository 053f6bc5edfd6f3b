#!/bin/bash
# sched-delay.sh BIN: how long harbor serve's threads wait to run once woken, at c=1.
#
# Runs the gateway benchmark's c=1 plain load against BIN (a harbor binary:
# go build -o /tmp/harbor ./cmd/harbor), records the scheduler system-wide for
# one second in the middle of it (perf sched record -a; needs root and perf),
# and prints the gateway's switch-ins per second, their average wait, scheduling
# delay and run time (perf sched timehist). Recording slows the run itself: its
# latency figures are not the report's. results/gateway-profile.md has a run.
set -euo pipefail
BIN=$(realpath "$1")
cd "$(dirname "$0")/.."
go build -o /tmp/gwbench ./cmd/gateway
out=$(mktemp) data=$(mktemp)
trap 'rm -f "$out" "$data"' EXIT
/tmp/gwbench -harbor "$BIN" -proxy=false -rounds 1 -duration 3s -conc 1 -rate -1 -scenarios plain >"$out" 2>&1 &
bench=$!
pid=
for _ in $(seq 100); do pid=$(pgrep -n -f "^$BIN serve" || true); [ -n "$pid" ] && break; sleep 0.05; done
[ -n "$pid" ] || { echo "sched-delay: harbor serve did not start" >&2; exit 1; }
sleep 4 # the warm-up and the direct target go first
perf sched record -a -o "$data" sleep 1 >/dev/null 2>&1
wait "$bench"
grep -E '^\| c=1 \| gateway' "$out"
perf sched timehist -i "$data" -p "$pid" 2>/dev/null | awk -v bin="$(basename "$BIN")" '
	NR > 3 && index($0, bin) { n++; wait += $4; delay += $5; run += $6 }
	END { if (n) printf "switch-ins %d in 1 s; average wait %.1f µs, scheduling delay %.1f µs, run %.1f µs\n", n, wait/n*1000, delay/n*1000, run/n*1000 }'
