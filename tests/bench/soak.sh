#!/usr/bin/env bash
# Soak: many writes over a bounded key space against a three-node RaftKv cluster on loopback, with the disk usage
# and resident memory of every node sampled after each step. Issue 9 ("disk usage and RSS stay bounded") and issue
# 13 ("RSS after 10 M writes") read its table. Prints a markdown report on stdout (progress on stderr); everything
# it starts is stopped on exit.
#
# Usage: tests/bench/soak.sh
# Environment: WRITES (total writes, 10000000), STEP (writes per sample, 1000000), KEYS (key space, 100000),
#   CLIENTS (32), VALUE_SIZE (256), SNAPSHOT_ENTRIES (--snapshot-entries of every node, 100000),
#   PORT (17200: +0..+2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
writes=${WRITES:-10000000}
step=${STEP:-1000000}
keys=${KEYS:-100000}
clients=${CLIENTS:-32}
value_size=${VALUE_SIZE:-256}
snapshot_entries=${SNAPSHOT_ENTRIES:-100000}
port=${PORT:-17200}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
command -v jq >/dev/null || { log "installing jq"; apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >&2; }
if [[ ! -x "$repo/bin/raftnode" || ! -x "$repo/bin/raftctl" ]]; then
  log "building raftnode and raftctl (Release)"
  (cd "$repo" && dotnet build -c Release src/raftnode >&2 && dotnet build -c Release src/raftctl >&2)
fi

work=$(mktemp -d /tmp/raftkv-soak.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_mib() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

cd "$work"
for i in 0 1 2; do echo "127.0.0.1:$((port + i))"; done >servers.txt
ctl() { "$repo/bin/raftctl" --servers servers.txt "$@"; }
log "starting three nodes on ports $port..$((port + 2)) in $work (--snapshot-entries $snapshot_entries)"
for i in 0 1 2; do
  "$repo/bin/raftnode" "$i" --servers servers.txt --data-dir "data/node-$i" --snapshot-entries "$snapshot_entries" \
    --log-level Warning >"node$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 600); do
  ctl --timeout 30 set soak/started 1 >/dev/null 2>&1 && break
  sleep 0.05
done

sample() {
  local i row="" disk=""
  for i in 0 1 2; do
    row+="${row:+ / }$(rss_mib "${pids[$i]}")"
    disk+="${disk:+ / }$(du -sm "data/node-$i" | cut -f1)"
  done
  echo "$row|$disk"
}

echo "## Soak: $writes writes over $keys keys ($clients clients, $value_size-byte values, --snapshot-entries $snapshot_entries)"
echo
echo "Started $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
echo
echo "| writes | writes/s in the step | p99 ms | errors | RSS MiB (node 0 / 1 / 2) | disk MiB (node 0 / 1 / 2) | load |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
IFS='|' read -r rss disk <<<"$(sample)"
echo "| 0 | – | – | – | $rss | $disk | $(cut -d' ' -f1 /proc/loadavg) |"
done_writes=0
while ((done_writes < writes)); do
  n=$((writes - done_writes < step ? writes - done_writes : step))
  log "writes $done_writes..$((done_writes + n))"
  json=$(ctl bench --prefix soak/ --clients "$clients" --total "$n" --key-space "$keys" --value-size "$value_size" --json)
  done_writes=$((done_writes + n))
  for i in 0 1 2; do
    kill -0 "${pids[$i]}" 2>/dev/null || { log "node $i exited: see $work/node$i.log"; tail -5 "node$i.log" >&2; exit 1; }
  done
  IFS='|' read -r rss disk <<<"$(sample)"
  echo "| $done_writes | $(jq -r '.opsPerSecond | floor' <<<"$json") | $(jq -r '.latencyMs.p99' <<<"$json" | xargs printf '%.1f') | $(jq -r .errors <<<"$json") | $rss | $disk | $(cut -d' ' -f1 /proc/loadavg) |"
done
echo
echo "Snapshot and log per node at the end:"
echo
echo '```'
ctl status
echo '```'
