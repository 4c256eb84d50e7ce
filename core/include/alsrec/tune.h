// Hyperparameter search on a validation split carved from the training interactions only (never the test split),
// with the d-doubling scheme of Rendle et al. 2022 ("Revisiting the Performance of iALS"):
//
//   stage 0: a grid over (w, λ, ν) at the smallest factor count d₀, where w is the unobserved weight α₀ (ials)
//            or alpha (implicit, hu, log; explicit has no w);
//   stage s: d_s = the next rung of the factor ladder (normally 2·d_{s−1}); a local grid around the best point so
//            far: w·{1/step, 1, step} × λ·{1/step, 1, step} (the centre first), ν kept.
//
// Every trial trains with the base options (iterations, solver, seed, threads) on the fit part and scores the
// validation part: NDCG@K or Recall@K (higher is better), or RMSE for explicit ALS (lower is better). The best
// trial overall wins; ties go to the earlier trial. Results depend only on the data, the options and the seed,
// except where the time budget cuts the search short (TuneResult::budget_exhausted; max_trials is the
// reproducible alternative to a time budget).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"
#include "alsrec/metrics.h"
#include "alsrec/ratings.h"
#include "alsrec/split.h"
#include "alsrec/status.h"

namespace alsrec {

enum class TuneObjective { kNdcg, kRecall };  // explicit mode always uses RMSE
const char* tune_objective_name(TuneObjective o);  // "ndcg", "recall"
Result<TuneObjective> parse_tune_objective(const std::string& s);

struct TuneOptions {
  // Confidence mode, iterations, solver, seed, threads; the searched fields are overwritten.
  AlsOptions base = recommended_options();
  SplitSpec validation;           // applied to the train interactions (same kind as the test split, normally)
  int k = 10;
  TuneObjective objective = TuneObjective::kNdcg;
  double budget_seconds = 60;     // wall time for the search; 0 = unlimited. At least one trial always runs.
  int max_trials = 0;             // 0 = unlimited
  // Stage-0 grids; empty = the defaults for the mode (see default_tune_grid).
  std::vector<float> weights;     // α₀ (ials) or alpha (implicit, hu, log); ignored by explicit
  std::vector<float> lambdas;     // λ
  std::vector<float> exponents;   // ν
  std::vector<int> factors;       // the ladder, ascending: stage s trains at factors[s]
  float step = 2.0f;              // multiplicative step of the local search (> 1)

  Status validate() const;
};

// Fills the empty grids of `options` with the defaults for options.base.confidence.
TuneOptions default_tune_grid(TuneOptions options);

struct TuneTrial {
  int stage = 0;
  AlsOptions options;             // what was trained
  double objective = 0;           // NDCG@K / Recall@K / RMSE on the validation split
  double recall = 0, ndcg = 0;    // ranking metrics (also for explicit)
  double rmse = 0;                // explicit only
  double seconds = 0;             // training + scoring
};

struct TuneProgress {
  int trials_done = 0;
  int stage = 0;
  int stages = 0;
  double elapsed = 0;             // seconds since the search started
  double budget = 0;
  const TuneTrial* last = nullptr;  // the trial just finished
  const TuneTrial* best = nullptr;  // the best so far
};
// Called after every trial. Return false to cancel: tune() then returns StatusCode::kCancelled.
using TuneCallback = std::function<bool(const TuneProgress&)>;

struct TuneResult {
  std::vector<TuneTrial> trials;  // in the order run
  std::size_t best = 0;           // index into trials
  AlsOptions best_options;        // base options with the winning w, λ, ν, factors
  bool higher_is_better = true;   // false for RMSE
  bool budget_exhausted = false;  // the search stopped early for time or max_trials
  std::size_t fit_interactions = 0, validation_interactions = 0;
  double seconds = 0;
};

// Searches on `fit` (users × items) and scores on `validation` (same shape). No split is made here.
Result<TuneResult> tune_on_matrices(const CsrMatrix& fit, const CsrMatrix& validation, const TuneOptions& options,
                                    const TuneCallback& progress = nullptr);

// Reads only the interactions listed in `train` (indices into data, e.g. SplitResult::train): splits them per
// user with options.validation (seeded by options.base.seed) into fit and validation parts, then searches.
Result<TuneResult> tune(const Dataset& data, const std::vector<std::uint32_t>& train, const TuneOptions& options,
                        const TuneCallback& progress = nullptr);

// The dataset restricted to `subset` (id tables kept, so indices stay valid). Out-of-range indices are skipped.
Dataset subset_dataset(const Dataset& data, const std::vector<std::uint32_t>& subset);

}  // namespace alsrec
