// The tuner: picks the best grid point as independent training runs rank them, d-doubling stages, budget and
// trial limits, cancellation, and it never reads the test interactions.
#include <catch2/catch.hpp>

#include <algorithm>

#include "alsrec/split.h"
#include "alsrec/tune.h"

using namespace alsrec;

namespace {

// 40 users × 30 items in 3 taste groups (user u likes items i with i % 3 == u % 3), plus a few off-group picks;
// timestamps in item order so the temporal split holds out each user's highest-numbered items.
Dataset taste_groups() {
  Dataset d;
  for (std::uint32_t u = 0; u < 40; ++u) d.user_ids.push_back("u" + std::to_string(u));
  for (std::uint32_t i = 0; i < 30; ++i) d.item_ids.push_back("i" + std::to_string(i));
  for (std::uint32_t u = 0; u < 40; ++u)
    for (std::uint32_t i = 0; i < 30; ++i) {
      const bool in_group = i % 3 == u % 3 && (u * 11 + i * 5) % 4 != 0;
      const bool stray = (u * 13 + i * 7) % 17 == 0;
      if (!in_group && !stray) continue;
      d.users.push_back(u);
      d.items.push_back(i);
      d.values.push_back(1.0f + static_cast<float>((u + i) % 5));
      d.timestamps.push_back(static_cast<std::int64_t>(i) * 100 + u);
    }
  d.has_ratings = d.has_timestamps = true;
  d.rows = d.size();
  return d;
}

TuneOptions small_grid(ConfidenceMode mode) {
  TuneOptions t;
  t.base.confidence = mode;
  t.base.values = ValueTransform::kRaw;
  t.base.iterations = 4;
  t.base.threads = 1;
  t.base.solver = SolverKind::kCholesky;
  t.validation = SplitSpec{SplitKind::kTemporal, 0.25, 1};
  t.k = 5;
  t.budget_seconds = 0;
  t.weights = {0.05f, 0.5f};
  t.lambdas = {0.001f, 0.1f};
  t.exponents = {1.0f};
  t.factors = {4};
  return t;
}

}  // namespace

TEST_CASE("tune picks the grid point that independent training runs rank best", "[tune]") {
  const Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kTemporal, 0.2, 1}, 1);
  const TuneOptions t = small_grid(ConfidenceMode::kIals);
  auto r = tune(d, outer.train, t);
  REQUIRE(r.is_ok());
  REQUIRE(r->trials.size() == 4);  // 2 weights × 2 lambdas × 1 exponent × 1 rung
  CHECK_FALSE(r->budget_exhausted);

  // Recompute each grid point by hand on the same fit/validation matrices (split of the train part only).
  const Dataset train_only = subset_dataset(d, outer.train);
  const SplitResult inner = split_dataset(train_only, t.validation, t.base.seed);
  const CsrMatrix fit = build_user_item_matrix(train_only, &inner.train);
  const CsrMatrix valid = build_user_item_matrix(train_only, &inner.test);
  CHECK(r->fit_interactions == fit.nnz());
  CHECK(r->validation_interactions == valid.nnz());
  double best_ndcg = -1;
  AlsOptions best;
  for (float w : t.weights)
    for (float lambda : t.lambdas) {
      AlsOptions o = t.base;
      o.factors = 4;
      o.unobserved_weight = w;
      o.regularization = lambda;
      o.reg_exponent = 1.0f;
      o.compute_loss = false;
      auto trainer = AlsTrainer::create(fit, o);
      REQUIRE(trainer.is_ok());
      REQUIRE((*trainer)->fit().is_ok());
      const double ndcg =
          evaluate_model((*trainer)->user_factors(), (*trainer)->item_factors(), fit, valid, t.k, 1).ndcg;
      if (ndcg > best_ndcg) {
        best_ndcg = ndcg;
        best = o;
      }
    }
  const TuneTrial& chosen = r->trials[r->best];
  CHECK(chosen.objective == best_ndcg);  // same data, options and seed: bit-identical
  CHECK(r->best_options.unobserved_weight == best.unobserved_weight);
  CHECK(r->best_options.regularization == best.regularization);
  for (const TuneTrial& trial : r->trials) CHECK(trial.objective <= chosen.objective);
  // The grids differ enough that the choice is not a tie.
  CHECK(std::count_if(r->trials.begin(), r->trials.end(),
                      [&](const TuneTrial& x) { return x.objective == chosen.objective; }) == 1);
}

