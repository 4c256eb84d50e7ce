// The experiment layer: the one pipeline every surface runs (the CLI's train/evaluate/tune, the MPI driver's
// single-process parts, the wasm bindings and through them the JS API and the page).
//
//     Dataset ─ profile ─┐
//     ModelChoices ──────┴─ resolve_options ─ split ─ fit (biases first when asked) ─ model() / evaluate()
//                                              └─ AutoSearch (--auto) on a validation split of the train part
//
// Each decision is made here once: which defaults the data gets (data_defaults), what a given value overrides,
// which limits hold (model_parameters), how a model is packaged, which baselines are computed and how.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/auto_search.h"
#include "alsrec/ease.h"
#include "alsrec/matrix.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_options.h"
#include "alsrec/metrics.h"
#include "alsrec/profile.h"
#include "alsrec/ratings.h"
#include "alsrec/split.h"
#include "alsrec/status.h"

namespace alsrec {

// ---------------------------------------------------------------------------------------------- the experiment

enum class Baseline { kPopularity, kEase };
const char* baseline_name(Baseline b);             // "popularity", "ease"
Result<std::vector<Baseline>> parse_baselines(const std::string& list);  // "popularity,ease", "none"

struct ExperimentSpec {
  ModelChoices model;
  SplitSpec split{SplitKind::kNone, 0.2, 1};  // kNone: fit on everything (a model to save, nothing to evaluate)
  int k = 10;
  std::vector<Baseline> baselines{Baseline::kPopularity};
  std::uint64_t ease_max_bytes = 4ull << 30;   // EASE is refused beyond this working memory
  // Before fitting, a search on a validation split carved from the train part (never the test part):
  //   kScreen  the default: α₀ and λ screened around the data's defaults by a few small fits (AutoSearch's quick
  //            plan); skipped when both were given, or the mode has neither (explicit)
  //   kAuto    --auto: the full staged search within search_options.budget_seconds
  //   kNone    the resolved options as they are
  enum class Search { kNone, kScreen, kAuto };
  Search search = Search::kScreen;
  SearchOptions search_options;
};

// The validation split carved from the train part: the test split's kind and fraction; without a test split
// temporal:0.2 when the data has timestamps, else random:0.2.
SplitSpec validation_split(const SplitSpec& test_split, bool has_timestamps);

struct BaselineResult {
  Baseline baseline = Baseline::kPopularity;
  Status status;              // not ok: the baseline could not run here (too large for EASE, …); metrics unset
  RankingMetrics metrics;
  double seconds = 0;
  double lambda = 0;          // EASE: the λ chosen on the validation split
};

struct EvaluationReport {
  RankingMetrics model;
  std::vector<BaselineResult> baselines;
  bool has_rating_errors = false;  // explicit mode: RMSE of the model and of the rating baselines
  RatingErrors rating, global_mean, bias;
  double seconds = 0;              // scoring the model and the baselines
};

// How far evaluation_step() has ranked the test users (0 of 0 before the first step).
struct EvaluationProgress {
  std::size_t users_done = 0, users = 0;
};

// One data set, one split, one model. Cheap to query; fit()/step() and evaluate() do the work.
class Experiment {
 public:
  // Profiles the data, resolves the options, splits (seeded by the resolved seed) and builds the matrices.
  static Result<std::unique_ptr<Experiment>> create(const Dataset& data, const ExperimentSpec& spec);
  // The same, consuming a data set the caller needs no more: with split none its interactions are released as the
  // train matrix is built and its ids moved in, so the data and the matrices are never held in full together.
  static Result<std::unique_ptr<Experiment>> create(Dataset&& data, const ExperimentSpec& spec);
  ~Experiment();

  const DataProfile& profile() const;        // of the train part (what the defaults were decided from)
  const ResolvedOptions& resolved() const;
  const AlsOptions& options() const { return resolved().options; }
  const ExperimentSpec& spec() const;
  bool has_test() const;
  const CsrMatrix& train() const;            // users × items; all interactions without a split
  const CsrMatrix& test() const;             // empty without a split
  std::uint64_t train_interactions() const;
  std::uint64_t test_interactions() const;
  // The validation split of the train part (null unless a search or EASE needs it; released when the search ends
  // unless EASE needs it): the fit part and the held-out part, both users × items, of a sample of the users when
  // the train part has more than search_options.max_fit_interactions.
  const CsrMatrix* validation_fit() const;
  const CsrMatrix* validation() const;

  // ---- the search (spec.search), a trial per search_step(); when it ends its winner becomes the options
  bool searching() const;                    // trials remain
  Status search_step();
  Status search(const SearchCallback& progress = nullptr);  // all remaining trials
  const SearchResult* search_result() const; // null when no search ran
  // Where the search stands, for a caller stepping it (the page's worker): the trials so far, the last and the best
  // (trials_done 0 before the first); once it has ended, the finished search. Valid until the next search_step().
  SearchProgress search_progress() const;

  // Replaces the options by `options` (validated), before fitting starts: the winner of an AutoSearch.
  Status use_options(const AlsOptions& options, std::vector<std::string> notes = {});

  // ---- fitting: step() one iteration at a time (the page's worker), or fit() to the end with progress
  Status step();
  Status fit(const ProgressCallback& progress = nullptr);
  bool fitted() const;                       // all iterations done
  int iteration() const;
  double last_loss() const;
  double fit_seconds() const;                // time spent in step()/fit() so far

  // Ranking metrics of the current factors on the test part; with max_users > 0 on an evenly spaced sample of
  // that many test users (cheap enough to watch during training).
  Result<RankingMetrics> test_metrics(std::size_t max_users = 0) const;
  // The model's metrics on the test part, the baselines and (explicit mode) rating errors. kInvalidArgument
  // without a split.
  Result<EvaluationReport> evaluate() const;
  // The model's part of evaluate() a slice at a time, for a caller that reports progress and may stop between
  // slices (the page's worker): ranks at least max_users more test users (whole blocks, or all that are left);
  // evaluate() then ranks the rest, with the same bits as in one call. Another step() starts it over.
  Status evaluation_step(std::size_t max_users);
  EvaluationProgress evaluation_progress() const;
  // The current factors packaged with their ids, the train interactions as `seen` and the data's fingerprint.
  Result<AlsModel> model() const;
  // The same without copies: the factors, ids and train matrix move into the model, which ends the experiment
  // (what `alsrec train` does before saving).
  Result<AlsModel> take_model();

 private:
  Experiment();
  static Result<std::unique_ptr<Experiment>> build(const Dataset& data, const ExperimentSpec& spec, Dataset* consume);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace alsrec
