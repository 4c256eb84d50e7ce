// The d-doubling hyperparameter search (see tune.h).
#include "alsrec/tune.h"

#include "alsrec/baselines.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

namespace alsrec {

AlsOptions recommended_options() {  // see als.h for how these were chosen
  AlsOptions o;
  o.confidence = ConfidenceMode::kIals;
  o.values = ValueTransform::kRaw;
  o.factors = 128;
  o.unobserved_weight = 3.0f;
  o.regularization = 0.0033f;
  o.reg_exponent = 1.0f;
  o.iterations = 16;
  o.solver = SolverKind::kConjugateGradient;
  return o;
}

AlsOptions mode_defaults(ConfidenceMode mode) {
  if (mode == ConfidenceMode::kIals) return recommended_options();
  AlsOptions o;  // `implicit`'s model
  o.confidence = mode;
  if (mode == ConfidenceMode::kExplicit) {  // ALS-WR (λ·|I_u|) on the ratings, with bias terms
    o.values = ValueTransform::kRaw;
    o.reg_exponent = 1.0f;
    o.biases = true;
  }
  return o;
}

const char* tune_objective_name(TuneObjective o) { return o == TuneObjective::kRecall ? "recall" : "ndcg"; }

Result<TuneObjective> parse_tune_objective(const std::string& s) {
  if (s == "ndcg") return TuneObjective::kNdcg;
  if (s == "recall") return TuneObjective::kRecall;
  return Status::invalid_argument("unknown tuning objective '" + s + "' (expected ndcg or recall)");
}

namespace {

bool is_explicit(const AlsOptions& o) { return o.confidence == ConfidenceMode::kExplicit; }
bool is_ials(const AlsOptions& o) { return o.confidence == ConfidenceMode::kIals; }

// The searched weight w: α₀ for ials, alpha for the confidence modes; explicit has none.
float weight_of(const AlsOptions& o) { return is_ials(o) ? o.unobserved_weight : o.alpha; }
void set_weight(AlsOptions& o, float w) {
  if (is_explicit(o)) return;
  if (is_ials(o)) o.unobserved_weight = w;
  else o.alpha = w;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool all_positive_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x) && x > 0; });
}

}  // namespace

TuneOptions default_tune_grid(TuneOptions o) {
  const bool explicit_mode = is_explicit(o.base), ials = is_ials(o.base);
  if (o.weights.empty()) {
    if (explicit_mode) o.weights = {1.0f};
    else if (ials) o.weights = {0.3f, 1.0f, 3.0f, 10.0f};
    else o.weights = {1.0f, 3.0f, 10.0f, 30.0f};
  }
  if (o.exponents.empty()) {
    if (ials) o.exponents = {1.0f, 0.5f};
    else o.exponents = {explicit_mode ? 1.0f : 0.0f};
  }
  if (o.lambdas.empty()) {
    // With ν = 1 λ multiplies |I_u| + α₀|I| (thousands of items), so its scale is far below the constant-λ one.
    if (explicit_mode) o.lambdas = {0.01f, 0.03f, 0.1f, 0.3f};
    else if (ials) o.lambdas = {0.001f, 0.003f, 0.01f, 0.03f};
    else o.lambdas = {0.01f, 0.1f, 1.0f, 10.0f};
  }
  if (o.factors.empty()) o.factors = {32, 64, 128, 256, 512};
  return o;
}

Status TuneOptions::validate() const {
  ALSREC_RETURN_IF_ERROR(base.validate());
  if (k < 1) return Status::invalid_argument("tune: k must be >= 1, got " + std::to_string(k));
  if (!std::isfinite(budget_seconds) || budget_seconds < 0)
    return Status::invalid_argument("tune: the budget must be a finite number of seconds >= 0");
  if (max_trials < 0) return Status::invalid_argument("tune: max trials must be >= 0 (0 = unlimited)");
  if (!std::isfinite(step) || step <= 1.0f) return Status::invalid_argument("tune: the local step must be > 1");
  if (!all_positive_finite(weights)) return Status::invalid_argument("tune: grid weights must be finite and > 0");
  if (!std::all_of(lambdas.begin(), lambdas.end(), [](float x) { return std::isfinite(x) && x >= 0; }))
    return Status::invalid_argument("tune: grid lambdas must be finite and >= 0");
  if (!std::all_of(exponents.begin(), exponents.end(), [](float x) { return std::isfinite(x) && x >= 0 && x <= 4; }))
    return Status::invalid_argument("tune: grid exponents must be in 0..4");
  for (std::size_t i = 0; i < factors.size(); ++i) {
    if (factors[i] < 1 || factors[i] > 1024)
      return Status::invalid_argument("tune: factor counts must be 1..1024, got " + std::to_string(factors[i]));
    if (i > 0 && factors[i] <= factors[i - 1])
      return Status::invalid_argument("tune: the factor ladder must be strictly ascending");
  }
  if (validation.kind == SplitKind::kNone)
    return Status::invalid_argument("tune: a validation split is needed (temporal:F, random:F or leave-last:K)");
  return Status::ok();
}

