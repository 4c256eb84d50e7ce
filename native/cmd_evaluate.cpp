// alsrec evaluate: split per user, train on the train part, rank for each test user, compare with popularity.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "distributed.h"
#include "experiment_cli.h"
#include "shard_input.h"
#include "alsrec/baselines.h"

namespace alsrec::cli {

namespace {

struct State {
  std::string input;
  std::string split = "temporal:0.2";
  int k = 10;
  std::string baselines = "popularity";
  std::uint64_t ease_max_mb = 4096;
  FormatFlags format;
  ModelFlags model;
  SearchFlags search;
  bool as_json = false;
  distributed::Flags dist;
};

// What one evaluation found, however it was computed (one process or the ranks of a distributed run).
struct Report {
  EvaluationReport evaluation;
  double fit_seconds = 0, final_loss = 0;
  json dataset;
  std::uint64_t train = 0, test = 0;
  json extra;  // profile, search, notes: appended after the keys every evaluation prints
};

int print_report(const State& st, const SplitSpec& spec, const AlsOptions& options, const Report& r,
                 const distributed::ExchangeStats& exchange) {
  json j;
  j["input"] = st.input;
  j["split"] = split_to_string(spec);
  j["k"] = st.k;
  add_report_json(j, r.evaluation);
  j["fit_seconds"] = r.fit_seconds;
  j["final_loss"] = r.final_loss;
  j["params"] = params_json(options);
  distributed::add_exchange_json(j, st.dist, exchange);
  j["dataset"] = r.dataset;
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  if (st.as_json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  const RankingMetrics& model = r.evaluation.model;
  std::printf("%s, split %s: %zu users evaluated (%llu train / %llu test interactions), fit %s\n", st.input.c_str(),
              split_to_string(spec).c_str(), model.users, static_cast<unsigned long long>(r.train),
              static_cast<unsigned long long>(r.test), format_seconds(r.fit_seconds).c_str());
  if (r.extra.contains("profile"))
    std::printf("values: %s (%s)\n", r.extra["profile"]["values"]["description"].get<std::string>().c_str(),
                r.extra["profile"]["values"]["evidence"].get<std::string>().c_str());
  if (r.extra.contains("notes"))
    for (const auto& n : r.extra["notes"]) std::printf("note: %s\n", n.get<std::string>().c_str());
  // A column per baseline that ran; a line for each that could not.
  std::vector<std::pair<std::string, const json*>> columns = {{"als", &j["metrics"]}};
  for (auto it = j["baseline"].begin(); it != j["baseline"].end(); ++it) {
    if (it.value().contains("error")) {
      std::printf("baseline %s: not computed: %s\n", it.key().c_str(), it.value()["error"].get<std::string>().c_str());
      continue;
    }
    if (it.value().contains("recall@" + std::to_string(st.k))) columns.emplace_back(it.key(), &it.value());
  }
  std::printf("%-14s", "metric");
  for (const auto& c : columns) std::printf(" %10s", c.first.c_str());
  std::printf("\n");
  const json& a = j["metrics"];
  for (auto it = a.begin(); it != a.end(); ++it) {
    std::printf("%-14s", it.key().c_str());
    for (const auto& c : columns) std::printf(" %10.4f", (*c.second)[it.key()].get<double>());
    std::printf("\n");
  }
  const EvaluationReport& e = r.evaluation;
  if (e.has_rating_errors) {
    std::printf("rmse %.4f  mae %.4f over %zu held-out ratings\n", e.rating.rmse, e.rating.mae, e.rating.count);
    for (const auto& [name, err] : {std::pair{"global_mean", &e.global_mean}, std::pair{"bias", &e.bias}})
      std::printf("baseline %-11s rmse %.4f  mae %.4f\n", name, err->rmse, err->mae);
  }
  return kExitOk;
}

// One process: the whole dataset here, through the core's Experiment (search, fit, evaluate).
int evaluate_here(const State& st, const FormatOptions& format, const ExperimentSpec& spec) {
  auto data = load_ratings_input(st.input, format);
  if (!data) return fail("evaluate", data.status());
  auto experiment = Experiment::create(*data, spec);
  if (!experiment) return fail("evaluate", experiment.status());
  Experiment& e = **experiment;
  const Status ran = run_experiment(e, "evaluate");
  if (!ran.is_ok()) return fail("evaluate", ran);
  {  // the test users in slices, with a bar on a terminal (a Book-Crossing-sized catalogue takes tens of seconds)
    ProgressBar bar("evaluate");
    if (bar.active()) {
      std::size_t slice = 2048;
      EvaluationProgress p;
      do {
        const Status st = e.evaluation_step(slice);
        if (!st.is_ok()) return fail("evaluate", st);
        p = e.evaluation_progress();
        if (p.users > 0)
          bar.update(static_cast<double>(p.users_done) / static_cast<double>(p.users),
                     "ranked " + std::to_string(p.users_done) + " of " + std::to_string(p.users) + " test users");
        slice = std::max<std::size_t>(2048, p.users / 40);
      } while (p.users_done < p.users);
      bar.finish();
    }
  }
  auto evaluation = e.evaluate();
  if (!evaluation) return fail("evaluate", evaluation.status());
  Report r;
  r.evaluation = std::move(*evaluation);
  r.final_loss = e.last_loss();
  r.fit_seconds = e.fit_seconds();
  r.train = e.train_interactions();
  r.test = e.test_interactions();
  r.dataset = {{"users", data->num_users()}, {"items", data->num_items()}, {"interactions", data->size()},
               {"train", r.train}, {"test", r.test}, {"skipped", data->skipped}};
  r.extra["profile"] = profile_json(e.profile());
  if (!e.resolved().notes.empty()) r.extra["notes"] = e.resolved().notes;
  if (const SearchResult* s = e.search_result()) {
    SearchOptions so = spec.search_options;
    so.quick = spec.search != ExperimentSpec::Search::kAuto;
    r.extra[so.quick ? "screen" : "auto"] = search_json(*s, so, validation_split(spec.split, data->has_timestamps));
  }
  return print_report(st, spec.split, e.options(), r, {});
}

// A rank of `mpirun … evaluate --distributed`: its users' split, metrics summed across ranks, rank 0 prints. The
// options come from the data's profile as one process's do, without the screen (a single-process search).
int evaluate_distributed(const State& st, const FormatOptions& format, const ExperimentSpec& spec,
                         const distributed::FailureHandler& failed, ProgressBar* bar) {
  const auto comm = mpi_comm();
  distributed::ExchangeStats exchange;
  const int factors = spec.model.factors.value_or(data_defaults(DataProfile{}, ConfidenceMode::kIals).factors);
  const std::uint64_t seed = spec.model.seed.value_or(AlsOptions{}.seed);
  auto shard = distributed::load_shard(*comm, st.input, format, factors, &spec.split, seed, exchange);
  if (!shard) return failed(shard.status());
  const DataProfile& profile = shard->profile;
  auto resolved = resolve_options(spec.model, profile);
  if (!resolved) return failed(resolved.status());
  const AlsOptions& options = resolved->options;
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
  r.evaluation.model = e.model;
  BaselineResult popularity;
  popularity.metrics = e.popularity;
  r.evaluation.baselines.push_back(popularity);
  r.evaluation.has_rating_errors = e.has_rating_errors;
  r.evaluation.rating = e.rating, r.evaluation.global_mean = e.global_mean, r.evaluation.bias = e.bias;
  const ShardedDataset& d = shard->data;
  r.train = shard->train_interactions;
  r.test = shard->test_interactions;
  r.dataset = {{"users", d.home.num_users()}, {"items", d.home.num_items()}, {"interactions", d.interactions},
               {"train", r.train}, {"test", r.test}, {"skipped", d.home.skipped}};
  r.extra["profile"] = profile_json(profile);
  if (!resolved->notes.empty()) r.extra["notes"] = resolved->notes;
  return distributed::finish(print_report(st, spec.split, options, r, exchange));
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
  app->add_option("--baselines", st->baselines,
                  "Reference models scored on the same split: popularity, ease (Steck 2019; lambda chosen on the "
                  "validation split; refused when the items x items matrices exceed --ease-max-memory), or none")
      ->capture_default_str();
  app->add_option("--ease-max-memory", st->ease_max_mb, "MiB EASE may use for its items x items matrices")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 30));
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  add_search_flags(*app, st->search);
  app->add_flag("--json", st->as_json, "Print JSON");
  distributed::add_flags(*app, st->dist, "evaluate");

  return {app, [st]() -> int {
            Status started;
            const auto failed = distributed::start_run(st->dist, "evaluate", started);
            if (!started.is_ok()) return fail("evaluate", started);
            auto format = format_options(st->format, st->input);
            if (!format) return failed(format.status());
            auto split = parse_split(st->split);
            if (!split) return failed(split.status());
            if (split->kind == SplitKind::kNone)
              return failed(Status::invalid_argument("--split none leaves nothing to evaluate"));
            auto spec = experiment_spec(st->model, st->search, *split, st->k, st->baselines);
            if (!spec) return failed(spec.status());
            spec->ease_max_bytes = st->ease_max_mb << 20;
            if (st->dist.distributed) {
              if (spec->search == ExperimentSpec::Search::kAuto)
                return failed(Status::invalid_argument("--auto runs in one process: drop --distributed"));
              const bool lead = distributed::rank() == 0;
              std::optional<ProgressBar> bar;
              if (lead) bar.emplace("evaluate");
              return evaluate_distributed(*st, *format, *spec, failed, bar ? &*bar : nullptr);
            }
            return evaluate_here(*st, *format, *spec);
          }};
}

}  // namespace alsrec::cli
