// The staged model search (auto_search.h).
#include "alsrec/auto_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <optional>

namespace alsrec {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool is_explicit(const AlsOptions& o) { return o.confidence == ConfidenceMode::kExplicit; }
bool is_ials(const AlsOptions& o) { return o.confidence == ConfidenceMode::kIals; }


// The searched weight: α₀ for iALS, alpha for the confidence modes; explicit has none.
float weight_of(const AlsOptions& o) { return is_ials(o) ? o.unobserved_weight : o.alpha; }
void set_weight(AlsOptions& o, float w) {
  if (is_ials(o)) o.unobserved_weight = w;
  else o.alpha = w;
}

// In the order run: the screen's stages first (the quick plan is exactly them: α₀, λ, and α₀ again when λ moved,
// for the two are coupled through λ_u = λ(|I_u| + α₀|I|)^ν), then the dimension (what matters most once α₀ and λ
// fit: Rendle et al. 2022; a budget that runs out later still has it), then the comparisons of value transform, ν
// and model at the chosen d, then the iteration count.
enum class Stage {
  kStart, kWeight, kLambda, kReweight, kRidge, kPopularity, kDimension, kValues, kExponent, kModel, kIterations, kDone
};
// The quick screen's stages (the default screen): α₀ and λ at d_s, popularity-weighted unobserved pairs, then the
// dimension probe.
bool in_quick_screen(Stage s) {
  return s == Stage::kWeight || s == Stage::kLambda || s == Stage::kReweight || s == Stage::kRidge ||
         s == Stage::kPopularity || s == Stage::kDimension;
}
const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kStart: return "start";
    case Stage::kValues: return "values";
    case Stage::kWeight: return "weight";
    case Stage::kLambda: return "lambda";
    case Stage::kReweight: return "reweight";
    case Stage::kRidge: return "ridge";
    case Stage::kPopularity: return "popularity";
    case Stage::kExponent: return "exponent";
    case Stage::kModel: return "model";
    case Stage::kDimension: return "dimension";
    case Stage::kIterations: return "iterations";
    case Stage::kDone: return "done";
  }
  return "done";
}

constexpr int kCheckpoints[] = {4, 8, 12, 16, 24};  // large d can peak early (goodbooks at 128: 4 > 8 > 16)

// The quick screen's dimension probe: the relative gain of 2·d_s over d_s above which the model gets twice the
// default d. Measured gains (bench/study/README.md, dimension.sh) split into ≤ 2% (MovieLens-like and the generated
// sets) and ≥ 15% (citeulike, goodbooks ratings and to-read lists, where 128 × 16 → 256 × 8 gains another 10–20%).
constexpr double kProbeGain = 0.05;
// --auto: relative differences of the objective below this are ties. In the dimension stage, between the best at d
// and at 2d. In the comparisons at the chosen d (value transform, ν, model, iteration count), an alternative
// replaces the incumbent (the data's own choice; for the iteration count the chosen d's default) only when it
// beats it by at least this much: their trials often differ by tenths of a percent on validation, and a winner by
// noise should not overturn a choice made from the data. On generated play counts binary values beat log by 0.5%
// and then 8 iterations beat 16 by 0.6% on validation, and on test that model scored 2% / 1% (Recall / NDCG) below
// the defaults' log values at 16 (bench/study/README.md, "Ties after the dimension in `--auto`").
constexpr double kTie = 0.01;
// The popularity exponent needs it too, in the quick screen as well: a constant ω ½ gains on sparse libraries
// (to-read lists +9.5% NDCG) and costs dense raters 8.5% (ml-latest-small), bench/study/README.md.
bool needs_margin(Stage s) {
  return s == Stage::kValues || s == Stage::kExponent || s == Stage::kModel || s == Stage::kIterations ||
         s == Stage::kPopularity;
}

}  // namespace

const char* tune_objective_name(TuneObjective o) { return o == TuneObjective::kRecall ? "recall" : "ndcg"; }

Result<TuneObjective> parse_tune_objective(const std::string& s) {
  if (s == "ndcg") return TuneObjective::kNdcg;
  if (s == "recall") return TuneObjective::kRecall;
  return Status::invalid_argument("unknown objective '" + s + "' (expected ndcg or recall)");
}

