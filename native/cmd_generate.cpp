// alsrec generate: a synthetic, plausible ratings file (+ titled items) for demos and benchmarks.
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "output_file.h"

namespace alsrec::cli {

Command add_generate_command(CLI::App& parent) {
  struct State {
    GenerateOptions options;
    std::string output = "-";
    std::string items_output;
    bool as_json = false;
    std::string values = "stars";
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "generate", "Write synthetic ratings (taste groups, Zipf popularity, stars or other values, timestamps) and titled items");
  add_version_flag(*app);
  GenerateOptions& o = st->options;
  app->add_option("--users", o.users, "Users")->capture_default_str();
  app->add_option("--items", o.items, "Items")->capture_default_str();
  app->add_option("--interactions", o.interactions, "Distinct (user,item) pairs")->capture_default_str();
  app->add_option("--groups", o.groups, "Latent taste groups (genres)")->capture_default_str();
  app->add_option("--zipf", o.zipf_exponent, "Zipf exponent of item popularity")->capture_default_str();
  app->add_option("--seed", o.seed, "Random seed (same seed, same files)")->capture_default_str();
  app->add_option("--values", st->values,
                  "Value column: stars (1-5) | binary (1) | counts (plays: heavy-tailed, higher when liked) | "
                  "zero-implicit (Book-Crossing style: 0 = interacted, else 1-10)")
      ->capture_default_str();
  app->add_option("-o,--output", st->output, "Ratings CSV to write (userId,itemId,rating,timestamp; - = stdout)")
      ->capture_default_str();
  app->add_option("--items-output", st->items_output, "Items CSV to write (itemId,title,genres)");
  app->add_flag("--json", st->as_json, "Print a JSON summary (when --output is a file)");

  return {app, [st]() -> int {
            auto values = parse_generated_values(st->values);
            if (!values) return fail("generate", values.status());
            st->options.values = *values;
            const Status valid = st->options.validate();
            if (!valid.is_ok()) return fail("generate", valid);
            // Both outputs are checked before generating, written in full, then put in place.
            auto ratings = OutputFile::open(st->output);
            if (!ratings) return fail("generate", ratings.status());
            std::unique_ptr<OutputFile> items;
            if (!st->items_output.empty()) {
              auto opened = OutputFile::open(st->items_output);
              if (!opened) return fail("generate", opened.status());
              items = std::move(*opened);
            }
            auto data = generate_synthetic(st->options);
            if (!data) return fail("generate", data.status());
            write_ratings_csv(data->ratings, (*ratings)->text_sink());
            if (items) write_items_csv(data->items, items->text_sink());
            Status s = (*ratings)->commit();
            if (s.is_ok() && items) s = items->commit();
            if (!s.is_ok()) return fail("generate", s);
            if (st->output != "-") {
              json j = {{"output", st->output},
                        {"users", data->ratings.num_users()},
                        {"items", data->ratings.num_items()},
                        {"interactions", data->ratings.size()},
                        {"seed", st->options.seed}};
              if (!st->items_output.empty()) j["items_output"] = st->items_output;
              if (st->as_json) std::cout << j.dump(2) << "\n";
              else std::cout << "wrote " << data->ratings.size() << " ratings by " << data->ratings.num_users()
                             << " users of " << data->ratings.num_items() << " items to " << st->output << "\n";
            }
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
