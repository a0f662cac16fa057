#!/usr/bin/env bash
# A distributed lock from a lease, --if-absent and watch (docs/RECIPES.md).
#   lock.sh NAME COMMAND [ARGS...]   runs COMMAND while holding lock NAME, then releases it.
# RAFTCTL (default: raftctl) is the raftctl to run, with any global options, e.g.
#   RAFTCTL="bin/raftctl --servers servers.txt" docs/recipes/lock.sh backup ./backup.sh
set -euo pipefail
RAFTCTL=${RAFTCTL:-raftctl}
TTL=${LOCK_TTL:-10}
name=$1; shift
key="locks/$name"
me="$(hostname)-$$"

# 1. A lease: if this process dies, the leader expires it and the lock key goes with it.
lease=$($RAFTCTL lease grant "$TTL")
$RAFTCTL lease keepalive "$lease" > /dev/null &
keeper=$!
release() {
  kill "$keeper" 2> /dev/null || true
  $RAFTCTL lease revoke "$lease" > /dev/null 2>&1 || true   # deletes the lock key too
}
trap release EXIT

# 2. Take the key if nobody holds it; else wait for the holder's key to go, and try again.
while true; do
  status=0
  out=$($RAFTCTL --json set "$key" "\"$me\"" --lease "$lease" --if-absent) || status=$?
  [ "$status" -eq 0 ] && break
  if [ "$status" -eq 3 ]; then sleep 1; continue; fi  # 3 = cluster unavailable for now: try again
  [ "$status" -eq 4 ] || exit "$status"          # 4 = condition failed: someone holds it
  rev=$(printf '%s' "$out" | sed -n 's/.*"modRevision":\([0-9]*\).*/\1/p')
  # The next change after the holder's write: a delete (released or expired) or an overwrite.
  $RAFTCTL watch "$key" --from-revision $((rev + 1)) --count 1 > /dev/null
done
echo "lock $name held by $me (lease $lease)" >&2

# 3. The critical section.
"$@"
