#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "random.h"

#include <algorithm>
#include <cmath>

namespace alsrec {
namespace detail {

void gramian(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out) {
  const Eigen::Index k = y.cols();
  out.setZero(k, k);
#if defined(EIGEN_VECTORIZE)
  out.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose(), 1.0f);
#else
  // No Eigen SIMD (wasm): G += Σ_r y_r y_rᵀ as column axpys over the lower triangle (i ≥ j: the loop below
  // mirrors it), four rows per pass, which SIMD128 vectorises; several times faster than Eigen's scalar kernel.
  // (Eight rows per pass ran 2.6× slower inside a fit.)
  const float* base = y.data();
  const Eigen::Index n = y.rows();
  Eigen::Index r = 0;
  for (; r + 4 <= n; r += 4) {
    const float* __restrict y0 = base + r * k;
    const float* __restrict y1 = y0 + k;
    const float* __restrict y2 = y1 + k;
    const float* __restrict y3 = y2 + k;
    for (Eigen::Index j = 0; j < k; ++j) {
      float* __restrict o = out.col(j).data();
      const float c0 = y0[j], c1 = y1[j], c2 = y2[j], c3 = y3[j];
      for (Eigen::Index i = j; i < k; ++i) o[i] += c0 * y0[i] + c1 * y1[i] + c2 * y2[i] + c3 * y3[i];
    }
  }
  for (; r < n; ++r) {
    const float* __restrict y0 = base + r * k;
    for (Eigen::Index j = 0; j < k; ++j) {
      float* __restrict o = out.col(j).data();
      const float c0 = y0[j];
      for (Eigen::Index i = j; i < k; ++i) o[i] += c0 * y0[i];
    }
  }
#endif
  for (Eigen::Index j = 0; j < k; ++j) {
    for (Eigen::Index i = j + 1; i < k; ++i) out(i, j) *= scale;
    out(j, j) *= scale;
    for (Eigen::Index i = 0; i < j; ++i) out(i, j) = out(j, i);
  }
}

void gramian_parallel(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out, ThreadPool& pool,
                      std::vector<Eigen::MatrixXf>& partials) {
  const Eigen::Index n = y.rows(), k = y.cols();
  const auto blocks = static_cast<std::size_t>((n + kGramianRows - 1) / kGramianRows);
  if (blocks <= 1) {  // (with several blocks the partial sums are used on one thread too: same result)
    gramian(y, scale, out);
    return;
  }
  partials.resize(blocks);
  pool.run(blocks, [&](std::size_t b, int) {
    const Eigen::Index first = static_cast<Eigen::Index>(b) * kGramianRows;
    const ConstFactorMap rows(y.data() + first * k, std::min(kGramianRows, n - first), k);
    gramian(rows, 1.0f, partials[b]);
  });
  out = partials[0];
  for (std::size_t b = 1; b < blocks; ++b) out += partials[b];
  out *= scale;
}

void RowScratch::reserve(int k, std::size_t capacity, std::size_t longest, Parts parts) {
  const auto cap = static_cast<Eigen::Index>(std::max<std::size_t>(capacity, 1));
  row_a.resize(std::max<std::size_t>(longest, 1));
  row_b.resize(std::max<std::size_t>(longest, 1));
  if (parts.gathered) yt.resize(k, cap);
  if (parts.scaled) z.resize(k, cap);
  a.resize(cap);
  q.resize(cap);
  if (parts.exact) A.resize(k, k);
  b.resize(k);
  x.resize(k);
  r.resize(k);
  p.resize(k);
  ap.resize(k);
  // Block CG's and the subspace solver's buffers size themselves on first use (solver_cg.cpp, solver_subspace.cpp);
  // the Cholesky factors on their first compute().
  shared_key = 0;
  std::fill(block_keys.begin(), block_keys.end(), 0);
}

std::size_t RowScratch::bytes() const {
  const std::size_t floats = static_cast<std::size_t>(yt.size() + a.size() + z.size() + q.size() + b.size() + x.size() +
                                                      r.size() + p.size() + ap.size() + A.size() + bb.size() +
                                                      rr.size() + pp.size() + app.size() + rs.size()) +
                             row_a.size() + row_b.size() + h.size() + g.size() + block_factors.size() +
                             group.size() + block_lambdas.size() + panels.size() +
                             static_cast<std::size_t>(wm.size() + wcg.size() + wgroups.size() + wu.size() + wd.size() + wt.size());
  return floats * sizeof(float) + row_idx.size() * sizeof(std::uint32_t) + offset.size() * sizeof(Eigen::Index) +
         active.size() + block_keys.size() * sizeof(std::uint64_t);
}

RowSystem gather_row(const ConstFactorMap& other, const std::uint32_t* idx, const float* a, const float* b,
                     std::size_t count, const Eigen::MatrixXf* wg, float lambda, std::uint64_t key, RowScratch& s) {
  RowSystem sys;
  sys.wg = wg;
  sys.lambda = lambda;
  sys.key = key;
  s.b.setZero();
  Eigen::Index n = 0;
  for (std::size_t e = 0; e < count; ++e) {
    const auto y = other.row(idx[e]);
    if (b[e] != 0.0f) s.b.noalias() += b[e] * y.transpose();
    if (a[e] != 0.0f) {
      s.yt.col(n) = y.transpose();
      s.a[n] = a[e];
      ++n;
    }
  }
  sys.n = n;
  return sys;
}

bool SmallCholesky::compute(const Eigen::MatrixXf& a) {
  const Eigen::Index k = a.rows();
  l_ = a;
  for (Eigen::Index j = 0; j < k; ++j) {
    auto col = l_.col(j).tail(k - j);
    if (j > 0) col.noalias() -= l_.block(j, 0, k - j, j) * l_.row(j).head(j).transpose();
    const float d = col[0];
    if (!(d > 0.0f)) return false;  // also catches NaN
    const float root = std::sqrt(d);
    col[0] = root;
    col.tail(k - j - 1) *= 1.0f / root;
  }
  return true;
}

void SmallCholesky::solveInPlace(Eigen::VectorXf& b) const {
  l_.triangularView<Eigen::Lower>().solveInPlace(b);
  l_.triangularView<Eigen::Lower>().transpose().solveInPlace(b);
}

// A = w₀G + λI + Σ_{a>0} (√a y)(√a y)ᵀ − Σ_{a<0} (√−a y)(√−a y)ᵀ: two symmetric rank updates on gathered columns
// (one small SYRK each) instead of n outer products. Only the lower triangle is formed; LLT reads only that.
bool factor_exact(const RowSystem& sys, RowScratch& s, SmallCholesky& llt) {
  const Eigen::Index k = s.b.size();
  if (sys.wg) {
    s.A = *sys.wg;
  } else {
    s.A.setZero(k, k);
  }
  s.A.diagonal().array() += sys.lambda;
  Eigen::Index pos = 0, neg = sys.n;  // positives fill z from the left, negatives from the right
  for (Eigen::Index j = 0; j < sys.n; ++j) {
    const float w = s.a[j];
    if (w > 0) {
      s.z.col(pos++) = std::sqrt(w) * s.yt.col(j);
    } else {
      s.z.col(--neg) = std::sqrt(-w) * s.yt.col(j);
    }
  }
  if (pos > 0) s.A.selfadjointView<Eigen::Lower>().rankUpdate(s.z.leftCols(pos), 1.0f);
  if (neg < sys.n) s.A.selfadjointView<Eigen::Lower>().rankUpdate(s.z.middleCols(neg, sys.n - neg), -1.0f);
  return llt.compute(s.A);
}

bool solve_exact(const RowSystem& sys, RowScratch& s, float* x) {
  s.x = s.b;
  if (sys.n == 0 && sys.key != 0) {  // A = w₀G + λI: factor once per (wg, λ), reuse for every such row
    if (s.shared_key != sys.key || s.shared_lambda != sys.lambda) {
      if (!factor_exact(sys, s, s.shared_llt)) return false;
      s.shared_key = sys.key;
      s.shared_lambda = sys.lambda;
    }
    s.shared_llt.solveInPlace(s.x);
  } else {
    if (!factor_exact(sys, s, s.llt)) return false;
    s.llt.solveInPlace(s.x);
  }
  Eigen::Map<Eigen::VectorXf>(x, s.x.size()) = s.x;
  return true;
}

namespace {

// The exact solve, row by row: gather the row's system, build A and factor it (the rows without weighted pairs
// share one factor per half-step).
class CholeskySolver final : public RowSolver {
 public:
  void prepare(RowScratch& s, int k, std::size_t longest) const override {
    s.reserve(k, longest, longest, {true, true, true});
  }