Status SearchOptions::validate() const {
  if (!std::isfinite(budget_seconds) || budget_seconds < 0)
    return Status::invalid_argument("the search budget must be a finite number of seconds >= 0");
  if (max_trials < 0) return Status::invalid_argument("max trials must be >= 0 (0 = no limit)");
  if (k < 1) return Status::invalid_argument("k must be at least 1");
  if (max_validation_users < 1) return Status::invalid_argument("the validation sample needs at least one user");
  if (screen_factors < 1 || screen_factors > 1024) return Status::invalid_argument("screen factors must be 1..1024");
  if (screen_iterations < 1) return Status::invalid_argument("screen iterations must be >= 1");
  if (max_fit_interactions < 1000) return Status::invalid_argument("the search's sample needs at least 1000 interactions");
  return Status::ok();
}

struct AutoSearch::Impl {
  const CsrMatrix* fit = nullptr;
  CsrMatrix validation;               // the sampled held-out part
  DataProfile profile;
  ModelChoices given;
  AlsOptions start;
  SearchOptions o;
  Clock::time_point t0;
  SearchResult result;
  Stage stage = Stage::kStart;
  std::deque<AlsOptions> pending;     // the current stage's trials not yet run
  std::size_t stage_first = 0;        // index of the current stage's first trial
  int extensions = 0;                 // grid extensions done in the current stage
  bool dimension_ran = false;
  bool finished = false;

  const SearchTrial& best() const { return result.trials[result.best]; }
  bool better(const SearchTrial& a, const SearchTrial& b) const {
    return result.higher_is_better ? a.objective > b.objective : a.objective < b.objective;
  }
  // The best trial of the current stage (or null if it ran none).
  const SearchTrial* stage_best() const {
    const SearchTrial* b = nullptr;
    for (std::size_t i = stage_first; i < result.trials.size(); ++i)
      if (!b || better(result.trials[i], *b)) b = &result.trials[i];
    return b;
  }

  double score_of(const RankingMetrics& m) const {
    return o.objective == TuneObjective::kRecall ? m.recall : m.ndcg;
  }

  // Trains `c` and scores it (at the checkpoints too when `checkpoints`); appends one trial per score.
  Status run_trial(AlsOptions c, bool checkpoints) {
    const auto ts = Clock::now();
    c.compute_loss = false;
    if (!given.solver) c.solver = searched_solver(c.factors, start.solver);
    ALSREC_RETURN_IF_ERROR(c.validate());
    auto f = ModelFit::create(*fit, c);
    if (!f) return f.status();
    std::vector<SearchTrial> scored;
    auto score = [&](int iterations) {
      SearchTrial t;
      t.stage = stage_name(stage);
      t.options = c;
      t.options.iterations = iterations;
      (*f)->with_factors([&](const Factors& x, const Factors& y) {
        const RankingMetrics m = evaluate_model(x, y, *fit, validation, o.k, c.threads);
        t.recall = m.recall;
        t.ndcg = m.ndcg;
        if (is_explicit(c)) {
          t.rmse = rating_errors(x, y, validation).rmse;
          t.objective = t.rmse;
        } else {
          t.objective = score_of(m);
        }
      });
      scored.push_back(t);
    };
    Status st;
    while (!(*f)->done()) {
      st = (*f)->step();
      if (!st.is_ok()) break;
      const int it = (*f)->iteration();
      if (checkpoints && std::find(std::begin(kCheckpoints), std::end(kCheckpoints), it) != std::end(kCheckpoints) &&
          it != c.iterations)
        score(it);
    }
    if (st.is_ok()) {
      score(c.iterations);
    } else if (st.code() == StatusCode::kNumerical) {
      SearchTrial t;  // a diverged point is a bad point, not a failed search
      t.stage = stage_name(stage);
      t.options = c;
      t.failed = true;
      t.objective = result.higher_is_better ? -1.0 : std::numeric_limits<double>::infinity();
      scored.push_back(t);
    } else {
      return st;
    }
    const double seconds = seconds_since(ts);
    for (SearchTrial& t : scored) {
      t.seconds = seconds / static_cast<double>(scored.size());
      result.trials.push_back(t);
      if (result.trials.size() == 1 || better(result.trials.back(), best())) result.best = result.trials.size() - 1;
    }
    return Status::ok();
  }

