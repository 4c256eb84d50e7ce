// alsrec evaluate: split per user, train on the train part, rank for each test user, compare with popularity.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "distributed.h"
#include "alsrec/baselines.h"

namespace alsrec::cli {

Command add_evaluate_command(CLI::App& parent) {
  struct State {
    std::string input;
    std::string split = "temporal:0.2";
    int k = 10;
    FormatFlags format;
    ModelFlags model;
    bool as_json = false;
    distributed::Flags dist;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "evaluate", "Hold out each user's latest (or random) interactions, train on the rest, report ranking metrics");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file")->required();
  app->add_option("--split", st->split, "temporal:F | random:F | leave-last:K (per user)")->capture_default_str();
  app->add_option("-k,--k", st->k, "Cut-off K of the metrics")->capture_default_str()->check(CLI::Range(1, 100000));
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  app->add_flag("--json", st->as_json, "Print JSON");
  distributed::add_flags(*app, st->dist, "evaluate");

  return {app, [st]() -> int {
            Status started;
            const auto failed = distributed::start_run(st->dist, "evaluate", started);
            if (!started.is_ok()) return fail("evaluate", started);
            auto format = format_options(st->format, st->input);
            if (!format) return failed(format.status());
            auto options = als_options(st->model);
            if (!options) return failed(options.status());
            auto spec = parse_split(st->split);
            if (!spec) return failed(spec.status());
            if (spec->kind == SplitKind::kNone) {
              return failed(Status::invalid_argument("--split none leaves nothing to evaluate"));
            }
            if (st->dist.distributed && options->biases)
              return failed(Status::invalid_argument("--distributed does not fit --biases (explicit baselines) yet"));
            auto data = load_ratings_file(st->input, *format);
            if (!data) return failed(data.status());
            const bool lead = !st->dist.distributed || distributed::rank() == 0;
            distributed::ExchangeStats exchange;

            const SplitResult split = split_dataset(*data, *spec, options->seed);
            CsrMatrix train = build_user_item_matrix(*data, &split.train);
            const CsrMatrix test = build_user_item_matrix(*data, &split.test);

            const auto start = std::chrono::steady_clock::now();
            Factors user_factors, item_factors;  // with the bias columns when --biases
            double final_loss = 0;
            std::optional<ProgressBar> bar;
            if (lead) bar.emplace("evaluate");
            if (st->dist.distributed) {  // the split is a function of the data and the seed: the same on every rank
              auto trainer = AlsTrainer::create(train, *options);
              if (!trainer) return failed(trainer.status());
              const Status fitted =
                  distributed::fit("evaluate", **trainer, st->dist.exact_gramian, exchange, lead ? progress_reporter(*bar) : nullptr);
              if (!fitted.is_ok()) return failed(fitted);
              if (!lead) return distributed::finish(kExitOk);  // rank 0 alone ranks and prints
              bar->finish();
              user_factors = (*trainer)->user_factors();
              item_factors = (*trainer)->item_factors();
              final_loss = (*trainer)->last_loss();
            } else if (options->biases) {
              auto fitted = train_biased_explicit(train, *options, progress_reporter(*bar));
              bar->finish();
              if (!fitted) return fail("evaluate", fitted.status());
              user_factors = std::move(fitted->user_factors);
              item_factors = std::move(fitted->item_factors);
              final_loss = fitted->final_loss;
            } else {
              auto trainer = AlsTrainer::create(train, *options);
              if (!trainer) return fail("evaluate", trainer.status());
              const Status fitted = (*trainer)->fit(progress_reporter(*bar));
              bar->finish();
              if (!fitted.is_ok()) return fail("evaluate", fitted);
              user_factors = (*trainer)->user_factors();
              item_factors = (*trainer)->item_factors();
              final_loss = (*trainer)->last_loss();
            }
            const double fit_seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

            const RankingMetrics model =
                evaluate_model(user_factors, item_factors, train, test, st->k, options->threads);
            const RankingMetrics popularity = evaluate_popularity(train, test, st->k, options->threads);

            json j;
            j["input"] = st->input;
            j["split"] = split_to_string(*spec);
            j["k"] = st->k;
            j["users"] = model.users;
            j["metrics"] = metrics_json(model);
            j["baseline"]["popularity"] = metrics_json(popularity);
            if (options->confidence == ConfidenceMode::kExplicit) {
              const auto errors_json = [](const RatingErrors& e) {
                return json{{"count", e.count}, {"rmse", e.rmse}, {"mae", e.mae}};
              };
              // Rating-prediction baselines on the same split (raw ratings, whatever --values says).
              j["rating_errors"] = errors_json(rating_errors(user_factors, item_factors, test));
              j["baseline"]["global_mean"] = errors_json(baseline_errors(fit_global_mean(train), test));
              j["baseline"]["bias"] = errors_json(baseline_errors(fit_biases(train), test));
            }
            j["fit_seconds"] = fit_seconds;
            j["final_loss"] = final_loss;
            j["params"] = params_json(*options);
            distributed::add_exchange_json(j, st->dist, exchange);
            j["dataset"] = split_dataset_json(*data, split);
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
              return distributed::finish(kExitOk);
            }
            std::printf("%s, split %s: %zu users evaluated (%zu train / %zu test interactions), fit %s\n",
                        st->input.c_str(), split_to_string(*spec).c_str(), model.users, split.train.size(),
                        split.test.size(), format_seconds(fit_seconds).c_str());
            std::printf("%-14s %10s %10s\n", "metric", "als", "popularity");
            const json& a = j["metrics"];
            const json& p = j["baseline"]["popularity"];
            for (auto it = a.begin(); it != a.end(); ++it) {
              std::printf("%-14s %10.4f %10.4f\n", it.key().c_str(), it.value().get<double>(),
                          p[it.key()].get<double>());
            }
            if (j.contains("rating_errors")) {
              std::printf("rmse %.4f  mae %.4f over %zu held-out ratings\n", j["rating_errors"]["rmse"].get<double>(),
                          j["rating_errors"]["mae"].get<double>(), j["rating_errors"]["count"].get<std::size_t>());
              for (const char* b : {"global_mean", "bias"})
                std::printf("baseline %-11s rmse %.4f  mae %.4f\n", b, j["baseline"][b]["rmse"].get<double>(),
                            j["baseline"][b]["mae"].get<double>());
            }
            return distributed::finish(kExitOk);
          }};
}

}  // namespace alsrec::cli
