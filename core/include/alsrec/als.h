// Alternating least squares for implicit (and explicit) feedback.
//
// Per user u (items symmetric), with G = YᵀY, w₀ the unobserved weight, and for each observed item i a pair
// (a_ui, b_ui) = (c_ui − w₀, c_ui·p_ui):
//
//     (w₀ G + Σ_{i∈I_u} a_ui y_i y_iᵀ + λ_u I) x_u = Σ_{i∈I_u} b_ui y_i,     λ_u = λ · (|I_u| + w₀·|I|)^ν
//
// Confidence modes (v = value after the value transform):
//   kImplicit  c = alpha·v, p = 1, w₀ = 1          -> exactly `implicit`'s AlternatingLeastSquares
//   kHu        c = 1 + alpha·v, p = 1, w₀ = 1      -> Hu, Koren & Volinsky 2008
//   kLog       c = 1 + alpha·log(1 + v/epsilon)    -> Hu et al.'s log form, w₀ = 1
//   kIals      a = alpha·v, b = alpha·v, w₀ = unobserved_weight (α₀)   -> Rendle et al. 2022 iALS:
//              L = Σ_obs alpha·v·(1 − s)² + α₀ Σ_all c_i s² + Σ λ_u‖x_u‖²; use reg_exponent ν (e.g. 1) with it.
//              c_i = 1 unless popularity_exponent ω > 0 (eALS, He et al. 2016): c_i = (n_i + 1)^ω / mean_j (n_j + 1)^ω
//              over the training counts n_i, so an unobserved popular item is stronger evidence than a rare one.
//              The mean of c is 1, so λ_u is unchanged; an item row's system w₀c_i G_X + Σ a x xᵀ + λ_i I, with
//              λ_i = λ(|U_i| + w₀c_i|U|)^ν, is solved divided by c_i: the shared w₀G_X, pairs a/c_i, b/c_i, λ_i/c_i.
//   kExplicit  a = 1, b = v (the rating), w₀ = 0   -> ALS-WR rating prediction (with reg_exponent 1: λ·|I_u|)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alsrec/matrix.h"
#include "alsrec/status.h"

