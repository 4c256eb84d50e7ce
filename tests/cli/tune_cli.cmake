# alsrec tune (= evaluate --auto with a trial table) and --auto on evaluate and train: JSON keys, trial limit,
# stages, reproducible by seed, progress on stderr, bad options refused. Small synthetic data: seconds in any build.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

run(EXIT 0 ARGS generate --users 150 --items 120 --interactions 4000 --seed 11 --output ratings.csv)
set(tune_args tune --input ratings.csv --split temporal:0.2 --k 10 --budget 0 --max-trials 8 --iterations 4
              --factors 8 --seed 5 --json)
run(EXIT 0 OUT out ERR err ARGS ${tune_args})
expect_contains("${err}" "tune: trial   1  start")
foreach(key users fit_seconds profile)
  json(v "${out}" ${key})
endforeach()
json(recall "${out}" metrics recall@10)
json(ndcg "${out}" metrics ndcg@10)
json(pop "${out}" baseline popularity recall@10)
json_length(ntrials "${out}" auto trials)
expect_equal("${ntrials}" "8" "trials run (max-trials)")
json(exhausted "${out}" auto budget_exhausted)
expect_equal("${exhausted}" "ON" "budget_exhausted after max-trials")
json(mode "${out}" auto mode)
expect_equal("${mode}" "auto" "search mode")
# The plan: the data's defaults first, then alpha0 by decades (÷10, ×10) ...
json(s0 "${out}" auto trials 0 stage)
json(s1 "${out}" auto trials 1 stage)
json(s2 "${out}" auto trials 2 stage)
json(w0 "${out}" auto trials 0 unobserved_weight)
json(w1 "${out}" auto trials 1 unobserved_weight)
json(w2 "${out}" auto trials 2 unobserved_weight)
expect_equal("${s0}" "start" "1st trial stage")
expect_equal("${s1}" "weight" "2nd trial stage")
expect_equal("${s2}" "weight" "3rd trial stage")
message(STATUS "alpha0 start ${w0}, decades ${w1} ${w2}")
if(NOT (w1 LESS w0 AND w2 GREATER w0))
  message(FATAL_ERROR "the weight stage should try a smaller then a larger alpha0 than ${w0}: ${w1}, ${w2}")
endif()
# ... and, given room, every stage in the documented order.
run(EXIT 0 OUT full ARGS tune --input ratings.csv --split temporal:0.2 --budget 0 --max-trials 40 --iterations 3
                      --factors 8 --json)
json_length(nfull "${full}" auto trials)
set(order "")
math(EXPR last_full "${nfull} - 1")
foreach(i RANGE ${last_full})
  json(stage "${full}" auto trials ${i} stage)
  list(FIND order "${stage}" seen)
  if(seen EQUAL -1)
    list(APPEND order "${stage}")
  endif()
endforeach()
list(REMOVE_ITEM order reweight)  # α₀ again, only when the λ stage moved λ
expect_equal("${order}" "start;weight;lambda;ridge;popularity;values;exponent;model" "stages in order (factors given: no dimension)")
json(f0 "${out}" auto trials 0 factors)
expect_equal("${f0}" "8" "a given factor count is never searched")
# The chosen trial is what params reports (values, alpha0), and its validation NDCG is the best of the table.
json(best "${out}" auto best)
json(best_values "${out}" auto trials ${best} values)
json(params_values "${out}" params values)
expect_equal("${best_values}" "${params_values}" "params.values = the best trial's")
json(best_w "${out}" auto trials ${best} unobserved_weight)
json(params_w "${out}" params unobserved_weight)
expect_equal("${best_w}" "${params_w}" "params.unobserved_weight = the best trial's")
json(best_obj "${out}" auto trials ${best} objective)
math(EXPR last "${ntrials} - 1")
foreach(i RANGE ${last})
  json(o "${out}" auto trials ${i} objective)
  if(o GREATER best_obj)
    message(FATAL_ERROR "trial ${i} objective ${o} beats the chosen ${best_obj}")
  endif()
