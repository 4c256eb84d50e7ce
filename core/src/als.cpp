// The ALS trainer: alternating exact (or CG) row solves of the weighted normal equations in als.h.
#include "solver_eigen.h"  // first: see there
#include "alsrec/als.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "alsrec/baselines.h"
#include "solver_row.h"
#include "thread_pool.h"

#ifdef ALSREC_HAVE_THREADS
#include <thread>
#endif

namespace alsrec {

using detail::ConstFactorMap;

// ---------------------------------------------------------------------------------------------- names and options

const char* confidence_mode_name(ConfidenceMode m) {
  switch (m) {
    case ConfidenceMode::kImplicit: return "implicit";
    case ConfidenceMode::kHu: return "hu";
    case ConfidenceMode::kLog: return "log";
    case ConfidenceMode::kIals: return "ials";
    case ConfidenceMode::kExplicit: return "explicit";
  }
  return "unknown";
}

Result<ConfidenceMode> parse_confidence_mode(const std::string& s) {
  for (ConfidenceMode m : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                           ConfidenceMode::kExplicit})
    if (s == confidence_mode_name(m)) return m;
  return Status::invalid_argument("unknown confidence mode '" + s + "' (expected implicit, hu, log, ials or explicit)");
}

const char* value_transform_name(ValueTransform v) {
  switch (v) {
    case ValueTransform::kRaw: return "raw";
    case ValueTransform::kBinary: return "binary";
  }
  return "unknown";
}

Result<ValueTransform> parse_value_transform(const std::string& s) {
  if (s == "raw") return ValueTransform::kRaw;
  if (s == "binary") return ValueTransform::kBinary;
  return Status::invalid_argument("unknown value transform '" + s + "' (expected raw or binary)");
}

const char* solver_name(SolverKind s) {
  switch (s) {
    case SolverKind::kConjugateGradient: return "cg";
    case SolverKind::kCholesky: return "cholesky";
  }
  return "unknown";
}

Result<SolverKind> parse_solver(const std::string& s) {
  if (s == "cg") return SolverKind::kConjugateGradient;
  if (s == "cholesky") return SolverKind::kCholesky;
  return Status::invalid_argument("unknown solver '" + s + "' (expected cg or cholesky)");
}

namespace {

std::string num(double v) {
  std::string s = std::to_string(v);  // "0.100000" -> "0.1"
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

bool valid_enum(ConfidenceMode m) { return static_cast<int>(m) >= 0 && static_cast<int>(m) <= 4; }
bool valid_enum(ValueTransform v) { return static_cast<int>(v) >= 0 && static_cast<int>(v) <= 1; }
bool valid_enum(SolverKind s) { return static_cast<int>(s) >= 0 && static_cast<int>(s) <= 1; }

}  // namespace

Status AlsOptions::validate() const {
  auto bad = [](const std::string& m) { return Status::invalid_argument(m); };
  if (factors < 1 || factors > 1024) return bad("factors must be 1..1024, got " + std::to_string(factors));
  if (!std::isfinite(regularization) || regularization < 0)
    return bad("regularization must be a finite number >= 0, got " + num(regularization));
  if (!std::isfinite(alpha) || alpha <= 0) return bad("alpha must be a finite number > 0, got " + num(alpha));
  if (!valid_enum(confidence)) return bad("confidence mode is not one of implicit, hu, log, ials, explicit");
  if (!valid_enum(values)) return bad("value transform is not one of raw, binary");
  if (!valid_enum(solver)) return bad("solver is not one of cg, cholesky");
  if (!std::isfinite(epsilon) || epsilon <= 0) return bad("epsilon must be a finite number > 0, got " + num(epsilon));
  if (!std::isfinite(unobserved_weight) || unobserved_weight < 0)
    return bad("unobserved weight must be a finite number >= 0, got " + num(unobserved_weight));
  if (!std::isfinite(reg_exponent) || reg_exponent < 0 || reg_exponent > 4)
    return bad("regularization exponent must be 0..4, got " + num(reg_exponent));
  if (iterations < 0 || iterations > 100000) return bad("iterations must be 0..100000, got " + std::to_string(iterations));
  if (cg_steps < 1 || cg_steps > 1000) return bad("cg steps must be 1..1000, got " + std::to_string(cg_steps));
  if (threads < 0 || threads > 1024) return bad("threads must be 0..1024 (0 = all), got " + std::to_string(threads));
  if (!std::isfinite(init_scale) || init_scale <= 0)
    return bad("init scale must be a finite number > 0, got " + num(init_scale));
  if (biases && (confidence != ConfidenceMode::kExplicit || values != ValueTransform::kRaw))
    return bad("bias terms need the explicit confidence mode with raw values (they model ratings)");
  return Status::ok();
}

int hardware_threads() {
#ifdef ALSREC_HAVE_THREADS
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 1024u));
#else
  return 1;
