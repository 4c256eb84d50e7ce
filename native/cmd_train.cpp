// alsrec train: fit on a whole ratings file and write the model file.
#include <chrono>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"

namespace alsrec::cli {

Command add_train_command(CLI::App& parent) {
  struct State {
    std::string input, output;
    FormatFlags format;
    ModelFlags model;
    bool as_json = false;
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

  return {app, [st]() -> int {
            auto format = format_options(st->format, st->input);
            if (!format) return fail("train", format.status());
            auto options = als_options(st->model);
            if (!options) return fail("train", options.status());
            auto data = load_ratings_file(st->input, *format);
            if (!data) return fail("train", data.status());

            const auto start = std::chrono::steady_clock::now();
            ProgressBar bar("train");
            auto trained = train_model(*data, *options, progress_reporter(bar));
            bar.finish();
            if (!trained) return fail("train", trained.status());
            const AlsModel& model = *trained;
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const std::vector<std::uint8_t> bytes = serialize_model(model);
            const Status written = write_file_atomically(st->output, bytes.data(), bytes.size());
            if (!written.is_ok()) return fail("train", written);

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
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
            } else {
              std::cout << "trained " << data->num_users() << " users x " << data->num_items() << " items ("
                        << data->size() << " interactions) in " << format_seconds(seconds) << ", loss "
                        << model.final_loss << "\nwrote " << st->output << " (" << bytes.size() << " bytes)\n";
            }
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
