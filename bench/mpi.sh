#!/usr/bin/env bash
# Distributed training (issue 6): time and bytes per iteration for 1, 2, 4 ranks of one machine.
# usage: bench/mpi.sh ALSREC RATINGS.csv [extra train flags]   (prints one line per rank count)
set -euo pipefail
alsrec=$1; input=$2; shift 2
model="--confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0 --factors 64"
out=$(mktemp -d)
for np in 1 2 4; do
  mpirun --allow-run-as-root --oversubscribe -np "$np" "$alsrec" train --input "$input" --output "$out/m$np.alsrec" \
    $model --threads 1 --distributed --json "$@" > "$out/np$np.json"
  python3 - "$np" "$out/np$np.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[2]))
print(f"np {sys.argv[1]}: {j['seconds_per_iteration']:.3f} s/iteration "
      f"(communication {j['communication_seconds_per_iteration']:.3f} s), "
      f"{j['bytes_exchanged_per_iteration'] / 1e6:.2f} MB/iteration, loss {j['final_loss']:.6f}, "
      f"{j['users']} users x {j['items']} items, {j['interactions']} interactions")
PY
done
for np in 2 4; do "$alsrec" compare-models "$out/m1.alsrec" "$out/m$np.alsrec" --tolerance 1 | tr -d '\n ' ; echo; done
rm -rf "$out"
