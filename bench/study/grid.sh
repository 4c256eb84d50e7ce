#!/usr/bin/env bash
# The defaults study (bench/study/README.md): on every data set of bench/datasets.sh, a grid of α₀ (in units of the
# mean observed weight) × λ at 64 factors, 16 iterations, ν = 1, without any search, scored on the test split, next
# to the product's defaults as they are (search=none), the defaults with the default screen (search=screen) and the
# EASE reference. Prints, per data set, the grid's best cell, where the data's default α₀ and the screen's choice land,
# and their NDCG@10 as a share of the grid's best; every run is a JSON line in OUT/study.jsonl.
# Usage: bench/study/grid.sh [build dir] [out dir]      (env: DATA=../shared/data, ONLY=name, EASE=0 to skip EASE)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build/native}
OUT=${2:-/tmp/alsrec-study}
DATA=${DATA:-$HERE/../../../shared/data}
ALSREC="$BUILD/alsrec"
STUDY="$BUILD/alsrec_study"
[ -x "$STUDY" ] || { echo "grid.sh: $STUDY not built (cmake --build $BUILD --target alsrec_study)" >&2; exit 2; }
. "$HERE/../datasets.sh"
RUNS="$OUT/study.jsonl"
: > "$RUNS"

for s in "${sets[@]}"; do
  IFS='|' read -r name file split flags <<< "$s"
  [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
  echo "== $name ($split)" >&2
  # The mean observed weight of the data's default value transform (from inspect's profile), so that the grid's α₀
  # is relative, as the defaults' formula is.
  # shellcheck disable=SC2086
  weight=$("$ALSREC" inspect --input "$file" $flags --json | python3 -c '
import json, sys, math
p = json.load(sys.stdin)["profile"]; v = p["values"]
k = v["kind"]
print(math.log1p(v["mean"]) if k == "counts" else (1.0 if k in ("none", "binary") else v["mean"]))')
  {
    echo "defaults search=none"
    echo "screen search=screen"
    [ "${EASE:-1}" = 1 ] && echo "ease model=ease fits=7"
    for a in 0.001 0.003 0.01 0.03 0.1 0.3 1 3; do
      for l in 0.001 0.003 0.01 0.03; do
        echo "grid_a${a}_l${l} search=none factors=64 alpha0=$(python3 -c "print('%.4g' % ($a * $weight))") lambda=$l nu=1"
      done
    done
  } | "$STUDY" --input "$file" --split "$split" $flags |
    python3 -c "
import json, sys
for line in sys.stdin:
    r = json.loads(line); r['set'] = '$name'; r['weight'] = $weight; print(json.dumps(r))" >> "$RUNS"
done

python3 - "$RUNS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sets = list(dict.fromkeys(r["set"] for r in rows))
print("| data | grid best α₀/w̄, λ (NDCG@10) | defaults: α₀/w̄, NDCG share of grid best | screen: α₀/w̄, λ, share | EASE share |")
print("|---|---|---|---|---|")
for s in sets:
    rs = [r for r in rows if r["set"] == s and r.get("ndcg") is not None]
    grid = [r for r in rs if r["name"].startswith("grid_")]
    if not grid: continue
    best = max(grid, key=lambda r: r["ndcg"])
    w = best["weight"]
    def get(n): return next((r for r in rs if r["name"] == n), None)
    def rel(r): return r.get("alpha0", 0) / w
    d, sc, e = get("defaults"), get("screen"), get("ease")
    name = best["name"].split("_")
    cell = lambda r, with_lambda=False: "—" if r is None else (
        f'{rel(r):.3g}' + (f', {r["lambda"]:.3g}' if with_lambda else "") + f', {r["ndcg"] / best["ndcg"]:.2f}')
    ease = "—" if e is None else f'{e["ndcg"] / best["ndcg"]:.2f}'
    print(f'| {s} | {name[1][1:]}, {name[2][1:]} ({best["ndcg"]:.4f}) | {cell(d)} | {cell(sc, True)} | {ease} |')
PY
