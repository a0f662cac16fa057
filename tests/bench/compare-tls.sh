#!/usr/bin/env bash
# Mutual TLS against plain TCP (issue 10's "TLS overhead"): the same three-node cluster on loopback, started once
# plain and once with certificates from `raftctl make-certs` (ECDSA P-256, TLS 1.3), driven by `raftctl bench`
# with the same options. Runs alternate (plain, TLS, plain, TLS, ...) so that a change of machine load hits both.
# Prints a markdown table on stdout (progress on stderr); everything it starts is stopped on exit.
#
# Usage: tests/bench/compare-tls.sh
# Environment: CLIENTS ("1 64"), RUNS (2 per side and client count), DURATION (10 s per run), PORT (17300: +0..+2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
clients_list=${CLIENTS:-"1 64"}
runs=${RUNS:-2}
duration=${DURATION:-10}
port=${PORT:-17300}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
command -v jq >/dev/null || { log "installing jq"; apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >&2; }
if [[ ! -x "$repo/bin/raftnode" || ! -x "$repo/bin/raftctl" ]]; then
  log "building raftnode and raftctl (Release)"
  (cd "$repo" && dotnet build -c Release src/raftnode >&2 && dotnet build -c Release src/raftctl >&2)
fi

work=$(mktemp -d /tmp/raftkv-tls.XXXXXX)
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$work"
for i in 0 1 2; do echo "127.0.0.1:$((port + i))"; done >servers.txt
"$repo/bin/raftctl" make-certs --out certs --nodes 3 >/dev/null

# start MODE: three fresh nodes, plain or tls
start() {
  local mode=$1 i tls
  rm -rf data
  for i in 0 1 2; do
    tls=()
    [[ $mode == tls ]] && tls=(--tls-cert "certs/node-$i.pem" --tls-key "certs/node-$i-key.pem" --tls-ca certs/ca.pem)
    "$repo/bin/raftnode" "$i" --servers servers.txt --data-dir "data/node-$i" --log-level Warning "${tls[@]}" >"$mode-node$i.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 600); do
    ctl "$mode" --timeout 30 set warmup 1 >/dev/null 2>&1 && break
    sleep 0.05
  done
  ctl "$mode" bench --clients 16 --duration 3 >/dev/null
}

ctl() {
  local mode=$1
  shift
  if [[ $mode == tls ]]; then
    "$repo/bin/raftctl" --servers servers.txt --tls-cert certs/client.pem --tls-key certs/client-key.pem --tls-ca certs/ca.pem "$@"
  else
    "$repo/bin/raftctl" --servers servers.txt "$@"
  fi
}

declare -A rows
for run in $(seq "$runs"); do
  for mode in plain tls; do
    log "run $run: $mode"
    start "$mode"
    for n in $clients_list; do
      json=$(ctl "$mode" bench --clients "$n" --duration "$duration" --json)
      rows[$n,$run,$mode]="$(jq -r '"\(.opsPerSecond | floor) ops/s, p50 \(.latencyMs.p50 * 100 | floor / 100) ms, p99 \(.latencyMs.p99 * 100 | floor / 100) ms"' <<<"$json")"
      rows[$n,$run,$mode,rate]=$(jq -r '.opsPerSecond | floor' <<<"$json")
    done
    stop_all
  done
done

echo "## Mutual TLS against plain TCP (3 nodes on loopback, 256-byte writes, ${duration} s per run)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load average at the end $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
echo
echo "| clients | run | plain TCP | mutual TLS | TLS / plain |"
echo "|---:|---:|---|---|---:|"
for n in $clients_list; do
  for run in $(seq "$runs"); do
    ratio=$(awk -v t="${rows[$n,$run,tls,rate]}" -v p="${rows[$n,$run,plain,rate]}" 'BEGIN { if (p > 0) printf "%.2f", t / p; else print "–" }')
    echo "| $n | $run | ${rows[$n,$run,plain]} | ${rows[$n,$run,tls]} | $ratio |"
  done
done
