#!/usr/bin/env bash
# Compares RaftKv with etcd on this machine: three-node clusters on loopback, closed-loop writers of
# 256-byte values at 1, 16, 64 and 256 clients; etcd driven by wrk through its v3 JSON gateway, RaftKv by
# `raftctl bench`. Also measures linearizable reads at 64 clients and 1 MB values at 16 clients on both, and
# RaftKv's start-up time and resident memory.
# Prints a markdown report on stdout (progress on stderr). Everything it starts is stopped on exit.
#
# Usage: tests/bench/compare-etcd.sh            (from anywhere; needs root to apt-get install what is missing)
# Environment: DURATION (seconds per run, 10), WARMUP (seconds of writes before the first row, 5), CLIENTS ("1 16 64 256"), BIG_VALUES (1 runs the 1 MB-value rows, 0 skips
#   them), BIG_WRITES (writes in the memory run,
#   1000000; 0 skips it), ETCD_PORT (23790: clients on +1..+3, peers on +11..+13), RAFTKV_PORT (17100: +0..+2),
#   SKIP_ETCD=1 / SKIP_RAFTKV=1 to run one side only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
duration=${DURATION:-10}
clients_list=${CLIENTS:-"1 16 64 256"}
big_writes=${BIG_WRITES:-1000000}
etcd_port=${ETCD_PORT:-23790}
raftkv_port=${RAFTKV_PORT:-17100}
big_values=${BIG_VALUES:-1}
warmup=${WARMUP:-5}
# 1 MB values: 1,000,000 bytes (etcd: base64 in the JSON gateway, under its 1.5 MiB request limit; RaftKv: a JSON
# string of 1,000,000 characters, under its 1 MiB value limit), 100 keys, 16 clients.
big_value_bytes=1000000

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
if [[ ! -x "$repo/bin/raftnode" || ! -x "$repo/bin/raftctl" ]]; then
  log "building raftnode and raftctl (Release)"
  (cd "$repo" && dotnet build -c Release src/raftnode >&2 && dotnet build -c Release src/raftctl >&2)
fi

