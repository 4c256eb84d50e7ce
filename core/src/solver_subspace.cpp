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
// weighted pairs' factor rows are read where they are (no gathered copy: the scratch holds a pointer and a weight per
// pair, not k floats), and the block steps need no sums across the lanes of a register except one per pair for the
// score update
// (batched, transpose_sum): the block matrix is accumulated as outer products (a_e y_eπ) y_eπᵀ, a register of
// rows times broadcast column entries, the gradient as Σ_e a_e s_e y_eπ.
//
// Multiply-adds per row and sweep, n pairs (all weighted), k factors, k/b blocks: r and the first scores 2kn; the
// blocks' matrices k·b·n (outer products of whole registers: b = 16 fills one AVX-512 register, the upper triangle
// is computed too); gradients and score updates 2kn; w₀G x k²; factorisations k·b²/6. In all
// k·n·(b + 4) + k² + k·b²/6,  against k²n/2 + k³/6 for the exact solve and
// (steps + 1)·(k² + 2kn) + kn for CG. Rows whose pairs are all unweighted (implicit's default) share
// A_ππ = (w₀G)_ππ + λI: its k/b factors are computed once per half-step and λ.
#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "solver_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace alsrec {
namespace detail {
namespace {

using kernels::dot;

// One SIMD register of floats (GCC/clang vector extension; SIMD128 in wasm), loaded and stored unaligned.
#if defined(__AVX512F__)
constexpr Eigen::Index kLanes = 16;
#elif defined(__AVX__)
constexpr Eigen::Index kLanes = 8;
#else
constexpr Eigen::Index kLanes = 4;  // SSE2, SIMD128 (wasm)
#endif
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A register from p, with the lanes at or past `end` zero (the last columns of a matrix end its storage).
inline Vec load_within(const float* p, const float* end) {
  if (p + kLanes <= end) return load(p);
  Vec v = {};
  for (Eigen::Index l = 0; p + l < end; ++l) v[l] = p[l];
  return v;
}

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

// The weighted pairs of one row: factor rows y_e (k floats each, read in place) and their weights a_e.
struct Pairs {
  const float* const* y = nullptr;
  const float* a = nullptr;
  Eigen::Index count = 0, k = 0;
};

// A register of y_e[at, at + kLanes), zero past k (the last row of a factor matrix ends its storage).
inline Vec load_row(const float* y, Eigen::Index at, Eigen::Index k) {
  return at + kLanes <= k ? load(y + at) : load_within(y + at, y + k);
}

// t[e] += y_e[j0, j0 + n) · v[0, n) for every pair (v zero past n: lanes past n contribute nothing), kLanes pairs at a
// time through transpose_sum.
void pair_dots(const Pairs& pairs, Eigen::Index j0, Eigen::Index n, const float* v, float* t) {
  for (Eigen::Index e0 = 0; e0 < pairs.count; e0 += kLanes) {
    Vec p[kLanes];
    for (Eigen::Index l = 0; l < kLanes; ++l) {
      Vec acc = {};
      if (e0 + l < pairs.count) {
        const float* y = pairs.y[e0 + l];
        for (Eigen::Index i = 0; i < n; i += kLanes) acc += load_row(y, j0 + i, pairs.k) * load(v + i);
      }
      p[l] = acc;
    }
    const Vec sums = transpose_sum(p);
    for (Eigen::Index l = 0; l < kLanes && e0 + l < pairs.count; ++l) t[e0 + l] += sums[l];
  }
}

// h (lower triangle of the n × n block, leading dimension ld) += Σ_e a_e y_eπ y_eπᵀ with π = [j0, j0 + n), and
// g[0, n) += Σ_e a_e s_e y_eπ: for each register of rows [c, c + kLanes), the columns c2 ≤ c + kLanes − 1 eight at
// a time (eight independent accumulators keep both multiply-add units busy), each the register a_e·y_e[rows] times
// a broadcast column entry; the first pass over the pairs also takes the gradient's register. Lanes past n read the
// next coordinates (zero past k) and are dropped.
void add_gram(const Pairs& pairs, const float* s, Eigen::Index j0, Eigen::Index n, float* h, Eigen::Index ld,
              float* g) {
  constexpr int kCols = 8;
  for (Eigen::Index c = 0; c < n; c += kLanes) {
    const Eigen::Index rows = std::min(kLanes, n - c);
    for (Eigen::Index c2 = 0; c2 < c + rows; c2 += kCols) {
      Eigen::Index col[kCols];
      for (int j = 0; j < kCols; ++j) col[j] = j0 + std::min<Eigen::Index>(c2 + j, n - 1);
      Vec acc[kCols] = {};
      Vec grad = {};
      const bool with_gradient = c2 == 0;
      for (Eigen::Index e = 0; e < pairs.count; ++e) {
        const float* y = pairs.y[e];
        const Vec r = load_row(y, j0 + c, pairs.k) * pairs.a[e];
        for (int j = 0; j < kCols; ++j) acc[j] += r * y[col[j]];
        if (with_gradient) grad += r * s[e];
      }
      for (int j = 0; j < kCols && c2 + j < n; ++j) {
        float* hc = h + (c2 + j) * ld;
        for (Eigen::Index i = std::max<Eigen::Index>(c, c2 + j) - c; i < rows; ++i) hc[c + i] += acc[j][i];
      }
      if (with_gradient)
        for (Eigen::Index i = 0; i < rows; ++i) g[c + i] += grad[i];
    }
  }
}

// In-place Cholesky A = L Lᵀ of the lower triangle of an n × n block (leading dimension ld, readable kLanes floats
// past the last column), left-looking, a register of rows at a time:
//   L[j:, j] = (A[j:, j] − Σ_{p<j} L[j, p] · L[j:, p]) / L[j, j],   L[j, j] = √(A[j, j] − Σ_{p<j} L[j, p]²)
// then Lᵀ into the upper triangle (so that both triangular solves run down columns) and 1 / L[j, j] into inv[j].
// False when A is not positive definite (or has NaN).
bool cholesky_in_place(float* a, Eigen::Index n, Eigen::Index ld, float* inv) {
  for (Eigen::Index j = 0; j < n; ++j) {
    float* cj = a + j * ld;
    for (Eigen::Index i = j; i < n; i += kLanes) {
      Vec acc[4] = {load(cj + i)};  // four chains over p: the multiply-adds' latency, not their number, bounds this
      Eigen::Index p = 0;
      for (; p + 4 <= j; p += 4)
        for (int u = 0; u < 4; ++u) acc[u] -= load(a + (p + u) * ld + i) * a[(p + u) * ld + j];
      for (; p < j; ++p) acc[0] -= load(a + p * ld + i) * a[p * ld + j];
      acc[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      if (i + kLanes <= n) {
        std::memcpy(cj + i, &acc[0], sizeof acc[0]);
      } else {
        for (Eigen::Index l = 0; i + l < n; ++l) cj[i + l] = acc[0][l];
      }
    }
    if (!(cj[j] > 0.0f)) return false;
    const float root = std::sqrt(cj[j]);
    inv[j] = 1.0f / root;
    cj[j] = root;
    for (Eigen::Index i = j + 1; i < n; ++i) cj[i] *= inv[j];
  }
  for (Eigen::Index c = 1; c < n; ++c)
    for (Eigen::Index r = 0; r < c; ++r) a[c * ld + r] = a[r * ld + c];
  return true;
}

// x ← (L Lᵀ)⁻¹ x for the factor of cholesky_in_place: both substitutions as column axpys (L's columns below the
// diagonal, Lᵀ's above it).
void cholesky_solve(const float* l, const float* inv, Eigen::Index n, Eigen::Index ld, float* x) {
  for (Eigen::Index j = 0; j < n; ++j) {
    const float* __restrict cj = l + j * ld;
    const float v = x[j] * inv[j];
    x[j] = v;
    for (Eigen::Index i = j + 1; i < n; ++i) x[i] -= v * cj[i];
  }
  for (Eigen::Index j = n - 1; j >= 0; --j) {
    const float* __restrict cj = l + j * ld;
    const float v = x[j] * inv[j];
    x[j] = v;
    for (Eigen::Index i = 0; i < j; ++i) x[i] -= v * cj[i];
  }
}

Eigen::Index padded(Eigen::Index k) { return (k + kLanes - 1) / kLanes * kLanes; }

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
  float* t = nullptr;    // their scores s_e = y_eᵀ x
  float* r = nullptr;    // Σ_e b_e y_e (k floats)
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
    // A group's pairs: their weights in a, scores in q, factor rows in sources; its rows' r and (w₀G x)_π.
    const std::size_t capacity = std::max<std::size_t>(longest, kGroupPairs);
    s.reserve(k, capacity, longest, {false, false, false});
    s.sources.assign(capacity, nullptr);
    const auto stride = static_cast<std::size_t>(padded(k));
    s.group.assign(kGroupRows * (2 * stride + kLanes), 0.0f);
    s.g.assign(stride + kLanes, 0.0f);  // a block's g, then its δ (zero past the block)
  }

