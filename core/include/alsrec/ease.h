// EASE, the "embarrassingly shallow autoencoder" of Steck (2019): a strong, simple item-item reference model.
//
// With X the users × items interaction matrix (binary by default) and G = XᵀX, EASE solves
//
//     min_B ‖X − XB‖²_F + λ‖B‖²_F   subject to diag(B) = 0
//
// in closed form: P = (G + λI)⁻¹,  B_ij = −P_ij / P_jj (i ≠ j),  B_jj = 0.  A user's scores are s_u = x_u B, i.e. the
// sum of the rows B_j of the items j the user has. The cost is an items × items inverse: O(items³) time and two
// items × items float matrices of memory, so the catalogue size decides whether EASE can run at all
// (ease_memory_bytes). λ is chosen on a validation split (select_ease_lambda): the best λ differs by orders of
// magnitude between data sets (Steck: 500 on MovieLens-20M and Netflix, 200 on the Million Song Data).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "alsrec/matrix.h"
#include "alsrec/metrics.h"
#include "alsrec/status.h"

namespace alsrec {

struct EaseOptions {
  double lambda = 500.0;           // L2 penalty on B (> 0)
  bool binary = true;              // X_ui = 1 for every interaction (Steck); false: the matrix values as given
  std::uint64_t max_bytes = 0;     // refuse when the two items × items matrices need more; 0 = no limit
  int threads = 0;                 // 0 = all hardware threads

  Status validate() const;
};

// Bytes of working memory EASE needs for `items` items (two items × items float matrices).
std::uint64_t ease_memory_bytes(std::uint32_t items);
// kInvalidArgument naming the catalogue size, the memory needed and the limit when EASE does not fit.
Status check_ease_fits(std::uint32_t items, std::uint64_t max_bytes);

struct EaseModel {
  std::uint32_t items = 0;
  double lambda = 0;
  bool binary = true;
  std::vector<float> weights;  // B, items × items, row-major, zero diagonal

  const float* row(std::uint32_t j) const { return weights.data() + static_cast<std::size_t>(j) * items; }
  // scores[0..items) = Σ_{j ∈ row u of x} x_uj · B_j (x_uj = 1 when binary).
  void score(const CsrMatrix& x, std::uint32_t user, float* scores) const;
};

// The item-item Gram matrix G = XᵀX (items × items, row-major, full), with X binary or valued.
std::vector<float> ease_gramian(const CsrMatrix& x, bool binary, int threads = 0);

// Fits B on the users × items matrix `x`.
Result<EaseModel> fit_ease(const CsrMatrix& x, const EaseOptions& options);
// The same from a precomputed G (ease_gramian of the same x and binary flag), to try several λ for one G.
Result<EaseModel> fit_ease_from_gramian(const std::vector<float>& gramian, std::uint32_t items,
                                        const EaseOptions& options);

// Ranking metrics of an EASE model (train: the rows it scores from and leaves out; test: the held-out items).
RankingMetrics evaluate_ease(const EaseModel& model, const CsrMatrix& train, const CsrMatrix& test, int k,
                             int threads = 0);

struct EaseTrial {
  double lambda = 0;
  RankingMetrics metrics;  // on the validation part
  double seconds = 0;
};
struct EaseSelection {
  EaseModel model;               // fitted on `fit` with the best λ
  std::vector<EaseTrial> trials; // in the order tried
  std::size_t best = 0;
};
// Called after each λ tried; return false to cancel (kCancelled).
using EaseCallback = std::function<bool(const EaseTrial&)>;

// Chooses λ by NDCG@k on `validation` (same shape as `fit`): a coarse log-grid around the data's own scale
// (mean diagonal of G), then golden-section refinement in log λ; at most `max_fits` inverses.
Result<EaseSelection> select_ease_lambda(const CsrMatrix& fit, const CsrMatrix& validation, const EaseOptions& options,
                                         int k = 10, int max_fits = 7, const EaseCallback& progress = nullptr);

}  // namespace alsrec
