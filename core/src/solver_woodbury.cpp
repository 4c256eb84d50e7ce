// Row solves in the eigenbasis of w₀G: exact for short rows (the Woodbury identity), preconditioned CG for the rest.
//
// A row's system (als.h) is A = w₀G + λ_u I + Zᵀ Z, with Z the n × k matrix of its weighted pairs' rows √a_e y_eᵀ.
// With w₀G = Q Λ Qᵀ (once per half-step: a k × k eigendecomposition) and the fixed side rotated once, ỹ = Qᵀ y
// (a GEMM over its rows), the first two terms are diagonal in the rotated coordinates: D = Λ + λ_u I, whatever λ_u
// the row has, and no step of a row's solve needs a k × k product any more.
//  - Short rows (n ≤ woodbury_row_limit, every a ≥ 0): with W = Z̃ D^-½ (k × n, column e = √a_e ỹ_e / √d) and
//    u = b̃ / √d,   x̃ = D⁻¹ b̃ − D⁻¹ Z̃ᵀ (I + Z̃ D⁻¹ Z̃ᵀ)⁻¹ Z̃ D⁻¹ b̃  =  (u − W (I + WᵀW)⁻¹ Wᵀ u) / √d:
//    an n × n SPD system (eigenvalues ≥ 1, so well conditioned) instead of the k × k one, exact, and no warm start.
//    Multiply-adds: n²k/2 (WᵀW) + ~4nk.
//  - Other rows: cg_steps steps of CG on the rotated system, warm-started from Qᵀ x, preconditioned by the diagonal
//    of Ã (D + Σ a_e ỹ_e²: Jacobi, which holds w₀G and λ exactly). A·p costs k + 4nk instead of CG's k² + 4nk.
//  - x = Q x̃ (and the long rows' Qᵀ x) over groups of kGroup rows (simd::multiply_columns, register-tiled): k² per row.
// Against plain CG's (steps + 1)(k² + 2nk) per row, with the exact answer for the short ones; the half-step pays
// the rotation of the other side and the decomposition, so the trainer turns this on per side only where it pays
// (woodbury_pays, from the global row sizes; otherwise every row goes to block CG, bit for bit as --solver cg).
//
// Results depend only on the rows: the basis and the rotation are computed once per half-step from the same inputs,
// and every column of a group product is computed alone, so neither the work chunks nor the thread count change a
// bit.
#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "solver_kernels.h"
#include "solver_simd.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace alsrec {
namespace detail {

int woodbury_row_limit(int k, int cg_steps) {
  // n²k/2 + 4nk  <  (steps + 1)(k² + 2nk):  n up to about √(2(steps + 1)k).
  return static_cast<int>(std::sqrt(2.0 * (cg_steps + 1) * k));
}

bool woodbury_pays(const std::vector<std::uint32_t>& sizes, std::size_t other_rows, int k, int cg_steps) {
  // Below kWoodburyFrom factors the rows' fixed costs (gathers, the small factorisations) eat the saving: goodbooks'
  // user side took 1.3× CG's time at 64 factors, the same at 128, 0.55× at 256 (bench/README.md, "Woodbury"; CG's
  // products then went through Eigen's GEMM: with the register-tiled kernel the two are even natively, 0.55 s
  // against CG's 0.53 s for goodbooks users over 3 iterations at 256, "Block products").
  if (k < kWoodburyFrom) return false;
  // Multiply-adds: a short row saves CG's (steps + 1)(k² + 2nk) for n²k/2 + 4nk + k²; the half-step pays the other
  // side's rotation (other_rows · k²) and the eigendecomposition (one thread, in double: ~0.45 ns · k³, about
  // 40k³ multiply-adds at the solvers' pace). n counts every pair (an upper bound on the weighted ones), so the
  // estimate errs towards CG.
  const double kd = k, limit = woodbury_row_limit(k, cg_steps);
  double saved = 0;
  for (std::uint32_t n : sizes) {
    if (n == 0 || n > limit) continue;
    saved += (cg_steps + 1) * (kd * kd + 2 * n * kd) - (0.5 * n * n * kd + 4 * n * kd + kd * kd);
  }
  return saved > static_cast<double>(other_rows) * kd * kd + 40 * kd * kd * kd;
}

namespace {

using kernels::dot;

constexpr Eigen::Index kGroup = 32;
constexpr Eigen::Index kRotateRows = 1024;

// The eigenbasis of one half-step's w₀G and the fixed side in it.
struct Basis {
  std::uint64_t key = 0;
  Eigen::MatrixXf q, qt;     // k × k: the eigenvectors as columns, and Qᵀ
  Eigen::VectorXf lambda;    // k: the eigenvalues (≥ 0)
  RowMajorMatrixXf rotated;  // other side × k: row r = (Qᵀ y_r)ᵀ
};


// Rows waiting for a product with Q or Qᵀ: the columns of k × kGroup matrices (RowScratch's).
struct Group {
  Group(float* in_, float* out_) : in(in_), out(out_) {}
  float* in;
  float* out;
  std::uint32_t rows[kGroup] = {};
  Eigen::Index size = 0;
};

class WoodburySolver final : public RowSolver {
 public:
  explicit WoodburySolver(int steps) : steps_(steps), cg_(make_block_cg_solver(steps)) {}

