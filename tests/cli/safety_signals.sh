#!/usr/bin/env bash
# Temporary output files under signals (issue 12, finding 7), as a normal user in a scratch directory:
#   - while `alsrec train` works, its output exists only as ".<name>.alsrec-tmp.<host>.<pid>.<16 hex>", mode 0600;
#   - SIGINT and SIGTERM remove it, the process dies of the signal, the old output is untouched;
#   - SIGKILL cannot be caught: the file stays, and the next run writing that output removes it (same host, its
#     pid gone, owned by this user), leaving alone temporary files of live processes and of other hosts.
# Usage: safety_signals.sh <alsrec> <scratch dir>
set -euo pipefail
alsrec=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
set -m  # job control: without it a script's background jobs start with SIGINT ignored

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
trap 'kill -s KILL $(jobs -p) 2>/dev/null || true' EXIT

"$alsrec" generate --users 3000 --items 2000 --interactions 150000 --seed 5 --output ratings.csv >/dev/null
printf 'the previous model\n' > model.alsr
before=$(sha256sum model.alsr)
host=$(uname -n)

# The temporary file of the output model.alsr, once it exists (at most 30 s).
wait_for_temp() {
  local found
  for _ in $(seq 1 600); do
    found=$(find . -maxdepth 1 -name '.model.alsr.alsrec-tmp.*' -printf '%f\n')
    if [ -n "$found" ]; then
      echo "$found"
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# (exec: the background job's pid is alsrec's own)
long_train() {
  exec "$alsrec" train --input ratings.csv --output model.alsr --factors 64 --iterations 500 --threads 1 >/dev/null 2>&1
}

for sig in INT TERM; do
  long_train &
  pid=$!
  temp=$(wait_for_temp) || fail "no temporary file appeared for model.alsr"
  [[ $temp =~ ^\.model\.alsr\.alsrec-tmp\.${host}\.${pid}\.[0-9a-f]{16}$ ]] || fail "unexpected name $temp"
  mode=$(stat -c %a "$temp")
  [ "$mode" = 600 ] || fail "$temp has mode $mode, not 600"
  kill -s "$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq $((128 + $(kill -l "$sig"))) ] || fail "SIG$sig: exit status $rc, not death by the signal"
  [ ! -e "$temp" ] || fail "SIG$sig left $temp behind"
  [ "$(sha256sum model.alsr)" = "$before" ] || fail "SIG$sig changed model.alsr"
  echo "SIG$sig: $temp removed, model.alsr untouched"
done

long_train &
pid=$!
temp=$(wait_for_temp) || fail "no temporary file appeared for model.alsr"
kill -s KILL "$pid"
wait "$pid" || true
[ -e "$temp" ] || fail "SIGKILL cannot be caught, yet $temp is gone"
# Look-alikes that must survive: a live process's (this shell's), another host's, another output's.
live=".model.alsr.alsrec-tmp.${host}.$$.0123456789abcdef"
other_host=".model.alsr.alsrec-tmp.not-${host}.${pid}.0123456789abcdef"
other_output=".other.alsr.alsrec-tmp.${host}.${pid}.0123456789abcdef"
touch "$live" "$other_host" "$other_output"
err=$("$alsrec" train --input ratings.csv --output model.alsr --factors 4 --iterations 1 2>&1 >/dev/null)
[ ! -e "$temp" ] || fail "the killed run's $temp was not removed by the next run"
grep -q "removed 1 temporary file of an earlier run of model.alsr that was killed" <<<"$err" || fail "no notice: $err"
for keep in "$live" "$other_host" "$other_output"; do
  [ -e "$keep" ] || fail "$keep was removed, but is not provably a dead run's"
done
[ "$(sha256sum model.alsr)" != "$before" ] || fail "the last run did not write model.alsr"
echo "SIGKILL: $temp left, then removed by the next run; look-alikes kept"
