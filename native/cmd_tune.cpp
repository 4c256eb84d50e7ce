// alsrec tune: `evaluate --auto` with the search's trials as a table: split per user into train and test, search on
// a validation split carved from the train part only (the core's AutoSearch), fit the winner on the whole train
// part and evaluate it once on test.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "experiment_cli.h"
#include "shard_input.h"

namespace alsrec::cli {

Command add_tune_command(CLI::App& parent) {
  struct State {
    std::string input;
    std::string split = "temporal:0.2";
    int k = 10;
    FormatFlags format;
    ModelFlags model;
    SearchFlags search;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "tune", "evaluate --auto, printing every trial: search the model on a validation split of the train part, then "
              "evaluate the winner once on test");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file, or a directory of part files (read in name order)")
      ->required();
  app->add_option("--split", st->split,
                  "temporal:F | random:F | leave-last:K (test split; the validation split is the same kind, carved "
                  "from the train part)")
      ->capture_default_str();
  app->add_option("-k,--k", st->k, "Cut-off K of the metrics")->capture_default_str()->check(CLI::Range(1, 100000));
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  add_search_flags(*app, st->search, /*always_auto=*/true);
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            auto format = format_options(st->format, st->input);
            if (!format) return fail("tune", format.status());
            auto split = parse_split(st->split);
            if (!split) return fail("tune", split.status());
            if (split->kind == SplitKind::kNone)
              return fail("tune", Status::invalid_argument("--split none leaves nothing to evaluate"));
            SearchFlags search = st->search;
            if (search.no_screen)
              return fail("tune", Status::invalid_argument("tune is the search: --no-screen has no meaning here"));
            search.auto_search = true;
            auto spec = experiment_spec(st->model, search, *split, st->k, "popularity");
            if (!spec) return fail("tune", spec.status());
            auto data = load_ratings_input(st->input, *format);
            if (!data) return fail("tune", data.status());
            auto experiment = Experiment::create(*data, *spec);
            if (!experiment) return fail("tune", experiment.status());
            Experiment& e = **experiment;
            const Status ran = run_experiment(e, "tune", /*verbose=*/true);
            if (!ran.is_ok()) return fail("tune", ran);
            auto report = e.evaluate();
            if (!report) return fail("tune", report.status());
            const SearchResult& r = *e.search_result();
            SearchOptions so = spec->search_options;
            so.quick = false;

            json j;
            j["input"] = st->input;
            j["split"] = split_to_string(*split);
            j["k"] = st->k;
            add_report_json(j, *report);
            j["fit_seconds"] = e.fit_seconds();
            j["final_loss"] = e.last_loss();
            j["params"] = params_json(e.options());
            j["auto"] = search_json(r, so, validation_split(*split, data->has_timestamps));
            j["dataset"] = {{"users", data->num_users()}, {"items", data->num_items()}, {"interactions", data->size()},
                            {"train", e.train_interactions()}, {"test", e.test_interactions()},
                            {"skipped", data->skipped}};
            j["profile"] = profile_json(e.profile());
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
              return kExitOk;
            }
            const std::string metric = j["auto"]["objective"].get<std::string>();
            std::printf("%s, split %s: %zu trials on %llu fit / %llu validation interactions in %s%s\n",
                        st->input.c_str(), split_to_string(*split).c_str(), r.trials.size(),
                        static_cast<unsigned long long>(r.fit_interactions),
                        static_cast<unsigned long long>(r.validation_interactions), format_seconds(r.seconds).c_str(),
                        r.budget_exhausted ? " (budget reached)" : "");
            std::printf("%5s  %-10s %-72s %9s %9s %8s\n", "trial", "stage", "params", metric.c_str(),
                        metric == "recall" ? "ndcg" : "recall", "seconds");
            for (std::size_t i = 0; i < r.trials.size(); ++i) {
              const SearchTrial& t = r.trials[i];
              std::printf("%5zu  %-10s %-72s %9.4f %9.4f %8.2f%s\n", i + 1, t.stage.c_str(), trial_line(t).c_str(),
                          t.objective, metric == "recall" ? t.ndcg : t.recall, t.seconds,
                          i == r.best ? "  <- best" : "");
            }
            SearchTrial chosen;
            chosen.options = e.options();
            std::printf("chosen: %s\ntest (%zu users, fit %s):\n", trial_line(chosen).c_str(), report->model.users,
                        format_seconds(e.fit_seconds()).c_str());
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
