// Private building blocks shared by the trainer (als.cpp) and fold-in / explain (recommend.cpp): the per-pair
// weights of each confidence mode, λ_u, the Gramian, gathering one row's system and the two row solvers.
//
// One row's system (see als.h):  A x = b  with  A = w₀G + Y_uᵀ diag(a) Y_u + λ_u I,  b = Σ_i b_ui y_i.
// Only pairs with a_ui ≠ 0 enter Y_u (with implicit's default, alpha 1 and binary values, a = 0 for all pairs, so
// A = G + λI and the per-pair work is just b).
#pragma once

#include "solver_eigen.h"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "alsrec/als.h"
#include "thread_pool.h"

namespace alsrec {
namespace detail {

using RowMajorMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstFactorMap = Eigen::Map<const RowMajorMatrixXf>;

inline ConstFactorMap map_factors(const Factors& f) { return ConstFactorMap(f.data.data(), f.rows, f.cols); }

// Per observed pair: a = c − w₀ (weight in A), b = c·p (weight in the right-hand side), and the loss constant
// k = c·p² (so that  w₀s² + a s² − 2 b s + k = c (p − s)²  for the implicit modes; see compute_loss).
struct PairWeight {
  float a = 0, b = 0, k = 0;
};

class ConfidenceModel {
 public:
  explicit ConfidenceModel(const AlsOptions& options);
  float w0() const { return w0_; }
  PairWeight weight(float value) const;

 private:
  ConfidenceMode mode_;
  ValueTransform values_;
  float alpha_, epsilon_, w0_;
};

// λ_u = λ · (|I_u| + w₀·|I|)^ν   (ν = 0: the constant λ).
float row_lambda(const AlsOptions& options, float w0, std::size_t row_count, std::size_t other_count);

// out = scale · YᵀY (full symmetric k×k), by a symmetric rank-n update.
void gramian(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out);

// The same on `pool`: partial Gramians of fixed blocks of kGramianRows rows, summed in block order, so the result does
// not depend on the thread count (with one block it is gramian() itself). `partials` is the caller's reusable storage.
constexpr Eigen::Index kGramianRows = 2048;
void gramian_parallel(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out, ThreadPool& pool,
                      std::vector<Eigen::MatrixXf>& partials);

// Cholesky factorisation A = L Lᵀ of a small dense SPD matrix (the k × k row systems), left-looking: column j is
//   L[j:, j] = (A[j:, j] − L[j:, :j] · L[j, :j]ᵀ) / L[j, j],   L[j, j] = √(A[j, j] − ‖L[j, :j]‖²)
// one matrix-vector product per column. At k = 64 this takes ~7 µs against ~12 µs for Eigen's blocked LLT (whose
// 16-wide blocks are mostly kernel overhead at this size); it matters when every row needs its own factor.
class SmallCholesky {
 public:
  // Factors the lower triangle of `a`; false (and unusable) if a is not positive definite.
  bool compute(const Eigen::MatrixXf& a);
  // b ← A⁻¹ b (forward then backward substitution).
  void solveInPlace(Eigen::VectorXf& b) const;

 private:
  Eigen::MatrixXf l_;
};

// Per-thread buffers, sized once for the longest row so the row loop never allocates.
struct RowScratch {
  Eigen::MatrixXf yt;   // k × capacity: column j = the j-th gathered item vector (a ≠ 0)
  Eigen::VectorXf a;    // capacity: their a weights
  Eigen::MatrixXf z;    // k × capacity: √|a|-scaled columns for the exact solver's rank updates
  Eigen::VectorXf q;    // capacity
  Eigen::VectorXf b, x, r, p, ap;  // k
  Eigen::MatrixXf A;    // k × k
  SmallCholesky llt;
  // Rows whose pairs all have a = 0 share A = w₀G + λI (implicit's default): its factor is kept for reuse while
  // (shared_key, shared_lambda) match the row's system.
  SmallCholesky shared_llt;
  std::uint64_t shared_key = 0;
  float shared_lambda = 0;
  // Block CG (solve_block_cg): one column per row of the block.
  Eigen::MatrixXf bb, rr, pp, app;   // k × kBlockRows: right-hand sides, residuals, directions, A·directions
  Eigen::VectorXf rs;                // kBlockRows: rᵀr per row
  std::vector<Eigen::Index> offset;  // kBlockRows + 1: row j's gathered columns are yt[offset[j], offset[j+1])
  std::vector<unsigned char> active; // kBlockRows: row still iterating

