#!/usr/bin/env bash
# Compares RaftKv with etcd on this machine: three-node clusters on loopback, closed-loop writers of 256-byte values
# at 1, 16, 64 and 256 clients; etcd driven by wrk through its v3 JSON gateway, RaftKv by `raftctl bench`. Both
# clusters run side by side and the systems take turns point by point (etcd, RaftKv, etcd, RaftKv, ...), ROUNDS times
# over, so that a noisy host hits both alike; every row is the median of the rounds with their spread. Also: the
# linearizable reads at 64 clients and 1 MB values at 16 clients of both (same turns), RaftKv's start-up time and
# resident memory, and RaftKv at 64 clients with its peers 1 ms apart (tc netem in network namespaces where the
# kernel has sch_netem; elsewhere a delaying TCP proxy between every pair of nodes, tests/bench/delay-mesh.cs).
# Prints a markdown report on stdout (progress on stderr), with the machine's load before and after. Everything it
# starts is stopped on exit. Takes about 12 minutes with the defaults.
#
# Usage: tests/bench/compare-etcd.sh            (from anywhere; needs root to apt-get install what is missing)
# Environment: DURATION (seconds per point, 10), ROUNDS (3), WARMUP (seconds of writes before the first point, 5),
#   CLIENTS ("1 16 64 256"), BIG_VALUES (1 runs the 1 MB-value points, 0 skips them), BIG_WRITES (writes in the
#   memory run, 1000000; 0 skips it), DELAY_MS (1; 0 skips the delayed-peers point), ETCD_PORT (23790: clients on
#   +1..+3, peers on +11..+13), RAFTKV_PORT (17100: +0..+2; the delayed cluster on +10..+12).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
duration=${DURATION:-10}
rounds=${ROUNDS:-3}
clients_list=${CLIENTS:-"1 16 64 256"}
big_writes=${BIG_WRITES:-1000000}
etcd_port=${ETCD_PORT:-23790}
raftkv_port=${RAFTKV_PORT:-17100}
big_values=${BIG_VALUES:-1}
warmup=${WARMUP:-5}
delay_ms=${DELAY_MS:-1}
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
# Starts raftnode 0..2 in the current directory, node i with servers file $1-i.txt (or servers.txt when $1 is empty),
# and waits for the first acknowledged write through CLIENT_SERVERS ($2).
start_raftkv() {
  local prefix=$1 client_servers=$2 i servers deadline=$((SECONDS + 60))
  for i in 0 1 2; do
    servers=${prefix:+$prefix-$i.txt}
    # Each node has its own servers file behind the proxies, so the id the nodes would derive from it differs: name it.
    "$repo/bin/raftnode" "$i" --servers "${servers:-servers.txt}" --cluster-id "bench-$$-${prefix:-direct}" \
      --data-dir "data/node-$i" --log-level Warning >"node$i.log" 2>&1 &
    pids+=($!)
  done
  # raftctl gives up at once while no node listens yet (connection refused everywhere), so ask until one answers.
  while ((SECONDS < deadline)); do
    "$repo/bin/raftctl" --servers "$client_servers" --timeout 10 set warmup 1 >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  log "RaftKv did not start: see $PWD/node*.log"
  return 1
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
rss_mib() { awk '{ s += $1 } END { printf "%.0f", s / 1024 }' <<<"$(ps -o rss= -p "$1")"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average before: $load_before"

# One point's result is "writes/s p50 p99 errors" (milliseconds); results["system point round"] holds them.
declare -A results
etcd_point() { # NAME CLIENTS [ENV...]: one wrk run against the etcd leader
  local name=$1 n=$2 threads out json
  shift 2
  threads=$((n < 2 ? n : 2))
  out=$(env "$@" wrk -t"$threads" -c"$n" -d"${duration}s" --latency -s "$here/etcd-put.lua" "http://$etcd_leader")
  json=$(sed -n 's/^WRK_JSON //p' <<<"$out")
  results["etcd $name $round"]=$(jq -r '"\(.requests / (.durationUs / 1e6) | floor) \(.p50Us / 1000) \(.p99Us / 1000) \(.errors)"' <<<"$json")
  log "  etcd $name: ${results["etcd $name $round"]}"
}
raftkv_point() { # SYSTEM NAME SERVERS_FILE raftctl-bench-arguments...
  local system=$1 name=$2 servers=$3 json
  shift 3
  json=$("$repo/bin/raftctl" --servers "$servers" bench --duration "$duration" --json "$@")
  results["$system $name $round"]=$(jq -r '"\(.opsPerSecond | floor) \(.latencyMs.p50) \(.latencyMs.p99) \(.errors)"' <<<"$json")
  log "  $system $name: ${results["$system $name $round"]}"
}
# FIELD (1 rate, 2 p50, 3 p99, 4 errors) of SYSTEM NAME over the rounds: "median (min–max)", or the sum for errors.
summary() {
  local system=$1 name=$2 field=$3 r values=()
  for ((r = 1; r <= rounds; r++)); do
    [[ -n "${results["$system $name $r"]:-}" ]] && values+=("$(cut -d' ' -f"$field" <<<"${results["$system $name $r"]}")")
  done
  ((${#values[@]})) || { echo "–"; return; }
  if [[ $field == 4 ]]; then printf '%s\n' "${values[@]}" | awk '{ s += $1 } END { print s }'; return; fi
  printf '%s\n' "${values[@]}" | sort -g | awk -v f="$field" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    fmt = f == 1 ? "%.0f" : "%.2f"
    if (NR == 1) printf fmt "\n", m; else printf fmt " (" fmt "–" fmt ")\n", m, v[1], v[NR] }'
}
median() { summary "$@" | cut -d' ' -f1; }


# --- start both clusters -------------------------------------------------------------------------------------
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:$((etcd_port + 10 + i))"; done
endpoints=""
for i in 1 2 3; do endpoints+="${endpoints:+,}127.0.0.1:$((etcd_port + i))"; done
log "starting etcd on $endpoints"
etcd_pids=()
for i in 1 2 3; do
  etcd --name "e$i" --data-dir "$work/etcd$i" \
    --listen-client-urls "http://127.0.0.1:$((etcd_port + i))" --advertise-client-urls "http://127.0.0.1:$((etcd_port + i))" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 10 + i))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 10 + i))" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "bench-$$" \
    --quota-backend-bytes 8589934592 --logger zap --log-level warn >"$work/etcd$i.log" 2>&1 &
  pids+=($!)
  etcd_pids+=($!)
