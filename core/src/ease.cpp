// EASE (Steck 2019): Gram matrix, regularised inverse, B = −P·diag(1/diag P), scoring and λ selection (ease.h).
#include "solver_eigen.h"  // first: see there
#include "alsrec/ease.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "thread_pool.h"

namespace alsrec {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
int resolve_threads(int threads) { return threads > 0 ? threads : hardware_threads(); }

std::string mib(std::uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

// Item ranges of about equal Gram work: row i of G costs Σ_{u ∋ i} |I_u|.
std::vector<std::pair<std::uint32_t, std::uint32_t>> gram_chunks(const CsrMatrix& x) {
  std::vector<double> cost(x.cols, 1.0);
  for (std::uint32_t u = 0; u < x.rows; ++u) {
    const double n = x.row_size(u);
    for (std::uint64_t p = x.indptr[u]; p < x.indptr[u + 1]; ++p) cost[x.indices[p]] += n;
  }
  return balanced_chunks(x.cols, [&](std::uint32_t i) { return cost[i]; }, 256);
}

}  // namespace

Status EaseOptions::validate() const {
  if (!std::isfinite(lambda) || lambda <= 0)
    return Status::invalid_argument("EASE: lambda must be a finite number > 0, got " + std::to_string(lambda));
  if (threads < 0 || threads > 1024) return Status::invalid_argument("EASE: threads must be 0..1024");
  return Status::ok();
}

std::uint64_t ease_memory_bytes(std::uint32_t items) {
  return 2ull * static_cast<std::uint64_t>(items) * items * sizeof(float);
}

Status check_ease_fits(std::uint32_t items, std::uint64_t max_bytes) {
  const std::uint64_t need = ease_memory_bytes(items);
  if (max_bytes > 0 && need > max_bytes)
    return Status::invalid_argument("EASE needs two items x items matrices: " + std::to_string(items) + " items need " +
                                    mib(need) + ", more than the " + mib(max_bytes) +
                                    " allowed (raise the memory limit, or use a smaller catalogue)");
  return Status::ok();
}

std::vector<float> ease_gramian(const CsrMatrix& x, bool binary, int threads) {
  const std::size_t n = x.cols;
  std::vector<float> g(n * n, 0.0f);
  // Each task owns a range of G's rows, so no two threads add to the same entry and the sums run in user order.
  const auto chunks = gram_chunks(x);
  ThreadPool pool(std::min<int>(resolve_threads(threads), static_cast<int>(std::max<std::size_t>(chunks.size(), 1))));
  pool.run(chunks.size(), [&](std::size_t c, int) {
    const auto [first, last] = chunks[c];
    for (std::uint32_t u = 0; u < x.rows; ++u) {
      const std::uint32_t* cols = x.indices.data() + x.indptr[u];
      const float* vals = x.data.data() + x.indptr[u];
      const std::size_t len = x.row_size(u);
      const std::size_t lo = static_cast<std::size_t>(std::lower_bound(cols, cols + len, first) - cols);
      const std::size_t hi = static_cast<std::size_t>(std::lower_bound(cols, cols + len, last) - cols);
      for (std::size_t a = lo; a < hi; ++a) {
        float* row = g.data() + static_cast<std::size_t>(cols[a]) * n;
        if (binary) {
          for (std::size_t b = 0; b < len; ++b) row[cols[b]] += 1.0f;
        } else {
          const float va = vals[a];
          for (std::size_t b = 0; b < len; ++b) row[cols[b]] += va * vals[b];
        }
      }
    }
  });
  return g;
}

Result<EaseModel> fit_ease_from_gramian(const std::vector<float>& gramian, std::uint32_t items,
                                        const EaseOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_ease_fits(items, options.max_bytes));
  const std::size_t n = items;
  if (gramian.size() != n * n) return Status::invalid_argument("EASE: the Gram matrix is not items x items");
  EaseModel model;
  model.items = items;
  model.lambda = options.lambda;
  model.binary = options.binary;
  if (n == 0) return model;

