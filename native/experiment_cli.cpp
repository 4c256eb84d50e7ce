#include "experiment_cli.h"

#include <unistd.h>

#include <cstdio>

namespace alsrec::cli {

void add_search_flags(CLI::App& app, SearchFlags& f, bool always_auto) {
  const char* group = "Search (on a validation split carved from the train part, never the test part)";
  if (!always_auto)
    app.add_flag("--auto", f.auto_search,
                 "Search confidence mode, value transform, alpha0/alpha, lambda, nu, factors and iterations within "
                 "--budget, then fit the winner")
        ->group(group);
  app.add_option("--budget", f.budget, "Seconds for the search (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7))
      ->group(group);
  app.add_option("--max-trials", f.max_trials, "Stop the search after this many trials (0 = no limit; reproducible)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->group(group);
  app.add_option("--objective", f.objective, "Validation metric to maximise: ndcg | recall (explicit: rmse)")
      ->capture_default_str()
      ->group(group);
  app.add_flag("--no-screen", f.no_screen,
               "Use the data's defaults as they are, without the default screen of alpha0 and lambda (a few small "
               "fits on the validation split) and its dimension probe")
      ->group(group);
}

Result<ExperimentSpec> experiment_spec(const ModelFlags& model, const SearchFlags& search, const SplitSpec& split,
                                       int k, const std::string& baselines) {
  ExperimentSpec spec;
  auto choices = model_choices(model);
  if (!choices) return choices.status();
  spec.model = *choices;
  spec.split = split;
  spec.k = k;
  auto b = parse_baselines(baselines);
  if (!b) return b.status();
  spec.baselines = *b;
  auto objective = parse_tune_objective(search.objective);
  if (!objective) return objective.status();
  spec.search_options.objective = *objective;
  spec.search_options.budget_seconds = search.budget;
  spec.search_options.max_trials = search.max_trials;
  if (search.auto_search && search.no_screen)
    return Status::invalid_argument("--auto and --no-screen contradict each other: choose one");
  spec.search = search.auto_search ? ExperimentSpec::Search::kAuto
                : search.no_screen ? ExperimentSpec::Search::kNone
                                   : ExperimentSpec::Search::kScreen;
  ALSREC_RETURN_IF_ERROR(spec.search_options.validate());
  return spec;
}

std::string trial_line(const SearchTrial& t) {
  const AlsOptions& o = t.options;
  char text[220];
  char weight[48] = "";
  if (o.confidence == ConfidenceMode::kIals && o.popularity_exponent != 0.0f)  // ω only where it is set
    std::snprintf(weight, sizeof weight, "alpha0=%-8.3g omega=%.2g", static_cast<double>(o.unobserved_weight),
                  static_cast<double>(o.popularity_exponent));
  else if (o.confidence == ConfidenceMode::kIals)
    std::snprintf(weight, sizeof weight, "alpha0=%-8.3g", static_cast<double>(o.unobserved_weight));
  else if (o.confidence != ConfidenceMode::kExplicit)
    std::snprintf(weight, sizeof weight, "alpha=%-9.3g", static_cast<double>(o.alpha));
  std::snprintf(text, sizeof text, "%-8s %-6s d=%-4d %-15s lambda=%-8.3g nu=%-4.2g it=%d",
                confidence_mode_name(o.confidence), value_transform_name(o.values), o.factors, weight,
                static_cast<double>(o.regularization), static_cast<double>(o.reg_exponent), o.iterations);
  return text;
}

Status run_experiment(Experiment& e, const std::string& command, bool verbose) {
  const bool show = verbose || ::isatty(STDERR_FILENO) != 0;
  if (e.searching()) {
    const bool quick = e.spec().search != ExperimentSpec::Search::kAuto;
    const char* metric = e.options().confidence == ConfidenceMode::kExplicit
                             ? "rmse"
                             : tune_objective_name(e.spec().search_options.objective);
    ALSREC_RETURN_IF_ERROR(e.search([&](const SearchProgress& p) {
      if (show)
        std::fprintf(stderr, "%s: %s %3d  %-10s %s  %s %.4f  %.2fs  (best %.4f, %s elapsed)\n", command.c_str(),
                     quick ? "screen" : "trial", p.trials_done, p.last->stage.c_str(), trial_line(*p.last).c_str(),
                     metric, p.last->objective, p.last->seconds, p.best->objective,
                     format_seconds(p.elapsed).c_str());
      return true;
    }));
  }
  ProgressBar bar(command);
  const Status fitted = e.fit(progress_reporter(bar));
  bar.finish();
  return fitted;
}

json profile_json(const DataProfile& p) {
  const ValueProfile& v = p.values;
  json values = {{"kind", value_kind_name(v.kind)},
                 {"description", value_kind_description(v.kind)},
                 {"evidence", v.evidence}};
  if (v.kind != ValueKind::kNone) {
    values["min"] = v.min;
    values["max"] = v.max;
    values["mean"] = v.mean;
    values["median"] = v.median;
    values["distinct"] = v.distinct;
    if (v.kind == ValueKind::kZeroImplicit) values["zero_weight"] = v.zero_weight;
  }
  return {{"values", values},
          {"shape",
           {{"users", p.users},
            {"items", p.items},
            {"interactions", p.interactions},
            {"density", p.density},
            {"mean_per_user", p.mean_per_user},
            {"median_per_user", p.median_per_user},
            {"mean_per_item", p.mean_per_item},
            {"median_per_item", p.median_per_item},
            {"top_1pct_item_share", p.top_item_share}}}};
}

json trial_json(const SearchTrial& t) {
  const AlsOptions& o = t.options;
  json j;
  j["stage"] = t.stage;
  j["confidence"] = confidence_mode_name(o.confidence);
  j["values"] = value_transform_name(o.values);
  j["factors"] = o.factors;
  if (o.confidence == ConfidenceMode::kIals) j["unobserved_weight"] = shortest(o.unobserved_weight);
  else if (o.confidence != ConfidenceMode::kExplicit) j["alpha"] = shortest(o.alpha);
  if (o.popularity_exponent != 0.0f) j["popularity_exponent"] = shortest(o.popularity_exponent);
  j["regularization"] = shortest(o.regularization);
  j["reg_exponent"] = shortest(o.reg_exponent);
  j["iterations"] = o.iterations;
  j["solver"] = solver_name(o.solver);  // a search's trials from 256 to 512 factors take the Woodbury solver
  j["objective"] = t.objective;
  j["recall"] = t.recall;
  j["ndcg"] = t.ndcg;
  if (o.confidence == ConfidenceMode::kExplicit) j["rmse"] = t.rmse;
  if (t.failed) j["failed"] = true;
  j["seconds"] = t.seconds;
  return j;
}

json search_json(const SearchResult& r, const SearchOptions& o, const SplitSpec& validation) {
  json trials = json::array();
  for (const SearchTrial& t : r.trials) trials.push_back(trial_json(t));
  const bool explicit_mode = r.chosen.confidence == ConfidenceMode::kExplicit;
  return {{"mode", o.quick ? "screen" : "auto"},
          {"validation_split", split_to_string(validation)},
          {"objective", explicit_mode ? "rmse" : tune_objective_name(o.objective)},
          {"fit_interactions", r.fit_interactions},
          {"validation_interactions", r.validation_interactions},
          {"budget_seconds", o.quick ? 0.0 : o.budget_seconds},
          {"budget_exhausted", r.budget_exhausted},
          {"seconds", r.seconds},
          {"best", r.best},
          {"chosen", params_json(r.chosen)},
          {"trials", trials}};
}

void add_report_json(json& j, const EvaluationReport& r) {
  j["users"] = r.model.users;
  j["metrics"] = metrics_json(r.model);
  for (const BaselineResult& b : r.baselines) {
    if (!b.status.is_ok()) {
      j["baseline"][baseline_name(b.baseline)] = {{"error", b.status.message()}};
      continue;
    }
    json m = metrics_json(b.metrics);
    if (b.baseline == Baseline::kEase) {
      m["lambda"] = b.lambda;
      m["seconds"] = b.seconds;
    }
    j["baseline"][baseline_name(b.baseline)] = m;
  }
  if (r.has_rating_errors) {
    const auto errors_json = [](const RatingErrors& e) {
      return json{{"count", e.count}, {"rmse", e.rmse}, {"mae", e.mae}};
    };
    // Rating-prediction baselines on the same split (raw ratings, whatever --values says).
    j["rating_errors"] = errors_json(r.rating);
    j["baseline"]["global_mean"] = errors_json(r.global_mean);
    j["baseline"]["bias"] = errors_json(r.bias);
  }
}

}  // namespace alsrec::cli
