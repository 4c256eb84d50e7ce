// alsrec train: fit on a whole ratings file and write the model file.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "distributed.h"
#include "experiment_cli.h"
#include "output_file.h"
#include "shard_input.h"

namespace alsrec::cli {

Command add_train_command(CLI::App& parent) {
  struct State {
    std::string input, output;
    FormatFlags format;
    ModelFlags model;
    SearchFlags search;
    bool as_json = false;
    bool no_seen = false;
    distributed::Flags dist;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("train", "Train a model on a ratings file and save it");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file, or a directory of part files (read in name order)")->required();
  app->add_option("-o,--output", st->output, "Model file to write (replaced only when training succeeds)")
      ->required();
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  add_search_flags(*app, st->search);
  app->add_flag("--json", st->as_json, "Print a JSON summary");
  app->add_flag("--no-seen", st->no_seen,
                "Leave the training interactions out of the model file (8 bytes each): a smaller file, and with "
                "--distributed rank 0 need not gather them; `recommend` then cannot leave seen items out");
  distributed::add_flags(*app, st->dist, "train");

  return {app, [st, app]() -> int {
            Status started;
            const auto failed = distributed::start_run(st->dist, "train", started);
            if (!started.is_ok()) return fail("train", started);
            auto format = format_options(st->format, st->input);
            if (!format) return failed(format.status());
            if (app->count("--iterations") > 0 && st->model.text["iterations"] == "0")
              return failed(Status::invalid_argument("--iterations 0 would write an untrained model (its factors "
                                                     "only the random start); give at least 1"));
            auto spec = experiment_spec(st->model, st->search, SplitSpec{SplitKind::kNone, 0.2, 1}, 10, "none");
            if (!spec) return failed(spec.status());
            const bool lead = !st->dist.distributed || distributed::rank() == 0;
            std::unique_ptr<OutputFile> out;  // checked (and created) before any reading or training
            if (lead) {
              auto opened = OutputFile::open(st->output, {st->input});
              if (!opened) return failed(opened.status());
              out = std::move(*opened);
            }
            auto start = std::chrono::steady_clock::now();
            std::optional<ProgressBar> bar;
            distributed::ExchangeStats exchange;
            std::uint64_t users = 0, items = 0, interactions = 0, skipped = 0;
            Result<AlsModel> trained = Status::internal("not trained");
            AlsOptions options;
            json extra;
            double fit_seconds = -1;  // the fit alone (the single-process search is timed in its own JSON)
            if (!st->dist.distributed) {
              auto data = load_ratings_input(st->input, *format);
              if (!data) return fail("train", data.status());
              users = data->num_users(), items = data->num_items(), interactions = data->size();
              skipped = data->skipped;
              start = std::chrono::steady_clock::now();
              // Everything in the train part: a search (the default screen or --auto) carves its validation
              // split from all the data, and the winner is then fitted on all of it.
              const bool has_timestamps = data->has_timestamps;
              // The data is consumed: released as the train matrix is built (bench/README.md, memory).
              auto experiment = Experiment::create(std::move(*data), *spec);
              if (!experiment) return fail("train", experiment.status());
              Experiment& e = **experiment;
              const Status ran = run_experiment(e, "train");
              if (!ran.is_ok()) return fail("train", ran);
              options = e.options();
              trained = e.take_model();
              fit_seconds = e.fit_seconds();
              extra["profile"] = profile_json(e.profile());
              if (!e.resolved().notes.empty()) extra["notes"] = e.resolved().notes;
              if (const SearchResult* s = e.search_result()) {
                SearchOptions so = spec->search_options;
                so.quick = spec->search != ExperimentSpec::Search::kAuto;
                extra[so.quick ? "screen" : "auto"] =
                    search_json(*s, so, validation_split(spec->split, has_timestamps));
              }
            } else {  // each rank reads its share; rank 0 gathers the model
              if (spec->search == ExperimentSpec::Search::kAuto)
                return failed(Status::invalid_argument("--auto runs in one process: drop --distributed"));
              if (lead) bar.emplace("train");
              const auto comm = mpi_comm();
              const int factors =
                  spec->model.factors.value_or(data_defaults(DataProfile{}, ConfidenceMode::kIals).factors);
              auto shard = distributed::load_shard(*comm, st->input, *format, factors, nullptr,
                                                   spec->model.seed.value_or(AlsOptions{}.seed), exchange);
              if (!shard) return failed(shard.status());
              const DataProfile& profile = shard->profile;
              auto resolved = resolve_options(spec->model, profile);
              if (!resolved) return failed(resolved.status());
              options = resolved->options;
              start = std::chrono::steady_clock::now();
              distributed::Trained fitted;
              const Status status = distributed::fit("train", *comm, *shard, options, st->dist, fitted, exchange,
                                                     lead ? progress_reporter(*bar) : nullptr);
              if (!status.is_ok()) return failed(status);
              CsrMatrix seen = st->no_seen ? CsrMatrix{} : distributed::gather_train(*comm, *shard);
              if (!lead) return distributed::finish(kExitOk);  // rank 0 alone writes and prints
              trained = package_model(options, std::move(shard->data.home.user_ids),
                                      std::move(shard->data.home.item_ids), std::move(fitted.user_factors),
                                      std::move(fitted.item_factors), std::move(seen), shard->data.fingerprint,
                                      fitted.iterations_done, fitted.final_loss);
              users = trained->user_ids.size(), items = trained->item_ids.size();
              interactions = shard->data.interactions;
              skipped = shard->data.home.skipped;
              extra["profile"] = profile_json(profile);
              if (!resolved->notes.empty()) extra["notes"] = resolved->notes;
              bar->finish();
            }
            if (!trained) return distributed::finish(fail("train", trained.status()));
            if (st->no_seen) trained->seen = CsrMatrix{};
            const AlsModel& model = *trained;
            const double seconds = fit_seconds >= 0 ? fit_seconds
                                   : std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            Status written = write_model(model, out->byte_sink());  // streamed: no second copy of the model
            if (written.is_ok()) written = out->commit();
            if (!written.is_ok()) return distributed::finish(fail("train", written));

            json j;
            j["output"] = st->output;
            j["bytes"] = out->bytes_written();
            j["users"] = users;
            j["items"] = items;
            j["interactions"] = interactions;
            j["skipped"] = skipped;
            j["fit_seconds"] = seconds;
            j["final_loss"] = model.final_loss;
            j["params"] = params_json(options);
            distributed::add_exchange_json(j, st->dist, exchange);
            for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
            std::ostream& report = out->to_stdout() ? std::cerr : std::cout;  // --output -: stdout holds the model
            if (st->as_json) {
              report << j.dump(2) << "\n";
            } else {
              report << "trained " << users << " users x " << items << " items (" << interactions
                        << " interactions) in " << format_seconds(seconds) << ", loss "
                        << model.final_loss << "\nwrote " << st->output << " (" << out->bytes_written() << " bytes)\n";
            }
            return distributed::finish(kExitOk);
          }};
}

}  // namespace alsrec::cli