namespace alsrec {

enum class ConfidenceMode { kImplicit, kHu, kLog, kIals, kExplicit };
// The observed value v a pair's weight is computed from: kRaw v itself, kBinary 1, kLog log(1 + v/epsilon) (counts:
// plays, clicks, whose heavy tail would otherwise let a few pairs dominate).
enum class ValueTransform { kRaw, kBinary, kLog };
// How each row's system is solved (solver_*.cpp): conjugate gradient (cg_steps steps from the current row), the exact
// Cholesky solve, or iALS++ subspace optimisation (one sweep over blocks of block_size coordinates, each block solved
// exactly: block_size ≥ factors is the exact solve, 1 is coordinate descent).
// kWoodbury: rows with few weighted pairs solved exactly in the eigenbasis of w₀G (solver_woodbury.cpp), CG for
// the others.
enum class SolverKind { kConjugateGradient, kCholesky, kSubspace, kWoodbury };

const char* confidence_mode_name(ConfidenceMode m);  // "implicit", "hu", "log", "ials", "explicit"
Result<ConfidenceMode> parse_confidence_mode(const std::string& s);
const char* value_transform_name(ValueTransform v);  // "raw", "binary", "log"
Result<ValueTransform> parse_value_transform(const std::string& s);
const char* solver_name(SolverKind s);               // "cg", "cholesky", "subspace", "woodbury"
Result<SolverKind> parse_solver(const std::string& s);
struct AlsOptions;
// The faster solver for these options, per iteration at the same quality, as measured (bench/README.md, "Solver
// choice"): when no pair is weighted (binary values whose confidence equals the unobserved weight, `implicit`'s
// default) every row's system is w₀G + λI, and the subspace solver, exact up to float rounding there, is used from
// 256 factors on; with weighted pairs from 1024 (1.2–1.4× CG's pace per iteration there; even at 512 since CG's
// block products left Eigen's GEMM: bench/README.md, "Block products"), below it CG's family: the Woodbury solver
// between 256 and 512 (exact for rows with few pairs, at about a third of CG's multiply-adds for such a row; CG on
// the sides where its per-half-step rotation does not pay), CG below 256 and from 512.
SolverKind default_solver(const AlsOptions& options);
// parse_solver, and "auto" for default_solver(options).
Result<SolverKind> parse_solver(const std::string& s, const AlsOptions& options);
// The solver of a fit at `factors` chosen by a search (the screen's probe, --auto's dimension stage) when none was
// given: `start` (default_solver at the start's d), except that CG and Woodbury follow d as default_solver has them
// with weighted pairs (Woodbury from 256 to 512 factors, CG from 512): a search never moves to the subspace solver
// (at 512 × 8 on citeulike its one sweep per row scored 5% below CG: bench/study/README.md, the notes over the
// dimension table), nor to Woodbury from 512 (its exact short rows scored 1–2% below CG's three steps on test at 512
// and 1024, with a lower loss: bench/README.md, "Woodbury").
SolverKind searched_solver(int factors, SolverKind start);

struct AlsOptions {
  int factors = 64;
  float regularization = 0.1f;     // λ
  float alpha = 1.0f;
  ConfidenceMode confidence = ConfidenceMode::kImplicit;
  ValueTransform values = ValueTransform::kBinary;
  float epsilon = 1.0f;            // the confidence mode kLog and the value transform kLog
  float unobserved_weight = 1.0f;  // w₀ (α₀); only kIals reads it, the other modes fix it as documented above
  float reg_exponent = 0.0f;       // ν; 0 = constant λ
  float popularity_exponent = 0.0f;  // ω (kIals only): unobserved pairs of item i weigh w₀·c_i (above); 0 = uniform
  int iterations = 15;
  SolverKind solver = SolverKind::kConjugateGradient;
  int cg_steps = 3;
  int block_size = 16;             // subspace only: coordinates per block (capped at factors)
  int threads = 0;                 // 0 = all hardware threads; ignored (1) in builds without threads
  std::uint64_t seed = 42;
  float init_scale = 0.01f;        // initial factor (row,k) = init_scale × U[0,1) from a hash of (seed, side, row, k)
  bool compute_loss = true;        // the full objective after each iteration (one extra pass over the nonzeros)
  // explicit + raw only: predict μ + b_u + b_i + x_uᵀy_i (baselines.h). ModelFit fits the biases, then ALS on
  // the residuals, and stores factors + 2 bias columns; AlsTrainer itself never reads this flag.
  bool biases = false;

  Status validate() const;         // ranges: factors 1..1024, λ ≥ 0, alpha > 0, iterations ≥ 0, cg_steps ≥ 1,
                                   // block_size 1..1024, ...
};


// Dense row-major float32 matrix (rows × cols); the shape used for user and item factors.
struct Factors {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<float> data;

  Factors() = default;
  Factors(std::uint32_t r, std::uint32_t c) : rows(r), cols(c), data(static_cast<std::size_t>(r) * c, 0.0f) {}
  float* row(std::uint32_t r) { return data.data() + static_cast<std::size_t>(r) * cols; }
  const float* row(std::uint32_t r) const { return data.data() + static_cast<std::size_t>(r) * cols; }
};

struct TrainProgress {
  int iteration = 0;       // 1-based, the iteration just finished
  int iterations = 0;      // total planned
  double loss = 0.0;       // full weighted objective divided by nnz (NaN when compute_loss is off)
  double seconds = 0.0;    // wall time of this iteration
  double elapsed = 0.0;    // since training started
};
// Return false to cancel: training stops after the current iteration with StatusCode::kCancelled.
using ProgressCallback = std::function<bool(const TrainProgress&)>;

struct TrainTimings {      // seconds, accumulated over all iterations (for `alsrec bench`)
  double gramian = 0, user_solve = 0, item_solve = 0, loss = 0;
  std::uint64_t weighted_pairs = 0;  // observed pairs with a = c − w₀ ≠ 0 (the rest add to the right-hand side only)
};

// Bytes a trainer holds, by part (`alsrec bench` reports them).
struct TrainerMemory {
  std::uint64_t indices = 0;  // column indices of both sides' rows (4 bytes per nonzero and side)
  std::uint64_t offsets = 0;  // row offsets of both sides (8 bytes per row)
  std::uint64_t values = 0;   // the user side's values (for user_items(); the item side keeps none)
  std::uint64_t weights = 0;  // pair weights: one for all pairs, a byte per pair, or 8 bytes per pair (> 256 distinct)
  std::uint64_t factors = 0;  // user and item factors
  std::uint64_t rows = 0;     // λ, nonzero counts and work chunks per row
  std::uint64_t scratch = 0;  // per-thread solver buffers and the Gramians
  std::uint64_t total() const { return indices + offsets + values + weights + factors + rows + scratch; }
};

namespace detail {
struct TrainerAccess;
}

// Owns its copy of the user×item matrix (and the transpose). One iteration per step(), so a caller (the browser
// worker) can post progress and honour "cancel" between steps. Results depend only on the data, the options and
// the seed: never on the number of threads. Training across processes: als_shard.h.
class AlsTrainer {
 public:
  static Result<std::unique_ptr<AlsTrainer>> create(CsrMatrix user_items, const AlsOptions& options);
  ~AlsTrainer();

