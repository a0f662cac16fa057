#!/usr/bin/env bash
# Leader election from a lease, --if-absent and watch (docs/RECIPES.md).
#   election.sh NAME CANDIDATE   campaigns until elected, prints "elected", then leads until Ctrl+C
#                                (or until its lease is lost: then it exits 1 and must not act as leader).
# Everyone can see who leads:  raftctl get elections/NAME     and follow changes:  raftctl watch elections/NAME
set -euo pipefail
RAFTCTL=${RAFTCTL:-raftctl}
TTL=${ELECTION_TTL:-5}
name=$1
candidate=$2
key="elections/$name"

lease=$($RAFTCTL lease grant "$TTL")
trap '$RAFTCTL lease revoke "$lease" > /dev/null 2>&1 || true' EXIT

# Campaign: whoever creates the key leads. A loser waits for the key to change, then tries again;
# its own lease is kept alive meanwhile (a candidate that dies simply stops campaigning).
while true; do
  $RAFTCTL lease keepalive "$lease" > /dev/null &
  keeper=$!
  status=0
  out=$($RAFTCTL --json set "$key" "\"$candidate\"" --lease "$lease" --if-absent) || status=$?
  if [ "$status" -eq 0 ]; then kill "$keeper" 2> /dev/null || true; break; fi
  if [ "$status" -eq 3 ]; then kill "$keeper" 2> /dev/null || true; sleep 1; continue; fi  # cluster unavailable for now
  [ "$status" -eq 4 ] || { kill "$keeper"; exit "$status"; }
  rev=$(printf '%s' "$out" | sed -n 's/.*"modRevision":\([0-9]*\).*/\1/p')
  $RAFTCTL watch "$key" --from-revision $((rev + 1)) --count 1 > /dev/null
  kill "$keeper" 2> /dev/null || true
done
echo "elected: $candidate leads $name (lease $lease)"

# Lead for as long as the lease lives: keepalive runs until Ctrl+C, and exits 1 if the lease expired
# (this process stalled longer than the TTL): then another candidate may already lead.
$RAFTCTL lease keepalive "$lease" > /dev/null
