// iALS++ subspace optimisation (Rendle, Krichene, Zhang & Koren 2021, "iALS++: Speeding up Matrix Factorization
// with Subspace Optimization"): each row's system A x = r (als.h) is solved by one sweep of exact minimisation over
// consecutive blocks π of b coordinates, the others held fixed, warm-started from the current x:
//
//     g_π = (A x − r)_π = (w₀G x)_π + λ x_π − r_π + Σ_e a_e s_e y_eπ          (s_e = y_eᵀ x, the score cache)
//     A_ππ δ = −g_π,   A_ππ = (w₀G)_ππ + λ I + Σ_e a_e y_eπ y_eπᵀ             (a b × b Cholesky solve)
//     x_π += δ,  s_e += y_eπᵀ δ
//
// The same objective as the other solvers (its minimum is theirs): b = k is one exact solve, b = 1 is coordinate
// descent (iCD). Only pairs with a ≠ 0 need a score: for the others a_e s_e y_e = 0 and they enter r alone. The
// weighted pairs' part of r enters the gradient with their scores: a_e s_e − b_e = a_e t_e with the residual
// t_e = s_e − p_e, p_e = b_e / a_e, so only the unweighted pairs are summed into r. (The residuals a half-step ends
// with are the ones the other side's next half-step starts from; iALS++ keeps them across half-steps and saves the
// k multiply-adds per pair of the first residuals. Not done here: the kept values carry the sweep's rounding, so a
// single process would no longer give a distributed run's bits (test_distributed_steps.cpp), and with the item
// side's scattered reads of an 8-bytes-per-interaction cache it was ~8% faster at 64 factors on a quiet machine and
// slower under load: bench/README.md.) The weighted pairs' factor rows are copied once per row into panels, one per
// block (b floats per pair, contiguous), so that every pass of a block step streams one strip of memory (reading a
// cache line from each pair's factor row in place made the block steps wait on memory: 3.7 s per iteration at
// k = 512 on the ML-1M shape, ~1.2 s now); the copy is the rows' first touch, so they are prefetched. The block
// steps need no sums across the lanes of a register except one per pair for the first residuals and the score
// updates (batched, transpose_sum): the block matrix is accumulated as outer products (a_e y_eπ) y_eπᵀ, a register
// of rows times broadcast column entries, the gradient as Σ_e a_e t_e y_eπ.
//
// Multiply-adds per row and sweep, n pairs (all weighted), k factors, k/b blocks: the first residuals kn; the
// blocks' matrices k·b·n (outer products of whole registers: b = 16 fills one AVX-512 register, so
// the upper triangle is computed too, except its upper-right quarter on AMD Zen, where half-width registers are
// used: kGramLanes); gradients and score updates 2kn; w₀G x k²; factorisations k·b²/6. In all
// k·n·(b + 3) + k² + k·b²/6,  against k²n/2 + k³/6 for the exact solve and (steps + 1)·(k² + 2kn) + kn for CG.
// Rows whose pairs are all unweighted (implicit's default) share A_ππ = (w₀G)_ππ + λI: its k/b factors are computed
// once per half-step and λ. The b × b factorisations and solves (factor_many, solve_many) are sequences of
// dependent steps: a group's weighted rows run them in lockstep.
#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "solver_kernels.h"
#include "solver_simd.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace alsrec {
namespace detail {
namespace {

using kernels::dot;

using simd::kLanes;  // one SIMD register of floats (solver_simd.h)
using simd::load;
using simd::load_as;
using simd::Vec;

// A register from p, with the lanes at or past `end` zero (the last columns of a matrix end its storage).
template <class V>
inline V load_within_as(const float* p, const float* end) {
  constexpr Eigen::Index lanes = sizeof(V) / sizeof(float);
  if (p + lanes <= end) return load_as<V>(p);
  V v = {};
  for (Eigen::Index l = 0; p + l < end; ++l) v[l] = p[l];
  return v;
}

inline Vec load_within(const float* p, const float* end) { return load_within_as<Vec>(p, end); }

// One step of a transposed sum: a and b each hold kLanes / (2W) groups of 2W lanes, one group per vector being
// summed; the result holds twice as many groups of W lanes, a's then b's, each the sum of its group's two halves.
// (Source lane of output lane m: (m / W)·2W + m % W and W further; lanes ≥ kLanes index b.)
template <Eigen::Index W, std::size_t... M>
inline Vec fold(Vec a, Vec b, std::index_sequence<M...>) {
  return __builtin_shufflevector(a, b, static_cast<int>((M / W) * 2 * W + M % W)...) +
         __builtin_shufflevector(a, b, static_cast<int>((M / W) * 2 * W + M % W + W)...);
}

// Lane i of the result = Σ of the lanes of p[i], for the kLanes vectors p[0, kLanes) (overwritten): log₂ kLanes
// levels of fold, about three vector operations per vector summed instead of a full reduction each.
template <Eigen::Index W = kLanes / 2>
inline Vec transpose_sum(Vec* p) {
  for (Eigen::Index i = 0; i < W; ++i)  // 2W vectors in, W out
    p[i] = fold<W>(p[2 * i], p[2 * i + 1], std::make_index_sequence<kLanes>{});
  if constexpr (W == 1) {
    return p[0];
  } else {
    return transpose_sum<W / 2>(p);
  }
}

// The weighted pairs of one row, gathered into panels (RowScratch::panels): for each block π of b coordinates a
// panel holds every pair's y_eπ contiguously (b floats per pair, zero past k in the last block), so a block's passes
// read one contiguous strip instead of a cache line from each pair's factor row (at k = 512 a group's factor rows
// are megabytes: reading them in place left the block steps waiting on memory, ~20× their arithmetic).
struct Pairs {
  float* z = nullptr;         // panel 0's first pair; panel p at z + p·panel
  const float* a = nullptr;   // their weights a_e
  Eigen::Index count = 0;
  std::size_t panel = 0;      // floats between consecutive panels
};

// A register of a panel row [at, at + kLanes), zero past its width w.
inline Vec load_panel(const float* row, Eigen::Index at, Eigen::Index w) {
  return at + kLanes <= w ? load(row + at) : load_within(row + at, row + w);
}

// t[e] += z_e[0, n) · v[0, n) for the count panel rows z_e (width w; v zero past n: lanes past n contribute
// nothing), kLanes pairs at a time through transpose_sum. R > 0: w = R·kLanes (whole registers, the usual case).
template <int R>
void pair_dots_fixed(const float* z, Eigen::Index w, Eigen::Index count, Eigen::Index n, const float* v, float* t) {
  Vec vr[R > 0 ? R : 1];
  if constexpr (R > 0)
    for (int i = 0; i < R; ++i) vr[i] = load(v + i * kLanes);
  Eigen::Index e0 = 0;
  for (; e0 < count; e0 += kLanes) {
    Vec p[kLanes];
    const Eigen::Index m = std::min(kLanes, count - e0);
    for (Eigen::Index l = 0; l < kLanes; ++l) {
      Vec acc = {};
      if (l < m) {
        const float* row = z + (e0 + l) * w;
        if constexpr (R > 0) {
          for (int i = 0; i < R; ++i) acc += load(row + i * kLanes) * vr[i];
        } else {
          for (Eigen::Index i = 0; i < n; i += kLanes) acc += load_panel(row, i, w) * load(v + i);
        }
      }
      p[l] = acc;
    }
    const Vec sums = transpose_sum(p);
    if (m == kLanes) {
      const Vec old = load(t + e0) + sums;
      std::memcpy(t + e0, &old, sizeof old);
    } else {
      for (Eigen::Index l = 0; l < m; ++l) t[e0 + l] += sums[l];
    }
  }
}

void pair_dots(const float* z, Eigen::Index w, Eigen::Index count, Eigen::Index n, const float* v, float* t) {
  if (w == kLanes) pair_dots_fixed<1>(z, w, count, n, v, t);
  else if (w == 2 * kLanes) pair_dots_fixed<2>(z, w, count, n, v, t);
  else if (w == 4 * kLanes) pair_dots_fixed<4>(z, w, count, n, v, t);
  else pair_dots_fixed<0>(z, w, count, n, v, t);
}

// t[l] = y_l · x (k floats each) for the m ≤ kLanes rows y_l, through one transpose_sum.
void row_dots(const float* const* y, Eigen::Index m, const float* x, Eigen::Index k, float* t) {
  Vec p[kLanes];
  for (Eigen::Index l = 0; l < kLanes; ++l) {
    Vec acc = {};
    if (l < m) {
      Eigen::Index c = 0;
      for (; c + kLanes <= k; c += kLanes) acc += load(y[l] + c) * load(x + c);
      if (c < k) acc += load_within(y[l] + c, y[l] + k) * load_within(x + c, x + k);
    }
    p[l] = acc;
  }
  const Vec sums = transpose_sum(p);
  for (Eigen::Index l = 0; l < m; ++l) t[l] = sums[l];
}

// The block matrices' registers. On AMD Zen 4 (AVX-512 executed as two 256-bit halves: one 512-bit multiply-add per
// cycle, or two 256-bit ones) half-width registers let add_gram skip the upper-right quarter of a 16 × 16 block (the
// rows 0–7 of the columns 8–15, above the diagonal): 24 half-width multiply-adds per pair instead of 16 full ones,
// 12 cycles instead of 16. With full-width units (Intel) the full register is faster.
#if defined(__AVX512F__) && (defined(__znver3__) || defined(__znver4__) || defined(__znver5__))
constexpr Eigen::Index kGramLanes = 8;
#else
constexpr Eigen::Index kGramLanes = kLanes;
#endif
typedef float GVec __attribute__((vector_size(kGramLanes * sizeof(float))));

inline GVec gload(const float* p) { return load_as<GVec>(p); }
inline GVec gload_within(const float* p, const float* end) { return load_within_as<GVec>(p, end); }

// Columns accumulated per pass over the pairs: with 32 registers (AVX-512) a whole 16-wide block in one pass.
#if defined(__AVX512F__)
constexpr int kCols = 16;
#else
constexpr int kCols = 8;
#endif

// One pass of add_gram: acc[j] = Σ_e a_e z_e[c, c + kGramLanes) z_e[col(j)], and (Grad) grad = Σ_e a_e s_e z_e[c, …),
// with col(j) = c2 + j, or (Clamp) c2 + j capped at last (a block's last columns).
template <int NC, bool Grad, bool Full, bool Clamp>
inline void gram_pass(const float* z, Eigen::Index w, const float* a, const float* s, Eigen::Index count,
                      Eigen::Index c, Eigen::Index c2, Eigen::Index last, GVec* acc, GVec& grad) {
  Eigen::Index col[NC];
  for (int j = 0; j < NC; ++j) col[j] = Clamp ? std::min<Eigen::Index>(c2 + j, last) : c2 + j;
  GVec sum[NC] = {};
  GVec gsum = {};
  const float* row = z;
  for (Eigen::Index e = 0; e < count; ++e, row += w) {
    const GVec r = (Full ? gload(row + c) : gload_within(row + c, row + w)) * a[e];
    if (Clamp) {
      for (int j = 0; j < NC; ++j) sum[j] += r * row[col[j]];
    } else {
      const float* rc = row + c2;
      for (int j = 0; j < NC; ++j) sum[j] += r * rc[j];
    }
    if (Grad) gsum += r * s[e];
  }
  for (int j = 0; j < NC; ++j) acc[j] = sum[j];
  grad = gsum;
}

// NC accumulators for the columns [c2, c2 + NC) (Clamp: capped at last), NC = 8 when at most 8 are needed.
template <int NC, bool Grad>
inline void gram_dispatch(bool full, bool clamp, const float* z, Eigen::Index w, const float* a, const float* s,
                          Eigen::Index count, Eigen::Index c, Eigen::Index c2, Eigen::Index last, GVec* acc,
                          GVec& grad) {
  if (full && !clamp) gram_pass<NC, Grad, true, false>(z, w, a, s, count, c, c2, last, acc, grad);
  else if (full) gram_pass<NC, Grad, true, true>(z, w, a, s, count, c, c2, last, acc, grad);
  else gram_pass<NC, Grad, false, true>(z, w, a, s, count, c, c2, last, acc, grad);
}

template <bool Grad>
inline void gram_columns(Eigen::Index needed, const float* z, Eigen::Index w, const float* a, const float* s,
                         Eigen::Index count, Eigen::Index n, Eigen::Index c, Eigen::Index c2, Eigen::Index last,
                         bool full, GVec* acc, GVec& grad) {
  (void)n;
  if constexpr (kCols > 8) {
    if (needed > 8) {
      gram_dispatch<kCols, Grad>(full, c2 + kCols > last + 1, z, w, a, s, count, c, c2, last, acc, grad);
      return;
    }
  }
  gram_dispatch<8, Grad>(full, c2 + 8 > last + 1, z, w, a, s, count, c, c2, last, acc, grad);
}

// h (lower triangle of the n × n block, leading dimension ld) += Σ_e a_e z_e z_eᵀ and g[0, n) += Σ_e a_e s_e z_e
// over the block's panel (rows of width w ≥ n): for each register of rows [c, c + kGramLanes), the columns
// c2 ≤ c + kGramLanes − 1 kCols at a time (independent accumulators keep the multiply-add units busy), each the
// register a_e·z_e[rows] times a broadcast column entry; the first pass over the pairs also takes the gradient's
// register. Lanes past n are dropped.
void add_gram(const float* z, Eigen::Index w, const float* a, const float* s, Eigen::Index count, Eigen::Index n,
              float* h, Eigen::Index ld, float* g) {
  for (Eigen::Index c = 0; c < n; c += kGramLanes) {
    const Eigen::Index rows = std::min(kGramLanes, n - c);
    const bool full = c + kGramLanes <= w;
    const Eigen::Index last = std::min(n, c + rows) - 1;  // columns past it are above the diagonal here
    for (Eigen::Index c2 = 0; c2 <= last; c2 += kCols) {
      GVec acc[kCols];
      GVec grad;
      const bool with_gradient = c2 == 0;
      const Eigen::Index needed = std::min<Eigen::Index>(kCols, last + 1 - c2);
      if (with_gradient) gram_columns<true>(needed, z, w, a, s, count, n, c, c2, last, full, acc, grad);
      else gram_columns<false>(needed, z, w, a, s, count, n, c, c2, last, full, acc, grad);
      for (int j = 0; j < kCols && c2 + j <= last; ++j) {
        float* hc = h + (c2 + j) * ld;
        for (Eigen::Index i = std::max<Eigen::Index>(c, c2 + j) - c; i < rows; ++i) hc[c + i] += acc[j][i];
      }
      if (with_gradient)
        for (Eigen::Index i = 0; i < rows; ++i) g[c + i] += grad[i];
    }
  }
}

// Lane masks: IVec holds kLanes ints, the result of comparing two Vecs.
typedef int IVec __attribute__((vector_size(kLanes * sizeof(float))));

// v with the lanes i (counting from `first`) outside (j, n) zeroed (also NaN: the mask is a bitwise and).
inline Vec strictly_between(Vec v, Eigen::Index first, Eigen::Index j, Eigen::Index n) {
  Vec i;
  for (Eigen::Index l = 0; l < kLanes; ++l) i[l] = static_cast<float>(first + l);
  const IVec keep = (i > static_cast<float>(j)) & (i < static_cast<float>(n));
  return (Vec)((IVec)v & keep);
}

// factor_block and solve_block (below) for m independent blocks in lockstep (step j of each in turn), so that one
// block's chain of dependent steps (square root, division, the column updates) overlaps the others'. ok[q] false:
// skipped (factor_many sets it when block q is not positive definite). RT = R, or 0 for R = P / kLanes.
template <int RT>
void factor_many(float* const* l, float* const* u, float* const* inv, bool* ok, std::size_t m, Eigen::Index n,
                 Eigen::Index P) {
  const Eigen::Index R = RT > 0 ? RT : P / kLanes;
  for (Eigen::Index j = 0; j < n; ++j) {
    for (std::size_t q = 0; q < m; ++q) {
      if (!ok[q]) continue;
      float* cj = l[q] + j * P;
      const float d = cj[j];
      if (!(d > 0.0f)) {  // (also NaN)
        ok[q] = false;
        continue;
      }
      const float root = std::sqrt(d);
      const float iv = 1.0f / root;
      inv[q][j] = iv;
      for (Eigen::Index r = 0; r < R; ++r) {
        const Vec v = strictly_between(load(cj + r * kLanes) * iv, r * kLanes, j, n);
        std::memcpy(cj + r * kLanes, &v, sizeof v);
      }
      for (Eigen::Index c = j + 1; c < n; ++c) {
        const float f = cj[c];
        u[q][c * P + j] = f;
        float* cc = l[q] + c * P;
        for (Eigen::Index r = 0; r < R; ++r) {
          const Vec v = load(cc + r * kLanes) - f * load(cj + r * kLanes);
          std::memcpy(cc + r * kLanes, &v, sizeof v);
        }
      }
    }
  }
}

template <int RT>
void solve_many(const float* const* l, const float* const* u, const float* const* inv, const bool* ok, std::size_t m,
                Eigen::Index n, Eigen::Index P, float* const* g, float* const* y) {
  const Eigen::Index R = RT > 0 ? RT : P / kLanes;
  // One substitution step for column j of the triangular factors t (forward with l, backward with u), every row q.
  const auto step = [&](Eigen::Index j, const float* const* t) {
    for (std::size_t q = 0; q < m; ++q) {
      if (!ok[q]) continue;
      const float v = g[q][j] * inv[q][j];
      y[q][j] = v;
      const float* cj = t[q] + j * P;
      for (Eigen::Index r = 0; r < R; ++r) {
        const Vec w = load(g[q] + r * kLanes) - v * load(cj + r * kLanes);
        std::memcpy(g[q] + r * kLanes, &w, sizeof w);
      }
    }
  };
  const auto keep_solution = [&] {
    for (std::size_t q = 0; q < m; ++q)
      if (ok[q]) std::memcpy(g[q], y[q], static_cast<std::size_t>(n) * sizeof(float));
  };
  for (Eigen::Index j = 0; j < n; ++j) step(j, l);
  keep_solution();
  for (Eigen::Index j = n - 1; j >= 0; --j) step(j, u);
  keep_solution();
}

void factor_many(float* const* l, float* const* u, float* const* inv, bool* ok, std::size_t m, Eigen::Index n,
                 Eigen::Index P) {
  if (P == kLanes) return factor_many<1>(l, u, inv, ok, m, n, P);
  if (P == 2 * kLanes) return factor_many<2>(l, u, inv, ok, m, n, P);
  if (P == 4 * kLanes) return factor_many<4>(l, u, inv, ok, m, n, P);
  return factor_many<0>(l, u, inv, ok, m, n, P);
}

void solve_many(const float* const* l, const float* const* u, const float* const* inv, const bool* ok, std::size_t m,
                Eigen::Index n, Eigen::Index P, float* const* g, float* const* y) {
  if (P == kLanes) return solve_many<1>(l, u, inv, ok, m, n, P, g, y);
  if (P == 2 * kLanes) return solve_many<2>(l, u, inv, ok, m, n, P, g, y);
  if (P == 4 * kLanes) return solve_many<4>(l, u, inv, ok, m, n, P, g, y);
  return solve_many<0>(l, u, inv, ok, m, n, P, g, y);
}

// Cholesky A = L Lᵀ of the n × n block in `l` (column-major, leading dimension P = R·kLanes ≥ n; the lower triangle
// holds A, the rest anything), right-looking, whole registers per column:
//   L[j, j] = √A[j, j];  L[j+1:n, j] = A[j+1:n, j] / L[j, j];  A[:, c] −= L[c, j] · L[:, j]  (c > j)
// Afterwards l's column j holds L's strictly lower part (zero elsewhere), inv[j] = 1 / L[j, j], and u's column c
// holds row c of L left of the diagonal (u = Lᵀ's strictly upper part; its other entries must be, and stay, zero),
// so that both triangular solves are column updates of whole registers. No branch depends on the data except the
// positive-definiteness test (short loops of varying length mispredict: the left-looking version with scalar tails
// cost ~2,500 cycles per 16 × 16 block, a quarter of the solve at 64 factors). One block: factor_many's m = 1.
bool factor_block(float* l, float* u, float* inv, Eigen::Index n, Eigen::Index P) {
  bool ok = true;
  factor_many(&l, &u, &inv, &ok, 1, n, P);
  return ok;
}

// g ← (L Lᵀ)⁻¹ g (P floats; the result's entries past n are not defined) for factor_block's l, u, inv; y is P floats
// of scratch. Forward L y = g then backward Lᵀ x = y, each step one scalar and R register updates (solve_many's
// m = 1).
void solve_block(const float* l, const float* u, const float* inv, Eigen::Index n, Eigen::Index P, float* g,
                 float* y) {
  const bool ok = true;
  solve_many(&l, &u, &inv, &ok, 1, n, P, &g, &y);
}

Eigen::Index padded(Eigen::Index k) { return (k + kLanes - 1) / kLanes * kLanes; }

// The scratch buffers' first float on a 64-byte boundary (each is allocated kAlignSlack floats longer for it), so
// that whole-register loads and stores at register-multiple offsets never straddle two cache lines (std::vector's
// storage is 16-byte aligned: large buffers are mmap'd at 16 bytes past a page, and the others' alignment varied
// with the allocations before them, and with it the speed: ±15% per iteration on ml-latest-small between builds
// that differed only in what they allocated).
constexpr std::size_t kAlignSlack = 64 / sizeof(float);
inline float* aligned(std::vector<float>& v) {
  const auto p = reinterpret_cast<std::uintptr_t>(v.data());
  return reinterpret_cast<float*>((p + 63) / 64 * 64);
}

// Whether a group's rows factor their blocks together (factor_many): for blocks of up to four registers a row, where
// the steps' latency, not their arithmetic, bounds a single factorisation; larger blocks are factored one at a time
// in one buffer (each row's copy would be 2·P·b floats).
bool batch_factors(Eigen::Index P) { return P <= 4 * kLanes; }

// Rows solved together: their sweeps run block by block in lockstep, so that each block's rows of w₀G are read once
// for the whole group (w₀G x costs k² per row, and w₀G itself is 1 MB at k = 512: read row by row it took 14% of the
// solve time). A group is consecutive rows of one call, at most kGroupRows, with at most kGroupPairs pairs in total
// unless it is a single longer row. A row's arithmetic is the same in any group: results do not depend on them.
constexpr std::uint32_t kGroupRows = 8;
constexpr std::uint64_t kGroupPairs = 2048;

// One row of a group during its sweep.
struct RowState {
  std::uint32_t row = 0;
  float* x = nullptr;    // its factors (the warm start, updated block by block)
  Pairs pairs;           // its weighted pairs
  float* t = nullptr;    // their residuals t_e = s_e − p_e = y_eᵀ x − b_e / a_e
  float* r = nullptr;    // Σ_e b_e y_e over the unweighted pairs (k floats)
  float* wgx = nullptr;  // the current block's (w₀G x)_π (a padded register count)
  float lambda = 0;
  bool shared = false;   // no weighted pair: A_ππ = (w₀G)_ππ + λI, whose factors are kept per block and λ
  bool live = false;     // nonempty and not failed
};

// rows[i].wgx = (W x_i)_π, π = [j0, j0 + n), for the live rows: per register of π, four rows at a time, each
// column segment of the symmetric W loaded once for them (loads stop at the end of W's storage).
void block_products(const Eigen::MatrixXf& w, Eigen::Index j0, Eigen::Index n, RowState* rows, std::size_t count) {
  const Eigen::Index k = w.rows();
  const float* end = w.data() + k * k;
  for (Eigen::Index c0 = 0; c0 < n; c0 += kLanes) {
    for (std::size_t first = 0; first < count; first += 4) {
      const std::size_t last = std::min(first + 4, count);
      const float* x[4];
      std::size_t m = 0;
      for (std::size_t i = first; i < last; ++i)
        if (rows[i].live) x[m++] = rows[i].x;
      if (m == 0) continue;
      for (std::size_t i = m; i < 4; ++i) x[i] = x[0];
      Vec acc[4] = {};
      const float* col = w.data() + j0 + c0;
      for (Eigen::Index c = 0; c < k; ++c, col += k) {
        const Vec wc = col + kLanes <= end ? load(col) : load_within(col, end);
        for (int i = 0; i < 4; ++i) acc[i] += wc * x[i][c];
      }
      m = 0;
      for (std::size_t i = first; i < last; ++i)
        if (rows[i].live) std::memcpy(rows[i].wgx + c0, &acc[m++], sizeof(Vec));
    }
  }
}

class SubspaceSolver final : public RowSolver {
 public:
  explicit SubspaceSolver(int block_size) : block_size_(block_size) {}