  // `capacity`: gathered columns needed at once (the longest row; for block CG, see block_capacity()).
  void reserve(int k, std::size_t capacity);
};

// The gathered system of one row: A = wg + Y_uᵀ diag(a) Y_u + λ I with Y_u = scratch.yt.leftCols(n)ᵀ, rhs scratch.b.
struct RowSystem {
  const Eigen::MatrixXf* wg = nullptr;  // w₀G, or null when w₀ = 0
  Eigen::Index n = 0;
  float lambda = 0;
  std::uint64_t key = 0;  // identifies the current wg (changes whenever wg does); 0 = do not reuse factors
};

// Gathers the row (other-side indices idx[0..count) with weights a[], b[]) into scratch; returns the system.
RowSystem gather_row(const ConstFactorMap& other, const std::uint32_t* idx, const float* a, const float* b,
                     std::size_t count, const Eigen::MatrixXf* wg, float lambda, std::uint64_t key, RowScratch& s);

// Builds A (in s.A) for the gathered system and factors it into `llt`. False if A is not positive definite.
bool factor_exact(const RowSystem& sys, RowScratch& s, SmallCholesky& llt);

class RowSolver {
 public:
  virtual ~RowSolver() = default;
  // x (k floats) holds the warm start on entry and the solution on return. False when the exact solver finds A
  // not positive definite; NaN/inf from bad inputs pass through (the trainer reports them as divergence).
  virtual bool solve(const RowSystem& sys, RowScratch& s, float* x) const = 0;
};

std::unique_ptr<RowSolver> make_row_solver(SolverKind kind, int cg_steps);

// ---- Block conjugate gradient: the rows of a block run their CG steps in lockstep, so the shared part of every
// A·p product, w₀G·[p₁ … p_B], is one k×k by k×B GEMM instead of B matrix-vector products (the k² term dominates a
// row's cost at implicit's defaults, where no pair has a ≠ 0). Each row keeps its own α, β and stopping test, so the
// arithmetic per row is the same CG as ConjugateGradientSolver (up to the GEMM's summation order).
//
// A block is consecutive rows of one chunk, at most kBlockRows, with at most `max_nonzeros` nonzeros in total
// unless it is a single longer row: kBlockNonzeros when pairs are weighted, so that the block's gathered vectors
// (k floats per weighted pair, re-read at every CG step) stay in L2 (1024 × 64 floats = 256 KiB); unlimited when no
// pair is weighted (nothing is gathered). Blocks depend only on the data: results do not depend on the thread count.
constexpr std::uint32_t kBlockRows = 64;
constexpr std::uint64_t kBlockNonzeros = 1024;

// The end (exclusive) of the block starting at row `first`, within [first, last).
std::uint32_t block_end(const CsrMatrix& m, std::uint32_t first, std::uint32_t last, std::uint64_t max_nonzeros);

// Gathered columns a RowScratch needs for block CG on a matrix whose longest row has `longest` nonzeros.
inline std::size_t block_capacity(std::size_t longest) { return longest > kBlockNonzeros ? longest : kBlockNonzeros; }

// The rows [first, last) of `m` (pair weights a[], b[] indexed like m's nonzeros, λ per row) against `other`.
struct RowBlock {
  const CsrMatrix* m = nullptr;
  const float* a = nullptr;
  const float* b = nullptr;
  const float* lambda = nullptr;
  std::uint32_t first = 0, last = 0;
};

// Solves the block's rows by `steps` CG steps each, warm-started from x (row-major, rows [first, last) of the
// factors: x points at row `first`). An empty row gets x = 0. wg as in RowSystem (null when w₀ = 0).
void solve_block_cg(const ConstFactorMap& other, const RowBlock& block, const Eigen::MatrixXf* wg, int steps,
                    RowScratch& s, float* x);

// Counter-based initial value in [0, 1) for (seed, side, row, k): independent of threads and of traversal order.
float init_uniform(std::uint64_t seed, std::uint32_t side, std::uint32_t row, std::uint32_t k);

}  // namespace detail
}  // namespace alsrec