#endif
}

// ---------------------------------------------------------------------------------------------- the trainer

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One side of the problem: its rows against the other side's factors, with the pair weights precomputed.
struct SideData {
  const char* name;       // "user" / "item", for messages
  std::uint32_t id;       // 0 / 1, for the initialisation hash
  CsrMatrix m;            // rows of this side × the other side
  std::vector<float> a, b;
  std::vector<float> lambda;  // λ per row
  // Every row's nonzero count over all processes (= m's row sizes unless this is a shard). λ, the work chunks and
  // partition_rows come from these, so a shard cuts and regularises its rows exactly as one process would.
  std::vector<std::uint32_t> sizes;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> chunks;  // row ranges balanced by solve cost
};

using Chunks = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// The work chunks of a side: up to 256 row ranges of about equal solve cost. A row costs ~k² (the k×k part of the
// solve) plus ~k per nonzero; measured in units of k.
Chunks work_chunks(const std::vector<std::uint32_t>& sizes, int factors) {
  const double row_base = static_cast<double>(factors);
  return balanced_chunks(
      static_cast<std::uint32_t>(sizes.size()), [&](std::uint32_t r) { return row_base + static_cast<double>(sizes[r]); },
      256);
}

// The chunks cut to [begin, end): the same row blocks as step() when the range falls on chunk boundaries.
Chunks clip_chunks(const Chunks& chunks, std::uint32_t begin, std::uint32_t end) {
  Chunks out;
  for (const auto& [first, last] : chunks) {
    const std::uint32_t a = std::max(first, begin), b = std::min(last, end);
    if (a < b) out.emplace_back(a, b);
  }
  return out;
}

std::vector<std::uint32_t> row_sizes(const CsrMatrix& m) {
  std::vector<std::uint32_t> sizes(m.rows);
  for (std::uint32_t r = 0; r < m.rows; ++r) sizes[r] = m.row_size(r);
  return sizes;
}

// `what` names the matrix and its rows and columns for messages: {"user-item matrix", "user", "item"}.
struct MatrixNames {
  const char* matrix;
  const char* row;
  const char* col;
};
constexpr MatrixNames kUserItems{"user-item matrix", "user", "item"};
constexpr MatrixNames kItemUsers{"item-user matrix", "item", "user"};

Status check_matrix(const CsrMatrix& m, const MatrixNames& what) {
  const std::string name = what.matrix;
  if (m.indptr.size() != static_cast<std::size_t>(m.rows) + 1 || m.indptr.front() != 0 ||
      m.indptr.back() != m.indices.size() || m.data.size() != m.indices.size())
    return Status::invalid_argument(name + " is malformed: indptr must have rows+1 entries from 0 to nnz, "
                                    "and indices and data nnz entries each");
  for (std::uint32_t r = 0; r < m.rows; ++r)
    if (m.indptr[r + 1] < m.indptr[r])
      return Status::invalid_argument(name + " is malformed: indptr decreases at row " + std::to_string(r));
  for (std::uint32_t r = 0; r < m.rows; ++r) {
    for (std::uint64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      if (m.indices[e] >= m.cols)
        return Status::invalid_argument(name + ": row " + std::to_string(r) + " has column " +
                                        std::to_string(m.indices[e]) + " >= " + std::to_string(m.cols) + " columns");
      if (!std::isfinite(m.data[e]))
        return Status::bad_input(name + ": the value at " + what.row + " " + std::to_string(r) + ", " + what.col +
                                 " " + std::to_string(m.indices[e]) + " is not a finite number");
    }
  }
  return Status::ok();
}