  void prepare(RowScratch& s, int k, std::size_t longest) const override { cg_->prepare(s, k, longest); }

  void begin_half_step(const ConstFactorMap& other, const SharedTerms& shared, ThreadPool& pool) override {
    if (!shared.low_rank || !shared.wg) return;
    // In double (the eigenvectors' orthogonality bounds the solve's accuracy): ~9 ms at k = 256, ~60 ms at 512.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(shared.wg->cast<double>());
    basis_.q = eig.eigenvectors().cast<float>();
    basis_.qt = basis_.q.transpose();
    basis_.lambda = eig.eigenvalues().cwiseMax(0.0).cast<float>();
    // ỹ = Qᵀ y for every row of the other side, in fixed blocks of rows on the pool (each row's bits depend only
    // on the row: the block count never changes a product's shape along k).
    const Eigen::Index rows = other.rows(), k = other.cols();
    basis_.rotated.resize(rows, k);
    const auto blocks = static_cast<std::size_t>((rows + kRotateRows - 1) / kRotateRows);
    pool.run(blocks, [&](std::size_t b, int) {
      const Eigen::Index first = static_cast<Eigen::Index>(b) * kRotateRows, n = std::min(kRotateRows, rows - first);
      basis_.rotated.middleRows(first, n).noalias() = other.middleRows(first, n) * basis_.q;
    });
    basis_.key = shared.key;
  }