  std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared, RowScratch& s,
                     float* x) const override {
    const Eigen::Index k = other.cols();
    const Eigen::Index b = std::min<Eigen::Index>(block_size_, k);
    const std::size_t blocks = static_cast<std::size_t>((k + b - 1) / b);
    // Per block: its b × b factor (the shared ones kept for reuse), then b reciprocal diagonal entries.
    const std::size_t per_block = static_cast<std::size_t>(b * b + b);
    if (s.block_factors.size() != blocks * per_block + kLanes) {  // first use of this scratch
      s.block_factors.assign(blocks * per_block + kLanes, 0.0f);
      s.block_keys.assign(blocks, 0);
      s.block_lambdas.assign(blocks, 0.0f);
      s.h.assign(per_block + kLanes, 0.0f);
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
      st.r = s.group.data() + i * (2 * stride + kLanes);
      st.wgx = st.r + stride;
      st.pairs = Pairs{s.sources.data() + used, s.a.data() + used, 0, k};
      st.t = s.q.data() + used;
      st.lambda = rows.lambda[st.row];
      st.live = rows.m->row_size(st.row) > 0;
      if (!st.live) {  // r = 0: x = 0 (also the minimum-norm solution if A is singular)
        std::fill(st.x, st.x + k, 0.0f);
        continue;
      }
      gather(other, rows, st, s);
      used += st.pairs.count;
      st.shared = st.pairs.count == 0 && shared.key != 0;
    }

    std::int64_t failed = -1;
    float* g = s.g.data();
    for (Eigen::Index j0 = 0, p = 0; j0 < k; j0 += b, ++p) {
      const Eigen::Index n = std::min(b, k - j0);
      if (shared.wg) block_products(*shared.wg, j0, n, state, count);
      for (std::size_t i = 0; i < count; ++i) {
        RowState& st = state[i];
        if (!st.live) continue;
        // g = (w₀G x)_π + λ x_π − r_π + Σ_e ±t_e z_eπ
        for (Eigen::Index c = 0; c < n; ++c)
          g[c] = (shared.wg ? st.wgx[c] : 0.0f) + st.lambda * st.x[j0 + c] - st.r[j0 + c];
        float* l = st.shared ? s.block_factors.data() + p * (b * b + b) : s.h.data();
        float* inv = l + b * b;
        const bool cached = st.shared && s.block_keys[static_cast<std::size_t>(p)] == shared.key &&
                            s.block_lambdas[static_cast<std::size_t>(p)] == st.lambda;
        if (!cached) {  // A_ππ = (w₀G)_ππ + λI + Z⁺_π Z⁺_πᵀ − Z⁻_π Z⁻_πᵀ (lower triangle), then its factor
          for (Eigen::Index c = 0; c < n; ++c) {
            float* lc = l + c * b;
            for (Eigen::Index e = c; e < n; ++e) lc[e] = shared.wg ? (*shared.wg)(j0 + e, j0 + c) : 0.0f;
            lc[c] += st.lambda;
          }
          add_gram(st.pairs, st.t, j0, n, l, b, g);  // (and the pairs' part of g)
          if (st.shared) s.block_keys[static_cast<std::size_t>(p)] = 0;  // valid again once factored
          if (!cholesky_in_place(l, n, b, inv)) {
            st.live = false;
            if (failed < 0) failed = st.row;
            continue;
          }
          if (st.shared) {
            s.block_keys[static_cast<std::size_t>(p)] = shared.key;
            s.block_lambdas[static_cast<std::size_t>(p)] = st.lambda;
          }
        }  // (a shared factor means no weighted pairs: their part of g is 0)
        // δ = −A_ππ⁻¹ g (in g, zero past n); x_π += δ; t_e += z_eπᵀ δ
        for (Eigen::Index c = 0; c < n; ++c) g[c] = -g[c];
        cholesky_solve(l, inv, n, b, g);
        std::fill(g + n, g + padded(n), 0.0f);
        for (Eigen::Index c = 0; c < n; ++c) st.x[j0 + c] += g[c];
        pair_dots(st.pairs, j0, n, g, st.t);
      }
    }
    return failed;
  }

