#!/usr/bin/env bash
# Reproduces the numbers of bench/README.md. Usage: bench/run.sh [path/to/alsrec] [out-dir]
#   ALSREC_BENCH_SKIP_25M=1   skip the 25M-interaction runs (they generate ~0.6 GB in /tmp, deleted afterwards)
#   ALSREC_BENCH_ONLY_25M=1   only those
# Every run prints JSON (alsrec bench); this script keeps them in out-dir and prints one summary line per target.
set -euo pipefail
ALSREC=${1:-build/h-perf/alsrec}
OUT=${2:-/tmp/alsrec-bench}
mkdir -p "$OUT"
ML1M="users=6040,items=3706,interactions=1000209"
REPEAT=${REPEAT:-3}
# `implicit`'s model and defaults (the CLI's own defaults are tuned for quality and may differ).
IMPLICIT="--confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0"

summary() {  # summary FILE LABEL: one line from a bench JSON
  python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); p = j["phases"]
runs = j.get("fit_runs_seconds", [p["fit"]])
print(f"{sys.argv[2]:<34} threads {j['threads']}  fit best {min(runs):.3f} s median {sorted(runs)[len(runs)//2]:.3f} s"
      f"  solve {j['solve_gflops']:.1f} GFLOP/s  gemm {j.get('gemm_gflops', 0):.1f} (1 thread {j.get('gemm_gflops_1thread', 0):.1f})"
      f"  ratio {j.get('solve_vs_gemm', 0):.2f}  recommend_all {p['recommend_all']:.3f} s  load {p['load']:.3f} s"
      f"  iter {j['mean_iteration_seconds']:.3f} s  rss {j['peak_rss_mb']:.0f} MB")
PY
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(uptime | sed 's/.*load/load/')"

if [ -z "${ALSREC_BENCH_ONLY_25M:-}" ]; then
# Targets 1, 2, 4: ML-1M shape, CG, factors 64, 20 iterations; no loss (implicit computes none by default).
for t in 1 2; do
  "$ALSREC" bench --synthetic "$ML1M" $IMPLICIT --factors 64 --iterations 20 --threads $t --repeat "$REPEAT" --no-loss \
    --gemm-size 1024 > "$OUT/ml1m-cg-t$t.json" 2>/dev/null
  summary "$OUT/ml1m-cg-t$t.json" "1/2/4 ML-1M CG"
done

# Target 3: exact solver vs CG, implicit's default and Hu confidence with raw values (every row its own factor).
for conf in "$IMPLICIT" "--confidence hu --values raw --alpha 1 --regularization 0.1 --reg-exponent 0"; do
  for solver in cg cholesky; do
    name="ml1m-${solver}-$(echo "$conf" | awk '{print $2 "-" $4}')"
    "$ALSREC" bench --synthetic "$ML1M" --factors 64 --iterations 20 --threads 1 --repeat "$REPEAT" --no-loss \
      --no-recommend --gemm-size 0 --solver $solver $conf > "$OUT/$name.json" 2>/dev/null
    summary "$OUT/$name.json" "3 $solver $conf"
  done
done

# Target 5: loading a 1M-row CSV (generated), parse + intern only.
CSV1M=$(mktemp /tmp/alsrec-1m-XXXX.csv)
"$ALSREC" generate --users 6040 --items 3706 --interactions 1000209 --output "$CSV1M" 2>/dev/null
"$ALSREC" bench --input "$CSV1M" $IMPLICIT --factors 64 --iterations 0 --no-recommend --no-loss --gemm-size 0 --repeat 1 \
  > "$OUT/load-1m.json" 2>/dev/null
for rep in 2 3; do
  "$ALSREC" bench --input "$CSV1M" $IMPLICIT --factors 64 --iterations 0 --no-recommend --no-loss --gemm-size 0 \
    > "$OUT/load-1m-$rep.json" 2>/dev/null
done
for f in "$OUT"/load-1m*.json; do summary "$f" "5 load 1M CSV ($(du -h "$CSV1M" | cut -f1))"; done
rm -f "$CSV1M"
fi

# Target 6 (and 5's 25M file): per-iteration time at 1M / 5M / 25M interactions on the MovieLens-25M shape.
if [ -z "${ALSREC_BENCH_SKIP_25M:-}" ]; then
  for z in 1000000 5000000 25000095; do
    "$ALSREC" bench --synthetic "users=162541,items=59047,interactions=$z" $IMPLICIT --factors 64 --iterations 3 --threads 2 \
      --no-loss --no-recommend --gemm-size 0 > "$OUT/ml25m-$z.json" 2>/dev/null
    summary "$OUT/ml25m-$z.json" "6 ML-25M shape, $z interactions"
  done
  CSV25M=$(mktemp /tmp/alsrec-25m-XXXX.csv)
  "$ALSREC" generate --users 162541 --items 59047 --interactions 25000095 --output "$CSV25M" 2>/dev/null
  echo "25M file: $(du -h "$CSV25M" | cut -f1)"
  "$ALSREC" bench --input "$CSV25M" $IMPLICIT --factors 64 --iterations 0 --no-recommend --no-loss --gemm-size 0 \
    > "$OUT/load-25m.json" 2>/dev/null
  summary "$OUT/load-25m.json" "5 load 25M CSV (streamed)"
  rm -f "$CSV25M"
fi
echo "JSON in $OUT; $(uptime | sed 's/.*load/load/')"
