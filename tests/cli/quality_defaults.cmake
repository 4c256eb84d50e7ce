# The recommended defaults on ml-latest-small, temporal:0.2 (the notebook's protocol): at least EASE's
# Recall@10 0.0682 and NDCG@10 0.1306 (Steck 2019, best lambda), and well above `implicit`'s notebook settings
# (0.0616 / 0.1090) and popularity. Then explicit ALS on random:0.2 against the rating baselines of the same run.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(ratings "${SHARED}/ml-latest-small/ratings.csv")

run(EXIT 0 OUT ev ARGS evaluate --input "${ratings}" --split temporal:0.2 --json)
json(recall "${ev}" metrics recall@10)
json(ndcg "${ev}" metrics ndcg@10)
json(pop_ndcg "${ev}" baseline popularity ndcg@10)
json(mode "${ev}" params confidence)
json(factors "${ev}" params factors)
message(STATUS "defaults (${mode}, ${factors} factors): recall@10 ${recall} ndcg@10 ${ndcg}; popularity ndcg ${pop_ndcg}")
expect_equal("${mode}" "ials" "default confidence mode")
expect_between("${recall}" 0.0682 1 "default recall@10 vs EASE 0.0682")
expect_between("${ndcg}" 0.1306 1 "default ndcg@10 vs EASE 0.1306")

# Another confidence mode starts from `implicit`'s hyperparameters; the values follow the data (stars: raw) and
# the notes say so. With the notebook's binary values it is `implicit`'s model, exactly as before.
run(EXIT 0 OUT im0 ARGS evaluate --input "${ratings}" --split temporal:0.2 --confidence implicit --iterations 2 --json)
json(im0_values "${im0}" params values)
json(im0_note "${im0}" notes 0)
expect_equal("${im0_values}" "raw" "implicit mode on stars: values")
expect_contains("${im0_note}" "values raw: the values are star ratings")
run(EXIT 0 OUT im ARGS evaluate --input "${ratings}" --split temporal:0.2 --confidence implicit --values binary
                     --iterations 20 --json)
json(im_recall "${im}" metrics recall@10)
json(im_nu "${im}" params reg_exponent)
json(im_f "${im}" params factors)
expect_equal("${im_nu}" "0.0" "implicit mode: nu")
expect_equal("${im_f}" "64" "implicit mode: factors")
expect_between("${im_recall}" 0.05975 0.06345 "implicit mode recall@10 vs implicit's 0.0616 +-3%")

# Explicit mode's own starting point: ALS-WR (nu 1, lambda 0.1) with biases.
run(EXIT 0 OUT ex ARGS evaluate --input "${ratings}" --split random:0.2 --confidence explicit --values raw --json)
json(rmse "${ex}" rating_errors rmse)
json(gm "${ex}" baseline global_mean rmse)
json(bias "${ex}" baseline bias rmse)
message(STATUS "explicit ALS + biases rmse ${rmse}; bias baseline ${bias}; global mean ${gm}")
expect_between("${gm}" 1.0 1.1 "global-mean rmse")
expect_between("${bias}" 0.85 0.90 "bias-baseline rmse")
if(NOT rmse LESS bias)
  message(FATAL_ERROR "explicit ALS with biases (rmse ${rmse}) does not beat the bias baseline (${bias})")
endif()