  std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared, RowScratch& s,
                     float* x) const override {
    const std::size_t k = static_cast<std::size_t>(other.cols());
    std::int64_t failed = -1;
    for (std::uint32_t r = rows.first; r < rows.last; ++r) {
      float* xr = x + (r - rows.first) * k;
      const std::uint64_t begin = rows.m->indptr[r], count = rows.m->indptr[r + 1] - begin;
      if (count == 0) {  // b = 0, so the solution of A x = 0 is x = 0 (also the minimum-norm one if A is singular)
        std::fill(xr, xr + k, 0.0f);
        continue;
      }
      rows.weights->row(begin, count, s.row_a.data(), s.row_b.data());
      const RowSystem sys = gather_row(other, rows.m->indices.data() + begin, s.row_a.data(), s.row_b.data(), count,
                                       shared.wg, rows.lambda[r], shared.key, s);
      if (!solve_exact(sys, s, xr) && failed < 0) failed = r;
    }
    return failed;
  }
};

}  // namespace

std::unique_ptr<RowSolver> make_row_solver(const AlsOptions& options) {
  switch (options.solver) {
    case SolverKind::kCholesky: return std::make_unique<CholeskySolver>();
    case SolverKind::kSubspace: return make_subspace_solver(options.block_size);
    case SolverKind::kWoodbury: return make_woodbury_solver(options.cg_steps);
    case SolverKind::kConjugateGradient: break;
  }
  return make_block_cg_solver(options.cg_steps);
}