// A shard's matrices against the global row sizes: the shapes agree, both sides count the same nonzeros in all,
// and every row held (nonempty) is complete.
Status check_shard(const CsrMatrix& user_rows, const CsrMatrix& item_rows, const std::vector<std::uint32_t>& user_sizes,
                   const std::vector<std::uint32_t>& item_sizes) {
  auto bad = [](const std::string& m) { return Status::invalid_argument("shard: " + m); };
  if (user_rows.rows != user_sizes.size() || item_rows.cols != user_sizes.size())
    return bad("the user rows (" + std::to_string(user_rows.rows) + "), the item rows' columns (" +
               std::to_string(item_rows.cols) + ") and the user sizes (" + std::to_string(user_sizes.size()) +
               ") must all count the users");
  if (item_rows.rows != item_sizes.size() || user_rows.cols != item_sizes.size())
    return bad("the item rows (" + std::to_string(item_rows.rows) + "), the user rows' columns (" +
               std::to_string(user_rows.cols) + ") and the item sizes (" + std::to_string(item_sizes.size()) +
               ") must all count the items");
  std::uint64_t user_total = 0, item_total = 0;
  for (std::uint32_t s : user_sizes) user_total += s;
  for (std::uint32_t s : item_sizes) item_total += s;
  if (user_total != item_total)
    return bad("the user sizes add up to " + std::to_string(user_total) + " nonzeros but the item sizes to " +
               std::to_string(item_total));
  for (const auto& [m, sizes, name] : {std::tuple{&user_rows, &user_sizes, "user"},
                                       std::tuple{&item_rows, &item_sizes, "item"}})
    for (std::uint32_t r = 0; r < m->rows; ++r)
      if (m->row_size(r) != 0 && m->row_size(r) != (*sizes)[r])
        return bad(std::string(name) + " " + std::to_string(r) + " is held with " + std::to_string(m->row_size(r)) +
                   " nonzeros but has " + std::to_string((*sizes)[r]) + " in all (a held row must be complete)");
  return Status::ok();
}

}  // namespace

struct AlsTrainer::Impl {
  AlsOptions opt;
  detail::ConfidenceModel confidence;
  float w0;
  SideData users{"user", 0, {}, {}, {}, {}, {}, {}};
  SideData items{"item", 1, {}, {}, {}, {}, {}, {}};
  Factors x, y;                 // user and item factors
  double constant_sum = 0;      // Σ_obs k_ui (see compute_loss)
  mutable ThreadPool pool;
  std::vector<detail::RowScratch> scratch;  // one per pool thread
  std::unique_ptr<detail::RowSolver> solver;
  Eigen::MatrixXf wg;           // w₀ G of the side being held fixed
  std::vector<Eigen::MatrixXf> gramian_partials;  // per block of rows (detail::gramian_parallel)
  std::uint64_t half_steps = 0; // counts wg recomputations (the row solvers' cache key)
  int iteration = 0;
  double last_loss = std::numeric_limits<double>::quiet_NaN();
  double last_seconds = 0, elapsed = 0;
  TrainTimings timings;
  Status failed;                // sticky: a diverged trainer stays failed

  Impl(const AlsOptions& o, int threads)
      : opt(o), confidence(o), w0(confidence.w0()), pool(threads), solver(detail::make_row_solver(o.solver, o.cg_steps)) {}

  // Pair weights of the rows held; λ and the work chunks from the global sizes. kBadInput on a weight that
  // is not finite.
  Status prepare_side(SideData& s, std::vector<std::uint32_t> sizes, std::size_t other_count) {
    const std::uint64_t nnz = s.m.nnz();
    s.a.resize(nnz);
    s.b.resize(nnz);
    for (std::uint64_t e = 0; e < nnz; ++e) {
      const detail::PairWeight w = confidence.weight(s.m.data[e]);
      if (!std::isfinite(w.a) || !std::isfinite(w.b) || !std::isfinite(w.k))
        return Status::bad_input("the confidence of value " + num(s.m.data[e]) +
                                 " is not finite; lower alpha or use --values binary");
      s.a[e] = w.a;
      s.b[e] = w.b;
    }
    s.sizes = std::move(sizes);
    s.lambda.resize(s.m.rows);
    for (std::uint32_t r = 0; r < s.m.rows; ++r) s.lambda[r] = detail::row_lambda(opt, w0, s.sizes[r], other_count);
    s.chunks = work_chunks(s.sizes, opt.factors);
    return Status::ok();
  }

