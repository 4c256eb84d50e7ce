#!/usr/bin/env bash
# The same ratings in other shapes load to the same counts (and, where ids are unchanged, the same fingerprint):
# MovieLens '::', tab without header, ';' with Latin-1 user ids, item column first (by header and by --columns).
# With MPIEXEC (4th argument; a 5th is passed to it, e.g. "-x ASAN_OPTIONS=detect_leaks=0"), each shape is also
# trained by 3 ranks reading a third of the file each, which must give the single process's counts and factors
# bit for bit (ranks inside the file get the dialect sniffed from its start). A 6th argument keeps only that many
# data rows of the source (the sanitizer build's MPI run).
set -euo pipefail
alsrec=$1 src=$2 work=$3 mpiexec=${4:-} mpi_env=${5:-} rows=${6:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
if [[ -n "$rows" ]]; then
  head -n $((rows + 1)) "$src" > source.csv
  src=$PWD/source.csv
fi

field() {  # field KEY JSON... : the value of a top-level scalar key in `inspect --json` output
  sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p"
}
check() {  # check NAME EXPECTED_FINGERPRINT(or -) inspect-args...
  local name=$1 want_fp=$2; shift 2
  local out; out=$("$alsrec" inspect --json "$@")
  local users items inter skipped fp
  users=$(field users <<<"$out"); items=$(field items <<<"$out"); inter=$(field interactions <<<"$out")
  skipped=$(field skipped <<<"$out"); fp=$(field fingerprint <<<"$out")
  echo "$name: users=$users items=$items interactions=$inter skipped=$skipped fingerprint=$fp"
  [[ "$users/$items/$inter/$skipped" == "$want" ]] || { echo "FAIL $name: expected $want"; exit 1; }
  [[ "$want_fp" == "-" || "$fp" == "$want_fp" ]] || { echo "FAIL $name: fingerprint $fp != $want_fp"; exit 1; }
  [[ -z "$mpiexec" ]] || check_ranks "$name" "$@"
}
check_ranks() {  # check_ranks NAME train-args...: 3 ranks against one process
  local name=$1; shift
  local args=(--factors 8 --iterations 2 --threads 1 --no-screen --json)  # distributed runs do not screen
  local one ranks cmp
  one=$("$alsrec" train "$@" "${args[@]}" --output one.alsrec)
  # shellcheck disable=SC2086  # mpi_env is a list of words
  ranks=$("$mpiexec" --allow-run-as-root --oversubscribe $mpi_env -np 3 --timeout 100 "$alsrec" train "$@" \
    "${args[@]}" --output ranks.alsrec --distributed)
  for key in users items interactions skipped; do
    [[ "$(field $key <<<"$one")" == "$(field $key <<<"$ranks")" ]] || { echo "FAIL $name: 3 ranks' $key differ"; exit 1; }
  done
  cmp=$("$alsrec" compare-models one.alsrec ranks.alsrec --tolerance 0)
  grep -q '"max_user_factor_diff": 0.0,' <<<"$cmp" && grep -q '"max_item_factor_diff": 0.0,' <<<"$cmp" ||
    { echo "FAIL $name: 3 ranks' factors differ: $cmp"; exit 1; }
  echo "$name: 3 ranks give the same counts and factors"
}

base=$("$alsrec" inspect --json --input "$src")
want="$(field users <<<"$base")/$(field items <<<"$base")/$(field interactions <<<"$base")/0"
fp=$(field fingerprint <<<"$base")
check "csv with header" "$fp" --input "$src"

awk -F, 'NR > 1 { print $1 "::" $2 "::" $3 "::" $4 }' "$src" > ratings.dat
check "movielens ::" "$fp" --input ratings.dat

awk -F, 'NR > 1 { print $1 "\t" $2 "\t" $3 "\t" $4 }' "$src" | sed 's/$/\r/' > ratings.tsv
check "tab, no header, CRLF" "$fp" --input ratings.tsv

awk -F, 'NR == 1 { print "user;item;rating;time"; next } { print "Müller-" $1 ";" $2 ";" $3 ";" $4 }' "$src" \
  | iconv -f UTF-8 -t LATIN1 > ratings-latin1.csv
check "semicolon, latin-1 ids" - --input ratings-latin1.csv
out=$("$alsrec" inspect --json --input ratings-latin1.csv)
grep -q '"encoding": "latin-1"' <<<"$out" || { echo "FAIL latin-1 not detected"; exit 1; }

awk -F, '{ print $2 "," $1 "," $3 "," $4 }' "$src" > item-first.csv
check "item column first (header names)" "$fp" --input item-first.csv

tail -n +2 item-first.csv > item-first-noheader.csv
check "item column first (--columns)" "$fp" --input item-first-noheader.csv --columns item,user,rating,timestamp
echo "all shapes agree"
