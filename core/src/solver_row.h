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

#include "alsrec/als.h"

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
  bool binary_;
  float alpha_, epsilon_, w0_;
};

// λ_u = λ · (|I_u| + w₀·|I|)^ν   (ν = 0: the constant λ).
float row_lambda(const AlsOptions& options, float w0, std::size_t row_count, std::size_t other_count);

// out = scale · YᵀY (full symmetric k×k), by a symmetric rank-n update.
void gramian(const ConstFactorMap& y, float scale, Eigen::MatrixXf& out);

// Per-thread buffers, sized once for the longest row so the row loop never allocates.
struct RowScratch {
  Eigen::MatrixXf yt;   // k × capacity: column j = the j-th gathered item vector (a ≠ 0)
  Eigen::VectorXf a;    // capacity: their a weights
  Eigen::MatrixXf z;    // k × capacity: √|a|-scaled columns for the exact solver's rank updates
  Eigen::VectorXf q;    // capacity
  Eigen::VectorXf b, x, r, p, ap;  // k
  Eigen::MatrixXf A;    // k × k
  Eigen::LLT<Eigen::MatrixXf> llt;
  // Rows whose pairs all have a = 0 share A = w₀G + λI (implicit's default): its factor is kept for reuse while
  // (shared_key, shared_lambda) match the row's system.
  Eigen::LLT<Eigen::MatrixXf> shared_llt;
  std::uint64_t shared_key = 0;
  float shared_lambda = 0;

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
bool factor_exact(const RowSystem& sys, RowScratch& s, Eigen::LLT<Eigen::MatrixXf>& llt);

class RowSolver {
 public:
  virtual ~RowSolver() = default;
  // x (k floats) holds the warm start on entry and the solution on return. False when the exact solver finds A
  // not positive definite; NaN/inf from bad inputs pass through (the trainer reports them as divergence).
  virtual bool solve(const RowSystem& sys, RowScratch& s, float* x) const = 0;
};

std::unique_ptr<RowSolver> make_row_solver(SolverKind kind, int cg_steps);

// Counter-based initial value in [0, 1) for (seed, side, row, k): independent of threads and of traversal order.
float init_uniform(std::uint64_t seed, std::uint32_t side, std::uint32_t row, std::uint32_t k);

}  // namespace detail
}  // namespace alsrec