  Status step();                   // one full iteration (users then items); kNumerical on a failed solve / NaN
  Status fit(const ProgressCallback& progress = nullptr);  // the remaining iterations, calling progress after each
  // One more user half-step against the current item factors (not counted as an iteration), like `implicit`'s
  // recalculate_user: afterwards each user row is what fold_in_user computes from the item factors (with the
  // Cholesky solver; CG takes its cg_steps from the current row).
  Status resolve_users();
  int iteration() const;           // iterations done
  double last_loss() const;        // NaN until an iteration with compute_loss has run
  // The objective for the current factors, divided by nnz: Σ_obs c(p − s)² + w₀ Σ_unobs s² + Σ λ_u‖x_u‖² + Σ λ_i‖y_i‖²
  // (explicit: Σ_obs (v − s)² + reg), computed from Gramians and one pass over the nonzeros; the constant Σ_obs c·p²
  // is included, so a perfect fit scores 0.
  double compute_loss() const;
  const AlsOptions& options() const;
  const TrainTimings& timings() const;
  const Factors& user_factors() const;
  const Factors& item_factors() const;
  Factors& mutable_user_factors();
  Factors& mutable_item_factors();
  const CsrMatrix& user_items() const;
  TrainerMemory memory() const;
  // Moves the user × item matrix out (to package a model without a copy); the trainer cannot step afterwards.
  CsrMatrix take_user_items();

 private:
  friend struct detail::TrainerAccess;  // the core's own files (the building blocks of als_shard.h)
  AlsTrainer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A trained model with the ids needed to talk to the outside world.
struct AlsModel {
  AlsOptions options;
  std::vector<std::string> user_ids;
  std::vector<std::string> item_ids;
  Factors user_factors;   // user_ids.size() × factors
  Factors item_factors;   // item_ids.size() × factors
  // The training interactions (users × items), saved in the model file so `recommend` can leave out seen items
  // without the ratings file. Empty (rows == 0) when unknown: then nothing is excluded.
  CsrMatrix seen;
  // popularity_weights of the training counts when options.popularity_exponent > 0 (fold-in needs them: the model
  // file carries them, as `seen` may be absent), else empty.
  std::vector<float> item_weights;
  std::uint64_t dataset_fingerprint = 0;
  int iterations_done = 0;
  double final_loss = 0.0;

  int find_user(const std::string& id) const;  // -1 if absent (a scan: one lookup; many: id_index.h)
  int find_item(const std::string& id) const;
};

// The unobserved-pair weights c_i of kIals with popularity exponent ω from the items' training counts n_i:
// (n_i + 1)^ω / mean_j (n_j + 1)^ω, in double then rounded to float (so every surface computes the same bits);
// empty when ω = 0 or there are no items (every c_i is 1).
std::vector<float> popularity_weights(const std::vector<std::uint32_t>& item_counts, float exponent);

// train_model: model_fit.h (it runs the one fit every pipeline uses, bias terms included).

// Hardware threads available to this build (1 without thread support).
int hardware_threads();

}  // namespace alsrec
