#!/bin/sh
# One sitting of the benchmarks in docs/benchmarks.md, one after another on the same machine:
# IRC and WebSocket fan-out ramps (Banter with both stores, InspIRCd, ngIRCd, Socket.IO), a
# profile of Banter at the steady shape, idle connections, the login storm and cold start.
# Every JSON result (with the load average next to it) lands in $OUT (default ./bench-results).
# Each tool stops by itself and ends only the processes it started.
#
#   sh bench/sitting.sh [OUT]       BENCH_DURATION=8 (seconds per step), BENCH_FANOUT_ONLY=1 (skip
#                                   start-up, idle connections and the login storm)
set -eu
OUT=${1:-bench-results}
mkdir -p "$OUT"
run() { name=$1; shift; echo "== $name (load $(cut -d' ' -f1-3 /proc/loadavg))"; node "$@" > "$OUT/$name.json" || echo "   $name failed"; }
D=${BENCH_DURATION:-10}

[ "${BENCH_FANOUT_ONLY:-}" ] || run startup bench/startup.ts --runs 3 --peers

for s in "--server banter --store sqlite" "--server banter --store memory" "--server inspircd" "--server ngircd"; do
  n=$(echo "$s" | sed 's/--server //; s/ --store /-/')
  # shellcheck disable=SC2086
  run "irc-1x500x5-$n" bench/load.ts --proto irc $s --clients 500 --channels 1 --senders 5 --rate 10 --duration "$D" --ramp --ramp-factor 2 --ramp-steps 9 --json
  # shellcheck disable=SC2086
  run "irc-10x100x10-$n" bench/load.ts --proto irc $s --clients 1000 --channels 10 --senders 10 --rate 10 --duration "$D" --ramp --ramp-factor 2 --ramp-steps 9 --json
done
for s in "--server banter --store sqlite" "--server banter --store memory" "--server socketio"; do
  n=$(echo "$s" | sed 's/--server //; s/ --store /-/')
  # shellcheck disable=SC2086
  run "ws-1x500x5-$n" bench/load.ts --proto ws $s --clients 500 --channels 1 --senders 5 --rate 10 --duration "$D" --ramp --ramp-factor 2 --ramp-steps 9 --json
  # shellcheck disable=SC2086
  run "ws-10x100x10-$n" bench/load.ts --proto ws $s --clients 1000 --channels 10 --senders 10 --rate 10 --duration "$D" --ramp --ramp-factor 2 --ramp-steps 9 --json
done

# Profiles of Banter at the steady shape: sustainable with SQLite, and the memory store at 4x that.
mkdir -p "$OUT/prof-sqlite" "$OUT/prof-memory"
run prof-irc-sqlite bench/load.ts --proto irc --server banter --store sqlite --clients 500 --senders 5 --rate 20 --duration "$D" --prof "$OUT/prof-sqlite" --json
run prof-irc-memory bench/load.ts --proto irc --server banter --store memory --clients 500 --senders 5 --rate 80 --duration "$D" --prof "$OUT/prof-memory" --json

[ "${BENCH_FANOUT_ONLY:-}" ] && { echo "done: $OUT"; exit 0; }
for s in banter inspircd ngircd; do run "idle-irc-$s" bench/idle-conns.ts --proto irc --server "$s" --conns 19500 --rate 1000 --json; done
run idle-ws-banter bench/idle-conns.ts --proto ws --server banter --conns 19500 --rate 1000 --json
run login-storm bench/login-storm.ts --clients 10000 --json
echo "done: $OUT"
