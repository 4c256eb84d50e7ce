// alsrec evaluate: split per user, train on the train part, rank for each test user, compare with popularity.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "distributed.h"
#include "shard_input.h"
#include "alsrec/baselines.h"

namespace alsrec::cli {

namespace {

struct State {
  std::string input;
  std::string split = "temporal:0.2";
  int k = 10;
  FormatFlags format;
  ModelFlags model;
  bool as_json = false;
  distributed::Flags dist;
};

// What one evaluation found, however it was computed.
struct Report {
  RankingMetrics model, popularity;
  bool has_rating_errors = false;
  RatingErrors rating, global_mean, bias;
  double fit_seconds = 0, final_loss = 0;
  json dataset;
  std::uint64_t train = 0, test = 0;
};

int print_report(const State& st, const SplitSpec& spec, const AlsOptions& options, const Report& r,
                 const distributed::ExchangeStats& exchange) {
  json j;
  j["input"] = st.input;
  j["split"] = split_to_string(spec);
  j["k"] = st.k;
  j["users"] = r.model.users;
  j["metrics"] = metrics_json(r.model);
  j["baseline"]["popularity"] = metrics_json(r.popularity);
  if (r.has_rating_errors) {
    const auto errors_json = [](const RatingErrors& e) {
      return json{{"count", e.count}, {"rmse", e.rmse}, {"mae", e.mae}};
    };
    // Rating-prediction baselines on the same split (raw ratings, whatever --values says).
    j["rating_errors"] = errors_json(r.rating);
    j["baseline"]["global_mean"] = errors_json(r.global_mean);
    j["baseline"]["bias"] = errors_json(r.bias);
  }
  j["fit_seconds"] = r.fit_seconds;
  j["final_loss"] = r.final_loss;
  j["params"] = params_json(options);
  distributed::add_exchange_json(j, st.dist, exchange);
  j["dataset"] = r.dataset;
  if (st.as_json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%s, split %s: %zu users evaluated (%llu train / %llu test interactions), fit %s\n", st.input.c_str(),
              split_to_string(spec).c_str(), r.model.users, static_cast<unsigned long long>(r.train),
              static_cast<unsigned long long>(r.test), format_seconds(r.fit_seconds).c_str());
  std::printf("%-14s %10s %10s\n", "metric", "als", "popularity");
  const json& a = j["metrics"];
  const json& p = j["baseline"]["popularity"];
  for (auto it = a.begin(); it != a.end(); ++it)
    std::printf("%-14s %10.4f %10.4f\n", it.key().c_str(), it.value().get<double>(), p[it.key()].get<double>());
  if (r.has_rating_errors) {
    std::printf("rmse %.4f  mae %.4f over %zu held-out ratings\n", r.rating.rmse, r.rating.mae, r.rating.count);
    for (const auto& [name, e] : {std::pair{"global_mean", &r.global_mean}, std::pair{"bias", &r.bias}})
      std::printf("baseline %-11s rmse %.4f  mae %.4f\n", name, e->rmse, e->mae);
  }
  return kExitOk;
}

// One process: the whole dataset here.
int evaluate_here(const State& st, const FormatOptions& format, const AlsOptions& options, const SplitSpec& spec,
                  ProgressBar& bar) {
  auto data = load_ratings_input(st.input, format);
  if (!data) return fail("evaluate", data.status());
  const SplitResult split = split_dataset(*data, spec, options.seed);
  const CsrMatrix train = build_user_item_matrix(*data, &split.train);
  const CsrMatrix test = build_user_item_matrix(*data, &split.test);

  const auto start = std::chrono::steady_clock::now();
  auto fitted = fit_factors(train, options, bar);  // with the bias columns when --biases
  if (!fitted) return fail("evaluate", fitted.status());
  const Factors& user_factors = fitted->user_factors;
  const Factors& item_factors = fitted->item_factors;
  Report r;
  r.final_loss = fitted->final_loss;
  r.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.model = evaluate_model(user_factors, item_factors, train, test, st.k, options.threads);
  r.popularity = evaluate_popularity(train, test, st.k, options.threads);
  if (options.confidence == ConfidenceMode::kExplicit) {
    r.has_rating_errors = true;
    r.rating = rating_errors(user_factors, item_factors, test);
    r.global_mean = baseline_errors(fit_global_mean(train), test);
    r.bias = baseline_errors(fit_biases(train), test);
  }
  r.dataset = split_dataset_json(*data, split);
  r.train = split.train.size();
  r.test = split.test.size();
  return print_report(st, spec, options, r, {});
}

// A rank of `mpirun … evaluate --distributed`: its users' split, metrics summed across ranks, rank 0 prints.
int evaluate_distributed(const State& st, const FormatOptions& format, const AlsOptions& options,
                         const SplitSpec& spec, const distributed::FailureHandler& failed, ProgressBar* bar) {
  const auto comm = mpi_comm();
  distributed::ExchangeStats exchange;
  auto shard = distributed::load_shard(*comm, st.input, format, options.factors, &spec, options.seed, exchange);
  if (!shard) return failed(shard.status());
  const auto start = std::chrono::steady_clock::now();
  distributed::Trained trained;
  const Status fitted = distributed::fit("evaluate", *comm, *shard, options, st.dist, trained, exchange,
                                         bar ? progress_reporter(*bar) : nullptr);
  if (!fitted.is_ok()) return failed(fitted);
  if (bar) bar->finish();
  Report r;
  r.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.final_loss = trained.final_loss;
  const distributed::Evaluation e = distributed::evaluate(*comm, *shard, trained, options, st.k);
  if (comm->rank() != 0) return distributed::finish(kExitOk);
  r.model = e.model;
  r.popularity = e.popularity;
  r.has_rating_errors = e.has_rating_errors;
  r.rating = e.rating, r.global_mean = e.global_mean, r.bias = e.bias;
  const ShardedDataset& d = shard->data;
  r.train = shard->train_interactions;
  r.test = shard->test_interactions;
  r.dataset = {{"users", d.home.num_users()}, {"items", d.home.num_items()}, {"interactions", d.interactions},
               {"train", r.train}, {"test", r.test}, {"skipped", d.home.skipped}};
  return distributed::finish(print_report(st, spec, options, r, exchange));
}

}  // namespace

Command add_evaluate_command(CLI::App& parent) {
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "evaluate", "Hold out each user's latest (or random) interactions, train on the rest, report ranking metrics");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file, or a directory of part files (read in name order)")
      ->required();
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
            if (spec->kind == SplitKind::kNone)
              return failed(Status::invalid_argument("--split none leaves nothing to evaluate"));
            const bool lead = !st->dist.distributed || distributed::rank() == 0;
            std::optional<ProgressBar> bar;
            if (lead) bar.emplace("evaluate");
            if (st->dist.distributed)
              return evaluate_distributed(*st, *format, *options, *spec, failed, bar ? &*bar : nullptr);
            return evaluate_here(*st, *format, *options, *spec, *bar);
          }};
}

}  // namespace alsrec::cli