  // The row's r = Σ b_e y_e (every pair), its weighted pairs (a ≠ 0) and their scores s_e = y_eᵀ x.
  static void gather(const ConstFactorMap& other, const RowBlock& rows, RowState& st, RowScratch& s) {
    const Eigen::Index k = other.cols();
    const std::uint64_t begin = rows.m->indptr[st.row], count = rows.m->indptr[st.row + 1] - begin;
    const std::uint32_t* idx = rows.m->indices.data() + begin;
    rows.weights->row(begin, count, s.row_a.data(), s.row_b.data());
    std::fill(st.r, st.r + k, 0.0f);
    kernels::gather_sum(other.data(), idx, s.row_b.data(), count, k, st.r);
    Pairs& pairs = st.pairs;
    const float** sources = const_cast<const float**>(pairs.y);
    float* weights = const_cast<float*>(pairs.a);
    for (std::uint64_t e = 0; e < count; ++e) {
      if (s.row_a[e] == 0.0f) continue;
      const float* y = other.data() + static_cast<std::size_t>(idx[e]) * static_cast<std::size_t>(k);
      sources[pairs.count] = y;
      weights[pairs.count] = s.row_a[e];
      st.t[pairs.count] = dot(y, st.x, k);
      ++pairs.count;
    }
  }

  int block_size_;
};

}  // namespace

std::unique_ptr<RowSolver> make_subspace_solver(int block_size) { return std::make_unique<SubspaceSolver>(block_size); }

}  // namespace detail
}  // namespace alsrec
