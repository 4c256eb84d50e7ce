# The data sets of the quality benchmark and the defaults study (sourced by bench/quality.sh and
# bench/study/grid.sh; needs ALSREC, DATA and OUT set): everything in ../shared/data that is present (absent sets
# are reported as skipped, naming the path) and generated sets of other shapes (alsrec generate: ML-1M-sized stars
# and binary pairs, play counts, Book-Crossing-style 0-10 with 0 = interacted, a sparse long tail).
# Fills sets=("name|file|split|extra reader flags" ...).
mkdir -p "$OUT/data"
# name|file|split|extra reader flags
sets=()
add_shared() {  # add_shared NAME RELATIVE_PATH SPLIT [flags]
  if [ -f "$DATA/$2" ]; then sets+=("$1|$DATA/$2|$3|${4:-}")
  else echo "SKIPPED $1: $DATA/$2 not found"; fi
}
add_shared ml-small-temporal ml-latest-small/ratings.csv temporal:0.2
add_shared ml-small-random ml-latest-small/ratings.csv random:0.2
add_shared goodbooks-ratings goodbooks-10k-ratings/ratings.csv random:0.2
add_shared goodbooks-to-read goodbooks-10k-to-read/to_read.csv random:0.2
add_shared citeulike-a citeulike-a/users.dat random:0.2

generate() {  # generate NAME SPLIT generate-flags...
  local name=$1 split=$2; shift 2
  local f="$OUT/data/$name.csv"
  [ -f "$f" ] || "$ALSREC" generate "$@" -o "$f" > /dev/null
  sets+=("$name|$f|$split|")
}
generate gen-ml1m-stars random:0.2 --users 6040 --items 3706 --interactions 1000000 --seed 7 --values stars
generate gen-ml1m-pairs random:0.2 --users 6040 --items 3706 --interactions 1000000 --seed 8 --values binary
generate gen-plays random:0.2 --users 1900 --items 17600 --interactions 92000 --seed 9 --values counts --zipf 1.1
generate gen-bookcrossing random:0.2 --users 20000 --items 40000 --interactions 220000 --seed 10 \
  --values zero-implicit --zipf 0.9
generate gen-longtail temporal:0.2 --users 20000 --items 30000 --interactions 300000 --seed 11 --values binary \
  --zipf 0.6 --groups 40