  // The slowest trial so far at these factors, or one at the largest smaller d scaled by (d/d')² (a row solve
  // costs ~d² and the scoring ~d): what the next trial is expected to take.
  double expected_seconds(const AlsOptions& c) const {
    double same = 0, smaller = 0;
    int smaller_d = 0;
    for (const SearchTrial& t : result.trials) {
      const double per_iteration = t.seconds / std::max(1, t.options.iterations);
      if (t.options.factors == c.factors) same = std::max(same, per_iteration);
      else if (t.options.factors < c.factors && t.options.factors >= smaller_d) {
        smaller_d = t.options.factors;
        smaller = std::max(smaller, per_iteration);
      }
    }
    const double per = same > 0 ? same
                                : smaller * std::pow(static_cast<double>(c.factors) / std::max(1, smaller_d), 2.0);
    return per * c.iterations;
  }

  bool fits_budget(const AlsOptions& c) const {
    if (o.max_trials > 0 && static_cast<int>(result.trials.size()) >= o.max_trials) return false;
    if (o.quick || o.budget_seconds <= 0 || result.trials.empty()) return true;
    return seconds_since(t0) + expected_seconds(c) <= o.budget_seconds;
  }

  // ---- the plan

  AlsOptions screening(AlsOptions c) const {
    // The quick screen always runs small fits (the final model gets the given or default d and iterations back in
    // finish()); the full search honours given values, which it then never varies.
    if (o.quick || !given.factors) c.factors = std::min(o.screen_factors, start.factors);
    if (o.quick || !given.iterations) c.iterations = std::min(o.screen_iterations, start.iterations);
    return c;
  }

  // The iteration count the final model gets at `factors` when the iteration stage does not choose one: --auto's
  // dimension stage went past the default d without scoring iteration counts, so the iterations follow the factors
  // unless given, as for the probe and the defaults, and the final fit's pair work stays near the default model's (a
  // 1024-factor fit at 16 took 114 s on citeulike).
  int default_iterations(int factors) const {
    return dimension_ran && !given.iterations ? iterations_for_factors(start.iterations, start.factors, factors)
                                              : start.iterations;
  }

  // Ends a stage that needs a margin (kTie): the best trial stays the best only when it beats the
  // incumbent by the margin. The incumbent is the stage's base, or for the iteration count the checkpoint at the
  // default count of its d (the base, scored at the screen's count, is then one of the alternatives: the count it
  // was fitted with is the count the model would get).
  void settle_stage() {
    if (!needs_margin(stage)) return;  // of the quick screen's stages only the popularity stage needs one
    std::size_t incumbent = stage_base_;
    if (stage == Stage::kIterations) {
      for (std::size_t i = stage_first; i < result.trials.size(); ++i) {
        const SearchTrial& t = result.trials[i];
        if (!t.failed && t.options.iterations == default_iterations(t.options.factors)) incumbent = i;
      }
    } else if (result.best < stage_first) {
      return;  // no trial of the stage beat its base
    }
    if (result.trials[incumbent].failed) return;
    if (gain_over(best().objective, result.trials[incumbent].objective) < kTie) result.best = incumbent;
  }

