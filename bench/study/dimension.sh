#!/usr/bin/env bash
# The dimension study (bench/study/README.md, "Factors and iterations"): what the default screen's dimension probe
# rests on. On every data set of bench/datasets.sh:
#   1. `alsrec evaluate` with no model flags: the screen's best NDCG@10 at 64 factors, its probe at 128 and the
#      relative gain (the probe's decision: ≥ 5% → 256 factors at 8 iterations, else 128 at 16), and the test metrics;
#   2. with the screen's α₀ and λ fixed (no search), fits at 128 × {8, 16} and 256 × {8, 16} (factors × iterations),
#      Recall@10 / NDCG@10 on the test split and the fit's seconds: does the data gain from 256, and does 256 lose
#      anything at half the iterations.
# Usage: bench/study/dimension.sh [build dir] [out dir]   (env: DATA=../shared/data, ONLY=name)
# Prints one line per data set; every run is a JSON file in OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build/native}
OUT=${2:-/tmp/alsrec-dimension}
DATA=${DATA:-$HERE/../../../shared/data}
ALSREC="$BUILD/alsrec"
. "$HERE/../datasets.sh"

printf '%-20s %-22s %-22s %-22s %-22s %-22s %s\n' data "probe 64 → 128" "128×16 (fit)" "128×8 (fit)" "256×16 (fit)" \
  "256×8 (fit)" "defaults now"
for s in "${sets[@]}"; do
  IFS='|' read -r name file split flags <<< "$s"
  [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
  # shellcheck disable=SC2086
  "$ALSREC" evaluate --input "$file" --split "$split" $flags --baselines none --json > "$OUT/$name.defaults.json"
  read -r probe fixed < <(python3 - "$OUT/$name.defaults.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["screen"]["trials"]
low = max(x["ndcg"] for x in t if x["stage"] != "dimension")
high = [x["ndcg"] for x in t if x["stage"] == "dimension"]
p = d["params"]
probe = "%.4f→%.4f:%+.0f%%" % (low, high[0], 100 * (high[0] / low - 1)) if high else "none"
print(probe, "--unobserved-weight %s --regularization %s --values %s --confidence %s" % (
    p["unobserved_weight"], p["regularization"], p["values"], p["confidence"]))
PY
)
  row=()
  for fi in 128:16 128:8 256:16 256:8; do
    f=${fi%:*}
    i=${fi#*:}
    # shellcheck disable=SC2086
    "$ALSREC" evaluate --input "$file" --split "$split" $flags $fixed --factors "$f" --iterations "$i" \
      --baselines none --json > "$OUT/$name.$f.$i.json"
    row+=("$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["metrics"]
print("%.4f/%.4f(%.1fs)" % (m["recall@10"], m["ndcg@10"], d["fit_seconds"]))' "$OUT/$name.$f.$i.json")")
  done
  now=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["metrics"]; p=d["params"]
print("%d×%d %.4f/%.4f" % (p["factors"], p["iterations"], m["recall@10"], m["ndcg@10"]))' "$OUT/$name.defaults.json")
  printf '%-20s %-22s %-22s %-22s %-22s %-22s %s\n' "$name" "$probe" "${row[@]}" "$now"
done
