// Private building blocks of the ALS engine shared by the trainer (als.cpp) and fold-in / explain (recommend.cpp):
// the Gramian, gathering one row's system, the exact solve, and the row solvers behind one interface.
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
#include "pair_weights.h"
#include "thread_pool.h"

namespace alsrec {
namespace detail {

using RowMajorMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstFactorMap = Eigen::Map<const RowMajorMatrixXf>;

inline ConstFactorMap map_factors(const Factors& f) { return ConstFactorMap(f.data.data(), f.rows, f.cols); }

// out = scale · YᵀY (full symmetric k×k), by a symmetric rank-n update.
void gramian(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out);

// The same on `pool`: partial Gramians of fixed blocks of kGramianRows rows, summed in block order, so the result does
// not depend on the thread count (with one block it is gramian() itself). `partials` is the caller's reusable storage.
constexpr Eigen::Index kGramianRows = 2048;
void gramian_parallel(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out, ThreadPool& pool,
                      std::vector<Eigen::MatrixXf>& partials);

// The rows of y scaled by √c_i into `out` (its storage reused when the shape matches): its Gramian is
// Σ_i c_i y_i y_iᵀ, the weighted Gramian of iALS with popularity-weighted unobserved pairs (als.h).
void sqrt_weighted_rows(const Factors& y, const std::vector<float>& c, Factors& out);
// out = scale · Σ_i c_i y_i y_iᵀ by gramian() of the √c-scaled rows (c empty: every c_i is 1, gramian() of y). The
// trainer's loss and fold-in use it; the trainer's half-steps scale into a kept buffer instead (item_gramian).
void weighted_gramian(const Factors& y, const std::vector<float>& c, float scale, Eigen::MatrixXf& out);

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

// Per-thread buffers, sized once for the longest row so the row loop never allocates. Each solver sizes what it
// uses (RowSolver::prepare): the gathered columns of a long row are its largest part.
struct RowScratch {
  Eigen::MatrixXf yt;   // k × capacity: column j = the j-th gathered item vector (a ≠ 0)
  Eigen::VectorXf a;    // capacity: their a weights
  Eigen::MatrixXf z;    // k × capacity: √|a|-scaled columns (exact solver's rank updates, subspace solver)
  Eigen::VectorXf q;    // capacity: per gathered column (CG: Y_u v; subspace: the scaled scores)
  std::vector<float> row_a, row_b;  // longest row: one row's pair weights as PairWeights::row decodes them
  std::vector<std::uint32_t> row_idx;  // longest row: the subspace solver's unweighted pairs of one row
  Eigen::VectorXf b, x, r, p, ap;  // k
  Eigen::MatrixXf A;    // k × k
  SmallCholesky llt;
  // Rows whose pairs all have a = 0 share A = w₀G + λI (implicit's default): its factor is kept for reuse while
  // (shared_key, shared_lambda) match the row's system.
  SmallCholesky shared_llt;
  std::uint64_t shared_key = 0;
  float shared_lambda = 0;
  // Block CG (solver_cg.cpp): one column per row of the block.
  Eigen::MatrixXf bb, rr, pp, app;   // k × kBlockRows: right-hand sides, residuals, directions, A·directions
  Eigen::VectorXf rs;                // kBlockRows: rᵀr per row
  std::vector<Eigen::Index> offset;  // kBlockRows + 1: row j's gathered columns are yt[offset[j], offset[j+1])
  std::vector<unsigned char> active; // kBlockRows: row still iterating
  // Subspace (solver_subspace.cpp): one block's matrix and gradient, the blocks' factors of the shared A_ππ while
  // (block_keys, block_lambdas) match, and a group of rows' right-hand sides and (w₀G x)_π.
  std::vector<float> h, g, block_factors, group;
  std::vector<float> panels;  // the group's weighted pairs' factor rows, a panel of b columns per block
  std::vector<std::uint64_t> block_keys;
  std::vector<float> block_lambdas;
  // Woodbury (solver_woodbury.cpp; the gathered pairs in yt, a and q as CG's): an exact row's u and 1/√d (k),
  // I + WᵀW and Wᵀu (sized for the longest short row: its top-left n × n and first n); an iterative row's b̃ and
  // preconditioner (wu, wd) and its r, z, p, Ãp (k × 4).
  // wgroups: the exact and the iterative rows' group inputs and outputs (k × 4·kGroup).
  Eigen::MatrixXf wm, wcg, wgroups;
  Eigen::VectorXf wu, wd, wt;

