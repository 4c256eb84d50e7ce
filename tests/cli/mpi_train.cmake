# `mpirun -np NP alsrec train|evaluate --distributed` against the single-process commands on a generated file.
# Each rank reads only its byte range (or its part files) and holds only its rows.
# -DMPIEXEC=<mpirun> -DNP=<ranks>. Expected (measured, see README "Distributed training"):
#   - NP = 1, or any NP with --gramian exact (the default with --exchange allgather): the factors are bit-identical
#     to the single-process ones (same rows, blocks and sums); only the loss, summed across ranks in another order,
#     may differ in its last digits;
#   - with --gramian sum (the allreduce; the default with --exchange blocks) the exact (Cholesky) solver: factors within 1e-4 (measured ≤ 1e-5: only the Gramian's summation order
#     differs across ranks, float rounding);
#   - the default 3-step CG solver: factors within 2e-2 (measured ≤ 4e-3 at 5 iterations: a few CG steps from a
#     warm start amplify that rounding) and ≥ 90% of every user's top-10 the same item at the same rank;
#   - evaluate: the same metrics to 1e-4;
#   - bytes per iteration = NP·8k² + (NP − 1)·(users + items)·4k (see native/distributed.h).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# mpi(EXIT <code> [OUT var] [ERR var] ARGS ...): alsrec on NP ranks, as run() does for one process.
# (-DNO_LEAK_CHECK=ON in the sanitizer build: Open MPI's own leaks at exit are not ours.)
set(mpi_env)
if(NO_LEAK_CHECK)
  set(mpi_env -x ASAN_OPTIONS=detect_leaks=0)
endif()
# mpi(<run arguments>): run() under mpirun with NP ranks (50 s timeout: a hang is a failure, not a wait).
macro(mpi)
  run(${ARGN} LAUNCH "${MPIEXEC}" --allow-run-as-root --oversubscribe ${mpi_env} -np ${NP} --timeout 50)
endmacro()

# The sanitizer build (-DSMALL=ON) trains a quarter of the data: unoptimised, instrumented code on a loaded 2-core
# machine must stay well under the time limit (README "Distributed training" has the measured times).
if(SMALL)
  set(interactions 5000)
  run(EXIT 0 ARGS generate --users 250 --items 200 --interactions ${interactions} --seed 7 --output ratings.csv)
else()
  set(interactions 20000)
  run(EXIT 0 ARGS generate --users 500 --items 400 --interactions ${interactions} --seed 7 --output ratings.csv)
endif()
# The model as the tolerances below were measured for (distributed runs resolve the data's defaults but do not
# screen them: checked at the end against one process with --no-screen).
set(opts --factors 16 --iterations 5 --threads 1 --values raw --unobserved-weight 3 --regularization 0.0033)
set(common --input ratings.csv ${opts})

# With no model flags the ranks resolve the same options from the data as one process (--no-screen).
run(EXIT 0 OUT one_defaults ARGS train --input ratings.csv --output single-defaults.alsrec --iterations 2 --no-screen
                              --threads 1 --json)
mpi(EXIT 0 OUT ranks_defaults ARGS train --input ratings.csv --output ranks-defaults.alsrec --iterations 2
                                 --threads 1 --distributed --json)
string(JSON one_params GET "${one_defaults}" params)
string(JSON ranks_params GET "${ranks_defaults}" params)
string(JSON same_params EQUAL "${one_params}" "${ranks_params}")
if(NOT same_params)
  message(FATAL_ERROR "defaults resolved differently:\n one process ${one_params}\n ranks ${ranks_params}")
endif()
run(EXIT 0 OUT cmp ARGS compare-models single-defaults.alsrec ranks-defaults.alsrec --tolerance 0)

foreach(solver cholesky cg)
  run(EXIT 0 OUT first_train ARGS train ${common} --solver ${solver} --output single-${solver}.alsrec --json)
  mpi(EXIT 0 OUT out ARGS train ${common} --solver ${solver} --output ranks-${solver}.alsrec --distributed --gramian sum
      --json)
  json(ranks "${out}" ranks)
  expect_equal("${ranks}" "${NP}" "ranks")
  json(users "${out}" users)
  json(items "${out}" items)
  json(bytes "${out}" bytes_exchanged_per_iteration)
  math(EXPR expected_bytes "${NP} * 8 * 16 * 16 + (${NP} - 1) * (${users} + ${items}) * 4 * 16")
  expect_equal("${bytes}" "${expected_bytes}" "bytes exchanged per iteration")
  json(read "${out}" input_bytes_read_by_rank0)
  file(SIZE "${WORK}/ratings.csv" size)
  # rank 0 reads its ⌈size/NP⌉ bytes, moved to a line start (a line is < 40 bytes here)
  math(EXPR share "${size} / ${NP} + 40")
  expect_between("${read}" 1 ${share} "bytes rank 0 read of ${size}")
  if(NP EQUAL 1)
    run(EXIT 0 OUT cmp ARGS compare-models single-${solver}.alsrec ranks-${solver}.alsrec --tolerance 0)
    json(same "${cmp}" max_user_factor_diff)
    expect_equal("${same}" "0.0" "one-rank factors (${solver})")
  endif()
  if(solver STREQUAL "cholesky")
    run(EXIT 0 OUT cmp ARGS compare-models single-${solver}.alsrec ranks-${solver}.alsrec --tolerance 1e-4)
  else()
    run(EXIT 0 OUT cmp ARGS compare-models single-${solver}.alsrec ranks-${solver}.alsrec --tolerance 2e-2)
  endif()
  json(same "${cmp}" top_n_same_item_fraction)
  expect_between("${same}" 0.9 1.0 "top-10 agreement (${solver})")
  message(STATUS "np ${NP} ${solver}: ${cmp}")