  // A = G + λI, factorised in place (G is symmetric, so row- and column-major views agree).
  Eigen::MatrixXf a = Eigen::Map<const Eigen::MatrixXf>(gramian.data(), items, items);
  a.diagonal().array() += static_cast<float>(options.lambda);
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(a);
  if (llt.info() != Eigen::Success)
    return Status::numerical("EASE: G + lambda*I is not positive definite at lambda " +
                             std::to_string(options.lambda) + " (raise lambda)");

  // P = A⁻¹ by solving A P = I in column blocks, one block per task (independent: any thread count, same bits).
  model.weights.assign(n * n, 0.0f);
  Eigen::Map<Eigen::MatrixXf> p(model.weights.data(), items, items);  // column-major view; P is symmetric
  constexpr std::uint32_t kBlock = 128;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  ThreadPool pool(std::min<int>(resolve_threads(options.threads), static_cast<int>(blocks)));
  const auto lower = llt.matrixL();
  pool.run(blocks, [&](std::size_t b, int) {
    const Eigen::Index first = static_cast<Eigen::Index>(b * kBlock);
    const Eigen::Index width = std::min<Eigen::Index>(kBlock, static_cast<Eigen::Index>(n) - first);
    const Eigen::Index rest = static_cast<Eigen::Index>(n) - first;
    auto block = p.middleCols(first, width);
    for (Eigen::Index c = 0; c < width; ++c) block(first + c, c) = 1.0f;
    // L y = e_j is zero above row j: the forward solve runs on the trailing rows only ((n−j)² per column
    // instead of n²), then Lᵀ x = y in full.
    auto tail = block.bottomRows(rest);
    a.bottomRightCorner(rest, rest).triangularView<Eigen::Lower>().solveInPlace(tail);
    lower.transpose().solveInPlace(block);
  });

  // B_ij = −P_ij / P_jj, B_jj = 0. P's column j is row j of the row-major result (symmetry), so scale in place:
  // row-major B row i, column j = −P(i, j) / P(j, j).
  std::vector<float> inv_diag(n);
  for (std::size_t j = 0; j < n; ++j) inv_diag[j] = 1.0f / p(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j));
  // weights currently hold P column-major = P row-major (symmetric up to rounding). Symmetrise the rounding away
  // by reading P(i, j) from the lower triangle for both orders, then scale.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const float v = p(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));  // lower triangle
      model.weights[i * n + j] = -v * inv_diag[j];
      model.weights[j * n + i] = -v * inv_diag[i];
    }
  for (std::size_t i = 0; i < n; ++i) model.weights[i * n + i] = 0.0f;
  for (float v : model.weights)
    if (!std::isfinite(v)) return Status::numerical("EASE: the inverse is not finite (raise lambda)");
  return model;
}

Result<EaseModel> fit_ease(const CsrMatrix& x, const EaseOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_ease_fits(x.cols, options.max_bytes));
  return fit_ease_from_gramian(ease_gramian(x, options.binary, options.threads), x.cols, options);
}

void EaseModel::score(const CsrMatrix& x, std::uint32_t user, float* scores) const {
  std::fill(scores, scores + items, 0.0f);
  if (user >= x.rows) return;
  Eigen::Map<Eigen::VectorXf> out(scores, items);
  for (std::uint64_t p = x.indptr[user]; p < x.indptr[user + 1]; ++p) {
    const std::uint32_t j = x.indices[p];
    if (j >= items) continue;
    const float w = binary ? 1.0f : x.data[p];
    out += w * Eigen::Map<const Eigen::VectorXf>(row(j), items);
  }
}

RankingMetrics evaluate_ease(const EaseModel& model, const CsrMatrix& train, const CsrMatrix& test, int k,
                             int threads) {
  return evaluate_ranking(
      train, test, k, [&](std::uint32_t u, float* scores) { model.score(train, u, scores); }, threads);
}

