// Top-N recommendation, similar items and fold-in, on trained factors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"
#include "alsrec/status.h"

namespace alsrec {

struct ScoredItem {
  std::uint32_t index = 0;  // item index
  float score = 0.0f;
};

// Highest x_uᵀ y_i first (ties: lower index first). `exclude` (nullable) is a users×items matrix whose row `user`
// lists items to leave out (already seen). Returns at most n items.
std::vector<ScoredItem> recommend(const Factors& user_factors, const Factors& item_factors, std::uint32_t user,
                                  std::size_t n, const CsrMatrix* exclude = nullptr);

// Same for a free-standing user vector (fold-in, "rate a few yourself"); `exclude_items` sorted or not.
std::vector<ScoredItem> recommend_vector(const float* user_vector, const Factors& item_factors, std::size_t n,
                                         const std::vector<std::uint32_t>& exclude_items = {});

// Top-n for every user: blocks of users × all items scored with one GEMM, then partial selection per row.
// Result row u has min(n, items - seen) entries.
std::vector<std::vector<ScoredItem>> recommend_all(const Factors& user_factors, const Factors& item_factors,
                                                   std::size_t n, const CsrMatrix* exclude = nullptr,
                                                   int threads = 0);

// Cosine similarity of item factors, the item itself left out.
std::vector<ScoredItem> similar_items(const Factors& item_factors, std::uint32_t item, std::size_t n);

// Solve one user's row against fixed item factors with the training solve (same confidence, λ_u, solver: the
// exact Cholesky solve regardless of options.solver, since there is no warm start). Items are item indices;
// values raw (the options' value transform applies). Duplicated items: the last value wins. With a popularity
// exponent (iALS, als.h) the model's item_weights are needed (AlsModel::item_weights, one per item).
Result<std::vector<float>> fold_in_user(const Factors& item_factors, const AlsOptions& options,
                                        const std::vector<std::uint32_t>& items, const std::vector<float>& values,
                                        const std::vector<float>& item_weights = {});

// Why item `item` was recommended to a user with these interactions: the contribution of each rated item to the
// score (as `implicit`'s explain). Highest first, at most n.
struct Contribution {
  std::uint32_t index = 0;  // a rated item
  float score = 0.0f;
};
Result<std::vector<Contribution>> explain(const Factors& item_factors, const AlsOptions& options,
                                          const std::vector<std::uint32_t>& items, const std::vector<float>& values,
                                          std::uint32_t item, std::size_t n,
                                          const std::vector<float>& item_weights = {});

}  // namespace alsrec