namespace {

class Search {
 public:
  Search(const CsrMatrix& fit, const CsrMatrix& validation, const TuneOptions& o, const TuneCallback& cb)
      : fit_(fit), validation_(validation), o_(o), cb_(cb), start_(Clock::now()) {
    result_.higher_is_better = !is_explicit(o.base);
  }

  Result<TuneResult> run() {
    const std::vector<int>& ladder = o_.factors;
    for (std::size_t stage = 0; stage < ladder.size() && !stopped_; ++stage) {
      std::vector<AlsOptions> grid = stage == 0 ? initial_grid(ladder[0]) : local_grid(stage, ladder[stage]);
      for (const AlsOptions& candidate : grid) {
        if (stopped_) break;
        if (!fits_budget(static_cast<int>(stage))) {
          stopped_ = true;
          result_.budget_exhausted = true;
          break;
        }
        ALSREC_RETURN_IF_ERROR(run_trial(static_cast<int>(stage), candidate));
      }
    }
    result_.best_options = result_.trials[result_.best].options;
    result_.seconds = seconds_since(start_);
    return std::move(result_);
  }

 private:
  std::vector<AlsOptions> initial_grid(int factors) const {
    // Explicit has no weight: one pass of the weight loop.
    const std::vector<float> weights = is_explicit(o_.base) ? std::vector<float>{1.0f} : o_.weights;
    // The λ grid is stated for the first exponent ν₀. For another ν the grid is rescaled so that a typical user
    // row keeps its regularization: λ' = λ·n^(ν₀−ν), n = mean |I_u| + w₀|I| (λ_u = λ'·n^ν = λ·n^ν₀).
    const float nu0 = o_.exponents.front();
    const double mean_row = static_cast<double>(fit_.nnz()) / std::max<double>(fit_.rows, 1);
    std::vector<AlsOptions> grid;
    for (float nu : o_.exponents)
      for (float w : weights)
        for (float lambda : o_.lambdas) {
          AlsOptions c = o_.base;
          c.factors = factors;
          c.reg_exponent = nu;
          set_weight(c, w);
          const double w0 = is_explicit(c) ? 0.0 : is_ials(c) ? static_cast<double>(w) : 1.0;
          const double typical = std::max(1.0, mean_row + w0 * static_cast<double>(fit_.cols));
          c.regularization = static_cast<float>(lambda * std::pow(typical, static_cast<double>(nu0 - nu)));
          grid.push_back(c);
        }
    return grid;
  }

  // Around the best point so far at the new factor count; the centre first so a tight budget still measures it.
  std::vector<AlsOptions> local_grid(std::size_t, int factors) const {
    const AlsOptions& best = result_.trials[result_.best].options;
    const float s = o_.step;
    const std::vector<float> mults = {1.0f, 1.0f / s, s};
    std::vector<AlsOptions> grid;
    for (float wm : mults) {
      for (float lm : mults) {
        AlsOptions c = best;
        c.factors = factors;
        c.regularization = best.regularization * lm;
        set_weight(c, weight_of(best) * wm);
        grid.push_back(c);
      }
      if (is_explicit(best)) break;
    }
    return grid;
  }

  // The next trial is expected to take as long as the slowest one at this stage, or 2.5× the slowest of the
  // previous stage (a doubled d costs 2–4× per row solve); stop when that would overrun the budget.
  bool fits_budget(int stage) const {
    if (result_.trials.empty()) return true;
    if (o_.max_trials > 0 && static_cast<int>(result_.trials.size()) >= o_.max_trials) return false;
    if (o_.budget_seconds <= 0) return true;
    double same = 0, previous = 0;
    for (const TuneTrial& t : result_.trials) {
      if (t.stage == stage) same = std::max(same, t.seconds);
      if (t.stage == stage - 1) previous = std::max(previous, t.seconds);
    }
    const double expected = same > 0 ? same : 2.5 * previous;
    return seconds_since(start_) + expected <= o_.budget_seconds;
  }

  bool better(const TuneTrial& a, const TuneTrial& b) const {
    return result_.higher_is_better ? a.objective > b.objective : a.objective < b.objective;
  }