TEST_CASE("d-doubling: later rungs search locally around the best point, centre first", "[tune]") {
  const Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kTemporal, 0.2, 1}, 1);
  TuneOptions t = small_grid(ConfidenceMode::kIals);
  t.factors = {2, 4};
  auto r = tune(d, outer.train, t);
  REQUIRE(r.is_ok());
  REQUIRE(r->trials.size() == 4 + 9);
  // The best of stage 0 (trials 0..3).
  std::size_t best0 = 0;
  for (std::size_t i = 1; i < 4; ++i)
    if (r->trials[i].objective > r->trials[best0].objective) best0 = i;
  const AlsOptions& c = r->trials[best0].options;
  const TuneTrial& centre = r->trials[4];
  CHECK(centre.stage == 1);
  CHECK(centre.options.factors == 4);
  CHECK(centre.options.unobserved_weight == c.unobserved_weight);
  CHECK(centre.options.regularization == c.regularization);
  // Neighbours: weights and lambdas × {1/2, 1, 2}.
  for (std::size_t i = 4; i < r->trials.size(); ++i) {
    const float wr = r->trials[i].options.unobserved_weight / c.unobserved_weight;
    const float lr = r->trials[i].options.regularization / c.regularization;
    CHECK((wr == Approx(0.5f) || wr == Approx(1.0f) || wr == Approx(2.0f)));
    CHECK((lr == Approx(0.5f) || lr == Approx(1.0f) || lr == Approx(2.0f)));
  }
}

TEST_CASE("tune never reads the test interactions", "[tune]") {
  Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kTemporal, 0.2, 1}, 1);
  const TuneOptions t = small_grid(ConfidenceMode::kIals);
  auto before = tune(d, outer.train, t);
  REQUIRE(before.is_ok());
  // Scramble every test interaction: other items, values, times. Nothing the tuner sees may change.
  for (std::uint32_t i : outer.test) {
    d.items[i] = (d.items[i] + 7) % 30;
    d.values[i] = 5.0f;
    d.timestamps[i] = -1;
  }
  auto after = tune(d, outer.train, t);
  REQUIRE(after.is_ok());
  REQUIRE(after->trials.size() == before->trials.size());
  for (std::size_t i = 0; i < before->trials.size(); ++i) CHECK(after->trials[i].objective == before->trials[i].objective);
  CHECK(after->best == before->best);
  CHECK(after->best_options.regularization == before->best_options.regularization);
  CHECK(after->best_options.unobserved_weight == before->best_options.unobserved_weight);
  // Whereas changing a train interaction does change what the tuner measures.
  Dataset changed = d;
  for (std::uint32_t i : outer.train) changed.items[i] = (changed.items[i] + 1) % 30;
  auto moved = tune(changed, outer.train, t);
  REQUIRE(moved.is_ok());
  bool any_difference = false;
  for (std::size_t i = 0; i < before->trials.size(); ++i)
    any_difference = any_difference || moved->trials[i].objective != before->trials[i].objective;
  CHECK(any_difference);
}

TEST_CASE("tune: explicit mode minimises validation RMSE", "[tune]") {
  const Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kRandom, 0.2, 1}, 3);
  TuneOptions t = small_grid(ConfidenceMode::kExplicit);
  t.validation = SplitSpec{SplitKind::kRandom, 0.2, 1};
  t.lambdas = {0.001f, 0.05f, 5.0f};
  auto r = tune(d, outer.train, t);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->higher_is_better);
  REQUIRE(r->trials.size() == 3);  // no weight dimension
  for (const TuneTrial& trial : r->trials) {
    CHECK(trial.objective == trial.rmse);
    CHECK(trial.rmse > 0);
    CHECK(trial.objective >= r->trials[r->best].objective);
  }
}

