#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "random.h"

#include <algorithm>
#include <cmath>

namespace alsrec {
namespace detail {

ConfidenceModel::ConfidenceModel(const AlsOptions& o)
    : mode_(o.confidence),
      values_(o.values),
      alpha_(o.alpha),
      epsilon_(o.epsilon),
      w0_(o.confidence == ConfidenceMode::kIals       ? o.unobserved_weight
          : o.confidence == ConfidenceMode::kExplicit ? 0.0f
                                                      : 1.0f) {}

// Implicit modes: confidence c from |v|, preference p = [v > 0] (a negative value is a confident "no", as in
// `implicit`). a = c − w₀, b = c·p, k = c·p² = b.
PairWeight ConfidenceModel::weight(float value) const {
  const float v = values_ == ValueTransform::kBinary ? 1.0f
                  : values_ == ValueTransform::kLog  ? std::copysign(std::log1p(std::fabs(value) / epsilon_), value)
                                                     : value;
  const float mag = std::fabs(v);
  const float p = v > 0 ? 1.0f : 0.0f;
  float c = 0;
  switch (mode_) {
    case ConfidenceMode::kImplicit: c = alpha_ * mag; break;
    case ConfidenceMode::kHu: c = 1.0f + alpha_ * mag; break;
    case ConfidenceMode::kLog: c = 1.0f + alpha_ * std::log1p(mag / epsilon_); break;
    case ConfidenceMode::kIals: {
      // L = Σ_obs w (p − s)² + α₀ Σ_all s²:  w₀ = α₀ carries the all-pairs term, the observed weight is w itself.
      const float w = alpha_ * mag;
      return {w, w * p, w * p};
    }
    case ConfidenceMode::kExplicit:  // (v − s)² = s² − 2vs + v²
      return {1.0f, v, v * v};
  }
  return {c - w0_, c * p, c * p};
}

float row_lambda(const AlsOptions& o, float w0, std::size_t row_count, std::size_t other_count) {
  if (o.reg_exponent == 0.0f) return o.regularization;
  const double base = static_cast<double>(row_count) + static_cast<double>(w0) * static_cast<double>(other_count);
  return static_cast<float>(o.regularization * std::pow(base, static_cast<double>(o.reg_exponent)));
}

void gramian(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out) {
  const Eigen::Index k = y.cols();
  out.setZero(k, k);
#if defined(EIGEN_VECTORIZE)
  out.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose(), 1.0f);
#else
  // No Eigen SIMD (wasm): G += Σ_r y_r y_rᵀ as full-column axpys, four rows per pass, which SIMD128 vectorises;
  // twice the arithmetic of the symmetric update, but several times faster than Eigen's scalar kernel.
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
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * y0[i] + c1 * y1[i] + c2 * y2[i] + c3 * y3[i];
    }
  }
  for (; r < n; ++r) {
    const float* __restrict y0 = base + r * k;
    for (Eigen::Index j = 0; j < k; ++j) {
      float* __restrict o = out.col(j).data();
      const float c0 = y0[j];
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * y0[i];
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

void RowScratch::reserve(int k, std::size_t capacity) {
  const auto cap = static_cast<Eigen::Index>(std::max<std::size_t>(capacity, 1));
  yt.resize(k, cap);
  z.resize(k, cap);
  a.resize(cap);
  q.resize(cap);
  b.resize(k);
  x.resize(k);
  r.resize(k);
  p.resize(k);
  ap.resize(k);
  A.resize(k, k);
  bb.resize(k, kBlockRows);
  rr.resize(k, kBlockRows);
  pp.resize(k, kBlockRows);
  app.resize(k, kBlockRows);
  rs.resize(kBlockRows);
  offset.assign(kBlockRows + 1, 0);
  active.assign(kBlockRows, 0);
  // The Cholesky factors size themselves on their first compute().
  shared_key = 0;
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

// A = w₀G + λI + Σ_{a>0} (√a y)(√a y)ᵀ − Σ_{a<0} (√−a y)(√−a y)ᵀ: two symmetric rank updates on gathered columns
// (one small SYRK each) instead of n outer products. Only the lower triangle is formed; LLT reads only that.
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

namespace {

class CholeskySolver final : public RowSolver {
 public:
  bool solve(const RowSystem& sys, RowScratch& s, float* x) const override {
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
};

// Conjugate gradient on A x = b, warm-started from x, matrix-free:
//   A·v = w₀G v + Y_uᵀ (a ⊙ (Y_u v)) + λ v      (two small matrix-vector products on the gathered rows)
// The steps follow `implicit`'s CG exactly: r = b − A x, p = r, then per step Ap, α = rsold / pᵀAp, x += α p,
// r −= α Ap, stop once rᵀr < 1e-20, p = r + (rsnew/rsold) p.
class ConjugateGradientSolver final : public RowSolver {
 public:
  explicit ConjugateGradientSolver(int steps) : steps_(steps) {}

  bool solve(const RowSystem& sys, RowScratch& s, float* x_out) const override {
    const Eigen::Index k = s.b.size();
    Eigen::Map<Eigen::VectorXf> x_row(x_out, k);
    s.x = x_row;
    apply(sys, s, s.x, s.ap);
    s.r = s.b - s.ap;
    s.p = s.r;
    float rsold = s.r.squaredNorm();
    if (rsold < 1e-20f) return true;
    for (int step = 0; step < steps_; ++step) {
      apply(sys, s, s.p, s.ap);
      const float pap = s.p.dot(s.ap);
      if (!(pap > 0.0f)) break;  // A not positive definite along p (or p = 0): keep what we have
      const float alpha = rsold / pap;
      s.x.noalias() += alpha * s.p;
      s.r.noalias() -= alpha * s.ap;
      const float rsnew = s.r.squaredNorm();
      if (rsnew < 1e-20f) break;
      s.p = s.r + (rsnew / rsold) * s.p;
      rsold = rsnew;
    }
    x_row = s.x;  // non-finite values are caught by the trainer's divergence check
    return true;
  }

 private:
  static void apply(const RowSystem& sys, RowScratch& s, const Eigen::VectorXf& v, Eigen::VectorXf& out) {
    if (sys.wg) {
      out.noalias() = *sys.wg * v;
      out.noalias() += sys.lambda * v;
    } else {
      out = sys.lambda * v;
    }
    if (sys.n > 0) {
      auto q = s.q.head(sys.n);
      const auto yt = s.yt.leftCols(sys.n);
      q.noalias() = yt.transpose() * v;
      q.array() *= s.a.head(sys.n).array();
      out.noalias() += yt * q;
    }
  }

  int steps_;
};

}  // namespace

std::unique_ptr<RowSolver> make_row_solver(SolverKind kind, int cg_steps) {
  if (kind == SolverKind::kCholesky) return std::make_unique<CholeskySolver>();
  return std::make_unique<ConjugateGradientSolver>(cg_steps);
}

std::uint32_t block_end(const CsrMatrix& m, std::uint32_t first, std::uint32_t last, std::uint64_t max_nonzeros) {
  std::uint32_t end = first;
  std::uint64_t nonzeros = 0;
  while (end < last && end - first < kBlockRows) {
    const std::uint64_t next = nonzeros + m.row_size(end);
    if (end > first && next > max_nonzeros) break;
    nonzeros = next;
    ++end;
  }
  return end;
}

namespace {

// Plain loops over k contiguous floats. The compiler vectorises them (AVX-512 natively, SIMD128 in wasm) without the
// per-expression overhead of Eigen's dynamic-size column blocks, which dominates at k = 64 (a row's CG step is a
// handful of length-k updates). Reductions keep 16 partial sums so they vectorise without -ffast-math; the order is
// fixed, so results stay deterministic.
constexpr int kLanes = 16;

inline float sum_lanes(const float* acc) {
  float s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

inline float dot(const float* __restrict a, const float* __restrict b, Eigen::Index k) {
  float acc[kLanes] = {};
  Eigen::Index i = 0;
  for (; i + kLanes <= k; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (; i < k; ++i) acc[0] += a[i] * b[i];
  return sum_lanes(acc);
}

// out += Σ_e w_e · y_{idx_e}, four rows per pass over `out` (a quarter of its loads and stores).
inline void gather_sum(const float* __restrict base, const std::uint32_t* idx, const float* w, std::uint64_t count,
                       Eigen::Index k, float* __restrict out) {
  std::uint64_t e = 0;
  for (; e + 4 <= count; e += 4) {
    const float* y0 = base + static_cast<std::size_t>(idx[e]) * static_cast<std::size_t>(k);
    const float* y1 = base + static_cast<std::size_t>(idx[e + 1]) * static_cast<std::size_t>(k);
    const float* y2 = base + static_cast<std::size_t>(idx[e + 2]) * static_cast<std::size_t>(k);
    const float* y3 = base + static_cast<std::size_t>(idx[e + 3]) * static_cast<std::size_t>(k);
    const float w0 = w[e], w1 = w[e + 1], w2 = w[e + 2], w3 = w[e + 3];
    for (Eigen::Index i = 0; i < k; ++i) out[i] += w0 * y0[i] + w1 * y1[i] + w2 * y2[i] + w3 * y3[i];
  }
  for (; e < count; ++e) {
    const float* y0 = base + static_cast<std::size_t>(idx[e]) * static_cast<std::size_t>(k);
    const float w0 = w[e];
    for (Eigen::Index i = 0; i < k; ++i) out[i] += w0 * y0[i];
  }
}

// out = w · v (k × k by k × nb, v's and out's columns contiguous). Natively Eigen's GEMM. Eigen 3.4 has no wasm SIMD
// path (EIGEN_VECTORIZE stays undefined there and its GEMM runs scalar), so the wasm build uses four-column axpy
// passes instead, which the compiler vectorises with SIMD128.
template <typename V, typename Out>
void product_block(const Eigen::MatrixXf& w, const V& v, Out& out) {
#if defined(EIGEN_VECTORIZE)
  out.noalias() = w * v;
#else
  const Eigen::Index k = w.rows();
  for (Eigen::Index j = 0; j < v.cols(); ++j) {
    float* __restrict o = out.col(j).data();
    const float* vj = v.col(j).data();
    for (Eigen::Index i = 0; i < k; ++i) o[i] = 0.0f;
    Eigen::Index l = 0;
    for (; l + 4 <= k; l += 4) {
      const float* __restrict w0 = w.col(l).data();
      const float* __restrict w1 = w0 + k;
      const float* __restrict w2 = w1 + k;
      const float* __restrict w3 = w2 + k;
      const float c0 = vj[l], c1 = vj[l + 1], c2 = vj[l + 2], c3 = vj[l + 3];
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * w0[i] + c1 * w1[i] + c2 * w2[i] + c3 * w3[i];
    }
    for (; l < k; ++l) {
      const float* __restrict w0 = w.col(l).data();
      const float c0 = vj[l];
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * w0[i];
    }
  }
#endif
}

// out[:, j] = (w₀G + λ_j I + Y_jᵀ diag(a_j) Y_j) v[:, j] for the block's rows j < nb; the w₀G part as one GEMM.
// Rows with active[j] == 0 get only the GEMM part (their columns are not used).
template <typename V, typename Out>
void apply_block(const Eigen::MatrixXf* wg, const float* lambda, Eigen::Index nb, RowScratch& s, const V& v,
                 Out&& out) {
  const Eigen::Index k = out.rows();
  if (wg) {
    product_block(*wg, v, out);
  } else {
    out.setZero();
  }
  for (Eigen::Index j = 0; j < nb; ++j) {
    if (!s.active[static_cast<std::size_t>(j)]) continue;
    float* __restrict o = out.col(j).data();
    const float* __restrict vj = v.col(j).data();
    const float lam = lambda[j];
    for (Eigen::Index i = 0; i < k; ++i) o[i] += lam * vj[i];
    const Eigen::Index begin = s.offset[static_cast<std::size_t>(j)], n = s.offset[static_cast<std::size_t>(j) + 1] - begin;
    if (n == 0) continue;
    const auto yt = s.yt.middleCols(begin, n);
    auto qn = s.q.segment(begin, n);
    qn.noalias() = yt.transpose() * v.col(j);
    qn.array() *= s.a.segment(begin, n).array();
    out.col(j).noalias() += yt * qn;
  }
}

}  // namespace

void solve_block_cg(const ConstFactorMap& other, const RowBlock& block, const Eigen::MatrixXf* wg, int steps,
                    RowScratch& s, float* x_first) {
  const Eigen::Index k = other.cols();
  const Eigen::Index nb = block.last - block.first;
  Eigen::Map<Eigen::MatrixXf> x(x_first, k, nb);  // row-major rows first..last = the columns of a k × nb matrix
  auto b = s.bb.leftCols(nb);
  auto r = s.rr.leftCols(nb);
  auto p = s.pp.leftCols(nb);
  auto ap = s.app.leftCols(nb);
  const float* lambda = block.lambda + block.first;

  // Gather: b_j = Σ_e b_e y_e, and the a ≠ 0 pairs' vectors of all rows side by side in yt.
  Eigen::Index n = 0;
  for (Eigen::Index j = 0; j < nb; ++j) {
    const std::uint32_t row = block.first + static_cast<std::uint32_t>(j);
    const std::uint64_t begin = block.m->indptr[row], end = block.m->indptr[row + 1];
    s.offset[static_cast<std::size_t>(j)] = n;
    s.active[static_cast<std::size_t>(j)] = end > begin;
    b.col(j).setZero();
    gather_sum(other.data(), block.m->indices.data() + begin, block.b + begin, end - begin, k, b.col(j).data());
    for (std::uint64_t e = begin; e < end; ++e) {
      if (block.a[e] != 0.0f) {
        s.yt.col(n) = other.row(block.m->indices[e]).transpose();
        s.a[n] = block.a[e];
        ++n;
      }
    }
    if (end == begin) x.col(j).setZero();  // b = 0: x = 0 (also the minimum-norm solution if A is singular)
  }
  s.offset[static_cast<std::size_t>(nb)] = n;

  // r = b − A x, p = r; a row whose residual is already tiny is done.
  apply_block(wg, lambda, nb, s, x, ap);
  for (Eigen::Index j = 0; j < nb; ++j) {
    if (!s.active[static_cast<std::size_t>(j)]) continue;
    float* __restrict rj = r.col(j).data();
    float* __restrict pj = p.col(j).data();
    const float* __restrict bj = b.col(j).data();
    const float* __restrict apj = ap.col(j).data();
    for (Eigen::Index i = 0; i < k; ++i) pj[i] = rj[i] = bj[i] - apj[i];
    s.rs[j] = dot(rj, rj, k);
    if (s.rs[j] < 1e-20f) s.active[static_cast<std::size_t>(j)] = 0;
  }
  for (int step = 0; step < steps; ++step) {
    bool any = false;
    for (Eigen::Index j = 0; j < nb; ++j) any = any || s.active[static_cast<std::size_t>(j)];
    if (!any) break;
    apply_block(wg, lambda, nb, s, p, ap);
    for (Eigen::Index j = 0; j < nb; ++j) {
      unsigned char& live = s.active[static_cast<std::size_t>(j)];
      if (!live) continue;
      float* __restrict xj = x.col(j).data();
      float* __restrict rj = r.col(j).data();
      float* __restrict pj = p.col(j).data();
      const float* __restrict apj = ap.col(j).data();
      const float pap = dot(pj, apj, k);
      if (!(pap > 0.0f)) {  // A not positive definite along p (or p = 0): keep what we have
        live = 0;
        continue;
      }
      const float alpha = s.rs[j] / pap;
      for (Eigen::Index i = 0; i < k; ++i) {
        xj[i] += alpha * pj[i];
        rj[i] -= alpha * apj[i];
      }
      const float rsnew = dot(rj, rj, k);
      if (rsnew < 1e-20f) {
        live = 0;
        continue;
      }
      const float beta = rsnew / s.rs[j];
      for (Eigen::Index i = 0; i < k; ++i) pj[i] = rj[i] + beta * pj[i];
      s.rs[j] = rsnew;
    }
  }
}

namespace {
std::uint64_t splitmix64(std::uint64_t x) { return rnd::mix64(x + rnd::kGolden); }  // one SplitMix64 step
}  // namespace

float init_uniform(std::uint64_t seed, std::uint32_t side, std::uint32_t row, std::uint32_t k) {
  std::uint64_t h = splitmix64(seed ^ (static_cast<std::uint64_t>(side) << 56));
  h = splitmix64(h ^ row);
  h = splitmix64(h ^ k);
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);  // top 24 bits: exact in float, in [0, 1)
}

}  // namespace detail
}  // namespace alsrec
