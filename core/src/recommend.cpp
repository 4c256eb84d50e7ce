// Top-N recommendation, similar items, fold-in and explanations on trained factors.
#include "solver_eigen.h"  // first: see there
#include "alsrec/recommend.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "score_tiles.h"
#include "solver_row.h"
#include "thread_pool.h"

namespace alsrec {

using detail::ConstFactorMap;
using detail::offer_tile;
using detail::TopN;

namespace {

// Row `user` of `exclude` if it exists and is well formed, as [begin, end) into exclude->indices.
std::pair<const std::uint32_t*, const std::uint32_t*> excluded_row(const CsrMatrix* exclude, std::uint32_t user) {
  if (!exclude || user >= exclude->rows || exclude->indptr.size() != static_cast<std::size_t>(exclude->rows) + 1 ||
      exclude->indptr[user + 1] > exclude->indices.size() || exclude->indptr[user] > exclude->indptr[user + 1])
    return {nullptr, nullptr};
  const std::uint32_t* base = exclude->indices.data();
  return {base + exclude->indptr[user], base + exclude->indptr[user + 1]};
}

// Selects the top n of `scores` (one per item), skipping the excluded items via a marker array that is restored
// before returning (so it can be reused across users without clearing).
std::vector<ScoredItem> select_top(const float* scores, std::uint32_t items, const std::uint32_t* ex_begin,
                                   const std::uint32_t* ex_end, std::vector<std::uint8_t>& marker, TopN& top) {
  for (const std::uint32_t* e = ex_begin; e != ex_end; ++e)
    if (*e < items) marker[*e] = 1;
  top.reset();
  offer_tile(top, scores, 0, items, marker.data());
  for (const std::uint32_t* e = ex_begin; e != ex_end; ++e)
    if (*e < items) marker[*e] = 0;
  return top.take_sorted();
}

bool shapes_agree(const Factors& f) { return f.data.size() == static_cast<std::size_t>(f.rows) * f.cols; }

}  // namespace

std::vector<ScoredItem> recommend(const Factors& user_factors, const Factors& item_factors, std::uint32_t user,
                                  std::size_t n, const CsrMatrix* exclude) {
  if (user >= user_factors.rows || user_factors.cols != item_factors.cols || !shapes_agree(user_factors)) return {};
  const auto [begin, end] = excluded_row(exclude, user);
  std::vector<std::uint32_t> seen(begin, end);
  return recommend_vector(user_factors.row(user), item_factors, n, seen);
}

std::vector<ScoredItem> recommend_vector(const float* user_vector, const Factors& item_factors, std::size_t n,
                                         const std::vector<std::uint32_t>& exclude_items) {
  if (!user_vector || n == 0 || item_factors.rows == 0 || !shapes_agree(item_factors)) return {};
  const ConstFactorMap y = detail::map_factors(item_factors);
  const Eigen::Map<const Eigen::VectorXf> x(user_vector, item_factors.cols);
  const Eigen::VectorXf scores = y * x;
  std::vector<std::uint8_t> marker(item_factors.rows, 0);
  TopN top(n);
  return select_top(scores.data(), item_factors.rows, exclude_items.data(),
                    exclude_items.data() + exclude_items.size(), marker, top);
}

std::vector<std::vector<ScoredItem>> recommend_all(const Factors& user_factors, const Factors& item_factors,
                                                   std::size_t n, const CsrMatrix* exclude, int threads) {
  std::vector<std::vector<ScoredItem>> out(user_factors.rows);
  if (n == 0 || item_factors.rows == 0 || user_factors.rows == 0 || user_factors.cols != item_factors.cols ||
      !shapes_agree(user_factors) || !shapes_agree(item_factors))
    return out;
  const std::uint32_t items = item_factors.rows;
  // Blocks of ≤ 1024 users × tiles of ≤ 2048 items (score_tiles.h); each user's top n carries over the tiles, which
  // come in index order, so ties keep going to the lower index.
  const std::uint32_t tile = detail::tile_width(items);
  const auto block = static_cast<std::uint32_t>(std::min(detail::kBlockUsers, detail::kBlockScores / tile));
  const std::size_t blocks = (static_cast<std::size_t>(user_factors.rows) + block - 1) / block;

  ThreadPool pool(static_cast<int>(
      std::min<std::size_t>(static_cast<std::size_t>(threads == 0 ? hardware_threads() : std::max(1, threads)), blocks)));
  struct Scratch {
    std::unique_ptr<detail::TileProduct> product;
    std::vector<float> scores;  // users × tile, row-major
    std::vector<std::uint32_t> users;
    std::vector<TopN> tops;
    std::vector<std::uint8_t> marker;  // the tile's excluded items, cleared after each user
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(pool.size()));
  pool.run(blocks, [&](std::size_t b, int thread) {
    Scratch& s = scratch[static_cast<std::size_t>(thread)];
    if (!s.product) {
      s.product = std::make_unique<detail::TileProduct>(tile, block, user_factors.cols);
      s.scores.resize(static_cast<std::size_t>(tile) * block);
      s.marker.assign(tile, 0);
    }
    const auto first = static_cast<std::uint32_t>(b * block);
    const std::uint32_t count = std::min(block, user_factors.rows - first);
    s.users.resize(count);
    for (std::uint32_t j = 0; j < count; ++j) s.users[j] = first + j;
    s.tops.assign(count, TopN(n));
    for (std::uint32_t begin = 0; begin < items; begin += tile) {
      const std::uint32_t width = std::min(tile, items - begin), end = begin + width;
      s.product->run(user_factors, item_factors, s.users.data(), count, begin, end, s.scores.data());
      for (std::uint32_t j = 0; j < count; ++j) {
        const auto [ex_begin, ex_end] = excluded_row(exclude, first + j);
        for (const std::uint32_t* e = ex_begin; e != ex_end; ++e)
          if (*e >= begin && *e < end) s.marker[*e - begin] = 1;
        offer_tile(s.tops[j], s.scores.data() + static_cast<std::size_t>(j) * width, begin, width, s.marker.data());
        for (const std::uint32_t* e = ex_begin; e != ex_end; ++e)
          if (*e >= begin && *e < end) s.marker[*e - begin] = 0;
      }
    }
    for (std::uint32_t j = 0; j < count; ++j) out[first + j] = s.tops[j].take_sorted();
  });
  return out;
}

std::vector<ScoredItem> similar_items(const Factors& item_factors, std::uint32_t item, std::size_t n) {
  if (item >= item_factors.rows || n == 0 || !shapes_agree(item_factors)) return {};
  const ConstFactorMap y = detail::map_factors(item_factors);
  const Eigen::VectorXf norms = y.rowwise().norm();
  const Eigen::VectorXf dots = y * y.row(item).transpose();
  const float target = norms[item];
  TopN top(n);
  for (std::uint32_t i = 0; i < item_factors.rows; ++i) {
    if (i == item) continue;
    const float denom = target * norms[i];
    top.offer(i, denom > 0 ? dots[i] / denom : 0.0f);  // a zero vector is similar to nothing: score 0
  }
  return top.take_sorted();
}

namespace {

// One user's normal equations against fixed item factors, built exactly as the trainer builds a user row:
// the same pair weights, λ_u, Gramian and gather order (items ascending), so the solve matches bit for bit.
struct UserSystem {
  std::vector<std::uint32_t> items;  // distinct, ascending
  std::vector<float> a, b;
  Eigen::MatrixXf wg;
  detail::RowScratch scratch;
  detail::RowSystem sys;
};

Status build_user_system(const Factors& item_factors, const AlsOptions& options,
                         const std::vector<std::uint32_t>& items, const std::vector<float>& values,
                         const std::vector<float>& item_weights, UserSystem& us) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  if (items.size() != values.size())
    return Status::invalid_argument("fold-in: " + std::to_string(items.size()) + " items but " +
                                    std::to_string(values.size()) + " values");
  if (item_factors.cols == 0 || !shapes_agree(item_factors))
    return Status::invalid_argument("fold-in: the item factors are empty or malformed");
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (items[e] >= item_factors.rows)
      return Status::invalid_argument("fold-in: item index " + std::to_string(items[e]) + " is out of range (" +
                                      std::to_string(item_factors.rows) + " items)");
    if (!std::isfinite(values[e]))
      return Status::invalid_argument("fold-in: the value for item index " + std::to_string(items[e]) +
                                      " is not a finite number");
  }
  // Distinct items ascending; for a duplicated item the last value wins (stable sort keeps input order in a run).
  std::vector<std::size_t> order(items.size());
  for (std::size_t e = 0; e < order.size(); ++e) order[e] = e;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t p, std::size_t q) { return items[p] < items[q]; });
  const detail::ConfidenceModel confidence(options);
  for (std::size_t j = 0; j < order.size(); ++j) {
    if (j + 1 < order.size() && items[order[j + 1]] == items[order[j]]) continue;
    const detail::PairWeight w = confidence.weight(values[order[j]]);
    if (!std::isfinite(w.a) || !std::isfinite(w.b))
      return Status::invalid_argument("fold-in: the confidence of value " + std::to_string(values[order[j]]) +
                                      " is not finite; lower alpha");
    us.items.push_back(items[order[j]]);
    us.a.push_back(w.a);
    us.b.push_back(w.b);
  }
  const ConstFactorMap y = detail::map_factors(item_factors);
  const float w0 = confidence.w0();
  const bool weighted = w0 != 0.0f && options.popularity_exponent != 0.0f;
  if (weighted && item_weights.size() != item_factors.rows)
    return Status::invalid_argument("fold-in: the model has a popularity exponent but " +
                                    std::to_string(item_weights.size()) + " item weights for " +
                                    std::to_string(item_factors.rows) + " items");
  // w₀ Σ_i c_i y_i y_iᵀ, as the trainer's user half-step (w₀G when every c_i is 1)
  if (w0 != 0.0f) detail::weighted_gramian(item_factors, weighted ? item_weights : std::vector<float>{}, w0, us.wg);
  us.scratch.reserve(static_cast<int>(item_factors.cols), us.items.size(), us.items.size());
  us.sys = detail::gather_row(y, us.items.data(), us.a.data(), us.b.data(), us.items.size(),
                              w0 != 0.0f ? &us.wg : nullptr,
                              detail::row_lambda(options, w0, us.items.size(), item_factors.rows), 0, us.scratch);
  return Status::ok();
}