  // Fills `pending` with the next stage's trials; returns false when the plan is complete.
  bool plan_next() {
    settle_stage();  // the stage that just ended
    while (pending.empty()) {
      stage = static_cast<Stage>(static_cast<int>(stage) + 1);
      stage_first = result.trials.size();
      extensions = 0;
      refined_ = false;
      midpoint_ = false;
      edge_steps_ = 0;
      stage_base_ = result.best;
      if (stage == Stage::kDone) return false;
      const AlsOptions b = best().options;
      if (o.quick && !in_quick_screen(stage)) continue;
      switch (stage) {
        case Stage::kReweight:
          // α₀ was chosen at the starting λ; when the λ stage moved it, the thirds around α₀ at the new λ.
          if (is_explicit(b) || (is_ials(b) ? given.unobserved_weight.has_value() : given.alpha.has_value())) break;
          if (best().stage != "lambda") break;
          for (float m : {1.0f / 3, 3.0f}) {
            AlsOptions c = b;
            set_weight(c, weight_of(b) * m);
            pending.push_back(c);
          }
          break;
        case Stage::kRidge:
          // Along λ·α₀ constant: λ_u = λ(|I_u| + α₀|I|) keeps its dominant term while the weight of the unobserved
          // pairs against the observed ones moves. The coordinate stages cannot walk this ridge (α₀ alone changes
          // λ_u with it), and the best point can lie one or more ×3 steps along it.
          if (!is_ials(b) || given.unobserved_weight || given.regularization) break;
          for (float m : {1.0f / 3, 3.0f}) pending.push_back(along_ridge(b, m));
          break;
        case Stage::kPopularity:
          if (!is_ials(b) || given.popularity_exponent || b.unobserved_weight <= 0) break;
          {  // at the α₀ found; 3α₀ follows only when this beats the uniform weights (extend_stage)
            AlsOptions c = b;
            c.popularity_exponent = kScreenPopularityExponent;
            pending.push_back(c);
          }
          break;
        case Stage::kValues: {
          if (given.values || is_explicit(b)) break;
          std::vector<ValueTransform> candidates = {ValueTransform::kBinary};
          const ValueKind kind = profile.values.kind;
          if (kind == ValueKind::kStars || kind == ValueKind::kZeroImplicit || kind == ValueKind::kOther)
            candidates.push_back(ValueTransform::kRaw);
          if (kind == ValueKind::kCounts) candidates = {ValueTransform::kLog, ValueTransform::kBinary, ValueTransform::kRaw};
          for (ValueTransform v : candidates)
            if (v != b.values) {
              AlsOptions c = b;
              c.values = v;
              // α₀ is relative to the mean observed weight, which the transform changes.
              if (is_ials(c) && !given.unobserved_weight)
                c.unobserved_weight = static_cast<float>(
                    b.unobserved_weight * mean_observed_weight(profile.values, v, c.epsilon) /
                    mean_observed_weight(profile.values, b.values, b.epsilon));
              pending.push_back(c);
            }
          break;
        }
        case Stage::kWeight:
          if (is_explicit(b) || (is_ials(b) ? given.unobserved_weight.has_value() : given.alpha.has_value())) break;
          // Decades first (extended while an edge wins, then the thirds around the best): the best α₀ differs by
          // orders of magnitude between data sets.
          for (float m : {1.0f / 10, 10.0f}) {
            AlsOptions c = b;
            set_weight(c, weight_of(b) * m);
            pending.push_back(c);
          }
          break;
        case Stage::kLambda:
          if (given.regularization) break;
          for (float m : {1.0f / 3, 3.0f}) {
            AlsOptions c = b;
            c.regularization = b.regularization * m;
            pending.push_back(c);
          }
          break;
        case Stage::kExponent:
          if (given.reg_exponent || !is_ials(b)) break;
          {
            AlsOptions c = b;
            c.reg_exponent = b.reg_exponent == 1.0f ? 0.5f : 1.0f;
            // keep a typical row's λ_u: λ' = λ·n^(ν−ν'), n = mean |I_u| + α₀|I|
            const double n = profile.mean_per_user + static_cast<double>(b.unobserved_weight) * fit->cols;
            c.regularization = static_cast<float>(b.regularization * std::pow(std::max(1.0, n), b.reg_exponent - c.reg_exponent));
            pending.push_back(c);
          }
          break;
        case Stage::kModel:
          if (given.confidence || !is_ials(b)) break;
          // `implicit`'s model: c = alpha·v with binary values, unobserved weight 1, constant λ.
          for (float alpha : {1.0f, 10.0f, 40.0f}) {
            AlsOptions c = b;
            c.confidence = ConfidenceMode::kImplicit;
            c.popularity_exponent = 0.0f;  // iALS's alone
            if (!given.values) c.values = ValueTransform::kBinary;
            c.alpha = alpha;
            c.reg_exponent = 0.0f;
            c.regularization = 0.1f;
            pending.push_back(c);
          }
          break;
        case Stage::kDimension:
          if (given.factors) break;
          if (o.quick) {  // the probe: one fit at 2·d_s, α₀ and λ as found
            AlsOptions c = b;
            c.factors = b.factors * 2;
            pending.push_back(c);
          } else if (b.factors < 1024) {
            push_doubled(b);
          }
          break;
        case Stage::kIterations:
          if (given.iterations) break;
          {
            AlsOptions c = best().options;
            if (!dimension_ran && !given.factors) c.factors = start.factors;
            c.iterations = kCheckpoints[std::size(kCheckpoints) - 1];
            pending.push_back(c);
          }
          break;
        default: break;
      }
    }
    return true;
  }

