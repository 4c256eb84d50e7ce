// Rating-prediction baselines and bias terms for explicit ALS.
//
//   global mean   r̂_ui = μ                       μ = mean of the train ratings
//   bias          r̂_ui = μ + b_u + b_i           minimising Σ_obs (r − μ − b_u − b_i)² + λ_u Σ b_u² + λ_i Σ b_i²
//                 by alternating exact updates, items first (Koren 2010 §2.1):
//                   b_i = Σ_{u∈U_i} (r_ui − μ − b_u) / (λ_i + |U_i|),   b_u = Σ_{i∈I_u} (r_ui − μ − b_i) / (λ_u + |I_u|)
//   biased ALS    r̂_ui = μ + b_u + b_i + x_uᵀy_i: the biases are fitted first, then explicit ALS (ALS-WR) on the
//                 residuals r − μ − b_u − b_i. The model stores augmented factors
//                   x̃_u = [x_u, 1, μ + b_u],  ỹ_i = [y_i, b_i, 1]   so   x̃_uᵀỹ_i = μ + b_u + b_i + x_uᵀy_i
//                 and every dot-product consumer (recommend, rating_errors, old readers) predicts with the biases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"
#include "alsrec/metrics.h"
#include "alsrec/ratings.h"
#include "alsrec/status.h"

namespace alsrec {

// Extra columns of a biased model's factors: [.., 1, μ + b_u] for users and [.., b_i, 1] for items.
constexpr int kBiasColumns = 2;

struct BiasOptions {
  float user_regularization = 10.0f;  // λ_u (in ratings: shrinks users with few ratings towards 0)
  float item_regularization = 10.0f;  // λ_i
  int iterations = 10;                // alternations (items, then users); 0 leaves b = 0 (the global mean)
};

struct BiasModel {
  double global_mean = 0;
  std::vector<float> user;  // b_u, one per row of the train matrix
  std::vector<float> item;  // b_i, one per column
  double predict(std::uint32_t u, std::uint32_t i) const;  // μ + b_u + b_i (out-of-range indices count 0)
};

// μ alone (user and item biases all 0). An empty matrix gives μ = 0.
BiasModel fit_global_mean(const CsrMatrix& train);
BiasModel fit_biases(const CsrMatrix& train, const BiasOptions& options = {});

// RMSE and MAE of the baseline's predictions over the nonzeros of `test` (same shape as the train matrix).
RatingErrors baseline_errors(const BiasModel& model, const CsrMatrix& test);

// The train matrix with each value replaced by r − μ − b_u − b_i (same pattern).
CsrMatrix bias_residuals(const BiasModel& model, const CsrMatrix& train);

// Appends the bias columns: users → [x_u, 1, μ + b_u], items → [y_i, b_i, 1] (rows must match the model's).
void append_bias_columns(const BiasModel& model, Factors& users, Factors& items);

}  // namespace alsrec