  // Everything create() and create_shard() share, once the inputs are checked: pair weights, λ, chunks, the loss
  // constant Σ_obs k over the user rows held, initial factors and the per-thread scratch.
  Status setup(CsrMatrix user_rows, CsrMatrix item_rows, std::vector<std::uint32_t> user_sizes,
               std::vector<std::uint32_t> item_sizes) {
    users.m = std::move(user_rows);
    items.m = std::move(item_rows);
    ALSREC_RETURN_IF_ERROR(prepare_side(users, std::move(user_sizes), users.m.cols));
    ALSREC_RETURN_IF_ERROR(prepare_side(items, std::move(item_sizes), users.m.rows));
    for (std::uint64_t e = 0; e < users.m.nnz(); ++e) {
      constant_sum += static_cast<double>(confidence.weight(users.m.data[e]).k);
      if (users.a[e] != 0.0f) ++timings.weighted_pairs;
    }
    init_factors(x, users);
    init_factors(y, items);
    std::size_t longest = 0;
    for (const SideData* s : {&users, &items})
      for (std::uint32_t r = 0; r < s->m.rows; ++r) longest = std::max<std::size_t>(longest, s->m.row_size(r));
    scratch.resize(static_cast<std::size_t>(pool.size()));
    if (opt.solver == SolverKind::kConjugateGradient) longest = detail::block_capacity(longest);
    for (auto& sc : scratch) sc.reserve(opt.factors, longest);
    return Status::ok();
  }

  void init_factors(Factors& f, const SideData& s) {
    f = Factors(s.m.rows, static_cast<std::uint32_t>(opt.factors));
    for (std::uint32_t r = 0; r < f.rows; ++r) {
      float* row = f.row(r);
      for (std::uint32_t k = 0; k < f.cols; ++k) row[k] = opt.init_scale * detail::init_uniform(opt.seed, s.id, r, k);
    }
  }

  // Solves every row of `side` (into `mine`) against the fixed `other` factors. Each row is solved by exactly one
  // thread into its own slot: no shared sums, so the thread count cannot change a bit of the result.
  Status solve_side(const SideData& side, Factors& mine, const Factors& other, double& solve_seconds) {
    const auto t0 = Clock::now();
    if (w0 != 0.0f) detail::gramian_parallel(detail::map_factors(other), w0, wg, pool, gramian_partials);
    timings.gramian += seconds_since(t0);
    return solve_chunks(side, mine, other, side.chunks, solve_seconds);
  }

