#!/usr/bin/env bash
# Issue 14: the subspace solver against CG and Cholesky, and peak memory. Prints one line per run; keeps the JSON.
#
#   bench/solver.sh ALSREC WORKDIR [BASE_ALSREC]
#
# ALSREC: the CLI to measure; BASE_ALSREC (optional): a build of the code before the change, for "today's CG" and
# the memory before. WORKDIR receives the generated files and the JSON. Every fit runs on 1 thread; timings are the
# fit's wall time and the process's user CPU time (the machine is shared: user time is what load changes least).
# ALSREC_BENCH_SKIP_LARGE=1 skips the 10M/25M memory runs; ALSREC_BENCH_CHOLESKY512=1 adds the Cholesky fit at 512
# factors (~30 minutes on one core).
set -euo pipefail
ALSREC=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$2
BASE=${3:+$(realpath "$3")}
mkdir -p "$WORK"
cd "$WORK"
ML1M=ml1m.csv
SMALL=${ALSREC_SMALL:-$HERE/../../shared/data/ml-latest-small/ratings.csv}
[[ -f $ML1M ]] || "$ALSREC" generate --users 6040 --items 3706 --interactions 1000209 -o $ML1M
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# user seconds of a command, its stdout kept in $2
timed() {
  local out=$1; shift
  /usr/bin/time -f %U -o user.txt "$@" > "$out" 2> stderr.txt
  cat user.txt
}

# 1. Recall@10 (temporal:0.2 validation split) and fit time: today's CG at 128 factors, the subspace solver at 512.
#    The parameters of the Cholesky reference (bench/README.md: α₀ 3, λ 0.0033, the CLI's defaults when it was run);
#    `evaluate` now screens α₀ and λ by default, which --no-screen turns off.
EVAL_PARAMS="--unobserved-weight 3 --regularization 0.0033 --no-screen"
IMPLICIT="--confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0"
for rep in 1 2 3; do
  runs=("cg128|$ALSREC|--solver cg --factors 128" "sub512x2|$ALSREC|--solver subspace --factors 512 --iterations 2"
        "sub512x3|$ALSREC|--solver subspace --factors 512 --iterations 3")
  [[ -n $BASE ]] && runs=("base-cg128|$BASE|--solver cg --factors 128" "${runs[@]}")
  for run in "${runs[@]}"; do
    IFS='|' read -r name bin args <<< "$run"
    user=$(timed "eval-$name-$rep.json" "$bin" evaluate -i $ML1M --threads 1 $EVAL_PARAMS $args --json)
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(sys.argv[2], 'recall@10', round(j['metrics']['recall@10'], 4), 'fit', round(j['fit_seconds'], 2), 's, user', sys.argv[3], 's')" \
      "eval-$name-$rep.json" "$name" "$user"
  done
done
if [[ ${ALSREC_BENCH_CHOLESKY512:-0} == 1 ]]; then
  user=$(timed eval-chol512.json "$ALSREC" evaluate -i $ML1M --threads 1 $EVAL_PARAMS --solver cholesky --factors 512 --json)
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('chol512 recall@10', round(j['metrics']['recall@10'], 4), 'fit', round(j['fit_seconds'], 1), 's')" eval-chol512.json
fi

# 2. Seconds per iteration (3 iterations, no loss) by solver and factors, weighted (the CLI's ials defaults) and
#    unweighted (`implicit`'s model), on the ML-1M shape and ml-latest-small: where the default solver should change.
for rep in 1 2; do
  for data in $ML1M "$SMALL"; do
    for mode in ials implicit; do
      flags=""; [[ $mode == implicit ]] && flags=$IMPLICIT
      for k in 64 128 256 512; do
        for solver in cg subspace; do
          out="iter-$(basename "$data" .csv)-$mode-$k-$solver-$rep.json"
          user=$(timed "$out" "$ALSREC" bench -i "$data" $flags --factors $k --solver $solver --threads 1 --iterations 3 \
                   --no-loss --no-recommend --gemm-size 0)
          python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(sys.argv[2], 'per iteration', round(j['mean_iteration_seconds'], 4), 's, user', sys.argv[3], 's')" \
            "$out" "$(basename "$data") $mode k=$k $solver" "$user"
        done
      done
    done
  done
done

# 2b. Target 2 per iteration: user CPU seconds of 11 iterations minus those of 1 (loading and setup cancel), divided
#     by 10; ML-1M shape, weighted pairs (the CLI's ials defaults), 64 factors; BASE's subspace solver for "before".
for rep in 1 2 3; do
  runs=("cg|$ALSREC|cg" "subspace|$ALSREC|subspace")
  [[ -n $BASE ]] && runs+=("base-subspace|$BASE|subspace")
  for run in "${runs[@]}"; do
    IFS='|' read -r name bin solver <<< "$run"
    u1=$(timed "it1-$name-$rep.json" "$bin" bench -i $ML1M --factors 64 --solver $solver --threads 1 --iterations 1 \
           --no-loss --no-recommend --gemm-size 0)
    u11=$(timed "it11-$name-$rep.json" "$bin" bench -i $ML1M --factors 64 --solver $solver --threads 1 --iterations 11 \
            --no-loss --no-recommend --gemm-size 0)
    python3 -c "import sys; print(sys.argv[1], 'k=64 user per iteration', round((float(sys.argv[3]) - float(sys.argv[2])) / 10, 4), 's')" \
      "$name" "$u1" "$u11"
  done
done

# 3. Peak RSS of `alsrec train` (64 factors, the CLI's defaults, 2 threads) on 10M and 25M generated interactions.
if [[ ${ALSREC_BENCH_SKIP_LARGE:-0} != 1 ]]; then
  [[ -f g10m.csv ]] || "$ALSREC" generate --users 100000 --items 20000 --interactions 10000000 -o g10m.csv
  [[ -f g25m.csv ]] || "$ALSREC" generate --users 162541 --items 59047 --interactions 25000095 -o g25m.csv
  for run in "10M|$ALSREC|g10m.csv" "25M|$ALSREC|g25m.csv" ${BASE:+"10M-base|$BASE|g10m.csv"}; do
    IFS='|' read -r name bin data <<< "$run"
    /usr/bin/time -v "$bin" train -i $data -o model.alsr --factors 64 --threads 2 2> rss.txt > /dev/null
    echo "$name train peak RSS $(awk '/Maximum resident/ {print $6}' rss.txt) KB"
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