  // What reserve() sizes besides the per-row buffers (row_a, row_b, a, q of `capacity`; b, x, r, p, ap).
  struct Parts {
    bool gathered;  // yt
    bool scaled;    // z
    bool exact;     // A
  };
  // `capacity`: gathered columns needed at once; `longest`: the longest row.
  void reserve(int k, std::size_t capacity, std::size_t longest, Parts parts);
  void reserve(int k, std::size_t capacity, std::size_t longest) { reserve(k, capacity, longest, {true, true, true}); }
  std::size_t bytes() const;  // what the buffers hold now
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

// x = A⁻¹ b for the gathered system (the rows sharing A = w₀G + λI reuse one factor while sys.key matches). False
// when A is not positive definite. Fold-in uses it directly; it is the Cholesky row solver's arithmetic.
bool solve_exact(const RowSystem& sys, RowScratch& s, float* x);

// ---- The row solvers: the one place where AlsOptions::solver becomes arithmetic.

// Rows [first, last) of one side: its matrix (pattern), the pairs' weights and λ per row.
struct RowBlock {
  const CsrMatrix* m = nullptr;
  const PairWeights* weights = nullptr;
  const float* lambda = nullptr;
  std::uint32_t first = 0, last = 0;
};

// What every row of a half-step shares.
struct SharedTerms {
  const Eigen::MatrixXf* wg = nullptr;  // w₀G of the fixed side, or null when w₀ = 0
  std::uint64_t key = 0;                // changes whenever wg does (factors cached by a solver are then stale)
  bool weighted = false;                // some pair of the side has a ≠ 0
  bool low_rank = false;                // the Woodbury solver's rotation pays on this side (woodbury_pays)
};

class RowSolver {
 public:
  virtual ~RowSolver() = default;
  // Sizes the buffers this solver uses, for rows of at most `longest` nonzeros.
  virtual void prepare(RowScratch& s, int k, std::size_t longest) const = 0;
  // Called once per half-step (each new shared.key) before any solve() of it, on the calling thread with the pool
  // free: what every row of the half-step shares (the Woodbury solver's eigenbasis). Nothing by default.
  virtual void begin_half_step(const ConstFactorMap& /*other*/, const SharedTerms& /*shared*/, ThreadPool& /*pool*/) {}
  // Solves the rows of `rows` against `other` into x (row `rows.first` at x, k floats per row, holding the warm
  // start on entry). An empty row gets x = 0. Returns the first row whose system is not positive definite (the
  // others are still solved), or −1. NaN/inf from bad inputs pass through (the trainer reports them as divergence).
  // The result depends only on the rows given, never on how a side was cut into calls beyond the trainer's fixed
  // work chunks (so threads and processes give the same bits).
  virtual std::int64_t solve(const ConstFactorMap& other, const RowBlock& rows, const SharedTerms& shared,
                             RowScratch& s, float* x) const = 0;
};

std::unique_ptr<RowSolver> make_row_solver(const AlsOptions& options);
std::unique_ptr<RowSolver> make_block_cg_solver(int steps);         // solver_cg.cpp
std::unique_ptr<RowSolver> make_subspace_solver(int block_size);   // solver_subspace.cpp
std::unique_ptr<RowSolver> make_woodbury_solver(int cg_steps);     // solver_woodbury.cpp

// The Woodbury solver rotates nothing below this many factors (woodbury_pays), and `--solver auto` picks it from here.
constexpr int kWoodburyFrom = 256;
// The Woodbury solver's short rows: at most this many weighted pairs at k factors.
int woodbury_row_limit(int k, int cg_steps);
// Whether rotating the other side (other_rows rows) into w₀G's eigenbasis pays for the short rows among a side of
// these row sizes (SharedTerms::low_rank). Only the sizes decide: every process of a distributed run agrees.
bool woodbury_pays(const std::vector<std::uint32_t>& sizes, std::size_t other_rows, int k, int cg_steps);

// A row's initial factors: out[k] = scale · u(seed, side, row, k) for k < count, with u a counter-based value in
// [0, 1) (three SplitMix64 steps): independent of threads and of traversal order.
void init_row(std::uint64_t seed, std::uint32_t side, std::uint32_t row, float scale, float* out, std::uint32_t count);

}  // namespace detail
}  // namespace alsrec
