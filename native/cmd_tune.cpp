// alsrec tune: split per user into train and test; search hyperparameters on a validation split carved from the
// train part only (core tune(), d-doubling); train the winner on the whole train part and evaluate once on test.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "alsrec/baselines.h"
#include "alsrec/tune.h"
#include "cli_common.h"
#include "shard_input.h"
#include "commands.h"

namespace alsrec::cli {

namespace {

json trial_json(const TuneTrial& t, bool explicit_mode) {
  json j;
  j["stage"] = t.stage;
  j["factors"] = t.options.factors;
  if (t.options.confidence == ConfidenceMode::kIals) j["unobserved_weight"] = t.options.unobserved_weight;
  else if (!explicit_mode) j["alpha"] = t.options.alpha;
  j["regularization"] = t.options.regularization;
  j["reg_exponent"] = t.options.reg_exponent;
  j["objective"] = t.objective;
  j["recall"] = t.recall;
  j["ndcg"] = t.ndcg;
  if (explicit_mode) j["rmse"] = t.rmse;
  j["seconds"] = t.seconds;
  return j;
}

std::string trial_line(const TuneTrial& t) {
  char text[160];
  const bool ials = t.options.confidence == ConfidenceMode::kIals;
  char weight[32] = "";  // explicit ALS has no confidence weight
  if (t.options.confidence != ConfidenceMode::kExplicit)
    std::snprintf(weight, sizeof weight, "%s=%-8.4g", ials ? "alpha0" : "alpha",
                  static_cast<double>(ials ? t.options.unobserved_weight : t.options.alpha));
  std::snprintf(text, sizeof text, "d=%-4d %-15s lambda=%-8.4g nu=%-4.2g", t.options.factors, weight,
                static_cast<double>(t.options.regularization), static_cast<double>(t.options.reg_exponent));
  return text;
}

}  // namespace

Command add_tune_command(CLI::App& parent) {
  struct State {
    std::string input;
    std::string split = "temporal:0.2";
    std::string objective = "ndcg";
    int k = 10;
    double budget = 60;
    int max_trials = 0;
    std::vector<float> weights, lambdas, exponents;
    std::vector<int> ladder;
    FormatFlags format;
    ModelFlags model;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "tune", "Search alpha0/alpha, lambda, nu and factors on a validation split of the train part, then evaluate "
              "the winner once on test");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file, or a directory of part files (read in name order)")
      ->required();
  app->add_option("--split", st->split,
                  "temporal:F | random:F | leave-last:K (test split; the validation split is the same kind, carved "
                  "from the train part)")
      ->capture_default_str();
  app->add_option("-k,--k", st->k, "Cut-off K of the metrics")->capture_default_str()->check(CLI::Range(1, 100000));
  app->add_option("--budget", st->budget, "Seconds for the search (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  app->add_option("--max-trials", st->max_trials, "Stop after this many trials (0 = no limit; reproducible)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app->add_option("--objective", st->objective, "Validation metric to maximise: ndcg | recall (explicit: rmse)")
      ->capture_default_str();
  const char* grid = "Search grid (stage 0; later stages search locally around the best)";
  app->add_option("--weights", st->weights, "alpha0 (ials) or alpha values, comma-separated")
      ->delimiter(',')
      ->group(grid);
  app->add_option("--lambdas", st->lambdas, "lambda values")->delimiter(',')->group(grid);
  app->add_option("--exponents", st->exponents, "nu values")->delimiter(',')->group(grid);
  app->add_option("--ladder", st->ladder, "factor counts, ascending (d-doubling), e.g. 32,64,128,256")
      ->delimiter(',')
      ->group(grid);
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            auto format = format_options(st->format, st->input);
            if (!format) return fail("tune", format.status());
            auto options = als_options(st->model);
            if (!options) return fail("tune", options.status());
            auto spec = parse_split(st->split);
            if (!spec) return fail("tune", spec.status());
            if (spec->kind == SplitKind::kNone)
              return fail("tune", Status::invalid_argument("--split none leaves nothing to evaluate"));
            auto objective = parse_tune_objective(st->objective);
            if (!objective) return fail("tune", objective.status());

            TuneOptions to;
            to.base = *options;
            to.validation = *spec;
            to.k = st->k;
            to.objective = *objective;
            to.budget_seconds = st->budget;
            to.max_trials = st->max_trials;
            to.weights = st->weights;
            to.lambdas = st->lambdas;
            to.exponents = st->exponents;
            to.factors = st->ladder;
            if (const Status valid = default_tune_grid(to).validate(); !valid.is_ok()) return fail("tune", valid);

            auto data = load_ratings_input(st->input, *format);
            if (!data) return fail("tune", data.status());
            const SplitResult split = split_dataset(*data, *spec, options->seed);
            const bool explicit_mode = options->confidence == ConfidenceMode::kExplicit;

            // Progress: one line per trial on stderr.
            auto tuned = tune(*data, split.train, to, [&](const TuneProgress& p) {
              std::fprintf(stderr, "tune: trial %3d stage %d/%d  %s  %s %.4f  %.2fs  (best %.4f, %s elapsed)\n",
                           p.trials_done, p.stage + 1, p.stages, trial_line(*p.last).c_str(),
                           explicit_mode ? "rmse" : tune_objective_name(to.objective), p.last->objective,
                           p.last->seconds, p.best->objective, format_seconds(p.elapsed).c_str());
              return true;
            });
            if (!tuned) return fail("tune", tuned.status());
            const TuneResult& r = *tuned;

            // The winner on the whole train part, evaluated once on test (as `evaluate` does).
            const CsrMatrix train = build_user_item_matrix(*data, &split.train);
            const CsrMatrix test = build_user_item_matrix(*data, &split.test);
            AlsOptions best = r.best_options;
            best.compute_loss = options->compute_loss;
            const auto start = std::chrono::steady_clock::now();
            ProgressBar bar("tune: final fit");
            auto fitted = fit_factors(train, best, bar);
            if (!fitted) return fail("tune", fitted.status());
            const Factors& user_factors = fitted->user_factors;
            const Factors& item_factors = fitted->item_factors;
            const double final_loss = fitted->final_loss;
            const double fit_seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const RankingMetrics model = evaluate_model(user_factors, item_factors, train, test, st->k, best.threads);
            const RankingMetrics popularity = evaluate_popularity(train, test, st->k, best.threads);

            json j;
            j["input"] = st->input;
            j["split"] = split_to_string(*spec);
            j["k"] = st->k;
            j["users"] = model.users;
            j["metrics"] = metrics_json(model);
            j["baseline"]["popularity"] = metrics_json(popularity);
            if (explicit_mode) {
              const RatingErrors e = rating_errors(user_factors, item_factors, test);
              j["rating_errors"] = {{"count", e.count}, {"rmse", e.rmse}, {"mae", e.mae}};
            }
            j["fit_seconds"] = fit_seconds;
            j["final_loss"] = final_loss;
            j["params"] = params_json(best);
            json trials = json::array();
            for (const TuneTrial& trial : r.trials) trials.push_back(trial_json(trial, explicit_mode));
            j["tuning"] = {{"validation_split", split_to_string(*spec)},
                           {"objective", explicit_mode ? "rmse" : tune_objective_name(to.objective)},
                           {"fit_interactions", r.fit_interactions},
                           {"validation_interactions", r.validation_interactions},
                           {"budget_seconds", st->budget},
                           {"budget_exhausted", r.budget_exhausted},
                           {"seconds", r.seconds},
                           {"best", r.best},
                           {"chosen", trial_json(r.trials[r.best], explicit_mode)},
                           {"trials", trials}};
            j["dataset"] = split_dataset_json(*data, split);
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
              return kExitOk;
            }
            const char* metric = explicit_mode ? "rmse" : tune_objective_name(to.objective);
            std::printf("%s, split %s: %zu trials on %zu fit / %zu validation interactions in %s%s\n",
                        st->input.c_str(), split_to_string(*spec).c_str(), r.trials.size(), r.fit_interactions,
                        r.validation_interactions, format_seconds(r.seconds).c_str(),
                        r.budget_exhausted ? " (budget reached)" : "");
            std::printf("%5s %5s  %-46s %9s %9s %8s\n", "trial", "stage", "params", metric,
                        explicit_mode ? "ndcg" : "recall", "seconds");
            for (std::size_t i = 0; i < r.trials.size(); ++i) {
              const TuneTrial& trial = r.trials[i];
              std::printf("%5zu %5d  %-46s %9.4f %9.4f %8.2f%s\n", i + 1, trial.stage, trial_line(trial).c_str(),
                          trial.objective, explicit_mode ? trial.ndcg : trial.recall, trial.seconds,
                          i == r.best ? "  <- chosen" : "");
            }
            std::printf("chosen: %s\ntest (%zu users, fit %s):\n", trial_line(r.trials[r.best]).c_str(), model.users,
                        format_seconds(fit_seconds).c_str());
            std::printf("%-14s %10s %10s\n", "metric", "als", "popularity");
            const json& a = j["metrics"];
            const json& p = j["baseline"]["popularity"];
            for (auto it = a.begin(); it != a.end(); ++it)
              std::printf("%-14s %10.4f %10.4f\n", it.key().c_str(), it.value().get<double>(),
                          p[it.key()].get<double>());
            if (j.contains("rating_errors"))
              std::printf("rmse %.4f  mae %.4f\n", j["rating_errors"]["rmse"].get<double>(),
                          j["rating_errors"]["mae"].get<double>());
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