  std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared, RowScratch& s,
                     float* x) const override {
    if (!shared.low_rank || !shared.wg || basis_.key != shared.key) return cg_->solve(other, rows, shared, s, x);
    const Basis& basis = basis_;  // begin_half_step's for this shared.key
    const Eigen::Index k = other.cols();
    const std::size_t ku = static_cast<std::size_t>(k);
    const auto limit = static_cast<std::uint64_t>(woodbury_row_limit(static_cast<int>(k), steps_));
    if (s.wu.size() != k) {
      s.wu.resize(k);
      s.wd.resize(k);
      s.wcg.resize(k, 4);
      s.wgroups.resize(k, 4 * kGroup);  // the two groups' inputs and outputs
      s.wm.resize(static_cast<Eigen::Index>(limit), static_cast<Eigen::Index>(limit));
      s.wt.resize(static_cast<Eigen::Index>(limit));
    }
    Group exact{s.wgroups.col(0).data(), s.wgroups.col(kGroup).data()};
    Group iterative{s.wgroups.col(2 * kGroup).data(), s.wgroups.col(3 * kGroup).data()};
    auto row_x = [&](std::uint32_t r) { return x + (r - rows.first) * ku; };
    auto scatter = [&](Group& g) {  // x = Q x̃ for the group
      simd::multiply_columns(basis.q, g.in, g.out, g.size);
      for (Eigen::Index j = 0; j < g.size; ++j) std::copy(g.out + j * k, g.out + (j + 1) * k, row_x(g.rows[j]));
      g.size = 0;
    };
    auto flush_iterative = [&] {
      if (iterative.size == 0) return;
      simd::multiply_columns(basis.qt, iterative.in, iterative.out, iterative.size);  // warm starts Qᵀ x
      std::swap(iterative.in, iterative.out);
      for (Eigen::Index j = 0; j < iterative.size; ++j) {
        const std::uint32_t r = iterative.rows[j];
        const std::uint64_t begin = rows.m->indptr[r], count = rows.m->indptr[r + 1] - begin;
        rows.weights->row(begin, count, s.row_a.data(), s.row_b.data());
        solve_iterative(basis, rows.m->indices.data() + begin, count, rows.lambda[r], s, iterative.in + j * k);
      }
      scatter(iterative);
    };
    for (std::uint32_t r = rows.first; r < rows.last; ++r) {
      const std::uint64_t begin = rows.m->indptr[r], count = rows.m->indptr[r + 1] - begin;
      if (count == 0) {  // b = 0: x = 0
        std::fill(row_x(r), row_x(r) + k, 0.0f);
        continue;
      }
      rows.weights->row(begin, count, s.row_a.data(), s.row_b.data());
      std::uint64_t weighted = 0;
      bool negative = false;
      for (std::uint64_t e = 0; e < count; ++e) {
        weighted += s.row_a[e] != 0.0f;
        negative = negative || s.row_a[e] < 0.0f;
      }
      if (!negative && weighted <= limit && rows.lambda[r] > 0.0f) {
        solve_exact_row(basis, rows.m->indices.data() + begin, count, rows.lambda[r], s,
                        exact.in + exact.size * k);
        exact.rows[exact.size++] = r;
        if (exact.size == kGroup) scatter(exact);
      } else {
        std::copy(row_x(r), row_x(r) + k, iterative.in + iterative.size * k);
        iterative.rows[iterative.size++] = r;
        if (iterative.size == kGroup) flush_iterative();
      }
    }
    if (exact.size > 0) scatter(exact);
    flush_iterative();
    return -1;  // neither path fails: the exact one needs λ_u > 0 (checked), CG stops where A is not PD along p
  }

 private:
  // x̃ of one short row into out (k floats); s.row_a / s.row_b hold its pairs' weights.
  static void solve_exact_row(const Basis& basis, const std::uint32_t* idx, std::uint64_t count, float lambda,
                              RowScratch& s, float* out) {
    const Eigen::Index k = basis.q.rows();
    s.wd = (basis.lambda.array() + lambda).sqrt().inverse();  // 1 / √d (Eigen's vectorised sqrt)
    const float* __restrict wd = s.wd.data();
    s.wu.setZero();
    kernels::gather_sum(basis.rotated.data(), idx, s.row_b.data(), count, k, s.wu.data());  // b̃
    Eigen::Index n = 0;
    for (std::uint64_t e = 0; e < count; ++e) {
      if (s.row_a[e] == 0.0f) continue;
      const float* __restrict y = basis.rotated.data() + static_cast<std::size_t>(idx[e]) * static_cast<std::size_t>(k);
      float* __restrict w = s.yt.col(n++).data();
      const float root = std::sqrt(s.row_a[e]);
      for (Eigen::Index i = 0; i < k; ++i) w[i] = root * y[i] * wd[i];
    }
    float* __restrict u = s.wu.data();
    for (Eigen::Index i = 0; i < k; ++i) u[i] *= wd[i];  // u = b̃ / √d
    if (n > 0) {
      const auto w = s.yt.leftCols(n);
      auto m = s.wm.topLeftCorner(n, n);  // M = I + WᵀW (lower triangle) and t = Wᵀu, in buffers sized once
      auto t = s.wt.head(n);
      m.setIdentity();
#if defined(EIGEN_VECTORIZE)
      m.selfadjointView<Eigen::Lower>().rankUpdate(w.transpose());  // one SYRK (dots: a latency chain each)
#else
      for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = j; i < n; ++i) m(i, j) += dot(w.col(i).data(), w.col(j).data(), k);
#endif
      for (Eigen::Index j = 0; j < n; ++j) t[j] = dot(w.col(j).data(), u, k);
      Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(m);  // in place; SPD with eigenvalues ≥ 1
      llt.solveInPlace(t);
      t = -t;
      kernels::axpy_columns(s.yt.data(), s.wt.data(), static_cast<std::uint64_t>(n), k, u);  // u − W s
    }
    for (Eigen::Index i = 0; i < k; ++i) out[i] = u[i] * wd[i];
  }

