#!/usr/bin/env bash
# Distributed training (issue 6): time, bytes and memory per iteration for 1, 2, 4 ranks of one machine, with the
# allgather exchange and with Spark-style blocks.
# usage: bench/mpi.sh ALSREC RATINGS [extra train flags]   (RATINGS: a file or a directory of part files)
# Prints one line per (exchange, rank count) and the agreement of each model with the one-rank model.
set -euo pipefail
alsrec=$1; input=$2; shift 2
model="--confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0 --factors 64"
out=$(mktemp -d)
for exchange in allgather blocks; do
  for np in 1 2 4; do
    # /usr/bin/time per rank: peak RSS (KB) of every rank on stderr
    mpirun --allow-run-as-root --oversubscribe -np "$np" /usr/bin/time -f "rss_kb %M" "$alsrec" train \
      --input "$input" --output "$out/$exchange$np.alsrec" $model --threads 1 --distributed --exchange "$exchange" \
      --json "$@" > "$out/np$np.json" 2> "$out/np$np.err"
    python3 - "$exchange" "$np" "$out/np$np.json" "$out/np$np.err" <<'PY'
import json, re, sys
exchange, np, path, err = sys.argv[1:]
j = json.load(open(path))
rss = [int(x) / 1e6 for x in re.findall(r"rss_kb (\d+)", open(err).read())]
print(f"{exchange:9} np {np}: {j['seconds_per_iteration']:.3f} s/iteration "
      f"(communication {j['communication_seconds_per_iteration']:.3f} s), "
      f"{j['bytes_exchanged_per_iteration'] / 1e6:.2f} MB/iteration, load {j['load_seconds']:.2f} s "
      f"(rank 0 read {j['input_bytes_read_by_rank0'] / 1e6:.1f} MB, shuffled {j['setup_bytes_exchanged'] / 1e6:.1f} MB), "
      f"peak RSS per rank {'/'.join(f'{x:.2f}' for x in rss)} GB, loss {j['final_loss']:.6f}, "
      f"{j['users']} users x {j['items']} items, {j['interactions']} interactions")
PY
  done
done
for m in allgather2 allgather4 blocks1 blocks2 blocks4; do
  echo -n "$m vs allgather1: "; "$alsrec" compare-models "$out/allgather1.alsrec" "$out/$m.alsrec" --tolerance 1 | tr -d '\n '; echo
done
rm -rf "$out"
