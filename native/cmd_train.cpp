// alsrec train: fit on a whole ratings file and write the model file.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "distributed.h"

namespace alsrec::cli {

Command add_train_command(CLI::App& parent) {
  struct State {
    std::string input, output;
    FormatFlags format;
    ModelFlags model;
    bool as_json = false;
    distributed::Flags dist;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("train", "Train a model on a ratings file and save it");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file")->required();
  app->add_option("-o,--output", st->output, "Model file to write (replaced only when training succeeds)")
      ->required();
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  app->add_flag("--json", st->as_json, "Print a JSON summary");
  distributed::add_flags(*app, st->dist, "train");

  return {app, [st]() -> int {
            Status started;
            const auto failed = distributed::start_run(st->dist, "train", started);
            if (!started.is_ok()) return fail("train", started);
            auto format = format_options(st->format, st->input);
            if (!format) return failed(format.status());
            auto options = als_options(st->model);
            if (!options) return failed(options.status());
            auto data = load_ratings_file(st->input, *format);
            if (!data) return failed(data.status());
            const bool lead = !st->dist.distributed || distributed::rank() == 0;

            const auto start = std::chrono::steady_clock::now();
            std::optional<ProgressBar> bar;
            if (lead) bar.emplace("train");
            distributed::ExchangeStats exchange;
            Result<AlsModel> trained = Status::internal("not trained");
            if (!st->dist.distributed) {
              trained = train_model(*data, *options, progress_reporter(*bar));
            } else {
              if (options->biases)
                return failed(Status::invalid_argument("--distributed does not fit --biases (explicit baselines) yet"));
              auto trainer = AlsTrainer::create(build_user_item_matrix(*data), *options);
              if (!trainer) return failed(trainer.status());
              const Status fitted =
                  distributed::fit("train", **trainer, st->dist.exact_gramian, exchange, lead ? progress_reporter(*bar) : nullptr);
              if (!fitted.is_ok()) return failed(fitted);
              if (!lead) return distributed::finish(kExitOk);  // rank 0 alone writes and prints
              const AlsTrainer& t = **trainer;
              AlsModel m;  // packaged as train_model does
              m.options = *options;
              m.user_ids = data->user_ids;
              m.item_ids = data->item_ids;
              m.user_factors = t.user_factors();
              m.item_factors = t.item_factors();
              m.dataset_fingerprint = data->fingerprint();
              m.iterations_done = t.iteration();
              m.final_loss = t.last_loss();
              m.seen = t.user_items();
              trained = std::move(m);
            }
            bar->finish();
            if (!trained) return distributed::finish(fail("train", trained.status()));
            const AlsModel& model = *trained;
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const std::vector<std::uint8_t> bytes = serialize_model(model);
            const Status written = write_file_atomically(st->output, bytes.data(), bytes.size());
            if (!written.is_ok()) return distributed::finish(fail("train", written));

            json j;
            j["output"] = st->output;
            j["bytes"] = bytes.size();
            j["users"] = data->num_users();
            j["items"] = data->num_items();
            j["interactions"] = data->size();
            j["skipped"] = data->skipped;
            j["fit_seconds"] = seconds;
            j["final_loss"] = model.final_loss;
            j["params"] = params_json(*options);
            distributed::add_exchange_json(j, st->dist, exchange);
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
            } else {
              std::cout << "trained " << data->num_users() << " users x " << data->num_items() << " items ("
                        << data->size() << " interactions) in " << format_seconds(seconds) << ", loss "
                        << model.final_loss << "\nwrote " << st->output << " (" << bytes.size() << " bytes)\n";
            }
            return distributed::finish(kExitOk);
          }};
}

}  // namespace alsrec::cli
