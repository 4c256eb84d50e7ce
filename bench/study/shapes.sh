#!/usr/bin/env bash
# The shapes study (bench/study/README.md, "Refinement"): the defaults on data shapes that neither the benchmark nor
# the grid holds, generated here (tiny, MovieLens-100K- and FilmTrust-sized stars, dense pairs, 100 and 3 taste
# groups, a steep Zipf head, 50k users over 2k items, counts), beside `implicit`'s notebook settings, popularity and
# EASE (alsrec_study, λ chosen on test: the optimistic reference), so that a change to the screen is judged on data
# it was not tuned on. With a second build (BASE), its defaults too: an A/B of a screen change on the same files.
# ALL=1 adds every data set of bench/datasets.sh (defaults only).
# Usage: bench/study/shapes.sh [build dir] [out dir] [base build dir]   (env: DATA=../shared/data, ALL=0, EASE=1)
# Prints one line per data set: Recall@10 / NDCG@10 of each run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build/native}
OUT=${2:-/tmp/alsrec-shapes}
BASE=${3:-}
DATA=${DATA:-$HERE/../../../shared/data}
ALSREC="$BUILD/alsrec"
mkdir -p "$OUT/data"

shapes=()
shape() {  # shape NAME generate-flags...: a generated file, split random:0.2
  local name=$1; shift
  [ -f "$OUT/data/$name.csv" ] || "$ALSREC" generate "$@" -o "$OUT/data/$name.csv" > /dev/null
  shapes+=("$name|$OUT/data/$name.csv|random:0.2|")
}
shape tiny --users 100 --items 300 --interactions 3000 --seed 21 --values stars
shape ml100k --users 943 --items 1682 --interactions 100000 --seed 22 --values stars
shape filmtrust --users 1508 --items 2071 --interactions 35000 --seed 23 --values stars --zipf 1.3
shape dense --users 500 --items 200 --interactions 50000 --seed 24 --values binary
shape groups100 --users 5000 --items 5000 --interactions 300000 --seed 25 --values stars --groups 100
shape zipf15 --users 10000 --items 5000 --interactions 200000 --seed 26 --values binary --zipf 1.5
shape groups3 --users 5000 --items 3000 --interactions 200000 --seed 27 --values stars --groups 3
shape manyusers --users 50000 --items 2000 --interactions 500000 --seed 28 --values binary --groups 30
shape counts --users 3000 --items 6000 --interactions 150000 --seed 29 --values counts --zipf 0.8
sets=()
[ "${ALL:-0}" = 1 ] && . "$HERE/../datasets.sh"

metrics() {  # metrics JSON: "recall/ndcg" of the model (or of popularity with a second argument)
  python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
m = d['baseline']['popularity'] if len(sys.argv) > 2 else d['metrics']
print('%.4f/%.4f' % (m['recall@10'], m['ndcg@10']))" "$@"
}

printf '%-18s %-15s %-15s %-15s %-15s %s\n' data defaults "${BASE:+base}" implicit popularity EASE
for s in "${shapes[@]}" "${sets[@]}"; do
  IFS='|' read -r name file split flags <<< "$s"
  # shellcheck disable=SC2086
  "$ALSREC" evaluate --input "$file" --split "$split" $flags --json > "$OUT/$name.defaults.json"
  row=("$(metrics "$OUT/$name.defaults.json")")
  if [ -n "$BASE" ]; then
    # shellcheck disable=SC2086
    "$BASE/alsrec" evaluate --input "$file" --split "$split" $flags --json > "$OUT/$name.base.json"
    row+=("$(metrics "$OUT/$name.base.json")")
  else
    row+=("")
  fi
  if [[ "$file" == "$OUT/data/"* ]]; then  # the generated shapes: the references too
    "$ALSREC" evaluate --input "$file" --split "$split" --confidence implicit --values binary --alpha 1 --factors 64 \
      --regularization 0.1 --reg-exponent 0 --iterations 20 --no-screen --json > "$OUT/$name.implicit.json"
    row+=("$(metrics "$OUT/$name.implicit.json")" "$(metrics "$OUT/$name.defaults.json" popularity)")
    if [ "${EASE:-1}" = 1 ]; then
      row+=("$(echo "ease model=ease fits=7" | "$BUILD/alsrec_study" --input "$file" --split "$split" | tail -1 |
        python3 -c "import json, sys; r = json.load(sys.stdin); print('%.4f/%.4f' % (r['recall'], r['ndcg']))")")
    fi
  fi
  while [ "${#row[@]}" -lt 5 ]; do row+=(""); done
  printf '%-18s %-15s %-15s %-15s %-15s %s\n' "$name" "${row[@]}"
done