  // steps_ steps of Jacobi-preconditioned CG on the rotated system of one row, from x̃ (k floats, updated in place).
  void solve_iterative(const Basis& basis, const std::uint32_t* idx, std::uint64_t count, float lambda,
                       RowScratch& s, float* xt) const {
    const Eigen::Index k = basis.q.rows();
    const std::size_t ku = static_cast<std::size_t>(k);
    float* __restrict b = s.wu.data();
    float* __restrict m = s.wd.data();
    std::fill(b, b + k, 0.0f);
    kernels::gather_sum(basis.rotated.data(), idx, s.row_b.data(), count, k, b);  // b̃
    for (Eigen::Index i = 0; i < k; ++i) m[i] = basis.lambda[i] + lambda;           // diag(D) …
    Eigen::Index n = 0;  // the weighted pairs: ỹ_e in s.yt's columns, a_e in s.a
    float* a = s.a.data();
    for (std::uint64_t e = 0; e < count; ++e) {
      if (s.row_a[e] == 0.0f) continue;
      const float* __restrict y = basis.rotated.data() + static_cast<std::size_t>(idx[e]) * ku;
      float* __restrict col = s.yt.col(n).data();
      const float ae = s.row_a[e];
      a[n++] = ae;
      for (Eigen::Index i = 0; i < k; ++i) {
        col[i] = y[i];
        m[i] += ae * y[i] * y[i];                                                   // … + Σ a ỹ²
      }
    }
    for (Eigen::Index i = 0; i < k; ++i) m[i] = m[i] > 0.0f ? 1.0f / m[i] : 1.0f;  // the preconditioner's inverse
    float* __restrict r = s.wcg.col(0).data();
    float* __restrict z = s.wcg.col(1).data();
    float* __restrict p = s.wcg.col(2).data();
    float* __restrict ap = s.wcg.col(3).data();
    auto apply = [&](const float* v, float* out) {  // out = Ã v = D v + Σ a ỹ (ỹᵀ v)
      for (Eigen::Index i = 0; i < k; ++i) out[i] = (basis.lambda[i] + lambda) * v[i];
      if (n > 0) kernels::add_pair_products(s.yt.data(), a, n, k, v, s.q.data(), out);
    };
    apply(xt, ap);
    for (Eigen::Index i = 0; i < k; ++i) {
      r[i] = b[i] - ap[i];
      p[i] = z[i] = m[i] * r[i];
    }
    float rz = dot(r, z, k);
    if (dot(r, r, k) < 1e-20f) return;
    for (int step = 0; step < steps_; ++step) {
      apply(p, ap);
      const float pap = dot(p, ap, k);
      if (!(pap > 0.0f)) return;  // A not positive definite along p (or p = 0): keep what we have
      const float alpha = rz / pap;
      for (Eigen::Index i = 0; i < k; ++i) {
        xt[i] += alpha * p[i];
        r[i] -= alpha * ap[i];
      }
      if (dot(r, r, k) < 1e-20f) return;
      for (Eigen::Index i = 0; i < k; ++i) z[i] = m[i] * r[i];
      const float rz_new = dot(r, z, k);
      const float beta = rz_new / rz;
      for (Eigen::Index i = 0; i < k; ++i) p[i] = z[i] + beta * p[i];
      rz = rz_new;
    }
  }

  int steps_;
  std::unique_ptr<RowSolver> cg_;
  Basis basis_;
};

}  // namespace

std::unique_ptr<RowSolver> make_woodbury_solver(int cg_steps) { return std::make_unique<WoodburySolver>(cg_steps); }

}  // namespace detail
}  // namespace alsrec
