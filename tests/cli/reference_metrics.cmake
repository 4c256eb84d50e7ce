# The correctness anchor: with the notebook's settings and implicit-compatible confidence, alsrec reproduces
# implicit 0.7.3 on ml-latest-small, temporal:0.2 (Recall@10 0.0616, NDCG@10 0.1090) within 3%.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(ratings "${SHARED}/ml-latest-small/ratings.csv")
run(EXIT 0 OUT ev ARGS evaluate --input "${ratings}" --split temporal:0.2 --k 10 --factors 64 --regularization 0.1
                      --iterations 20 --confidence implicit --alpha 1 --values binary --json)
json(users "${ev}" users)
json(recall "${ev}" metrics recall@10)
json(ndcg "${ev}" metrics ndcg@10)
json(pop_recall "${ev}" baseline popularity recall@10)
json(pop_ndcg "${ev}" baseline popularity ndcg@10)
message(STATUS "users ${users} recall@10 ${recall} ndcg@10 ${ndcg} popularity ${pop_recall} / ${pop_ndcg}")
expect_between("${recall}" 0.05975 0.06345 "recall@10 vs implicit's 0.0616 +-3%")
expect_between("${ndcg}" 0.10573 0.11227 "ndcg@10 vs implicit's 0.1090 +-3%")
expect_between("${pop_recall}" 0.0377 0.0401 "popularity recall@10 vs 0.0389 +-3%")
expect_between("${pop_ndcg}" 0.0858 0.0912 "popularity ndcg@10 vs 0.0885 +-3%")