  void prepare(RowScratch& s, int k, std::size_t longest) const override {
    // A group's pairs: their weights in a, scores in q, factor rows in panels; its rows' r and (w₀G x)_π.
    const std::size_t capacity = std::max<std::size_t>(longest, kGroupPairs);
    s.reserve(k, capacity, longest, {false, false, false});
    s.row_idx.assign(std::max<std::size_t>(longest, 1), 0);
    const std::size_t b = static_cast<std::size_t>(std::min(block_size_, k));
    const std::size_t blocks = (static_cast<std::size_t>(k) + b - 1) / b;
    s.panels.assign(blocks * b * capacity + kLanes + kAlignSlack, 0.0f);  // (+ kLanes: the last row's loads)
    const auto stride = static_cast<std::size_t>(padded(k));
    s.group.assign(kGroupRows * (2 * stride + kLanes) + kAlignSlack, 0.0f);
    s.g.assign(kGroupRows * 2 * (stride + kLanes) + kAlignSlack, 0.0f);  // per row: a block's g, then its δ; y
  }

  std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared, RowScratch& s,
                     float* x) const override {
    const Eigen::Index k = other.cols();
    const Eigen::Index b = std::min<Eigen::Index>(block_size_, k);
    const std::size_t blocks = static_cast<std::size_t>((k + b - 1) / b);
    // Per block: its factor (the shared ones kept for reuse): L's and Lᵀ's strictly triangular parts, b columns of
    // P = padded(b) floats each, then b reciprocal diagonal entries.
    const Eigen::Index P = padded(b);
    const std::size_t per_block = static_cast<std::size_t>(2 * P * b + b);
    if (s.block_factors.size() != blocks * per_block + kLanes + kAlignSlack) {  // first use of this scratch
      s.block_factors.assign(blocks * per_block + kLanes + kAlignSlack, 0.0f);
      s.block_keys.assign(blocks, 0);
      s.block_lambdas.assign(blocks, 0.0f);
      // per row of a group (one when not batched): its block's matrix, then factor
      s.h.assign((batch_factors(P) ? kGroupRows : 1) * (per_block + kLanes) + kAlignSlack, 0.0f);
    }
    std::int64_t failed = -1;
    for (std::uint32_t first = rows.first; first < rows.last;) {
      std::uint32_t end = first;
      std::uint64_t pairs = 0;
      while (end < rows.last && end - first < kGroupRows) {
        const std::uint64_t next = pairs + rows.m->row_size(end);
        if (end > first && next > kGroupPairs) break;
        pairs = next;
        ++end;
      }
      const std::int64_t f =
          solve_group(other, rows, first, end, shared, b, s, x + (first - rows.first) * static_cast<std::size_t>(k));
      if (f >= 0 && failed < 0) failed = f;
      first = end;
    }
    return failed;
  }

