// alsrec inspect: what the reader sees in a ratings file.
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "experiment_cli.h"
#include "shard_input.h"
#include "commands.h"

namespace alsrec::cli {

Command add_inspect_command(CLI::App& parent) {
  struct State {
    std::string input;
    FormatFlags format;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("inspect", "Sniff a ratings file and report its format, counts and bad rows");
  add_version_flag(*app);
  app->add_option("-i,--input", st->input, "Ratings file, or a directory of part files (read in name order)")
      ->required();
  add_format_flags(*app, st->format);
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            auto options = format_options(st->format, st->input);
            if (!options) return fail("inspect", options.status());
            auto data = load_ratings_input(st->input, *options);
            if (!data) return fail("inspect", data.status());
            json j = dataset_json(*data);
            j["layout"] = data->format.layout;
            const DataProfile profile = profile_dataset(*data);
            j["profile"] = profile_json(profile);
            if (st->as_json) {
              std::cout << j.dump(2) << "\n";
              return kExitOk;
            }
            const auto& f = j["format"];
            std::cout << st->input << "\n"
                      << "  format       delimiter " << json(f["delimiter"]).dump() << ", header "
                      << (data->format.header ? "yes" : "no") << ", " << data->format.encoding << ", "
                      << data->format.line_ending << " line ends\n"
                      << "  columns      " << f["columns"].dump() << "\n"
                      << "  rows         " << data->rows << " (" << data->skipped << " skipped, " << data->filtered
                      << " filtered, " << data->duplicates_merged << " duplicates merged)\n"
                      << "  interactions " << data->size() << "\n"
                      << "  users        " << data->num_users() << "\n"
                      << "  items        " << data->num_items() << "\n"
                      << "  density      " << j["density"].get<double>() << "\n"
                      << "  layout       " << (data->format.layout == "adjacency" ? "adjacency list (a user per line)"
                                                                                    : "a row per interaction") << "\n"
                      << "  values       " << value_kind_description(profile.values.kind) << " ("
                      << profile.values.evidence << ")\n"
                      << "  timestamps   " << (data->has_timestamps ? "yes" : "no (file order)") << "\n";
            for (const BadRow& b : data->skipped_examples) {
              std::cout << "  skipped line " << b.line << ": " << b.reason << "\n";
            }
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
