// The trainer's state (AlsTrainer::Impl), shared by als.cpp (the single-process API) and als_shard.cpp (the
// building blocks of als_shard.h). Private to the core.
#pragma once

#include "solver_eigen.h"  // first: see there
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/als_shard.h"
#include "pair_weights.h"
#include "solver_row.h"
#include "thread_pool.h"

namespace alsrec {
namespace detail {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One side of the problem: its rows against the other side's factors, with the pair weights precomputed.
struct SideData {
  const char* name;       // "user" / "item", for messages
  std::uint32_t id;       // 0 / 1, for the initialisation hash
  CsrMatrix m;            // rows of this side × the other side
  detail::PairWeights weights;  // (a, b, k) of m's nonzeros
  std::vector<float> lambda;  // λ per row
  // Every row's nonzero count over all processes (= m's row sizes unless this is a shard). λ, the work chunks and
  // partition_rows come from these, so a shard cuts and regularises its rows exactly as one process would.
  std::vector<std::uint32_t> sizes;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> chunks;  // row ranges balanced by solve cost
  bool low_rank = false;  // the Woodbury solver rotates the other side for this side's short rows
};

using Chunks = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// The work chunks of a side: up to 256 row ranges of about equal solve cost (als.cpp).
Chunks work_chunks(const std::vector<std::uint32_t>& sizes, int factors);
// The chunks cut to [begin, end): the same row blocks as step() when the range falls on chunk boundaries.
Chunks clip_chunks(const Chunks& chunks, std::uint32_t begin, std::uint32_t end);

// `what` names the matrix and its rows and columns for messages: {"user-item matrix", "user", "item"}.
struct MatrixNames {
  const char* matrix;
  const char* row;
  const char* col;
};
constexpr MatrixNames kUserItems{"user-item matrix", "user", "item"};
constexpr MatrixNames kItemUsers{"item-user matrix", "item", "user"};
// kInvalidArgument for a malformed matrix, kBadInput for a value that is not finite.
Status check_matrix(const CsrMatrix& m, const MatrixNames& what);

// The way into a trainer's state for the core's own files (AlsTrainer's private parts are friends with it).
struct TrainerAccess {
  using Impl = AlsTrainer::Impl;
  static Impl& impl(AlsTrainer& t) { return *t.impl_; }
  static const Impl& impl(const AlsTrainer& t) { return *t.impl_; }
  // A trainer for `options` on the whole user × item matrix (the item side is its transpose), or on a shard: the
  // rows held of both sides and every row's size over all processes. The matrices must have been checked.
  struct ShardRows {
    CsrMatrix item_rows;
    std::vector<std::uint32_t> user_sizes, item_sizes;
  };
  static Result<std::unique_ptr<AlsTrainer>> create(CsrMatrix user_rows, std::optional<ShardRows> shard,
                                                    const AlsOptions& options);
};

}  // namespace detail

using detail::Chunks;
using detail::clip_chunks;
using detail::work_chunks;
using detail::Clock;
using detail::ConstFactorMap;
using detail::SideData;
using detail::seconds_since;

struct AlsTrainer::Impl {
  AlsOptions opt;
  detail::ConfidenceModel confidence;
  float w0;
  SideData users{"user", 0, {}, {}, {}, {}, {}};
  SideData items{"item", 1, {}, {}, {}, {}, {}};
  Factors x, y;                 // user and item factors
  std::vector<float> item_c;    // c_i of popularity-weighted unobserved pairs (als.h); empty: every c_i is 1
  Factors y_weighted;           // √c_i y_i, for the weighted Gramian (when item_c is set)
  double constant_sum = 0;      // Σ_obs k_ui (see compute_loss)
  mutable ThreadPool pool;
  std::vector<detail::RowScratch> scratch;  // one per pool thread
  std::unique_ptr<detail::RowSolver> solver;
  Eigen::MatrixXf wg;           // w₀ G of the side being held fixed
  Eigen::MatrixXf next_wg;      // w₀ G_Y computed by step_loss() for the next user half-step
  bool next_wg_valid = false;   // next_wg is w₀ G of the current item factors
  std::vector<Eigen::MatrixXf> gramian_partials;  // per block of rows (detail::gramian_parallel)
  std::uint64_t half_steps = 0; // counts wg recomputations (the row solvers' cache key)
  int iteration = 0;
  double last_loss = std::numeric_limits<double>::quiet_NaN();
  double last_seconds = 0, elapsed = 0;
  TrainTimings timings;
  Status failed;                // sticky: a diverged trainer stays failed