 private:
  // The rows [first, last) (x at row `first`); the first row whose block matrix is not positive definite, or −1.
  static std::int64_t solve_group(const ConstFactorMap& other, const RowBlock& rows, std::uint32_t first,
                                  std::uint32_t last, const SharedTerms& shared, Eigen::Index b, RowScratch& s,
                                  float* x) {
    const Eigen::Index k = other.cols(), stride = padded(k);
    RowState state[kGroupRows];
    const std::size_t count = last - first;
    Eigen::Index used = 0;  // pairs gathered so far in the group
    for (std::size_t i = 0; i < count; ++i) {
      RowState& st = state[i];
      st.row = first + static_cast<std::uint32_t>(i);
      st.x = x + i * static_cast<std::size_t>(k);
      st.r = aligned(s.group) + i * (2 * stride + kLanes);
      st.wgx = st.r + stride;
      st.pairs = Pairs{aligned(s.panels) + used * static_cast<std::size_t>(b), s.a.data() + used, 0,
                       static_cast<std::size_t>(s.a.size()) * static_cast<std::size_t>(b)};
      st.t = s.q.data() + used;
      st.lambda = rows.lambda[st.row];
      st.live = rows.m->row_size(st.row) > 0;
      if (!st.live) {  // r = 0: x = 0 (also the minimum-norm solution if A is singular)
        std::fill(st.x, st.x + k, 0.0f);
        continue;
      }
      gather(other, rows, b, st, s);
      used += st.pairs.count;
      st.shared = st.pairs.count == 0 && shared.key != 0;
    }

    std::int64_t failed = -1;
    const Eigen::Index P = padded(b);
    const std::size_t per_block = static_cast<std::size_t>(2 * P * b + b);
    const std::size_t gstride = 2 * static_cast<std::size_t>(stride + kLanes);
    const bool batched = batch_factors(P);
    for (Eigen::Index j0 = 0, p = 0; j0 < k; j0 += b, ++p) {
      const Eigen::Index n = std::min(b, k - j0);
      if (shared.wg) block_products(*shared.wg, j0, n, state, count);
      // The rows' block matrices and gradients; the factors and solves of those with weighted pairs are computed
      // together below (the shared ones are solved at once).
      float* ls[kGroupRows];
      float* us[kGroupRows];
      float* invs[kGroupRows];
      float* gs[kGroupRows];
      float* ys[kGroupRows];
      bool ok[kGroupRows];
      std::size_t m = 0;
      RowState* solved[kGroupRows];
      std::int64_t block_failed = -1;  // the block's first row that fails
      for (std::size_t i = 0; i < count; ++i) {
        RowState& st = state[i];
        if (!st.live) continue;
        float* g = aligned(s.g) + i * gstride;
        // g = (w₀G x)_π + λ x_π − r_π + Σ_e a_e t_e z_eπ  (r: the unweighted pairs' part)
        for (Eigen::Index c = 0; c < n; ++c)
          g[c] = (shared.wg ? st.wgx[c] : 0.0f) + st.lambda * st.x[j0 + c] - st.r[j0 + c];
        const bool immediate = st.shared || !batched;
        float* l = st.shared    ? aligned(s.block_factors) + p * per_block
                   : batched ? aligned(s.h) + i * (per_block + kLanes)
                             : aligned(s.h);
        float* u = l + P * b;
        float* inv = u + P * b;
        const bool cached = st.shared && s.block_keys[static_cast<std::size_t>(p)] == shared.key &&
                            s.block_lambdas[static_cast<std::size_t>(p)] == st.lambda;
        bool good = true;
        if (!cached) {  // A_ππ = (w₀G)_ππ + λI + Z⁺_π Z⁺_πᵀ − Z⁻_π Z⁻_πᵀ (lower triangle)
          // (whole columns of (w₀G)_{π,π}, P rows from j0: the entries above the diagonal and past n are ignored)
          for (Eigen::Index c = 0; c < n; ++c) {
            float* lc = l + c * P;
            if (shared.wg) {
              const float* wc = shared.wg->data() + (j0 + c) * k + j0;
              const float* end = shared.wg->data() + k * k;
              for (Eigen::Index r = 0; r < P; r += kLanes) {
                const Vec v = wc + r + kLanes <= end ? load(wc + r) : load_within(wc + r, end);
                std::memcpy(lc + r, &v, sizeof v);
              }
            } else {
              std::fill(lc, lc + P, 0.0f);
            }
            lc[c] += st.lambda;
          }
          add_gram(st.pairs.z + p * st.pairs.panel, b, st.pairs.a, st.t, st.pairs.count, n, l, P, g);  // (and g's)
          if (st.shared) s.block_keys[static_cast<std::size_t>(p)] = 0;  // valid again once factored
          if (immediate) {
            good = factor_block(l, u, inv, n, P);
            if (good && st.shared) {
              s.block_keys[static_cast<std::size_t>(p)] = shared.key;
              s.block_lambdas[static_cast<std::size_t>(p)] = st.lambda;
            }
          }
        }  // (a shared factor means no weighted pairs: their part of g is 0)
        for (Eigen::Index c = 0; c < n; ++c) g[c] = -g[c];
        if (immediate) {  // a shared row: the next one may factor another λ into the same place
          if (!good) {
            st.live = false;
            if (block_failed < 0) block_failed = st.row;
            continue;
          }
          solve_block(l, u, inv, n, P, g, g + stride + kLanes);
          std::fill(g + n, g + padded(n), 0.0f);
          for (Eigen::Index c = 0; c < n; ++c) st.x[j0 + c] += g[c];
          pair_dots(st.pairs.z + p * st.pairs.panel, b, st.pairs.count, n, g, st.t);
          continue;
        }
        ls[m] = l;
        us[m] = u;
        invs[m] = inv;
        gs[m] = g;
        ys[m] = g + stride + kLanes;
        ok[m] = true;
        solved[m] = &st;
        ++m;
      }
      // The weighted rows' factors, together, in place of their matrices.
      factor_many(ls, us, invs, ok, m, n, P);
      for (std::size_t q = 0; q < m; ++q)
        if (!ok[q]) {
          solved[q]->live = false;
          if (block_failed < 0 || solved[q]->row < block_failed) block_failed = solved[q]->row;
        }
      if (failed < 0) failed = block_failed;
      // δ = −A_ππ⁻¹ g (in g, zero past n); x_π += δ; t_e += z_eπᵀ δ
      solve_many(ls, us, invs, ok, m, n, P, gs, ys);
      for (std::size_t q = 0; q < m; ++q) {
        if (!ok[q]) continue;
        RowState& st = *solved[q];
        float* g = gs[q];
        std::fill(g + n, g + padded(n), 0.0f);
        for (Eigen::Index c = 0; c < n; ++c) st.x[j0 + c] += g[c];
        pair_dots(st.pairs.z + p * st.pairs.panel, b, st.pairs.count, n, g, st.t);
      }
    }
    return failed;
  }

