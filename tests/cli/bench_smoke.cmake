# `alsrec bench` on a tiny generated set: JSON with every phase, consistent numbers (not a timed test).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# `implicit`'s model (the CLI's defaults may differ): confidence implicit, binary values, alpha 1, constant λ.
run(EXIT 0 OUT out ARGS bench --synthetic users=200,items=150,interactions=3000 --factors 8 --iterations 3
                     --gemm-size 128 --confidence implicit --values binary --alpha 1 --regularization 0.1
                     --reg-exponent 0)
json(inter "${out}" dataset interactions)
expect_equal("${inter}" "3000" "interactions")
foreach(phase load build_matrix gramian user_solve item_solve loss fit recommend_all)
  json(v "${out}" phases ${phase})
  expect_between("${v}" 0 60 "phase ${phase} seconds")
endforeach()
json_length(n "${out}" per_iteration_seconds)
expect_equal("${n}" "3" "per-iteration entries")
json(g "${out}" gemm_gflops)
expect_between("${g}" 0.001 100000 "gemm GFLOP/s")
json(s "${out}" solve_gflops)
expect_between("${s}" 0.0000001 100000 "solve GFLOP/s")
json(rss "${out}" peak_rss_mb)
expect_between("${rss}" 1 4000 "peak RSS MB")
# CG-3 FLOPs per iteration at k = 8, implicit's default (binary values, alpha 1: no weighted pairs, z_a = 0):
#   right-hand sides 4k*nonzeros + (3+1) * 2k^2*(users+items) = 32*3000 + 4 * 128 * (users + items)
json(users "${out}" dataset users)
json(items "${out}" dataset items)
json(za "${out}" weighted_nnz)
expect_equal("${za}" "0" "weighted pairs at implicit's default")
math(EXPR expected "32 * 3000 + 4 * 128 * (${users} + ${items})")
json(f "${out}" solve_flops_per_iteration)
expect_between("${f}" ${expected} ${expected} "CG FLOP count")
# Bytes per part: each side's indices (4 bytes per interaction), the user side's values (4 each), one pair weight
# for every pair (binary values), factors 4 bytes × k per user and item.
json(indices "${out}" memory_bytes trainer indices)
expect_equal("${indices}" "24000" "index bytes (2 sides × 4 × 3000)")
json(values "${out}" memory_bytes trainer values)
expect_equal("${values}" "12000" "value bytes (user side only)")
json(weights "${out}" memory_bytes trainer weights)
expect_between("${weights}" 1 64 "weight bytes (one shared weight per side)")
json(factor_bytes "${out}" memory_bytes trainer factors)
math(EXPR expected_factors "32 * (${users} + ${items})")
expect_equal("${factor_bytes}" "${expected_factors}" "factor bytes")
# --repeat: one fit time per run; best <= median
run(EXIT 0 OUT out2 ARGS bench --synthetic users=50,items=40,interactions=500 --factors 4 --iterations 2
                      --gemm-size 0 --repeat 3 --no-loss --no-recommend)
json_length(runs "${out2}" fit_runs_seconds)
expect_equal("${runs}" "3" "fit runs")
json(best "${out2}" fit_best_seconds)
json(median "${out2}" fit_median_seconds)
expect_between("${best}" 0 ${median} "best fit seconds <= median")
# --iterations 0: the load and the matrices alone (README's load benchmark), no fit
run(EXIT 0 OUT out3 ARGS bench --synthetic users=50,items=40,interactions=500 --factors 4 --iterations 0
                      --gemm-size 0 --no-loss --no-recommend)
json(its "${out3}" params iterations)
expect_equal("${its}" "0" "iterations 0 accepted by bench")
run(EXIT 1 ERR err ARGS bench --synthetic users=50,items=40,interactions=500 --iterations -1)
run(EXIT 1 ERR err ARGS bench)
