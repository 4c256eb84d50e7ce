#!/usr/bin/env bash
# The quality benchmark of issue 10: for every data set, Recall@10 / NDCG@10 (and the fit time) of
#   defaults   alsrec evaluate --input F --split S                       (no model flags)
#   auto       alsrec evaluate --input F --split S --auto --budget 60
#   implicit   the seed notebook's `implicit` settings: --confidence implicit --values binary --alpha 1
#              --factors 64 --regularization 0.1 --reg-exponent 0 --iterations 20
#   popularity the baseline every evaluate prints
#   EASE       Steck's closed form, λ chosen on the test part (the optimistic reference the issue quotes),
#              by bench/study's alsrec_study (slow on large catalogues: skipped with EASE=0)
# Usage: bench/quality.sh [build dir] [out dir]     (env: DATA=../shared/data, BUDGET=60, EASE=1, ONLY=name,
#        MODES="defaults auto implicit")
# Data: everything in ../shared/data that is present (absent sets are reported as skipped), and generated sets
# of other shapes (alsrec generate: ML-1M-sized stars, play counts, Book-Crossing-style 0-10, binary pairs, a
# sparse long tail). Prints one JSON line per run to out dir/runs.jsonl and a markdown table at the end.
set -euo pipefail
BUILD=${1:-build/native}
OUT=${2:-/tmp/alsrec-quality}
DATA=${DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
BUDGET=${BUDGET:-60}
ALSREC="$BUILD/alsrec"
STUDY="$BUILD/alsrec_study"
mkdir -p "$OUT/data"
RUNS="$OUT/runs.jsonl"
: > "$RUNS"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(uptime | sed 's/.*load/load/')"

# The data sets (bench/datasets.sh): name|file|split|extra reader flags in "${sets[@]}".
. "$(dirname "$0")/datasets.sh"

metrics() {  # metrics LABEL NAME JSON-FILE
  python3 - "$1" "$2" "$3" >> "$RUNS" <<'PY'
import json, sys
label, name, path = sys.argv[1:]
try:
    j = json.load(open(path))
except Exception as e:
    print(json.dumps({"set": name, "run": label, "error": str(e)})); sys.exit()
out = {"set": name, "run": label, "recall": j["metrics"]["recall@10"], "ndcg": j["metrics"]["ndcg@10"],
       "fit_seconds": j.get("fit_seconds"), "params": j.get("params")}
for k in ("screen", "auto"):
    if k in j: out[k + "_seconds"] = j[k]["seconds"]; out[k + "_trials"] = len(j[k]["trials"])
print(json.dumps(out))
if label == "defaults":
    p = j["baseline"]["popularity"]
    print(json.dumps({"set": name, "run": "popularity", "recall": p["recall@10"], "ndcg": p["ndcg@10"]}))
PY
}

for s in "${sets[@]}"; do
  IFS='|' read -r name file split flags <<< "$s"
  [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
  echo "== $name ($split)"
  if [[ " ${MODES:-defaults auto implicit} " == *" defaults "* ]]; then
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$ALSREC" evaluate --input "$file" --split "$split" $flags --json > "$OUT/$name.defaults.json"
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  metrics defaults "$name" "$OUT/$name.defaults.json"
  echo "{\"set\": \"$name\", \"run\": \"defaults-wall\", \"seconds\": $wall}" >> "$RUNS"
  fi
  if [[ " ${MODES:-defaults auto implicit} " == *" auto "* ]]; then
  # shellcheck disable=SC2086
  "$ALSREC" evaluate --input "$file" --split "$split" $flags --auto --budget "$BUDGET" --json \
    > "$OUT/$name.auto.json"
  metrics auto "$name" "$OUT/$name.auto.json"
  fi
  if [[ " ${MODES:-defaults auto implicit} " == *" implicit "* ]]; then
  # shellcheck disable=SC2086
  "$ALSREC" evaluate --input "$file" --split "$split" $flags --confidence implicit --values binary --alpha 1 \
    --factors 64 --regularization 0.1 --reg-exponent 0 --iterations 20 --no-screen --json > "$OUT/$name.implicit.json"
  metrics implicit "$name" "$OUT/$name.implicit.json"
  fi
  if [ "${EASE:-1}" = 1 ]; then
    # shellcheck disable=SC2086
    echo "ease model=ease fits=7" | "$STUDY" --input "$file" --split "$split" $flags | tail -1 |
      python3 -c "import json,sys; r=json.load(sys.stdin); print(json.dumps({'set': '$name', 'run': 'ease', 'recall': r.get('recall'), 'ndcg': r.get('ndcg'), 'lambda': r.get('lambda'), 'seconds': r.get('seconds'), 'error': r.get('error')}))" >> "$RUNS"
  fi
done

python3 - "$RUNS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sets = []
for r in rows:
    if r["set"] not in sets: sets.append(r["set"])
def cell(s, run):
    for r in rows:
        if r["set"] == s and r["run"] == run and r.get("recall") is not None:
            t = f' ({r["fit_seconds"]:.1f} s)' if r.get("fit_seconds") else ""
            return f'{r["recall"]:.4f} / {r["ndcg"]:.4f}{t}'
    return "—"
def wall(s):
    for r in rows:
        if r["set"] == s and r["run"] == "defaults-wall": return f'{r["seconds"]:.1f} s'
    return "—"
print("| data (split) | defaults (fit) | defaults wall | --auto --budget 60 (fit) | implicit notebook | popularity | EASE (λ on test) |")
print("|---|---|---|---|---|---|---|")
for s in sets:
    print(f"| {s} | {cell(s,'defaults')} | {wall(s)} | {cell(s,'auto')} | {cell(s,'implicit')} | {cell(s,'popularity')} | {cell(s,'ease')} |")
PY