  // The row's r = Σ b_e y_e over its unweighted pairs (a = 0), its weighted pairs (a ≠ 0) into the panels (block π
  // of pair e at z + p·panel + e·b, zero past k) and their residuals t_e = y_eᵀ x − p_e with p_e = b_e / a_e, so that
  // a_e t_e = a_e s_e − b_e carries the weighted pairs' part of r into the gradient (add_gram's Σ a_e t_e z_eπ) and no
  // separate pass over their factor rows sums it.
  static void gather(const ConstFactorMap& other, const RowBlock& rows, Eigen::Index b, RowState& st, RowScratch& s) {
    const Eigen::Index k = other.cols();
    const std::uint64_t begin = rows.m->indptr[st.row], count = rows.m->indptr[st.row + 1] - begin;
    const std::uint32_t* idx = rows.m->indices.data() + begin;
    rows.weights->row(begin, count, s.row_a.data(), s.row_b.data());
    std::fill(st.r, st.r + k, 0.0f);
    Pairs& pairs = st.pairs;
    float* weights = const_cast<float*>(pairs.a);
    std::uint32_t* plain_idx = s.row_idx.data();  // the unweighted pairs' indices; their b compacted in row_b
    std::uint64_t plain = 0;
    // The residuals kLanes pairs at a time: with whole registers (k and b multiples of kLanes) each pair's products
    // with x are summed lane-wise while its row is copied (dots[l]; row_dots' arithmetic without reading the row
    // again), else from the rows (batch[l], row_dots); then one transposed sum. target[l] = p_e.
    const bool fused = k % kLanes == 0 && b % kLanes == 0;
    const bool whole = fused && k % b == 0;  // every block full
    Vec dots[kLanes];
    const float* batch[kLanes];
    float target[kLanes];
    Eigen::Index pending = 0;
    auto flush = [&] {
      float* t = st.t + pairs.count - pending;
      if (fused) {
        for (Eigen::Index l = pending; l < kLanes; ++l) dots[l] = Vec{};
        const Vec sums = transpose_sum(dots);
        for (Eigen::Index l = 0; l < pending; ++l) t[l] = sums[l];
      } else {
        row_dots(batch, pending, st.x, k, t);
      }
      for (Eigen::Index l = 0; l < pending; ++l) t[l] -= target[l];
      pending = 0;
    };
    // The factor rows prefetched 24 pairs ahead: the panel copy is their first touch (8 ahead was ~1% slower at 64
    // factors; a distance computed from k, ~6 KB of rows, measured slower than this constant, within the noise).
    constexpr std::uint64_t rows_ahead = 24;
    const std::size_t row_bytes = static_cast<std::size_t>(k) * sizeof(float);
    auto fetch_row = [&](std::uint64_t e) {
      const char* y = reinterpret_cast<const char*>(other.data() + static_cast<std::size_t>(idx[e]) * k);
      for (std::size_t c = 0; c < row_bytes; c += 64) __builtin_prefetch(y + c);
    };
    for (std::uint64_t e = 0; e < std::min(count, rows_ahead); ++e) fetch_row(e);
    for (std::uint64_t e = 0; e < count; ++e) {
      if (e + rows_ahead < count) fetch_row(e + rows_ahead);
      const float a = s.row_a[e];
      if (a == 0.0f) {  // (plain ≤ e: the compaction never overwrites a weight still to read)
        plain_idx[plain] = idx[e];
        s.row_b[plain++] = s.row_b[e];
        continue;
      }
      const float* y = other.data() + static_cast<std::size_t>(idx[e]) * static_cast<std::size_t>(k);
      float* z = pairs.z + pairs.count * b;
      Vec acc = {};
      if (whole) {  // the loop below without its tails: ~6% of the iteration at 64 factors (ML1M, best iterations)
        for (Eigen::Index j0 = 0; j0 < k; j0 += b, z += pairs.panel)
          for (Eigen::Index c = 0; c < b; c += kLanes) {
            const Vec v = load(y + j0 + c);
            std::memcpy(z + c, &v, sizeof v);
            acc += v * load(st.x + j0 + c);
          }
      } else {
        for (Eigen::Index j0 = 0; j0 < k; j0 += b, z += pairs.panel) {
          const Eigen::Index n = std::min(b, k - j0);
          Eigen::Index c = 0;
          for (; c + kLanes <= n; c += kLanes) {
            const Vec v = load(y + j0 + c);
            std::memcpy(z + c, &v, sizeof v);
            if (fused) acc += v * load(st.x + j0 + c);
          }
          for (; c < n; ++c) z[c] = y[j0 + c];
          for (; c < b; ++c) z[c] = 0.0f;
        }
      }
      weights[pairs.count] = a;
      dots[pending] = acc;
      batch[pending] = y;
      target[pending++] = s.row_b[e] / a;
      ++pairs.count;
      if (pending == kLanes) flush();
    }
    if (pending > 0) flush();
    kernels::gather_sum(other.data(), plain_idx, s.row_b.data(), plain, k, st.r);
  }

  int block_size_;
};

}  // namespace

std::unique_ptr<RowSolver> make_subspace_solver(int block_size) { return std::make_unique<SubspaceSolver>(block_size); }

}  // namespace detail
}  // namespace alsrec