Result<EaseSelection> select_ease_lambda(const CsrMatrix& fit, const CsrMatrix& validation, const EaseOptions& options,
                                         int k, int max_fits, const EaseCallback& progress) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_ease_fits(fit.cols, options.max_bytes));
  if (fit.rows != validation.rows || fit.cols != validation.cols)
    return Status::invalid_argument("EASE: the fit and validation matrices differ in shape");
  const std::vector<float> gram = ease_gramian(fit, options.binary, options.threads);

  EaseSelection sel;
  std::vector<std::pair<double, double>> scored;  // (log10 λ, NDCG)
  Status failure;
  auto try_lambda = [&](double log_lambda) -> Result<double> {
    for (const auto& [l, v] : scored)
      if (std::abs(l - log_lambda) < 1e-9) return v;
    const auto t0 = Clock::now();
    EaseOptions o = options;
    o.lambda = std::pow(10.0, log_lambda);
    auto model = fit_ease_from_gramian(gram, fit.cols, o);
    EaseTrial trial;
    trial.lambda = o.lambda;
    double value = -1.0;  // a failed inverse (too small λ) is a bad point, not a failed search
    if (model.is_ok()) {
      trial.metrics = evaluate_ease(*model, fit, validation, k, options.threads);
      value = trial.metrics.ndcg;
    } else if (model.status().code() != StatusCode::kNumerical) {
      return model.status();
    }
    trial.seconds = seconds_since(t0);
    sel.trials.push_back(trial);
    scored.emplace_back(log_lambda, value);
    if (model.is_ok() && (sel.trials.size() == 1 || value > sel.trials[sel.best].metrics.ndcg ||
                          sel.model.items == 0)) {
      sel.best = sel.trials.size() - 1;
      sel.model = std::move(*model);
    }
    if (progress && !progress(trial)) return Status::cancelled("EASE: cancelled after " +
                                                               std::to_string(sel.trials.size()) + " fits");
    return value;
  };
  const int budget = std::max(3, max_fits);
  auto fits_left = [&]() { return budget - static_cast<int>(sel.trials.size()); };

  // Bracket: start at λ = 10^2.5 and walk by decades towards the better side while it improves.
  double lo = 1.5, mid = 2.5, hi = 3.5;
  auto v_lo = try_lambda(lo);
  if (!v_lo) return v_lo.status();
  auto v_mid = try_lambda(mid);
  if (!v_mid) return v_mid.status();
  auto v_hi = try_lambda(hi);
  if (!v_hi) return v_hi.status();
  double f_lo = *v_lo, f_mid = *v_mid, f_hi = *v_hi;
  while (fits_left() > 0 && (f_lo > f_mid || f_hi > f_mid)) {
    if (f_hi > f_mid && hi < 6.0) {
      lo = mid, f_lo = f_mid, mid = hi, f_mid = f_hi, hi += 1.0;
      auto v = try_lambda(hi);
      if (!v) return v.status();
      f_hi = *v;
    } else if (f_lo > f_mid && lo > -1.0) {
      hi = mid, f_hi = f_mid, mid = lo, f_mid = f_lo, lo -= 1.0;
      auto v = try_lambda(lo);
      if (!v) return v.status();
      f_lo = *v;
    } else {
      break;
    }
  }
  // Refine around the best point in half decades while fits are left.
  double step = 0.5;
  while (fits_left() > 0 && step > 0.12) {
    const double a = mid - step, b = mid + step;
    auto va = try_lambda(a);
    if (!va) return va.status();
    if (fits_left() <= 0) break;
    auto vb = try_lambda(b);
    if (!vb) return vb.status();
    if (*va > f_mid && *va >= *vb) mid = a, f_mid = *va;
    else if (*vb > f_mid) mid = b, f_mid = *vb;
    step /= 2;
  }
  if (sel.model.items == 0 && fit.cols > 0)
    return Status::numerical("EASE: no lambda in 0.1..1e6 gave a positive definite system");
  return sel;
}

}  // namespace alsrec