  Impl(const AlsOptions& o, int threads)
      : opt(o), confidence(o), w0(confidence.w0()), pool(threads), solver(detail::make_row_solver(o)) {}

  // Pair weights of the rows held from the matrix's values (which the item side then drops: only the user side's
  // are ever read again, by user_items()); λ and the work chunks from the global sizes. kInvalidArgument on a weight
  // that is not finite.
  Status prepare_side(SideData& s, std::vector<std::uint32_t> sizes, std::size_t other_count) {
    if (s.weights.size() != s.m.nnz()) ALSREC_RETURN_IF_ERROR(s.weights.assign(confidence, s.m.data.data(), s.m.nnz()));
    if (&s == &items) s.m.data = std::vector<float>();
    s.sizes = std::move(sizes);
    s.lambda.resize(s.m.rows);
    const bool divided = &s == &items && !item_c.empty();  // item rows solved divided by c_i (als.h)
    for (std::uint32_t r = 0; r < s.m.rows; ++r)
      s.lambda[r] = divided ? detail::row_lambda(opt, w0 * item_c[r], s.sizes[r], other_count) / item_c[r]
                            : detail::row_lambda(opt, w0, s.sizes[r], other_count);
    if (divided) s.weights = s.weights.divided_by_rows(s.m.indptr, item_c);
    s.chunks = work_chunks(s.sizes, opt.factors);
    s.low_rank = opt.solver == SolverKind::kWoodbury &&
                 detail::woodbury_pays(s.sizes, other_count, opt.factors, opt.cg_steps);
    return Status::ok();
  }

  // The item side as the transpose of the user side: the pattern by a counting sort over items (user indices come
  // out ascending in each item row) and the user pairs' weights carried along, without the values.
  void transpose_users() {
    const CsrMatrix& u = users.m;
    CsrMatrix& t = items.m;
    t = CsrMatrix();
    t.rows = u.cols;
    t.cols = u.rows;
    t.indptr.assign(static_cast<std::size_t>(u.cols) + 1, 0);
    for (std::uint32_t c : u.indices) ++t.indptr[c + 1];
    for (std::uint32_t c = 0; c < u.cols; ++c) t.indptr[c + 1] += t.indptr[c];
    t.indices.resize(u.nnz());
    std::vector<std::uint64_t> fill(t.indptr.begin(), t.indptr.end() - 1);
    for (std::uint32_t r = 0; r < u.rows; ++r)
      for (std::uint64_t e = u.indptr[r]; e < u.indptr[r + 1]; ++e) t.indices[fill[u.indices[e]]++] = r;
    std::copy(t.indptr.begin(), t.indptr.end() - 1, fill.begin());  // the same walk again, for the weights
    items.weights = users.weights.scattered(u.nnz(), [&](std::uint64_t e) { return fill[u.indices[e]]++; });
  }

