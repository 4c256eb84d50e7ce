# alsrec tune: JSON keys as `evaluate` plus `tuning`, trial limit, d-doubling ladder, progress on stderr,
# reproducible by seed, bad options refused. Small synthetic data so it runs in seconds in any build.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

run(EXIT 0 ARGS generate --users 150 --items 120 --interactions 4000 --seed 11 --output ratings.csv)
set(tune_args tune --input ratings.csv --split temporal:0.2 --k 10 --budget 0 --max-trials 6 --ladder 4,8
              --weights 0.5,2 --lambdas 0.003,0.03 --exponents 1 --iterations 4 --seed 5 --json)
run(EXIT 0 OUT out ERR err ARGS ${tune_args})
expect_contains("${err}" "tune: trial   1 stage 1/2")
foreach(key users fit_seconds)
  json(v "${out}" ${key})
endforeach()
json(recall "${out}" metrics recall@10)
json(ndcg "${out}" metrics ndcg@10)
json(pop "${out}" baseline popularity recall@10)
json(ntrials "${out}" tuning trials)
json_length(ntrials "${out}" tuning trials)
expect_equal("${ntrials}" "6" "trials run (max-trials)")
json(exhausted "${out}" tuning budget_exhausted)
expect_equal("${exhausted}" "ON" "budget_exhausted after max-trials")
# Stage 0: 2 weights x 2 lambdas at d=4; then the local search at d=8 (centre first) until the trial limit.
json(stage0 "${out}" tuning trials 3 stage)
json(stage1 "${out}" tuning trials 4 stage)
json(d1 "${out}" tuning trials 4 factors)
expect_equal("${stage0}" "0" "4th trial stage")
expect_equal("${stage1}" "1" "5th trial stage")
expect_equal("${d1}" "8" "doubled factors")
# The chosen trial is what params reports, and its validation NDCG is the best of the table.
json(best "${out}" tuning best)
json(chosen_f "${out}" tuning chosen factors)
json(params_f "${out}" params factors)
expect_equal("${chosen_f}" "${params_f}" "params.factors = chosen factors")
json(chosen_w "${out}" tuning chosen unobserved_weight)
json(params_w "${out}" params unobserved_weight)
expect_equal("${chosen_w}" "${params_w}" "params.unobserved_weight = chosen")
json(best_obj "${out}" tuning chosen objective)
math(EXPR last "${ntrials} - 1")
foreach(i RANGE ${last})
  json(o "${out}" tuning trials ${i} objective)
  if(o GREATER best_obj)
    message(FATAL_ERROR "trial ${i} objective ${o} beats the chosen ${best_obj}")
  endif()
endforeach()
expect_between("${recall}" 0 1 "test recall")

# Same seed, same everything (the trial limit, not the clock, ends the search).
run(EXIT 0 OUT again ARGS ${tune_args})
json(best2 "${again}" tuning best)
json(ndcg2 "${again}" metrics ndcg@10)
expect_equal("${best2}" "${best}" "chosen trial is reproducible")
expect_equal("${ndcg2}" "${ndcg}" "test ndcg is reproducible")

# Text output: a table with the chosen row marked.
run(EXIT 0 OUT text ARGS tune --input ratings.csv --split temporal:0.2 --budget 0 --max-trials 2 --ladder 4
                      --iterations 3)
expect_contains("${text}" "<- chosen")
expect_contains("${text}" "recall@10")

# Refused: descending ladder, no split, negative budget, unknown objective, --biases outside explicit mode.
run(EXIT 1 ERR e ARGS tune --input ratings.csv --ladder 8,4)
expect_contains("${e}" "ascending")
run(EXIT 1 ARGS tune --input ratings.csv --split none)
run(EXIT 1 ARGS tune --input ratings.csv --budget -1)
run(EXIT 1 ARGS tune --input ratings.csv --objective auc)
run(EXIT 1 ARGS tune --input ratings.csv --confidence ials --biases)

# Explicit mode (ALS-WR with biases by default): minimises validation RMSE, reports test RMSE.
run(EXIT 0 OUT ex ARGS tune --input ratings.csv --split random:0.2 --confidence explicit --budget 0 --max-trials 3
                    --ladder 4 --iterations 3 --json)
json(obj "${ex}" tuning objective)
expect_equal("${obj}" "rmse" "explicit objective")
json(bias "${ex}" params biases)
expect_equal("${bias}" "ON" "explicit mode starts with biases")
json(rmse "${ex}" rating_errors rmse)
expect_between("${rmse}" 0.3 2.0 "explicit test rmse")
run(EXIT 2 ARGS tune --input missing.csv)