  // Solves the rows of `chunks` (ranges of `side`'s rows) against `other` with the current wg (w₀G).
  Status solve_chunks(const SideData& side, Factors& mine, const Factors& other,
                      const std::vector<std::pair<std::uint32_t, std::uint32_t>>& chunks, double& solve_seconds) {
    const ConstFactorMap other_map = detail::map_factors(other);
    const bool use_gramian = w0 != 0.0f;
    const std::uint64_t key = ++half_steps;  // a new wg: factors cached by the row solver are stale

    const auto t0 = Clock::now();
    std::vector<std::int64_t> first_failure(static_cast<std::size_t>(pool.size()), -1);
    pool.run(chunks.size(), [&](std::size_t task, int thread) {
      detail::RowScratch& s = scratch[static_cast<std::size_t>(thread)];
      const auto [first, last] = chunks[task];
      if (opt.solver == SolverKind::kConjugateGradient) {  // CG: blocks of rows in lockstep (solver_row.h)
        const std::uint64_t max_nonzeros = timings.weighted_pairs == 0 ? ~std::uint64_t{0} : detail::kBlockNonzeros;
        for (std::uint32_t b = first; b < last;) {
          const std::uint32_t e = detail::block_end(side.m, b, last, max_nonzeros);
          const detail::RowBlock block{&side.m, side.a.data(), side.b.data(), side.lambda.data(), b, e};
          detail::solve_block_cg(other_map, block, use_gramian ? &wg : nullptr, opt.cg_steps, s, mine.row(b));
          b = e;
        }
        return;
      }
      for (std::uint32_t r = first; r < last; ++r) {
        float* x = mine.row(r);
        const std::uint64_t begin = side.m.indptr[r], count = side.m.indptr[r + 1] - begin;
        if (count == 0) {  // b = 0, so the solution of A x = 0 is x = 0 (also the minimum-norm one if A is singular)
          std::fill(x, x + mine.cols, 0.0f);
          continue;
        }
        const detail::RowSystem sys =
            detail::gather_row(other_map, side.m.indices.data() + begin, side.a.data() + begin,
                               side.b.data() + begin, count, use_gramian ? &wg : nullptr, side.lambda[r], key, s);
        if (!solver->solve(sys, s, x)) {
          std::int64_t& f = first_failure[static_cast<std::size_t>(thread)];
          if (f < 0 || r < f) f = r;
        }
      }
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

  SideData& side_of(AlsTrainer::Side s) { return s == AlsTrainer::Side::kUsers ? users : items; }
  const SideData& side_of(AlsTrainer::Side s) const { return s == AlsTrainer::Side::kUsers ? users : items; }
  Factors& factors_of(AlsTrainer::Side s) { return s == AlsTrainer::Side::kUsers ? x : y; }
  Factors& other_factors_of(AlsTrainer::Side s) { return s == AlsTrainer::Side::kUsers ? y : x; }
  Status check_range(AlsTrainer::Side s, std::uint32_t begin, std::uint32_t end) const {
    const std::uint32_t rows = side_of(s).m.rows;
    if (begin > end || end > rows)
      return Status::invalid_argument("row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                                      ") is outside the " + std::to_string(rows) + " " + side_of(s).name + " rows");
    return Status::ok();
  }
  Status solve_items() { return solve_side(items, y, x, timings.item_solve); }

  // The full objective divided by nnz, in double, from the identity (per observed pair, s = x_uᵀy_i)
  //   c (p − s)² = w₀ s² + a s² − 2 b s + k,   k = c·p²  (= b: p is 0 or 1)      [implicit, hu, log]
  //   w (p − s)² + α₀ s² = w₀ s² + a s² − 2 b s + k, k = w·p² (= b)             [ials]
  //   (v − s)² = s² − 2 v s + v²,  k = v²                                        [explicit, w₀ = 0]
  // and Σ_{all pairs} w₀ s² = w₀ Σ_u x_uᵀ G x_u with G = YᵀY, so unobserved pairs are never touched:
  //   L = w₀ Σ_u x_uᵀGx_u + Σ_obs (a s² − 2 b s) + Σ_obs k + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖²
  // The constant Σ_obs k makes L equal Σ_obs c(p − s)² + w₀ Σ_unobs s² + regularisation exactly, so 0 is a
  // perfect fit. Gramians and per-pair scores are float (as the factors), sums double. Per-chunk partial sums
  // are added in chunk order: the value does not depend on the thread count.
  double loss() const {
    const ConstFactorMap ym = detail::map_factors(y);
    const ConstFactorMap xm = detail::map_factors(x);
    double total = constant_sum;
    if (w0 != 0.0f) {  // w₀ Σ_u x_uᵀ G_Y x_u = w₀ tr(G_X G_Y) = w₀ Σ_jk G_X[j,k] G_Y[j,k]
      Eigen::MatrixXf gx, gy;
      detail::gramian(xm, 1.0f, gx);
      detail::gramian(ym, 1.0f, gy);
      total += static_cast<double>(w0) * (gx.cast<double>().array() * gy.cast<double>().array()).sum();
    }
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
          sum += static_cast<double>(users.a[e]) * s * s - 2.0 * static_cast<double>(users.b[e]) * s;
          if (with_constants) sum += static_cast<double>(confidence.weight(users.m.data[e]).k);
        }
        sum += static_cast<double>(users.lambda[u]) * static_cast<double>(xu.squaredNorm());
      }
      partial[task] = sum;
    });
    double total = 0;
    for (double p : partial) total += p;
    return total;
  }

  // Σ λ_i‖y_i‖² over item rows [first, last).
  double item_terms(std::uint32_t first, std::uint32_t last) const {
    const ConstFactorMap ym = detail::map_factors(y);
    double total = 0;
    for (std::uint32_t i = first; i < last; ++i)
      total += static_cast<double>(items.lambda[i]) * static_cast<double>(ym.row(i).squaredNorm());
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
      last_loss = loss();
      timings.loss += seconds_since(tl);
      if (!std::isfinite(last_loss)) st = diverged();
    }
    last_seconds = seconds_since(t0);
    elapsed += last_seconds;
    if (!st.is_ok()) failed = st;
    return st;
  }
};