TEST_CASE("tune: the lambda grid is rescaled for other exponents", "[tune]") {
  const Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kTemporal, 0.2, 1}, 1);
  TuneOptions t = small_grid(ConfidenceMode::kIals);
  t.weights = {0.5f};
  t.lambdas = {0.01f};
  t.exponents = {1.0f, 0.0f};
  t.max_trials = 2;
  auto r = tune(d, outer.train, t);
  REQUIRE(r.is_ok());
  REQUIRE(r->trials.size() == 2);
  CHECK(r->trials[0].options.regularization == Approx(0.01f));
  // ν = 0: λ' = λ·n with n = mean |I_u| + α₀·|I| of the fit matrix, so a typical row keeps λ·n.
  const double n = static_cast<double>(r->fit_interactions) / 40.0 + 0.5 * 30.0;
  CHECK(r->trials[1].options.regularization == Approx(0.01 * n).epsilon(1e-4));
  CHECK(r->trials[1].options.reg_exponent == 0.0f);
}

TEST_CASE("tune: trial limit, cancellation and bad options", "[tune]") {
  const Dataset d = taste_groups();
  const SplitResult outer = split_dataset(d, SplitSpec{SplitKind::kTemporal, 0.2, 1}, 1);
  TuneOptions t = small_grid(ConfidenceMode::kIals);
  t.max_trials = 3;
  auto limited = tune(d, outer.train, t);
  REQUIRE(limited.is_ok());
  CHECK(limited->trials.size() == 3);
  CHECK(limited->budget_exhausted);

  int calls = 0;
  auto cancelled = tune(d, outer.train, small_grid(ConfidenceMode::kIals), [&](const TuneProgress& p) {
    ++calls;
    CHECK(p.trials_done == calls);
    CHECK(p.best != nullptr);
    return false;
  });
  CHECK(calls == 1);
  CHECK(cancelled.status().code() == StatusCode::kCancelled);

  TuneOptions bad = small_grid(ConfidenceMode::kIals);
  bad.factors = {8, 4};
  CHECK(tune(d, outer.train, bad).status().code() == StatusCode::kInvalidArgument);
  bad = small_grid(ConfidenceMode::kIals);
  bad.validation.kind = SplitKind::kNone;
  CHECK(tune(d, outer.train, bad).status().code() == StatusCode::kInvalidArgument);
  bad = small_grid(ConfidenceMode::kIals);
  bad.weights = {-1.0f};
  CHECK(tune(d, outer.train, bad).status().code() == StatusCode::kInvalidArgument);
  // No train interactions at all: bad input, not a crash.
  CHECK(tune(d, {}, small_grid(ConfidenceMode::kIals)).status().code() == StatusCode::kBadInput);
}

TEST_CASE("mode defaults: ials is the recommended set, explicit is ALS-WR with biases, the rest implicit's", "[tune]") {
  const AlsOptions r = recommended_options();
  CHECK(r.confidence == ConfidenceMode::kIals);
  CHECK(r.values == ValueTransform::kRaw);
  CHECK(r.factors == 128);
  CHECK(r.unobserved_weight == 3.0f);
  CHECK(r.regularization == 0.0033f);
  CHECK(r.reg_exponent == 1.0f);
  CHECK(r.iterations == 16);
  CHECK(r.validate().is_ok());
  const AlsOptions e = mode_defaults(ConfidenceMode::kExplicit);
  CHECK(e.biases);
  CHECK(e.reg_exponent == 1.0f);
  CHECK(e.values == ValueTransform::kRaw);
  CHECK(e.validate().is_ok());
  const AlsOptions h = mode_defaults(ConfidenceMode::kHu);
  CHECK(h.confidence == ConfidenceMode::kHu);
  CHECK(h.factors == AlsOptions{}.factors);
  CHECK(h.reg_exponent == 0.0f);
  CHECK(h.values == ValueTransform::kBinary);
}
