#!/usr/bin/env bash
# Target 7: single-threaded wasm (node) vs native single-thread fit on the same ratings file and parameters.
#   bench/wasm_vs_native.sh [native alsrec] [wasm site dir] [ratings.csv]
set -euo pipefail
ALSREC=${1:-build/h-perf/alsrec}
SITE=${2:-build/h-perf-wasm/site}
RATINGS=${3:-/work/shared/data/ml-latest-small/ratings.csv}
ITER=${ITER:-20}
IMPLICIT="--confidence implicit --values binary --alpha 1 --regularization 0.1 --reg-exponent 0"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(uptime | sed 's/.*load/load/')"
native=$("$ALSREC" bench --input "$RATINGS" $IMPLICIT --factors 64 --iterations "$ITER" --threads 1 \
  --no-recommend --gemm-size 0 --repeat 3 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["fit_best_seconds"])')
wasm=$(NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node bench/wasm_fit.mjs "$SITE" "$RATINGS" "$ITER" 3 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["fit_best_seconds"])')
python3 -c "print(f'native 1 thread fit {$native:.3f} s, wasm (node) fit {$wasm:.3f} s, ratio {$wasm/$native:.2f}x')"
if [ -f "$SITE/alsrec-mt.js" ]; then  # the threaded module (ALSREC_WASM_THREADS=ON), on all cores
  mt=$(NODE_PATH=${NODE_PATH:-/usr/share/nodejs} node bench/wasm_fit.mjs "$SITE" "$RATINGS" "$ITER" 3 multi |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["fit_best_seconds"], j["threads"])')
  set -- $mt
  python3 -c "print(f'threaded wasm ($2 threads) fit {$1:.3f} s: {$wasm/$1:.2f}x the single-threaded wasm')"
fi