  Status run_trial(int stage, AlsOptions candidate) {
    const auto t0 = Clock::now();
    candidate.compute_loss = false;  // the objective is the validation metric, not the training loss
    ALSREC_RETURN_IF_ERROR(candidate.validate());
    TuneTrial trial;
    trial.stage = stage;
    trial.options = candidate;
    Factors users, items;
    Status fitted;
    if (candidate.biases) {  // explicit ALS on the bias residuals (baselines.h)
      auto biased = train_biased_explicit(fit_, candidate);
      fitted = biased.status();
      if (biased.is_ok()) {
        users = std::move(biased->user_factors);
        items = std::move(biased->item_factors);
      }
    } else {
      auto trainer = AlsTrainer::create(fit_, candidate);
      if (!trainer.is_ok()) return trainer.status();
      fitted = (*trainer)->fit();
      users = (*trainer)->user_factors();
      items = (*trainer)->item_factors();
    }
    if (fitted.is_ok()) {
      const RankingMetrics m = evaluate_model(users, items, fit_, validation_, o_.k, candidate.threads);
      trial.recall = m.recall;
      trial.ndcg = m.ndcg;
      if (is_explicit(candidate)) {
        trial.rmse = rating_errors(users, items, validation_).rmse;
        trial.objective = trial.rmse;
      } else {
        trial.objective = o_.objective == TuneObjective::kRecall ? m.recall : m.ndcg;
      }
    } else if (fitted.code() == StatusCode::kNumerical) {
      // A diverged point is a bad point, not a failed search.
      trial.objective = result_.higher_is_better ? -1.0 : std::numeric_limits<double>::infinity();
    } else {
      return fitted;
    }
    trial.seconds = seconds_since(t0);
    result_.trials.push_back(trial);
    if (result_.trials.size() == 1 || better(trial, result_.trials[result_.best]))
      result_.best = result_.trials.size() - 1;
    if (cb_) {
      TuneProgress p;
      p.trials_done = static_cast<int>(result_.trials.size());
      p.stage = stage;
      p.stages = static_cast<int>(o_.factors.size());
      p.elapsed = seconds_since(start_);
      p.budget = o_.budget_seconds;
      p.last = &result_.trials.back();
      p.best = &result_.trials[result_.best];
      if (!cb_(p)) return Status::cancelled("tuning cancelled after " + std::to_string(p.trials_done) + " trials");
    }
    return Status::ok();
  }

  const CsrMatrix& fit_;
  const CsrMatrix& validation_;
  const TuneOptions& o_;
  const TuneCallback& cb_;
  Clock::time_point start_;
  TuneResult result_;
  bool stopped_ = false;
};

}  // namespace

Result<TuneResult> tune_on_matrices(const CsrMatrix& fit, const CsrMatrix& validation, const TuneOptions& options,
                                    const TuneCallback& progress) {
  const TuneOptions o = default_tune_grid(options);
  ALSREC_RETURN_IF_ERROR(o.validate());
  if (fit.rows != validation.rows || fit.cols != validation.cols)
    return Status::invalid_argument("tune: the fit and validation matrices differ in shape");
  if (fit.nnz() == 0) return Status::bad_input("tune: no training interactions to fit");
  if (validation.nnz() == 0)
    return Status::bad_input("tune: the validation split of the training data is empty (too few interactions "
                             "per user for " + split_to_string(o.validation) + ")");
  auto result = Search(fit, validation, o, progress).run();
  if (result.is_ok()) {
    result->fit_interactions = fit.nnz();
    result->validation_interactions = validation.nnz();
  }
  return result;
}

Dataset subset_dataset(const Dataset& data, const std::vector<std::uint32_t>& subset) {
  Dataset d;
  d.user_ids = data.user_ids;
  d.item_ids = data.item_ids;
  d.has_ratings = data.has_ratings;
  d.has_timestamps = data.has_timestamps;
  d.format = data.format;
  const std::size_t n = data.size();
  for (std::uint32_t i : subset) {
    if (i >= n) continue;
    d.users.push_back(data.users[i]);
    d.items.push_back(data.items[i]);
    d.values.push_back(i < data.values.size() ? data.values[i] : 1.0f);
    d.timestamps.push_back(i < data.timestamps.size() ? data.timestamps[i] : 0);
  }
  d.rows = d.users.size();
  return d;
}

Result<TuneResult> tune(const Dataset& data, const std::vector<std::uint32_t>& train, const TuneOptions& options,
                        const TuneCallback& progress) {
  ALSREC_RETURN_IF_ERROR(default_tune_grid(options).validate());
  const Dataset train_data = subset_dataset(data, train);
  // Split the train part exactly as the test split was made (per user, by time or a seeded shuffle).
  const SplitResult inner = split_dataset(train_data, options.validation, options.base.seed);
  const CsrMatrix fit = build_user_item_matrix(train_data, &inner.train);
  const CsrMatrix validation = build_user_item_matrix(train_data, &inner.test);
  return tune_on_matrices(fit, validation, options, progress);
}

}  // namespace alsrec