endforeach()

# The default (--gramian exact): block Gramians summed in one process's order, so the default CG factors are
# bit-identical to one process's.
mpi(EXIT 0 OUT out ARGS train ${common} --output exact.alsrec --distributed --json)
json(gramian "${out}" gramian)
expect_equal("${gramian}" "exact" "the default Gramian with --exchange allgather")
run(EXIT 0 OUT cmp ARGS compare-models single-cg.alsrec exact.alsrec --tolerance 0)
foreach(side user item)
  json(diff "${cmp}" max_${side}_factor_diff)
  expect_equal("${diff}" "0.0" "--gramian exact ${side} factors")
endforeach()
json(bytes "${out}" bytes_exchanged_per_iteration)
# (1 block of 2048 rows per side: (NP − 1)·2 blocks·4k² for the Gramians)
math(EXPR expected_bytes "(${NP} - 1) * 2 * 4 * 16 * 16 + (${NP} - 1) * (${users} + ${items}) * 4 * 16")
expect_equal("${bytes}" "${expected_bytes}" "bytes exchanged per iteration with --gramian exact")
mpi(EXIT 1 ERR err ARGS train ${common} --output never.alsrec --distributed --exchange blocks --gramian exact)
expect_contains("${err}" "--gramian exact needs --exchange allgather")

# --exchange blocks (Spark's in/out blocks): each new row only to the ranks whose rows rate it: never more bytes
# than the allgather, the same model up to the Gramian's summation order.
mpi(EXIT 0 OUT out ARGS train ${common} --output blocks.alsrec --distributed --exchange blocks --json)
json(blocks_bytes "${out}" bytes_exchanged_per_iteration)
json(exchange "${out}" exchange)
expect_equal("${exchange}" "blocks" "exchange")
math(EXPR most "${NP} * 8 * 16 * 16 + (${NP} - 1) * (${users} + ${items}) * 4 * 16")
expect_between("${blocks_bytes}" 0 ${most} "bytes per iteration with --exchange blocks")
run(EXIT 0 OUT cmp ARGS compare-models single-cg.alsrec blocks.alsrec --tolerance 2e-2)
json(same "${cmp}" top_n_same_item_fraction)
expect_between("${same}" 0.9 1.0 "top-10 agreement (--exchange blocks)")

# Part files: the same rows in a directory of three parts, each with its header (and Spark's _SUCCESS marker).
# One process reading the directory gives the very model of the single file; NP ranks give the NP-rank model.
file(STRINGS "${WORK}/ratings.csv" lines)
list(POP_FRONT lines header)
list(LENGTH lines count)
file(REMOVE_RECURSE "${WORK}/parts")
file(WRITE "${WORK}/parts/_SUCCESS" "")
math(EXPR per_part "${count} / 3 + 1")
set(i 0)
foreach(part 0 1 2)
  list(SUBLIST lines ${i} ${per_part} rows)
  list(JOIN rows "\n" text)
  file(WRITE "${WORK}/parts/part-0000${part}.csv" "${header}\n${text}\n")
  math(EXPR i "${i} + ${per_part}")
endforeach()
run(EXIT 0 ARGS train ${opts} --solver cholesky --input parts --output dir.alsrec)
file(SHA256 "${WORK}/single-cholesky.alsrec" a)
file(SHA256 "${WORK}/dir.alsrec" b)
expect_equal("${b}" "${a}" "model from the part files (one process)")
mpi(EXIT 0 OUT out ARGS train ${opts} --solver cholesky --input parts --output dir-ranks.alsrec --distributed --json)
json(n "${out}" interactions)
json(expected_n "${first_train}" interactions)
expect_equal("${n}" "${expected_n}" "interactions read from the part files")
run(EXIT 0 OUT cmp ARGS compare-models single-cholesky.alsrec dir-ranks.alsrec --tolerance 1e-4)