  // After a stage's grid: extend a 1-D grid past its edge while the edge wins (weight, lambda), or keep doubling
  // d while it pays (dimension).
  void extend_stage() {
    const SearchTrial* sb = stage_best();
    if (!sb || extensions >= 4) return;
    const AlsOptions& b = best().options;
    if (stage == Stage::kWeight || stage == Stage::kLambda || stage == Stage::kReweight) {
      // The value of the stage's parameter.
      const bool weight = stage != Stage::kLambda;
      auto value = [&](const AlsOptions& x) { return weight ? weight_of(x) : x.regularization; };
      const float v = value(b);
      const int edge = stage_edge(value);
      const float step = stage == Stage::kWeight ? 10.0f : 3.0f;  // the grid's spacing
      auto push = [&](float next) {
        AlsOptions c = b;
        if (weight) set_weight(c, next);
        else c.regularization = next;
        pending.push_back(c);
      };
      if (edge != 0 && edge_steps_ < 2) {
        ++edge_steps_;
        push(edge < 0 ? v / step : v * step);  // the edge won: look one step further out
      } else if (stage == Stage::kWeight && !refined_) {
        refined_ = true;                                  // between decades: the two thirds around the best
        push(v / 3.0f);
        push(v * 3.0f);
      } else if (stage == Stage::kWeight && !midpoint_) {
        // Last, the geometric midpoint between the best and its lower neighbour when that is the better one: on
        // sharp optima the ×3 grid can miss the peak by a factor √3, which costs up to 5% (bench/study/README.md,
        // "Refinement"). Never upward: a larger α₀ raises every λ_u = λ(|I_u| + α₀|I|) toward the λ where
        // shrinkage collapses the factors to the popularity direction, and a midpoint there wins a little on
        // validation but leaves the model one √3 step of λ from popularity (the robustness test's band: in the
        // wasm build the upward midpoint won and λ ×√3 then lost 27%). Not for λ, for the same reason.
        midpoint_ = true;
        const float n = lower_neighbour_if_better(value);
        if (n <= 0) return;
        push(std::sqrt(v * n));
      } else {
        return;
      }
      ++extensions;
    } else if (stage == Stage::kPopularity) {
      // ω ½ at 3α₀ only when ω ½ at α₀ scored above the uniform weights (by any amount: on citeulike +0.7% at α₀,
      // then +3.4% at 3α₀). Where ω loses (MovieLens-like and every generated set: −7% to −44% at α₀ on
      // validation) the screen spends one fit on it, not two.
      if (extensions > 0 || given.unobserved_weight || result.best < stage_first) return;
      ++extensions;
      AlsOptions c = best().options;
      c.unobserved_weight *= 3.0f;
      pending.push_back(c);
    } else if (stage == Stage::kRidge) {
      // One step further while the outermost point in the winning direction is the best (at most two).
      const int edge = stage_edge([](const AlsOptions& x) { return x.unobserved_weight; });
      if (edge == 0 || edge_steps_ >= 2) return;
      ++edge_steps_;
      ++extensions;
      pending.push_back(along_ridge(b, edge < 0 ? 1.0f / 3 : 3.0f));
    } else if (stage == Stage::kDimension) {
      if (o.quick) {  // the probe decides in finish(); it never doubles, and the model keeps the default d
        const SearchTrial& probe = result.trials.back();
        probe_gain_ = probe.failed ? -1.0 : gain_over(probe.objective, below_objective());
        return;
      }
      dimension_ran = true;
      // Keep doubling while the best of this d beats the best below it by ≥ 1%. The first tie (within 1%) goes
      // to the larger d, which doubles once more: the trials fit on the train part less its validation split, the
      // final model on all of it, and more data supports more dimensions, so on validation a larger d is
      // undervalued (ml-latest-small random: 64 factors 0.2237, 128 0.2226 on validation; on test 128 and 256
      // gain 3% and 5% NDCG over 64, bench/study/README.md "Dimension ties"). A second tie stops at the d below
      // it: each doubling costs the final fit ~4× (ml-latest-small temporal went on to 1024 for −2% on test).
      if (!sb || sb->failed) return;
      const double gain = gain_over(sb->objective, below_objective());
      const bool tie = gain < kTie;
      if (gain < -kTie) return;
      if (tie && tie_taken_) {
        result.best = *below_best_;  // a second tie that scored a hair higher than the d below still stops there
        return;
      }
      tie_taken_ = tie_taken_ || tie;
      result.best = static_cast<std::size_t>(sb - result.trials.data());
      below_best_ = result.best;
      if (sb->options.factors >= 1024) return;
      stage_first = result.trials.size();
      ++extensions;
      push_doubled(sb->options);
    }
  }

