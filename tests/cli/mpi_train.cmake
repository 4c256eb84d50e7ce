# `mpirun -np NP alsrec train|evaluate --distributed` against the single-process commands on a generated file.
# -DMPIEXEC=<mpirun> -DNP=<ranks>. Expected (measured, see README "Distributed training"):
#   - NP = 1, or any NP with --exact-gramian: the model file is byte-identical to the single-process one (same rows,
#     blocks and sums);
#   - the exact (Cholesky) solver: factors within 1e-4 (measured ≤ 1e-5: only the Gramian's summation order
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

run(EXIT 0 ARGS generate --users 500 --items 400 --interactions 20000 --seed 7 --output ratings.csv)
set(common --input ratings.csv --factors 16 --iterations 5 --threads 1)

foreach(solver cholesky cg)
  run(EXIT 0 ARGS train ${common} --solver ${solver} --output single-${solver}.alsrec)
  mpi(EXIT 0 OUT out ARGS train ${common} --solver ${solver} --output ranks-${solver}.alsrec --distributed --json)
  json(ranks "${out}" ranks)
  expect_equal("${ranks}" "${NP}" "ranks")
  json(users "${out}" users)
  json(items "${out}" items)
  json(bytes "${out}" bytes_exchanged_per_iteration)
  math(EXPR expected_bytes "${NP} * 8 * 16 * 16 + (${NP} - 1) * (${users} + ${items}) * 4 * 16")
  expect_equal("${bytes}" "${expected_bytes}" "bytes exchanged per iteration")
  if(NP EQUAL 1)
    file(SHA256 "${WORK}/single-${solver}.alsrec" a)
    file(SHA256 "${WORK}/ranks-${solver}.alsrec" b)
    expect_equal("${b}" "${a}" "one-rank model file (${solver})")
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

# --exact-gramian: block Gramians summed in one process's order, so the default CG model is byte-identical.
mpi(EXIT 0 OUT out ARGS train ${common} --output exact.alsrec --distributed --exact-gramian --json)
file(SHA256 "${WORK}/single-cg.alsrec" a)
file(SHA256 "${WORK}/exact.alsrec" b)
expect_equal("${b}" "${a}" "--exact-gramian model file")
json(bytes "${out}" bytes_exchanged_per_iteration)
# (1 block of 2048 rows per side: (NP − 1)·2 blocks·4k² for the Gramians)
math(EXPR expected_bytes "(${NP} - 1) * 2 * 4 * 16 * 16 + (${NP} - 1) * (${users} + ${items}) * 4 * 16")
expect_equal("${bytes}" "${expected_bytes}" "bytes exchanged per iteration with --exact-gramian")

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

# Bad input seen by every rank: each prints its message, the job ends with exit code 2, no rank hangs.
file(WRITE "${WORK}/bad.csv" "user,item,rating\nu1,i1,5\nu2,i2,not-a-number\n")
mpi(EXIT 2 ERR err ARGS train --input bad.csv --output bad.alsrec --strict --distributed)
expect_contains("${err}" "bad.csv line 3")
expect_contains("${err}" "of ${NP})")
if(EXISTS "${WORK}/bad.alsrec")
  message(FATAL_ERROR "a failed distributed run wrote a model")
endif()