  // Everything create() and shard::create() share, once the inputs are checked: pair weights, λ, chunks, the loss
  // constant Σ_obs k over the user rows held, initial factors and the per-thread scratch.
  Status setup(CsrMatrix user_rows, std::optional<detail::TrainerAccess::ShardRows> shard) {
    users.m = std::move(user_rows);
    std::vector<std::uint32_t> user_sizes, item_sizes;
    ALSREC_RETURN_IF_ERROR(users.weights.assign(confidence, users.m.data.data(), users.m.nnz()));
    if (shard) {
      items.m = std::move(shard->item_rows);
      user_sizes = std::move(shard->user_sizes);
      item_sizes = std::move(shard->item_sizes);
    } else {
      transpose_users();
      user_sizes = row_sizes(users.m);
      item_sizes = row_sizes(items.m);
    }
    if (opt.popularity_exponent != 0.0f) {
      if (shard)
        return Status::invalid_argument("a popularity exponent is not supported in distributed training yet");
      if (w0 != 0.0f) item_c = popularity_weights(item_sizes, opt.popularity_exponent);
    }
    ALSREC_RETURN_IF_ERROR(prepare_side(users, std::move(user_sizes), users.m.cols));
    ALSREC_RETURN_IF_ERROR(prepare_side(items, std::move(item_sizes), users.m.rows));
    for (std::uint64_t e = 0; e < users.m.nnz(); ++e) constant_sum += static_cast<double>(users.weights.at(e).k);
    timings.weighted_pairs = users.weights.weighted_pairs();
    init_factors(x, users);
    init_factors(y, items);
    std::size_t longest = 0;
    for (const SideData* s : {&users, &items})
      for (std::uint32_t r = 0; r < s->m.rows; ++r) longest = std::max<std::size_t>(longest, s->m.row_size(r));
    scratch.resize(static_cast<std::size_t>(pool.size()));
    for (auto& sc : scratch) solver->prepare(sc, opt.factors, longest);
    return Status::ok();
  }

  static std::vector<std::uint32_t> row_sizes(const CsrMatrix& m) {
    std::vector<std::uint32_t> sizes(m.rows);
    for (std::uint32_t r = 0; r < m.rows; ++r) sizes[r] = m.row_size(r);
    return sizes;
  }

  void init_factors(Factors& f, const SideData& s) {
    f = Factors(s.m.rows, static_cast<std::uint32_t>(opt.factors));
    for (std::uint32_t r = 0; r < f.rows; ++r) detail::init_row(opt.seed, s.id, r, opt.init_scale, f.row(r), f.cols);
  }

  // Solves every row of `side` (into `mine`) against the fixed `other` factors. Each row is solved by exactly one
  // thread into its own slot: no shared sums, so the thread count cannot change a bit of the result.
  Status solve_side(const SideData& side, Factors& mine, const Factors& other, double& solve_seconds) {
    const auto t0 = Clock::now();
    if (w0 != 0.0f) {
      if (&other == &y && next_wg_valid) std::swap(wg, next_wg);  // the loss computed it: the same bits
      else if (&other == &y) item_gramian(wg);
      else detail::gramian_parallel(detail::map_factors(other), w0, wg, pool, gramian_partials);
    }
    next_wg_valid = false;
    timings.gramian += seconds_since(t0);
    return solve_chunks(side, mine, other, side.chunks, solve_seconds);
  }

  // Solves the rows of `chunks` (ranges of `side`'s rows) against `other` with the current wg (w₀G).
  Status solve_chunks(const SideData& side, Factors& mine, const Factors& other,
                      const std::vector<std::pair<std::uint32_t, std::uint32_t>>& chunks, double& solve_seconds) {
    const ConstFactorMap other_map = detail::map_factors(other);
    const bool use_gramian = w0 != 0.0f;
    const std::uint64_t key = ++half_steps;  // a new wg: factors cached by the row solver are stale

    const detail::SharedTerms shared{use_gramian ? &wg : nullptr, key, timings.weighted_pairs > 0, side.low_rank};
    const auto t0 = Clock::now();
    solver->begin_half_step(other_map, shared, pool);
    std::vector<std::int64_t> first_failure(chunks.size(), -1);
    pool.run(chunks.size(), [&](std::size_t task, int thread) {
      const auto [first, last] = chunks[task];
      const detail::RowBlock rows{&side.m, &side.weights, side.lambda.data(), first, last};
      first_failure[task] = solver->solve(other_map, rows, shared, scratch[static_cast<std::size_t>(thread)],
                                          mine.row(first));
    });
    solve_seconds += seconds_since(t0);

    std::int64_t failed_row = -1;
    for (std::int64_t f : first_failure)
      if (f >= 0 && (failed_row < 0 || f < failed_row)) failed_row = f;
    if (failed_row >= 0)
      return Status::numerical(std::string("the ") + solver_name(opt.solver) + " solve failed for " + side.name + " " +
                               std::to_string(failed_row) + " at iteration " + std::to_string(iteration + 1) +
                               ": its system is not positive definite; raise regularization");
    return Status::ok();
  }