  // Where the best trial lies among the values `value` this stage tried: −1 at the smallest, +1 at the largest, 0
  // between them or when the best is not one of the stage's trials (an edge that won is extended).
  template <typename Value>
  int stage_edge(const Value& value) const {
    if (result.best < stage_first) return 0;
    float lo = std::numeric_limits<float>::max(), hi = 0;
    for (std::size_t i = stage_first; i < result.trials.size(); ++i) {
      lo = std::min(lo, value(result.trials[i].options));
      hi = std::max(hi, value(result.trials[i].options));
    }
    const float v = value(best().options);
    if (v <= lo * 1.0001f) return -1;
    if (v >= hi * 0.9999f) return 1;
    return 0;
  }
  // α₀ × m and λ ÷ m: the same λ·α₀.
  static AlsOptions along_ridge(AlsOptions c, float m) {
    c.unobserved_weight *= m;
    c.regularization /= m;
    return c;
  }
  // The dimension stage's trials at 2d: λ as it is, and ×2, ×½ unless λ was given (a larger d wants other λ).
  void push_doubled(const AlsOptions& b) {
    AlsOptions c = b;
    c.factors = std::min(1024, b.factors * 2);
    for (float m : {1.0f, 2.0f, 0.5f}) {
      AlsOptions r = c;
      r.regularization = c.regularization * m;
      if (m == 1.0f || !given.regularization) pending.push_back(r);
    }
  }
  // The relative improvement of objective `a` over `b` (either direction of "better").
  double gain_over(double a, double b) const {
    return result.higher_is_better ? a / std::max(1e-12, b) - 1.0 : b / std::max(1e-12, a) - 1.0;
  }
  // The 1-D profile of a stage is its base (the best trial when it began) and its own trials. The value of the
  // best's lower neighbour on it unless the upper one scored better, or 0 when the best has a neighbour on one side
  // only (the edge steps looked further out there).
  template <typename Value>
  float lower_neighbour_if_better(const Value& value) const {
    const float v = value(best().options);
    const SearchTrial *below = nullptr, *above = nullptr;
    auto consider = [&](const SearchTrial& t) {
      if (t.failed) return;
      const float x = value(t.options);
      if (x < v * 0.9999f && (!below || x > value(below->options))) below = &t;
      if (x > v * 1.0001f && (!above || x < value(above->options))) above = &t;
    };
    consider(result.trials[stage_base_]);
    for (std::size_t i = stage_first; i < result.trials.size(); ++i) consider(result.trials[i]);
    if (!below || !above || better(*above, *below)) return 0;
    return value(below->options);
  }
  // The best trial at the d the dimension stage (or the probe) doubles from: set when the stage's first trial
  // runs, moved to each d the doubling takes.
  std::optional<std::size_t> below_best_;
  double below_objective() const { return result.trials[*below_best_].objective; }
  bool tie_taken_ = false;            // a doubling gained less than kTie and was taken
  double probe_gain_ = -1.0;          // the quick screen's dimension probe: 2·d_s against d_s
  bool refined_ = false;
  bool midpoint_ = false;
  std::size_t stage_base_ = 0;
  int edge_steps_ = 0;