namespace {
std::uint64_t splitmix64(std::uint64_t x) { return rnd::mix64(x + rnd::kGolden); }  // one SplitMix64 step
}  // namespace

void init_row(std::uint64_t seed, std::uint32_t side, std::uint32_t row, float scale, float* out, std::uint32_t count) {
  // h = splitmix(splitmix(splitmix(seed ^ side << 56) ^ row) ^ k): the first two steps once per row, the last per
  // entry (a loop of plain 64-bit arithmetic the compiler vectorises).
  const std::uint64_t h = splitmix64(splitmix64(seed ^ (static_cast<std::uint64_t>(side) << 56)) ^ row);
  for (std::uint32_t k = 0; k < count; ++k)
    out[k] = scale * (static_cast<float>(splitmix64(h ^ k) >> 40) * (1.0f / 16777216.0f));  // top 24 bits: exact
}

void sqrt_weighted_rows(const Factors& y, const std::vector<float>& c, Factors& out) {
  if (out.rows != y.rows || out.cols != y.cols) out = Factors(y.rows, y.cols);  // else reused: every entry is set
  for (std::uint32_t i = 0; i < y.rows; ++i) {
    const float s = std::sqrt(c[i]);
    const float* from = y.row(i);
    float* to = out.row(i);
    for (std::uint32_t k = 0; k < y.cols; ++k) to[k] = s * from[k];
  }
}

void weighted_gramian(const Factors& y, const std::vector<float>& c, float scale, Eigen::MatrixXf& out) {
  if (c.empty()) return gramian(map_factors(y), scale, out);
  Factors scaled;
  sqrt_weighted_rows(y, c, scaled);
  gramian(map_factors(scaled), scale, out);
}

}  // namespace detail
}  // namespace alsrec
