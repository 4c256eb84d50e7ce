// Block conjugate gradient (Takács et al. 2011, warm-started as `implicit` does): the rows of a block run their CG
// steps in lockstep, so the shared part of every A·p product, w₀G·[p₁ … p_B], is one k×k by k×B GEMM instead of B
// matrix-vector products (the k² term dominates a row's cost at implicit's defaults, where no pair has a ≠ 0).
// Each row keeps its own α, β and stopping test; per row the steps are `implicit`'s CG exactly:
//   r = b − A x, p = r, then per step Ap, α = rsold / pᵀAp, x += α p, r −= α Ap, stop once rᵀr < 1e-20,
//   p = r + (rsnew/rsold) p,   with   A·v = w₀G v + Y_uᵀ (a ⊙ (Y_u v)) + λ v   (matrix-free).
#include "solver_eigen.h"  // first: see there
#include "solver_row.h"
#include "solver_kernels.h"

namespace alsrec {
namespace detail {
namespace {

using kernels::dot;

// A block is consecutive rows of one chunk, at most kBlockRows, with at most `max_nonzeros` nonzeros in total
// unless it is a single longer row: kBlockNonzeros when pairs are weighted, so that the block's gathered vectors
// (k floats per weighted pair, re-read at every CG step) stay in L2 (1024 × 64 floats = 256 KiB); unlimited when no
// pair is weighted (nothing is gathered). Blocks depend only on the data: results do not depend on the thread count.
constexpr std::uint32_t kBlockRows = 64;
constexpr std::uint64_t kBlockNonzeros = 1024;

// The end (exclusive) of the block starting at row `first`, within [first, last).
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

// out[:, j] = (w₀G + λ_j I + Y_jᵀ diag(a_j) Y_j) v[:, j] for the block's rows j < nb; the w₀G part as one GEMM.
// Rows with active[j] == 0 get only the GEMM part (their columns are not used).
template <typename V, typename Out>
void apply_block(const Eigen::MatrixXf* wg, const float* lambda, Eigen::Index nb, RowScratch& s, const V& v,
                 Out&& out) {
  const Eigen::Index k = out.rows();
  if (wg) {
    kernels::product_block(*wg, v, out, s.active.data());
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
    if (n > 0) kernels::add_pair_products(s.yt.data() + begin * k, s.a.data() + begin, n, k, vj, s.q.data() + begin, o);
  }
}

// Solves the block's rows [first, last) by `steps` CG steps each, warm-started from x (row-major, x points at row
// `first`). An empty row gets x = 0. wg is null when w₀ = 0.
void solve_block(const ConstFactorMap& other, const RowBlock& block, std::uint32_t first, std::uint32_t last,
                 const Eigen::MatrixXf* wg, int steps, RowScratch& s, float* x_first) {
  const Eigen::Index k = other.cols();
  const Eigen::Index nb = last - first;
  Eigen::Map<Eigen::MatrixXf> x(x_first, k, nb);  // row-major rows first..last = the columns of a k × nb matrix
  auto b = s.bb.leftCols(nb);
  auto r = s.rr.leftCols(nb);
  auto p = s.pp.leftCols(nb);
  auto ap = s.app.leftCols(nb);
  const float* lambda = block.lambda + first;

  // Gather: b_j = Σ_e b_e y_e, and the a ≠ 0 pairs' vectors of all rows side by side in yt.
  Eigen::Index n = 0;
  for (Eigen::Index j = 0; j < nb; ++j) {
    const std::uint32_t row = first + static_cast<std::uint32_t>(j);
    const std::uint64_t begin = block.m->indptr[row], count = block.m->indptr[row + 1] - begin;
    const std::uint32_t* idx = block.m->indices.data() + begin;
    s.offset[static_cast<std::size_t>(j)] = n;
    s.active[static_cast<std::size_t>(j)] = count > 0;
    b.col(j).setZero();
    if (count == 0) {  // b = 0: x = 0 (also the minimum-norm solution if A is singular)
      x.col(j).setZero();
      continue;
    }
    block.weights->row(begin, count, s.row_a.data(), s.row_b.data());
    kernels::gather_sum(other.data(), idx, s.row_b.data(), count, k, b.col(j).data());
    for (std::uint64_t e = 0; e < count; ++e) {
      if (s.row_a[e] != 0.0f) {
        s.yt.col(n) = other.row(idx[e]).transpose();
        s.a[n] = s.row_a[e];
        ++n;
      }
    }
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

class BlockCgSolver final : public RowSolver {
 public:
  explicit BlockCgSolver(int steps) : steps_(steps) {}

  void prepare(RowScratch& s, int k, std::size_t longest) const override {
    s.reserve(k, longest > kBlockNonzeros ? longest : kBlockNonzeros, longest, {true, false, false});
  }

  std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared, RowScratch& s,
                     float* x) const override {
    const std::uint64_t max_nonzeros = shared.weighted ? kBlockNonzeros : ~std::uint64_t{0};
    const std::size_t k = static_cast<std::size_t>(other.cols());
    if (s.bb.rows() != other.cols() || s.bb.cols() != kBlockRows) {  // first use of this scratch
      s.bb.resize(other.cols(), kBlockRows);
      s.rr.resize(other.cols(), kBlockRows);
      s.pp.resize(other.cols(), kBlockRows);
      s.app.resize(other.cols(), kBlockRows);
      s.rs.resize(kBlockRows);
      s.offset.assign(kBlockRows + 1, 0);
      s.active.assign(kBlockRows, 0);
    }
    for (std::uint32_t first = rows.first; first < rows.last;) {
      const std::uint32_t end = block_end(*rows.m, first, rows.last, max_nonzeros);
      solve_block(other, rows, first, end, shared.wg, steps_, s, x + (first - rows.first) * k);
      first = end;
    }
    return -1;  // CG never fails: a direction along which A is not positive definite just ends the row's steps
  }

 private:
  int steps_;
};

}  // namespace

std::unique_ptr<RowSolver> make_block_cg_solver(int steps) { return std::make_unique<BlockCgSolver>(steps); }

}  // namespace detail
}  // namespace alsrec