endforeach()
expect_between("${recall}" 0 1 "test recall")

# Same seed, same everything (the trial limit, not the clock, ends the search).
run(EXIT 0 OUT again ARGS ${tune_args})
json(best2 "${again}" auto best)
json(ndcg2 "${again}" metrics ndcg@10)
expect_equal("${best2}" "${best}" "chosen trial is reproducible")
expect_equal("${ndcg2}" "${ndcg}" "test ndcg is reproducible")

# Text output: a table with the best row marked.
run(EXIT 0 OUT text ARGS tune --input ratings.csv --split temporal:0.2 --budget 0 --max-trials 2 --factors 4
                      --iterations 3)
expect_contains("${text}" "<- best")
expect_contains("${text}" "recall@10")

# evaluate --auto reports the same search; train --auto fits the winner on all the data.
run(EXIT 0 OUT ev ARGS evaluate --input ratings.csv --split temporal:0.2 --auto --budget 0 --max-trials 8
                    --iterations 4 --factors 8 --seed 5 --json)
json(ev_best "${ev}" auto best)
json(ev_ndcg "${ev}" metrics ndcg@10)
expect_equal("${ev_best}" "${best}" "evaluate --auto = tune")
expect_equal("${ev_ndcg}" "${ndcg}" "evaluate --auto test ndcg = tune's")
run(EXIT 0 OUT tr ARGS train --input ratings.csv --output auto.alsr --auto --budget 0 --max-trials 4 --iterations 3
                    --factors 8 --json)
json(tr_mode "${tr}" auto mode)
json(tr_users "${tr}" users)
json(tr_interactions "${tr}" interactions)
expect_equal("${tr_mode}" "auto" "train --auto")
expect_equal("${tr_users}" "150" "train --auto: the final model covers every user")
expect_equal("${tr_interactions}" "4000" "train --auto: the final model is fitted on all interactions")

# The default screen: alpha0 and lambda only, reported as "screen"; --no-screen skips it.
run(EXIT 0 OUT sc ARGS evaluate --input ratings.csv --split temporal:0.2 --iterations 3 --factors 8 --json)
json(sc_mode "${sc}" screen mode)
expect_equal("${sc_mode}" "screen" "default screen")
run(EXIT 0 OUT ns ARGS evaluate --input ratings.csv --split temporal:0.2 --iterations 3 --factors 8 --no-screen --json)
string(JSON missing ERROR_VARIABLE no_screen GET "${ns}" screen)
if(NOT no_screen)
  message(FATAL_ERROR "--no-screen still screened: ${ns}")
endif()

# Refused: no split, negative budget, unknown objective, --biases outside explicit mode, --auto with --no-screen.
run(EXIT 1 ARGS tune --input ratings.csv --split none)
run(EXIT 1 ARGS tune --input ratings.csv --budget -1)
run(EXIT 1 ARGS tune --input ratings.csv --objective auc)
run(EXIT 1 ARGS tune --input ratings.csv --confidence ials --biases)
run(EXIT 1 ERR e ARGS evaluate --input ratings.csv --auto --no-screen)
expect_contains("${e}" "contradict")

# Explicit mode (ALS-WR with biases by default): minimises validation RMSE, reports test RMSE.
run(EXIT 0 OUT ex ARGS tune --input ratings.csv --split random:0.2 --confidence explicit --budget 0 --max-trials 3
                    --factors 4 --iterations 3 --json)
json(obj "${ex}" auto objective)
expect_equal("${obj}" "rmse" "explicit objective")
json(bias "${ex}" params biases)
expect_equal("${bias}" "ON" "explicit mode starts with biases")
json(rmse "${ex}" rating_errors rmse)
expect_between("${rmse}" 0.3 2.0 "explicit test rmse")
run(EXIT 2 ARGS tune --input missing.csv)