  Status solve_users() { return solve_side(users, x, y, timings.user_solve); }

  // w₀ Σ_i c_i y_i y_iᵀ: the user rows' shared term (w₀G_Y when every c_i is 1).
  void item_gramian(Eigen::MatrixXf& out) {
    if (item_c.empty()) return detail::gramian_parallel(detail::map_factors(y), w0, out, pool, gramian_partials);
    detail::sqrt_weighted_rows(y, item_c, y_weighted);
    detail::gramian_parallel(detail::map_factors(y_weighted), w0, out, pool, gramian_partials);
  }

  SideData& side_of(shard::Side s) { return s == shard::Side::kUsers ? users : items; }
  const SideData& side_of(shard::Side s) const { return s == shard::Side::kUsers ? users : items; }
  Factors& factors_of(shard::Side s) { return s == shard::Side::kUsers ? x : y; }
  Factors& other_factors_of(shard::Side s) { return s == shard::Side::kUsers ? y : x; }
  Status check_range(shard::Side s, std::uint32_t begin, std::uint32_t end) const {
    const std::uint32_t rows = side_of(s).m.rows;
    if (begin > end || end > rows)
      return Status::invalid_argument("row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                                      ") is outside the " + std::to_string(rows) + " " + side_of(s).name + " rows");
    return Status::ok();
  }
  Status solve_items() { return solve_side(items, y, x, timings.item_solve); }

  // The full objective divided by nnz, in double, from the identity (per observed pair, s = x_uᵀy_i; with
  // popularity-weighted unobserved pairs G_Y is Σ_i c_i y_i y_iᵀ and the item rows' λ_i are undivided, als.h)
  //   c (p − s)² = w₀ s² + a s² − 2 b s + k,   k = c·p²  (= b: p is 0 or 1)      [implicit, hu, log]
  //   w (p − s)² + α₀ s² = w₀ s² + a s² − 2 b s + k, k = w·p² (= b)             [ials]
  //   (v − s)² = s² − 2 v s + v²,  k = v²                                        [explicit, w₀ = 0]
  // and Σ_{all pairs} w₀ s² = w₀ Σ_u x_uᵀ G x_u with G = YᵀY, so unobserved pairs are never touched:
  //   L = w₀ Σ_u x_uᵀGx_u + Σ_obs (a s² − 2 b s) + Σ_obs k + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖²
  // The constant Σ_obs k makes L equal Σ_obs c(p − s)² + w₀ Σ_unobs s² + regularisation exactly, so 0 is a
  // perfect fit. Gramians and per-pair scores are float (as the factors), sums double. Per-chunk partial sums
  // are added in chunk order: the value does not depend on the thread count.
  double loss() const {
    double gramian_term = 0;
    if (w0 != 0.0f) {  // w₀ Σ_u x_uᵀ G_Y x_u = w₀ tr(G_X G_Y) = w₀ Σ_jk G_X[j,k] G_Y[j,k]
      Eigen::MatrixXf gx, gy;
      detail::gramian(detail::map_factors(x), 1.0f, gx);
      detail::weighted_gramian(y, item_c, 1.0f, gy);
      gramian_term = static_cast<double>(w0) * (gx.cast<double>().array() * gy.cast<double>().array()).sum();
    }
    return loss_with(gramian_term);
  }