done
for _ in $(seq 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break
  sleep 0.2
done
ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >&2
# Drive the leader, as raftctl does: a follower would forward each put to it, one more hop.
etcd_leader=$(ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint status -w json | jq -r '.[] | select(.Status.leader == .Status.header.member_id) | .Endpoint')
log "etcd leader: $etcd_leader"

mkdir -p "$work/raftkv"
cd "$work/raftkv"
for i in 0 1 2; do echo "127.0.0.1:$((raftkv_port + i))"; done >servers.txt
log "starting RaftKv on ports $raftkv_port..$((raftkv_port + 2))"
started=$(date +%s%N)
start_raftkv "" servers.txt
raftkv_pids=("${pids[@]:3}")
serving_ms=$((($(date +%s%N) - started) / 1000000))
# The same command against the running cluster: how much of the above is raftctl's own start.
again=$(date +%s%N)
"$repo/bin/raftctl" --servers servers.txt set warmup 2 >/dev/null
client_ms=$((($(date +%s%N) - again) / 1000000))
sleep 2
raftkv_idle_rss=""
for pid in "${raftkv_pids[@]}"; do raftkv_idle_rss+="${raftkv_idle_rss:+ / }$(rss_mib "$pid")"; done

# Both get the same warm-up before anything is measured (RaftKv's nodes are JIT-compiled .NET: their first seconds
# run unoptimised code), so every point is steady state.
log "warm-up: ${warmup}s of writes at 16 clients on each"
wrk -t2 -c16 -d"${warmup}s" -s "$here/etcd-put.lua" "http://$etcd_leader" >/dev/null
"$repo/bin/raftctl" --servers servers.txt bench --clients 16 --duration "$warmup" --value-size 256 >/dev/null

# --- the rounds: each point on etcd, then on RaftKv ----------------------------------------------------------
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  for n in $clients_list; do
    etcd_point "w$n" "$n"
    raftkv_point raftkv "w$n" servers.txt --clients "$n" --value-size 256
  done
  etcd_point reads 64 OP=range
  raftkv_point raftkv reads servers.txt --clients 64 --read-ratio 1
  raftkv_point raftkv stale servers.txt --clients 64 --read-ratio 1 --stale
  if ((big_values)); then
    etcd_point big 16 VALUE_SIZE=$big_value_bytes KEY_SPACE=100
    raftkv_point raftkv big servers.txt --clients 16 --value-size "$big_value_bytes" --key-space 100
  fi
done

# Check that etcd's puts were real: the revision counts every one.
etcd_revision=$(ETCDCTL_API=3 etcdctl --endpoints "$etcd_leader" endpoint status -w json | jq -r '.[0].Status.header.revision')
etcd_rss=""
for pid in "${etcd_pids[@]}"; do etcd_rss+="${etcd_rss:+ / }$(rss_mib "$pid")"; done

big_summary="skipped"
if ((big_writes > 0)); then
  log "RaftKv: $big_writes writes at 256 clients (memory run; etcd idles beside it)"
  big=$("$repo/bin/raftctl" --servers servers.txt bench --clients 256 --total "$big_writes" --value-size 256 --json)
  big_summary="$(jq -r '"\(.ops) writes in \(.durationSeconds | floor) s (\(.opsPerSecond | floor)/s, \(.errors) errors)"' <<<"$big")"
fi
raftkv_big_rss=""
for pid in "${raftkv_pids[@]}"; do raftkv_big_rss+="${raftkv_big_rss:+ / }$(rss_mib "$pid")"; done
raftkv_disk=$(du -sm data | cut -f1)
stop_all

# --- RaftKv with its peers delay_ms apart ------------------------------------------------------------------------
delay_method="skipped"
if ((delay_ms > 0)); then
  mkdir -p "$work/delayed"
  cd "$work/delayed"
  for i in 0 1 2; do echo "127.0.0.1:$((raftkv_port + 10 + i))"; done >servers.txt
  # tc netem needs the sch_netem module; without it, a proxy between every pair of nodes holds each chunk back.
  log "starting the delay proxies (tests/bench/delay-mesh.cs) and a fresh RaftKv cluster behind them"
  delay_method="a TCP proxy between every ordered pair of nodes holding each chunk back $delay_ms ms (tests/bench/delay-mesh.cs; this kernel has no sch_netem for tc netem)"
  dotnet run -c Release "$here/delay-mesh.cs" -- "$work/delayed/mesh" $(cat servers.txt) 2>"$work/delayed/mesh.log" &
  pids+=($!)
  for _ in $(seq 1200); do [[ -f "$work/delayed/mesh/ready" ]] && break; sleep 0.1; done
  [[ -f "$work/delayed/mesh/ready" ]] || { log "the delay proxies did not start: $(tail -5 "$work/delayed/mesh.log")"; exit 1; }
  start_raftkv "mesh/servers" servers.txt
  # A longer warm-up: the proxies are a fresh .NET process too, and they carry every message between the nodes.
  "$repo/bin/raftctl" --servers servers.txt bench --clients 64 --duration "$((2 * warmup))" --value-size 256 >/dev/null
  for ((round = 1; round <= rounds; round++)); do
    log "delayed peers, round $round of $rounds"
    echo 0 >mesh/delay-ms
    sleep 0.5
    raftkv_point proxied w64 servers.txt --clients 64 --value-size 256
    raftkv_point proxied w1 servers.txt --clients 1 --value-size 256
    echo "$delay_ms" >mesh/delay-ms
    sleep 0.5
    raftkv_point delayed w64 servers.txt --clients 64 --value-size 256
    raftkv_point delayed w1 servers.txt --clients 1 --value-size 256
  done
  stop_all
fi
cd "$repo"

# --- report --------------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "–" }'; }
echo "## etcd $(etcd --version | sed -n 's/^etcd Version: //p') vs RaftKv: 3 nodes each on loopback, 256-byte values, ${duration} s per point, $rounds rounds"
echo
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores. Each cell is the median of the rounds, (min–max) beside it; the ratio is of the medians."
echo
echo "| clients | etcd writes/s | etcd p50 / p99 ms | RaftKv writes/s | RaftKv p50 / p99 ms | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in $clients_list; do
  echo "| $n | $(summary etcd "w$n" 1) | $(median etcd "w$n" 2) / $(median etcd "w$n" 3) | $(summary raftkv "w$n" 1) | $(median raftkv "w$n" 2) / $(median raftkv "w$n" 3) | $(ratio "$(median raftkv "w$n" 1)" "$(median etcd "w$n" 1)")× |"
done
echo "| reads, 64 | $(summary etcd reads 1) | $(median etcd reads 2) / $(median etcd reads 3) | $(summary raftkv reads 1) | $(median raftkv reads 2) / $(median raftkv reads 3) | $(ratio "$(median raftkv reads 1)" "$(median etcd reads 1)")× |"
if ((big_values)); then
  echo "| 1 MB values, 16 (MB/s) | $(summary etcd big 1) | $(median etcd big 2) / $(median etcd big 3) | $(summary raftkv big 1) | $(median raftkv big 2) / $(median raftkv big 3) | $(ratio "$(median raftkv big 1)" "$(median etcd big 1)")× |"
fi
echo
echo "- RaftKv stale reads, 64 clients: $(summary raftkv stale 1) reads/s, p50 / p99 $(median raftkv stale 2) / $(median raftkv stale 3) ms"
errors=""
for key in "${!results[@]}"; do
  e=$(cut -d' ' -f4 <<<"${results[$key]}")
  [[ "$e" != 0 ]] && errors+="${errors:+, }$key: $e"
done
echo "- Errors: ${errors:-none}"
echo "- etcd revision after the runs: $etcd_revision (every put counted); etcd RSS after the runs (MiB): $etcd_rss"
echo "- RaftKv from launching three raftnode processes to the first acknowledged write: ${serving_ms} ms (the same \`raftctl set\` against the running cluster: ${client_ms} ms)"
echo "- RaftKv RSS per node, idle after start (MiB): $raftkv_idle_rss"
echo "- RaftKv memory run: $big_summary; RSS per node after it (MiB): $raftkv_big_rss; data on disk: ${raftkv_disk} MiB"
if ((delay_ms > 0)); then
  echo
  echo "### RaftKv with its peers $delay_ms ms apart (each way), by $delay_method"
  echo
  echo "| clients | loopback writes/s | through the proxies, no delay | through the proxies, $delay_ms ms | delayed / loopback | delayed / proxies |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for n in 64 1; do
    echo "| $n | $(summary raftkv "w$n" 1) | $(summary proxied "w$n" 1) | $(summary delayed "w$n" 1) (p50 / p99 $(median delayed "w$n" 2) / $(median delayed "w$n" 3) ms) | $(ratio "$(median delayed "w$n" 1)" "$(median raftkv "w$n" 1)") | $(ratio "$(median delayed "w$n" 1)" "$(median proxied "w$n" 1)") |"
  done
fi