AlsTrainer::AlsTrainer() = default;
AlsTrainer::~AlsTrainer() = default;

Result<std::unique_ptr<AlsTrainer>> AlsTrainer::create(CsrMatrix user_items, const AlsOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_matrix(user_items, kUserItems));
  std::unique_ptr<AlsTrainer> trainer(new AlsTrainer());
  trainer->impl_ = std::make_unique<Impl>(options, options.threads == 0 ? hardware_threads() : options.threads);
  CsrMatrix item_users = user_items.transpose();
  std::vector<std::uint32_t> user_sizes = row_sizes(user_items), item_sizes = row_sizes(item_users);
  ALSREC_RETURN_IF_ERROR(
      trainer->impl_->setup(std::move(user_items), std::move(item_users), std::move(user_sizes), std::move(item_sizes)));
  return trainer;
}

Result<std::unique_ptr<AlsTrainer>> AlsTrainer::create_shard(CsrMatrix user_rows, CsrMatrix item_rows,
                                                             const std::vector<std::uint32_t>& user_sizes,
                                                             const std::vector<std::uint32_t>& item_sizes,
                                                             const AlsOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_matrix(user_rows, kUserItems));
  ALSREC_RETURN_IF_ERROR(check_matrix(item_rows, kItemUsers));
  ALSREC_RETURN_IF_ERROR(check_shard(user_rows, item_rows, user_sizes, item_sizes));
  std::unique_ptr<AlsTrainer> trainer(new AlsTrainer());
  trainer->impl_ = std::make_unique<Impl>(options, options.threads == 0 ? hardware_threads() : options.threads);
  ALSREC_RETURN_IF_ERROR(trainer->impl_->setup(std::move(user_rows), std::move(item_rows), user_sizes, item_sizes));
  return trainer;
}

Status AlsTrainer::step() { return impl_->step(); }

Status AlsTrainer::fit(const ProgressCallback& progress) {
  Impl& im = *impl_;
  while (im.iteration < im.opt.iterations) {
    ALSREC_RETURN_IF_ERROR(im.step());
    if (progress) {
      TrainProgress p;
      p.iteration = im.iteration;
      p.iterations = im.opt.iterations;
      p.loss = im.opt.compute_loss ? im.last_loss : std::numeric_limits<double>::quiet_NaN();
      p.seconds = im.last_seconds;
      p.elapsed = im.elapsed;
      if (!progress(p))
        return Status::cancelled("training cancelled after iteration " + std::to_string(im.iteration));
    }
  }
  return Status::ok();
}

Status AlsTrainer::resolve_users() {
  Impl& im = *impl_;
  if (!im.failed.is_ok()) return im.failed;
  ALSREC_RETURN_IF_ERROR(im.solve_users());
  if (!im.factors_finite()) return im.diverged();
  return Status::ok();
}

std::vector<std::uint32_t> AlsTrainer::partition_rows(Side side, int parts) const {
  return partition_rows(impl_->side_of(side).sizes, impl_->opt.factors, parts);
}

std::vector<std::uint32_t> AlsTrainer::partition_rows(const std::vector<std::uint32_t>& row_sizes, int factors,
                                                      int parts) {
  parts = std::max(parts, 1);
  const Chunks chunks = work_chunks(row_sizes, factors);
  const auto rows = static_cast<std::uint32_t>(row_sizes.size());
  // Cumulative cost at each chunk's end; part p ends at the first chunk boundary reaching p/parts of the total.
  const double row_base = static_cast<double>(factors);
  std::vector<double> cumulative(chunks.size());
  double total = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto [first, last] = chunks[c];
    double nonzeros = 0;
    for (std::uint32_t r = first; r < last; ++r) nonzeros += static_cast<double>(row_sizes[r]);
    total += row_base * (last - first) + nonzeros;
    cumulative[c] = total;
  }
  std::vector<std::uint32_t> bounds{0};
  std::size_t c = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = total * p / parts;
    while (c < chunks.size() && cumulative[c] < target) ++c;
    bounds.push_back(c < chunks.size() ? std::max(bounds.back(), chunks[c].second) : rows);
  }
  bounds.push_back(rows);
  return bounds;
}