# --no-seen: rank 0 does not gather the train matrix; the model file is smaller by the seen matrix's row sizes and
# entries (4 bytes per user + 8 per interaction) and ranks every item.
mpi(EXIT 0 OUT out ARGS train ${common} --output lean.alsrec --distributed --no-seen --json)
json(lean_bytes "${out}" bytes)
file(SIZE "${WORK}/exact.alsrec" full_bytes)
math(EXPR saved "${full_bytes} - ${lean_bytes}")
math(EXPR expected_saved "4 * ${users} + 8 * ${interactions}")
expect_equal("${saved}" "${expected_saved}" "bytes --no-seen saves")
run(EXIT 0 OUT rec ARGS recommend --model lean.alsrec --user 1 --json)
expect_contains("${rec}" "\"items\"")

# A model a distributed run wrote is an ordinary model file.
run(EXIT 0 OUT rec ARGS recommend --model ranks-cg.alsrec --user 1 --json)
expect_contains("${rec}" "\"items\"")

# evaluate: rank 0 reports the same metrics as one process.
set(eval evaluate ${common} --solver cholesky --json)
run(EXIT 0 OUT single ARGS ${eval})
mpi(EXIT 0 OUT ranked ARGS ${eval} --distributed)
foreach(metric recall@10 ndcg@10)
  json(a "${single}" metrics ${metric})
  json(b "${ranked}" metrics ${metric})
  # (CMake has no float maths: the first 6 characters, i.e. 4 decimals, must agree)
  string(SUBSTRING "${a}" 0 6 a)
  string(SUBSTRING "${b}" 0 6 b)
  expect_equal("${b}" "${a}" "distributed ${metric}")
endforeach()

# Explicit ALS with bias terms (the explicit default): RMSE and the rating baselines summed across ranks.
set(eval evaluate ${common} --confidence explicit --solver cholesky --json)
run(EXIT 0 OUT single ARGS ${eval})
mpi(EXIT 0 OUT ranked ARGS ${eval} --distributed)
foreach(key "rating_errors;rmse" "baseline;bias;rmse" "baseline;global_mean;rmse")
  json(a "${single}" ${key})
  json(b "${ranked}" ${key})
  string(SUBSTRING "${a}" 0 6 a)
  string(SUBSTRING "${b}" 0 6 b)
  expect_equal("${b}" "${a}" "distributed ${key}")
endforeach()

# Bad rows inside other ranks' byte ranges are named by their line in the file (line 2 is the first data row).
write_rows_with_bad_lines("${WORK}/some-bad.csv" 400 250 390)
mpi(EXIT 2 ERR err ARGS train --input some-bad.csv --output some-bad.alsrec --max-bad-fraction 0.001 --distributed)
expect_contains("${err}" "2 of 399 data rows are bad")
expect_contains("${err}" "line 250: rating 'bad250' is not a number; line 390: rating 'bad390'")
mpi(EXIT 0 OUT out ARGS train --input some-bad.csv --output some-bad.alsrec --factors 4 --distributed --json)
json(skipped "${out}" skipped)
expect_equal("${skipped}" "2" "bad rows skipped over all ranks")

# Ranks that see different inputs (a path not on a shared mount, or a file changed between hosts): every rank
# must cut the same bytes, so the job stops before reading, with the sizes each side saw. (MPMD launch: rank 0
# gets ratings.csv, the others a shorter copy.)
if(NP GREATER 1)
  file(READ "${WORK}/ratings.csv" text LIMIT 5000)
  string(FIND "${text}" "\n" last REVERSE)
  string(SUBSTRING "${text}" 0 ${last} text)
  file(WRITE "${WORK}/other.csv" "${text}\n")
  math(EXPR others "${NP} - 1")
  run(EXIT 2 ERR err LAUNCH "${MPIEXEC}" --allow-run-as-root --oversubscribe ${mpi_env} --timeout 50 -np 1
      ARGS train --input ratings.csv --output split-brain.alsrec --distributed
           : -np ${others} "${ALSREC}" train --input other.csv --output split-brain.alsrec --distributed)
  expect_contains("${err}" "every rank must read the same input")
  if(EXISTS "${WORK}/split-brain.alsrec")
    message(FATAL_ERROR "a job whose ranks saw different inputs wrote a model")
  endif()
endif()

# Bad input: the rank holding it prints its message once (tests/cli/mpi_errors.cmake), the job ends with exit code
# 2, no rank hangs.
file(WRITE "${WORK}/bad.csv" "user,item,rating\nu1,i1,5\nu2,i2,not-a-number\n")
mpi(EXIT 2 ERR err ARGS train --input bad.csv --output bad.alsrec --strict --distributed)
expect_contains("${err}" "bad.csv line 3")
expect_contains("${err}" "of ${NP})")
if(EXISTS "${WORK}/bad.alsrec")
  message(FATAL_ERROR "a failed distributed run wrote a model")
endif()
