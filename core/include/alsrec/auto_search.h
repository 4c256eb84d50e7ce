// The model search behind `--auto` (and, in its short form, the default "screen"): trials fitted on the fit part
// of a validation split carved from the train part (never the test part) and scored on its held-out part.
//
// A trial at a time (step()), so the CLI draws progress and the page's worker can post it and hear "cancel"
// between trials. The plan adapts to what it finds, stage by stage; each stage starts from the best trial so far
// and searches what the caller did not fix (a given parameter is never searched):
//
//   start         the data's defaults (data_defaults) at the screening size: d_s factors, few iterations
//   weight        α₀ (iALS's unobserved weight) by decades (÷10, ×10; up to two more while an edge wins), then ×⅓, ×3,
//                 then the geometric midpoint between the best and its lower neighbour if that is the better one
//   lambda        λ ×⅓ and ×3, up to two more steps while an edge wins
//   reweight      when λ moved: α₀ ×⅓ and ×3 at the new λ (extended while an edge wins), since λ_u contains α₀
//   ridge         along λ·α₀ constant (iALS, neither given): α₀ ×⅓ with λ ×3, and α₀ ×3 with λ ×⅓, up to two more
//                 steps while the outermost point wins. λ_u = λ(|I_u| + α₀|I|) keeps its dominant term there, which
//                 the coordinate stages cannot: the best point can lie one or more ×3 steps along it
//   dimension     d doubled from d_s while the best at the new d beats the best below it by ≥ 1% and the budget
//                 allows, λ re-tried ×{½, 2} at each new d; the first tie (within 1%) goes to the larger d, which
//                 doubles once more (the trials fit on less data than the final model), a second tie stops at the d
//                 below it; the winner's d is the model's (without this stage the model gets the data's default d).
//                 Early, because it matters most once α₀ and λ fit.
//   values        the value transforms that make sense for the value kind (binary, raw, log), α₀ kept relative to
//                 the mean observed weight
//   exponent      ν = 0.5 against the default 1 (λ rescaled to keep a typical row's λ_u)
//   model         `implicit`'s model (confidence implicit, binary values) with its own α grid: the library the
//                 search must never lose to
//   iterations    one fit of the winner scored at 4, 8, 12, 16 and 24 iterations; the best count is kept
//
// The quick screen (SearchOptions::quick) runs only `weight`, `lambda`, `reweight` and `ridge` at d_s, then one `dimension`
// probe at 2·d_s (unless factors were given): when the probe beats d_s by ≥ 5% the model gets probe_doubled's
// options (twice the default d and half the iterations unless given, λ as found), otherwise the default d. A
// fixed plan, no budget: its result depends only on the data and the seed. Trials and the chosen model keep the
// start's solver family (default_solver at the data's d, unless given; searched_solver at each d).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"
#include "alsrec/metrics.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_options.h"
#include "alsrec/profile.h"
#include "alsrec/status.h"

namespace alsrec {

enum class TuneObjective { kNdcg, kRecall };  // explicit mode always minimises RMSE
const char* tune_objective_name(TuneObjective o);  // "ndcg", "recall"
Result<TuneObjective> parse_tune_objective(const std::string& s);

struct SearchOptions {
  double budget_seconds = 60;         // wall time for the trials; 0 = no limit. The first trial always runs.
  int max_trials = 0;                 // 0 = no limit (a reproducible alternative to the time budget)
  TuneObjective objective = TuneObjective::kNdcg;  // explicit mode always minimises RMSE
  int k = 10;
  std::size_t max_validation_users = 3000;  // score an evenly spaced sample of at most this many users
  bool quick = false;                 // the default screen: α₀ and λ only, fixed plan, no budget
  int screen_factors = 64;            // d_s (capped by the final factor count when that was given)
  int screen_iterations = 8;
  // The validation split is carved from an evenly spaced sample of the users when the train part has more
  // interactions than this (Experiment): the search's cost and memory stay bounded on large data.
  std::size_t max_fit_interactions = 1'000'000;

  Status validate() const;
};

struct SearchTrial {
  std::string stage;                  // "start", "values", "weight", "lambda", "exponent", "model", "dimension", ...
  AlsOptions options;
  double objective = 0;               // NDCG@K / Recall@K (higher is better) or RMSE (explicit, lower is better)
  double recall = 0, ndcg = 0, rmse = 0;
  double seconds = 0;
  bool failed = false;                // diverged: scored as the worst possible
};

struct SearchResult {
  std::vector<SearchTrial> trials;    // in the order run
  std::size_t best = 0;               // index into trials
  AlsOptions chosen;                  // the winner, at the final d and iteration count
  bool higher_is_better = true;
  bool budget_exhausted = false;      // stopped early for time or max_trials
  double seconds = 0;
  std::uint64_t fit_interactions = 0, validation_interactions = 0;
  std::vector<std::string> notes;     // what was decided, in words
};

struct SearchProgress {
  int trials_done = 0;
  double elapsed = 0, budget = 0;
  const SearchTrial* last = nullptr;
  const SearchTrial* best = nullptr;
};
using SearchCallback = std::function<bool(const SearchProgress&)>;  // false cancels (kCancelled)

class AutoSearch {
 public:
  // fit / validation: users × items of the same shape (Experiment::validation_fit/validation). `start` is the
  // resolved options (data defaults + given values); `given` says which of them the caller fixed.
  static Result<std::unique_ptr<AutoSearch>> create(const CsrMatrix& fit, const CsrMatrix& validation,
                                                    const DataProfile& profile, const ModelChoices& given,
                                                    const AlsOptions& start, const SearchOptions& options);
  ~AutoSearch();

  Status step();                      // runs the next trial (or finishes the plan); kCancelled never comes from here
  bool done() const;
  const SearchResult& result() const; // complete once done()
  double elapsed() const;
  double budget() const;              // the options' budget_seconds (0 = none)

 private:
  AutoSearch();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The popularity exponent the screen tries against uniform unobserved weights (eALS's ½ did best of ¼, ½, 1 on the
// study's sets), at the α₀ found and, when that beat the uniform weights, at 3× it (citeulike's best).
constexpr float kScreenPopularityExponent = 0.5f;

// What the default screen's dimension probe makes of a model at the default d when twice the screening d pays:
// twice the factors and, unless given, half the iterations; λ as found (finish() in auto_search.cpp says why).
AlsOptions probe_doubled(AlsOptions options, const ModelChoices& given);

// Runs a search to its end, calling `progress` after every trial.
Result<SearchResult> run_search(AutoSearch& search, const SearchCallback& progress = nullptr);

}  // namespace alsrec