Result<double> AlsTrainer::partial_loss(std::uint32_t user_begin, std::uint32_t user_end, std::uint32_t item_begin,
                                        std::uint32_t item_end, const float* item_gramian) const {
  const Impl& im = *impl_;
  ALSREC_RETURN_IF_ERROR(im.check_range(Side::kUsers, user_begin, user_end));
  ALSREC_RETURN_IF_ERROR(im.check_range(Side::kItems, item_begin, item_end));
  if (im.w0 != 0.0f && item_gramian == nullptr)
    return Status::invalid_argument("partial_loss needs the item Gramian when the unobserved weight is not 0");
  for (std::uint32_t u = user_begin; u < user_end; ++u)
    if (im.users.m.row_size(u) != im.users.sizes[u])
      return Status::invalid_argument("partial_loss: user " + std::to_string(u) + " is not held by this trainer");
  // The w₀ term user by user, in double: unlike loss()'s tr(G_X G_Y) it needs no Gramian of the user range, and
  // the parts of any cover of the users add up to the same total (to double rounding).
  Eigen::MatrixXd wg;
  if (im.w0 != 0.0f) {
    const auto k = static_cast<Eigen::Index>(im.opt.factors);
    wg = Eigen::Map<const Eigen::MatrixXf>(item_gramian, k, k).cast<double>() * static_cast<double>(im.w0);
  }
  const Chunks chunks = clip_chunks(im.users.chunks, user_begin, user_end);
  return im.observed_terms(chunks, true, im.w0 != 0.0f ? &wg : nullptr) + im.item_terms(item_begin, item_end);
}

std::uint64_t AlsTrainer::partial_nnz(std::uint32_t user_begin, std::uint32_t user_end) const {
  const CsrMatrix& m = impl_->users.m;
  user_end = std::min(user_end, m.rows);
  user_begin = std::min(user_begin, user_end);
  return m.indptr[user_end] - m.indptr[user_begin];
}

Status AlsTrainer::partial_gramian(Side side, std::uint32_t begin, std::uint32_t end, float* out) {
  Impl& im = *impl_;
  ALSREC_RETURN_IF_ERROR(im.check_range(side, begin, end));
  const auto t0 = Clock::now();
  const Factors& f = im.factors_of(side);
  const auto k = static_cast<Eigen::Index>(f.cols);
  Eigen::Map<Eigen::MatrixXf> result(out, k, k);
  if (begin == end) {
    result.setZero();
  } else {
    Eigen::MatrixXf g;
    detail::gramian_parallel(ConstFactorMap(f.row(begin), end - begin, k), 1.0f, g, im.pool, im.gramian_partials);
    result = g;
  }
  im.timings.gramian += seconds_since(t0);
  return Status::ok();
}

std::uint32_t AlsTrainer::gramian_blocks(Side side) const {
  const std::uint32_t rows = (side == Side::kUsers ? impl_->users : impl_->items).m.rows;
  return (rows + kGramianBlockRows - 1) / kGramianBlockRows;
}

Status AlsTrainer::block_gramians(Side side, std::uint32_t first, std::uint32_t last, float* out) {
  static_assert(kGramianBlockRows == detail::kGramianRows, "the blocks step() sums");
  Impl& im = *impl_;
  if (first > last || last > gramian_blocks(side))
    return Status::invalid_argument("Gramian blocks [" + std::to_string(first) + ", " + std::to_string(last) +
                                    ") are outside the " + std::to_string(gramian_blocks(side)) + " blocks");
  const auto t0 = Clock::now();
  const Factors& f = im.factors_of(side);
  const auto k = static_cast<Eigen::Index>(f.cols);
  im.gramian_partials.resize(std::max<std::size_t>(im.gramian_partials.size(), last - first));
  im.pool.run(last - first, [&](std::size_t task, int) {  // each block as gramian_parallel computes it
    const std::uint32_t begin = (first + static_cast<std::uint32_t>(task)) * kGramianBlockRows;
    const std::uint32_t rows = std::min(kGramianBlockRows, f.rows - begin);
    Eigen::MatrixXf& g = im.gramian_partials[task];
    detail::gramian(ConstFactorMap(f.row(begin), rows, k), 1.0f, g);
    Eigen::Map<Eigen::MatrixXf>(out + task * static_cast<std::size_t>(k * k), k, k) = g;
  });
  im.timings.gramian += seconds_since(t0);
  return Status::ok();
}