  // The loss right after an iteration (both half-steps done, neither side changed since): w₀G_X is the item
  // half-step's wg, and w₀G_Y is the next user half-step's, computed here once and kept for it, so the loss adds
  // no Gramian to the iteration (loss() computes two). Equal to loss() up to the float roundings of the scaling.
  double step_loss() {
    if (w0 == 0.0f) return loss();
    item_gramian(next_wg);
    next_wg_valid = true;
    return loss_with((wg.cast<double>().array() * next_wg.cast<double>().array()).sum() / static_cast<double>(w0));
  }

  // The objective per observed pair, given its w₀ Σ_u x_uᵀ G_Y x_u term.
  double loss_with(double gramian_term) const {
    double total = constant_sum + gramian_term;
    total += observed_terms(users.chunks, false, nullptr);
    total += item_terms(0, y.rows);
    return total / static_cast<double>(std::max<std::uint64_t>(users.m.nnz(), 1));
  }

  // Σ over the user rows of `chunks` of  Σ_obs (a s² − 2 b s [+ k]) + λ_u‖x_u‖² [+ x_uᵀ wg x_u]: per-chunk sums on
  // the pool, added in chunk order (so not dependent on the thread count). wg (w₀G in double) may be null.
  double observed_terms(const Chunks& chunks, bool with_constants, const Eigen::MatrixXd* wg) const {
    const ConstFactorMap ym = detail::map_factors(y);
    const ConstFactorMap xm = detail::map_factors(x);
    std::vector<double> partial(chunks.size(), 0.0);
    pool.run(chunks.size(), [&](std::size_t task, int) {
      double sum = 0;
      const auto [first, last] = chunks[task];
      Eigen::VectorXd xd, wx;
      for (std::uint32_t u = first; u < last; ++u) {
        const auto xu = xm.row(u);
        if (wg) {
          xd = xu.transpose().cast<double>();
          wx.noalias() = *wg * xd;
          sum += xd.dot(wx);
        }
        for (std::uint64_t e = users.m.indptr[u]; e < users.m.indptr[u + 1]; ++e) {
          const double s = ym.row(users.m.indices[e]).dot(xu);
          const detail::PairWeight w = users.weights.at(e);
          sum += static_cast<double>(w.a) * s * s - 2.0 * static_cast<double>(w.b) * s;
          if (with_constants) sum += static_cast<double>(w.k);
        }
        sum += static_cast<double>(users.lambda[u]) * static_cast<double>(xu.squaredNorm());
      }
      partial[task] = sum;
    });
    double total = 0;
    for (double p : partial) total += p;
    return total;
  }

  // Σ λ_i‖y_i‖² over item rows [first, last) (λ_i undivided: items.lambda holds λ_i / c_i).
  double item_terms(std::uint32_t first, std::uint32_t last) const {
    const ConstFactorMap ym = detail::map_factors(y);
    double total = 0;
    for (std::uint32_t i = first; i < last; ++i)
      total += static_cast<double>(items.lambda[i]) * (item_c.empty() ? 1.0 : static_cast<double>(item_c[i])) *
               static_cast<double>(ym.row(i).squaredNorm());
    return total;
  }

  bool factors_finite() const {
    auto finite = [](const Factors& f) {
      return std::all_of(f.data.begin(), f.data.end(), [](float v) { return std::isfinite(v); });
    };
    return finite(x) && finite(y);
  }

  Status diverged() const {
    return Status::numerical("training diverged at iteration " + std::to_string(iteration) +
                             "; lower alpha or raise regularization");
  }

  Status step() {
    if (!failed.is_ok()) return failed;
    const auto t0 = Clock::now();
    Status st = solve_users();
    if (st.is_ok()) st = solve_items();
    ++iteration;
    if (st.is_ok() && !factors_finite()) st = diverged();
    if (st.is_ok() && opt.compute_loss) {
      const auto tl = Clock::now();
      last_loss = step_loss();
      timings.loss += seconds_since(tl);
      if (!std::isfinite(last_loss)) st = diverged();
    }
    last_seconds = seconds_since(t0);
    elapsed += last_seconds;
    if (!st.is_ok()) failed = st;
    return st;
  }
};

}  // namespace alsrec