  void finish() {
    if (stage != Stage::kDone) settle_stage();  // a stage the budget cut short
    finished = true;
    result.seconds = seconds_since(t0);
    AlsOptions chosen = best().options;
    // Screening happened at a small d: without a dimension stage the final model keeps the data's d and
    // iteration count, with the α₀, λ (and values, model) found.
    if (!dimension_ran) chosen.factors = start.factors;
    if ((stage != Stage::kDone || o.quick) && best().stage != "iterations")
      chosen.iterations = default_iterations(chosen.factors);
    if (o.quick && probe_gain_ >= kProbeGain) {
      // Twice d_s beat d_s clearly: the data wants more dimensions than its default (many items per user-row
      // to tell apart: bench/study/README.md), so the model gets twice the default d, at half the iterations
      // unless they were given (the fit's pair work, ~d per pair and iteration, stays the same), with the λ found.
      // (It used to halve λ as well, for +1–4% on random splits; on goodbooks ratings' temporal split λ/2 lost 45%,
      // on to-read's 19%, and on a generated shape 12%: bench/study/README.md, "The probe's λ".)
      chosen = probe_doubled(chosen, given);
      char note[240];
      std::snprintf(note, sizeof note,
                    "factors %d, iterations %d, lambda %.3g: %d factors beat %d by %.0f%% on the validation split "
                    "(>= %.0f%%)",
                    chosen.factors, chosen.iterations, static_cast<double>(chosen.regularization),
                    2 * screening(start).factors, screening(start).factors, 100 * probe_gain_, 100 * kProbeGain);
      result.notes.push_back(note);
    }
    if (!given.solver) chosen.solver = searched_solver(chosen.factors, start.solver);
    chosen.compute_loss = start.compute_loss;
    chosen.threads = start.threads;
    result.chosen = chosen;
  }
};

AlsOptions probe_doubled(AlsOptions o, const ModelChoices& given) {
  if (!given.iterations) o.iterations = iterations_for_factors(o.iterations, o.factors, 2 * o.factors);
  o.factors *= 2;
  return o;
}

AutoSearch::AutoSearch() : impl_(std::make_unique<Impl>()) {}
AutoSearch::~AutoSearch() = default;

Result<std::unique_ptr<AutoSearch>> AutoSearch::create(const CsrMatrix& fit, const CsrMatrix& validation,
                                                       const DataProfile& profile, const ModelChoices& given,
                                                       const AlsOptions& start, const SearchOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(start.validate());
  if (fit.rows != validation.rows || fit.cols != validation.cols)
    return Status::invalid_argument("search: the fit and validation matrices differ in shape");
  if (fit.nnz() == 0) return Status::bad_input("search: no interactions to fit");
  if (validation.nnz() == 0)
    return Status::bad_input("search: the validation split of the train part is empty (too few interactions per user)");
  std::unique_ptr<AutoSearch> s(new AutoSearch());
  Impl& im = *s->impl_;
  im.fit = &fit;
  im.validation = sample_users(fit, validation, options.max_validation_users);
  im.profile = profile;
  im.given = given;
  im.start = start;
  im.o = options;
  im.t0 = Clock::now();
  im.result.higher_is_better = !is_explicit(start);
  im.result.fit_interactions = fit.nnz();
  im.result.validation_interactions = im.validation.nnz();
  im.pending.push_back(im.screening(start));
  return s;
}

Status AutoSearch::step() {
  Impl& im = *impl_;
  if (im.finished) return Status::ok();
  if (im.pending.empty()) {
    if (!im.result.trials.empty()) im.extend_stage();
    if (im.pending.empty() && !im.plan_next()) {
      im.finish();
      return Status::ok();
    }
  }
  const AlsOptions next = im.pending.front();
  if (!im.fits_budget(next)) {
    im.result.budget_exhausted = true;
    im.pending.clear();
    im.finish();
    return Status::ok();
  }
  im.pending.pop_front();
  if (im.stage == Stage::kDimension && !im.below_best_) im.below_best_ = im.result.best;
  return im.run_trial(next, im.stage == Stage::kIterations);
}

bool AutoSearch::done() const { return impl_->finished; }
const SearchResult& AutoSearch::result() const { return impl_->result; }
double AutoSearch::elapsed() const { return seconds_since(impl_->t0); }
double AutoSearch::budget() const { return impl_->o.quick ? 0.0 : impl_->o.budget_seconds; }

Result<SearchResult> run_search(AutoSearch& search, const SearchCallback& progress) {
  while (!search.done()) {
    const std::size_t before = search.result().trials.size();
    ALSREC_RETURN_IF_ERROR(search.step());
    const SearchResult& r = search.result();
    if (progress && r.trials.size() > before) {
      SearchProgress p;
      p.trials_done = static_cast<int>(r.trials.size());
      p.elapsed = search.elapsed();
      p.budget = search.budget();
      p.last = &r.trials.back();
      p.best = &r.trials[r.best];
      if (!progress(p)) return Status::cancelled("search cancelled after " + std::to_string(p.trials_done) + " trials");
    }
  }
  return search.result();
}

}  // namespace alsrec