Status not_positive_definite(const char* what) {
  return Status::numerical(std::string(what) + ": the user's system is not positive definite; raise regularization");
}

}  // namespace

Result<std::vector<float>> fold_in_user(const Factors& item_factors, const AlsOptions& options,
                                        const std::vector<std::uint32_t>& items, const std::vector<float>& values,
                                        const std::vector<float>& item_weights) {
  UserSystem us;
  ALSREC_RETURN_IF_ERROR(build_user_system(item_factors, options, items, values, item_weights, us));
  std::vector<float> x(item_factors.cols, 0.0f);
  if (us.items.empty()) return x;  // b = 0: the solution is 0, as for an empty training row
  if (!detail::solve_exact(us.sys, us.scratch, x.data())) return not_positive_definite("fold-in");
  for (float v : x)
    if (!std::isfinite(v)) return Status::numerical("fold-in: the solution is not finite; the item factors are damaged");
  return x;
}

// With A = w₀G + Σ_j a_j y_j y_jᵀ + λ_u I the user's vector is x = A⁻¹ Σ_j b_j y_j, so the score of item i is
//   y_iᵀ x = Σ_j b_j · y_jᵀ (A⁻¹ y_i):
// rated item j contributes b_j · y_jᵀ v with v = A⁻¹ y_i (one Cholesky solve), and the contributions add up to
// the fold-in score exactly.
Result<std::vector<Contribution>> explain(const Factors& item_factors, const AlsOptions& options,
                                          const std::vector<std::uint32_t>& items, const std::vector<float>& values,
                                          std::uint32_t item, std::size_t n, const std::vector<float>& item_weights) {
  UserSystem us;
  ALSREC_RETURN_IF_ERROR(build_user_system(item_factors, options, items, values, item_weights, us));
  if (item >= item_factors.rows)
    return Status::invalid_argument("explain: item index " + std::to_string(item) + " is out of range (" +
                                    std::to_string(item_factors.rows) + " items)");
  if (us.items.empty() || n == 0) return std::vector<Contribution>{};
  if (!detail::factor_exact(us.sys, us.scratch, us.scratch.llt)) return not_positive_definite("explain");
  const ConstFactorMap y = detail::map_factors(item_factors);
  Eigen::VectorXf v = y.row(item).transpose();
  us.scratch.llt.solveInPlace(v);
  TopN top(n);
  for (std::size_t j = 0; j < us.items.size(); ++j) top.offer(us.items[j], us.b[j] * y.row(us.items[j]).dot(v));
  std::vector<Contribution> out;
  for (const ScoredItem& s : top.take_sorted()) out.push_back({s.index, s.score});
  return out;
}

}  // namespace alsrec
