// Ranking metrics at K (macro-averaged over users with ≥1 train and ≥1 test item), and the popularity baseline.
//
//   Recall@K    = hits / |T_u|
//   Precision@K = hits / K
//   NDCG@K      = Σ_{hit at rank r (0-based)} 1/log₂(r+2)  ÷  Σ_{r < min(K,|T_u|)} 1/log₂(r+2)
//   MAP@K       = Σ_{hit at rank r} (hits among ranks 0..r)/(r+1)  ÷  min(K, |T_u|)
//   HitRate@K   = [hits > 0]
//   AUC         = P(score(test item) > score(unseen non-test item)), ties count ½; candidates exclude train items
//   Coverage@K  = distinct items recommended to evaluated users ÷ number of items
// Recommendations exclude the user's train items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"

namespace alsrec {

struct RankingMetrics {
  int k = 10;
  std::size_t users = 0;  // evaluated users
  double recall = 0, precision = 0, ndcg = 0, map = 0, hit_rate = 0, auc = 0, coverage = 0;
};

// Metrics of one user's ranked list (already cut to ≤ K, train items already removed) against its test items.
struct UserMetrics {
  double recall = 0, precision = 0, ndcg = 0, map = 0, hit_rate = 0;
};
UserMetrics score_ranking(const std::vector<std::uint32_t>& ranked, const std::vector<std::uint32_t>& test_items,
                          int k);

// Fills scores[0..items) for `user`. Called concurrently from several threads with distinct users.
using ScoreFunction = std::function<void(std::uint32_t user, float* scores)>;

// train, test: users × items with the same shape.
// recommended (optional): resized to the item count, set to 1 for every item in some evaluated user's top K
// (coverage's numerator), so evaluations of disjoint user sets (processes of a distributed run) can be combined:
// coverage = |∪ recommended| / items, and the other metrics are averages weighted by `users`.
RankingMetrics evaluate_ranking(const CsrMatrix& train, const CsrMatrix& test, int k, const ScoreFunction& score,
                                int threads = 0, std::vector<std::uint8_t>* recommended = nullptr);
RankingMetrics evaluate_model(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train,
                              const CsrMatrix& test, int k, int threads = 0,
                              std::vector<std::uint8_t>* recommended = nullptr);
// evaluate_model a slice of the users at a time, for a caller that reports progress and may stop between slices
// (the page's worker, which cannot be interrupted inside a call). The factors and matrices must outlive it; the
// result has evaluate_model's bits however the steps were cut.
class ModelEvaluation {
 public:
  ModelEvaluation(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train,
                  const CsrMatrix& test, int k, int threads = 0);
  ~ModelEvaluation();
  std::size_t users() const;        // to evaluate (with ≥ 1 train and ≥ 1 test item)
  std::size_t users_done() const;
  bool done() const;
  // Ranks at least max_users more users (or all that are left): whole blocks of up to 1024, at least one.
  void step(std::size_t max_users);
  // The metrics, after ranking whatever is left; `recommended` as for evaluate_model.
  RankingMetrics result(std::vector<std::uint8_t>* recommended = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Scores every item by its number of train interactions (ties: lower index first). One score vector serves every user,
// so the ranking walks one global order on the calling thread: `threads` is accepted and not used.
RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k, int threads = 0);
// The same with the train counts given (item_counts[i] = train interactions of item i over all processes), for a
// process whose `train` holds only some users' rows.
RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k,
                                   const std::vector<std::uint32_t>& item_counts, int threads = 0,
                                   std::vector<std::uint8_t>* recommended = nullptr);

// Rating prediction error over the test nonzeros (explicit mode): prediction x_uᵀ y_i.
struct RatingErrors {
  std::size_t count = 0;
  double rmse = 0, mae = 0;
};
RatingErrors rating_errors(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& test);
// The same for any predictor: RMSE and MAE of predict(user, item) − rating over the test nonzeros (a NaN
// prediction means "cannot score this pair": it is left out of the count).
using RatingPredictor = std::function<double(std::uint32_t user, std::uint32_t item)>;
RatingErrors rating_errors(const CsrMatrix& test, const RatingPredictor& predict);

}  // namespace alsrec