Status AlsTrainer::solve_rows(Side side, std::uint32_t begin, std::uint32_t end, const float* gramian) {
  Impl& im = *impl_;
  if (!im.failed.is_ok()) return im.failed;
  ALSREC_RETURN_IF_ERROR(im.check_range(side, begin, end));
  const auto k = static_cast<Eigen::Index>(im.opt.factors);
  if (im.w0 != 0.0f) im.wg = Eigen::Map<const Eigen::MatrixXf>(gramian, k, k) * im.w0;  // as gramian_parallel scales
  const Chunks chunks = clip_chunks(im.side_of(side).chunks, begin, end);
  double& seconds = side == Side::kUsers ? im.timings.user_solve : im.timings.item_solve;
  const Status st = im.solve_chunks(im.side_of(side), im.factors_of(side), im.other_factors_of(side), chunks, seconds);
  if (!st.is_ok()) im.failed = st;
  return st;
}

Status AlsTrainer::complete_iteration(bool with_loss) {
  Impl& im = *impl_;
  if (!im.failed.is_ok()) return im.failed;
  ++im.iteration;
  Status st = im.factors_finite() ? Status::ok() : im.diverged();
  if (st.is_ok() && im.opt.compute_loss && with_loss) {
    const auto tl = Clock::now();
    im.last_loss = im.loss();
    im.timings.loss += seconds_since(tl);
    if (!std::isfinite(im.last_loss)) st = im.diverged();
  }
  if (!st.is_ok()) im.failed = st;
  return st;
}

int AlsTrainer::iteration() const { return impl_->iteration; }
double AlsTrainer::last_loss() const { return impl_->last_loss; }
double AlsTrainer::compute_loss() const { return impl_->loss(); }
const AlsOptions& AlsTrainer::options() const { return impl_->opt; }
const TrainTimings& AlsTrainer::timings() const { return impl_->timings; }
const Factors& AlsTrainer::user_factors() const { return impl_->x; }
const Factors& AlsTrainer::item_factors() const { return impl_->y; }
Factors& AlsTrainer::mutable_user_factors() { return impl_->x; }
Factors& AlsTrainer::mutable_item_factors() { return impl_->y; }
const CsrMatrix& AlsTrainer::user_items() const { return impl_->users.m; }

// ---------------------------------------------------------------------------------------------- model

namespace {
int find_id(const std::vector<std::string>& ids, const std::string& id) {
  const auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? -1 : static_cast<int>(it - ids.begin());
}
}  // namespace

int AlsModel::find_user(const std::string& id) const { return find_id(user_ids, id); }
int AlsModel::find_item(const std::string& id) const { return find_id(item_ids, id); }

Result<AlsModel> train_model(const Dataset& data, const AlsOptions& options, const ProgressCallback& progress,
                             const std::vector<std::uint32_t>* subset) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  if (data.items.size() != data.users.size() || data.values.size() != data.users.size())
    return Status::bad_input("dataset is inconsistent: users, items and values must have one entry per interaction");
  for (std::size_t i = 0; i < data.users.size(); ++i)
    if (data.users[i] >= data.num_users() || data.items[i] >= data.num_items())
      return Status::bad_input("dataset is inconsistent: interaction " + std::to_string(i) +
                               " refers to a user or item index without an id");
  if (options.biases) return train_biased_model(data, options, progress, subset);
  auto trainer = AlsTrainer::create(build_user_item_matrix(data, subset), options);
  if (!trainer.is_ok()) return trainer.status();
  ALSREC_RETURN_IF_ERROR((*trainer)->fit(progress));
  const AlsTrainer& t = **trainer;
  AlsModel model;
  model.options = options;
  model.user_ids = data.user_ids;
  model.item_ids = data.item_ids;
  model.user_factors = t.user_factors();
  model.item_factors = t.item_factors();
  model.dataset_fingerprint = data.fingerprint();
  model.iterations_done = t.iteration();
  model.final_loss = t.last_loss();
  model.seen = t.user_items();  // the model file keeps them so `recommend` can leave seen items out
  return model;
}

}  // namespace alsrec