work=$(mktemp -d /tmp/raftkv-compare.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
rss_mib() { awk '{ s += $1 } END { printf "%.0f", s / 1024 }' <<<"$(ps -o rss= -p "$1")"; }

declare -A etcd_rate etcd_lat raftkv_rate raftkv_lat raftkv_errors etcd_errors

# --- etcd --------------------------------------------------------------------------------------------------
if [[ "${SKIP_ETCD:-0}" != 1 ]]; then
  cluster=""
  for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:$((etcd_port + 10 + i))"; done
  endpoints=""
  for i in 1 2 3; do endpoints+="${endpoints:+,}127.0.0.1:$((etcd_port + i))"; done
  log "starting etcd on $endpoints"
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$work/etcd$i" \
      --listen-client-urls "http://127.0.0.1:$((etcd_port + i))" --advertise-client-urls "http://127.0.0.1:$((etcd_port + i))" \
      --listen-peer-urls "http://127.0.0.1:$((etcd_port + 10 + i))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 10 + i))" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "bench-$$" \
      --quota-backend-bytes 8589934592 --logger zap --log-level warn >"$work/etcd$i.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break
    sleep 0.2
  done
  ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >&2
  # Drive the leader, as raftctl does: a follower would forward each put to it, one more hop.
  leader=$(ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint status -w json | jq -r '.[] | select(.Status.leader == .Status.header.member_id) | .Endpoint')
  log "etcd leader: $leader"
  # Both systems get the same warm-up before anything is measured (RaftKv's nodes are JIT-compiled .NET: their
  # first seconds run unoptimised code), so every row is steady state.
  log "etcd: warm-up, wrk -t2 -c16 -d${warmup}s"
  wrk -t2 -c16 -d"${warmup}s" -s "$here/etcd-put.lua" "http://$leader" >/dev/null
  for n in $clients_list; do
    threads=$((n < 2 ? n : 2))
    log "etcd: wrk -t$threads -c$n -d${duration}s"
    out=$(wrk -t"$threads" -c"$n" -d"${duration}s" --latency -s "$here/etcd-put.lua" "http://$leader")
    echo "$out" >"$work/wrk-$n.txt"
    json=$(sed -n 's/^WRK_JSON //p' <<<"$out")
    etcd_rate[$n]=$(jq -r '.requests / (.durationUs / 1e6) | floor' <<<"$json")
    etcd_lat[$n]="$(ms "$(jq -r .p50Us <<<"$json")") / $(ms "$(jq -r .p99Us <<<"$json")")"
    etcd_errors[$n]=$(jq -r .errors <<<"$json")
  done
  # Check that the puts were real: the revision counts every one.
  etcd_revision=$(ETCDCTL_API=3 etcdctl --endpoints "$leader" endpoint status -w json | jq -r '.[0].Status.header.revision')
  log "etcd: linearizable reads, wrk -t2 -c64 -d${duration}s"
  out=$(OP=range wrk -t2 -c64 -d"${duration}s" --latency -s "$here/etcd-put.lua" "http://$leader")
  etcd_reads=$(sed -n 's/^WRK_JSON //p' <<<"$out")
  etcd_big=""
  if ((big_values)); then
    log "etcd: 1 MB values, wrk -t2 -c16 -d${duration}s"
    out=$(VALUE_SIZE=$big_value_bytes KEY_SPACE=100 wrk -t2 -c16 -d"${duration}s" --latency -s "$here/etcd-put.lua" "http://$leader")
    etcd_big=$(sed -n 's/^WRK_JSON //p' <<<"$out")
  fi
  etcd_rss=""
  for pid in "${pids[@]}"; do etcd_rss+="${etcd_rss:+ / }$(rss_mib "$pid")"; done
  stop_all
fi

# --- RaftKv --------------------------------------------------------------------------------------------
if [[ "${SKIP_RAFTKV:-0}" != 1 ]]; then
  mkdir -p "$work/raftkv"
  cd "$work/raftkv"
  for i in 0 1 2; do echo "127.0.0.1:$((raftkv_port + i))"; done >servers.txt
  ctl() { "$repo/bin/raftctl" --servers servers.txt "$@"; }
  log "starting RaftKv on ports $raftkv_port..$((raftkv_port + 2))"
  started=$(date +%s%N)
  for i in 0 1 2; do
    "$repo/bin/raftnode" "$i" --servers servers.txt --data-dir "data/node-$i" --log-level Warning >"node$i.log" 2>&1 &
    pids+=($!)
  done
  # raftctl gives up at once while no node listens yet (connection refused everywhere), so ask until one answers.
  for _ in $(seq 600); do
    ctl --timeout 30 set warmup 1 >/dev/null 2>&1 && break
    sleep 0.05
  done
  serving_ms=$((($(date +%s%N) - started) / 1000000))
  # The same command against the running cluster: how much of the above is raftctl's own start.
  again=$(date +%s%N)
  ctl set warmup 2 >/dev/null
  client_ms=$((($(date +%s%N) - again) / 1000000))
  sleep 2
  raftkv_idle_rss=""
  for pid in "${pids[@]}"; do raftkv_idle_rss+="${raftkv_idle_rss:+ / }$(rss_mib "$pid")"; done
  log "RaftKv: warm-up, raftctl bench --clients 16 --duration $warmup"
  ctl bench --clients 16 --duration "$warmup" --value-size 256 >/dev/null

  for n in $clients_list; do
    log "RaftKv: raftctl bench --clients $n --duration $duration"
    json=$(ctl bench --clients "$n" --duration "$duration" --value-size 256 --json)
    echo "$json" >"$work/raftkv-$n.json"
    raftkv_rate[$n]=$(jq -r '.opsPerSecond | floor' <<<"$json")
    raftkv_lat[$n]="$(jq -r '.latencyMs.p50' <<<"$json" | xargs printf '%.2f') / $(jq -r '.latencyMs.p99' <<<"$json" | xargs printf '%.2f')"
    raftkv_errors[$n]=$(jq -r .errors <<<"$json")
  done

  log "RaftKv: linearizable reads, 64 clients"
  reads=$(ctl bench --clients 64 --duration "$duration" --read-ratio 1 --json)
  log "RaftKv: stale reads, 64 clients"
  stale=$(ctl bench --clients 64 --duration "$duration" --read-ratio 1 --stale --json)
  raftkv_big=""
  if ((big_values)); then
    log "RaftKv: 1 MB values, 16 clients"
    raftkv_big=$(ctl bench --clients 16 --duration "$duration" --value-size "$big_value_bytes" --key-space 100 --json)
  fi

  big_summary="skipped"
  if ((big_writes > 0)); then
    log "RaftKv: $big_writes writes at 256 clients (memory run)"
    big=$(ctl bench --clients 256 --total "$big_writes" --value-size 256 --json)
    big_summary="$(jq -r '"\(.ops) writes in \(.durationSeconds | floor) s (\(.opsPerSecond | floor)/s, \(.errors) errors)"' <<<"$big")"
  fi
  raftkv_big_rss=""
  for pid in "${pids[@]}"; do raftkv_big_rss+="${raftkv_big_rss:+ / }$(rss_mib "$pid")"; done
  raftkv_disk=$(du -sm data | cut -f1)
  stop_all
  cd "$repo"
fi

# --- report --------------------------------------------------------------------------------------------
echo "## Writes: etcd $(etcd --version | sed -n 's/^etcd Version: //p') vs RaftKv (3 nodes on loopback, 256-byte values, ${duration} s per row)"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
echo
echo "| clients | etcd writes/s | etcd p50/p99 ms | RaftKv writes/s | RaftKv p50/p99 ms | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in $clients_list; do
  e=${etcd_rate[$n]:-}
  r=${raftkv_rate[$n]:-}
  ratio=""
  [[ -n "$e" && -n "$r" && "$e" != 0 ]] && ratio=$(awk -v r="$r" -v e="$e" 'BEGIN { printf "%.2f×", r / e }')
  echo "| $n | ${e:-–} | ${etcd_lat[$n]:-–} | ${r:-–} | ${raftkv_lat[$n]:-–} | ${ratio:-–} |"
done
echo
for n in $clients_list; do
  if [[ "${etcd_errors[$n]:-0}" != 0 || "${raftkv_errors[$n]:-0}" != 0 ]]; then
    echo "Errors at $n clients: etcd ${etcd_errors[$n]:-0}, RaftKv ${raftkv_errors[$n]:-0}."
  fi
done
if [[ "${SKIP_ETCD:-0}" != 1 ]]; then
  echo "- etcd revision after the write runs: $etcd_revision (every put counted); etcd RSS after the runs (MiB): $etcd_rss"
  echo "- etcd linearizable reads, 64 clients: $(jq -r '"\(.requests / (.durationUs / 1e6) | floor) reads/s, p50 \(.p50Us / 1000) ms, p99 \(.p99Us / 1000) ms, \(.errors) errors"' <<<"$etcd_reads")"
  if [[ -n "$etcd_big" ]]; then
    echo "- etcd 1 MB values, 16 clients: $(jq -r '"\(.requests / (.durationUs / 1e6) | floor) writes/s = \(.requests / (.durationUs / 1e6) | floor) MB/s, p50 \(.p50Us / 1000) ms, p99 \(.p99Us / 1000) ms, \(.errors) errors"' <<<"$etcd_big")"
  fi
fi
if [[ "${SKIP_RAFTKV:-0}" != 1 ]]; then
  echo "- RaftKv linearizable reads, 64 clients: $(jq -r '"\(.opsPerSecond | floor) reads/s, p50 \(.latencyMs.p50) ms, p99 \(.latencyMs.p99) ms, \(.errors) errors"' <<<"$reads")"
  echo "- RaftKv stale reads, 64 clients: $(jq -r '"\(.opsPerSecond | floor) reads/s, p50 \(.latencyMs.p50) ms, p99 \(.latencyMs.p99) ms, \(.errors) errors"' <<<"$stale")"
  if [[ -n "$raftkv_big" ]]; then
    echo "- RaftKv 1 MB values, 16 clients: $(jq -r '"\(.opsPerSecond | floor) writes/s = \(.opsPerSecond | floor) MB/s, p50 \(.latencyMs.p50) ms, p99 \(.latencyMs.p99) ms, \(.errors) errors"' <<<"$raftkv_big")"
  fi
  echo "- RaftKv from launching three raftnode processes to the first acknowledged write: ${serving_ms} ms (the same \`raftctl set\` against the running cluster: ${client_ms} ms)"
  echo "- RaftKv RSS per node, idle after start (MiB): $raftkv_idle_rss"
  echo "- RaftKv big write run: $big_summary; RSS per node after it (MiB): $raftkv_big_rss; data on disk: ${raftkv_disk} MiB"
fi
