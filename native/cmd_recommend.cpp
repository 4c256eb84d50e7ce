// alsrec recommend / similar: read a model file and rank items.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "model_file.h"
#include "output_file.h"

namespace alsrec::cli {
namespace {

// {"<key>": id, "items": [{"item", "score"}...]} as JSON, or a ranked table.
void print_ranked(const AlsModel& model, const std::vector<ScoredItem>& items, bool as_json, const char* key,
                  const std::string& id) {
  if (as_json) {
    json list = json::array();
    for (const ScoredItem& s : items) list.push_back({{"item", model.item_ids[s.index]}, {"score", s.score}});
    json j;
    j[key] = id;
    j["items"] = list;
    std::cout << j.dump(2) << "\n";
    return;
  }
  for (std::size_t r = 0; r < items.size(); ++r) {
    std::printf("%3zu  %-20s %.5f\n", r + 1, model.item_ids[items[r].index].c_str(), items[r].score);
  }
}

// CSV (RFC 4180: ids quoted as needed) of every user's top-n: user,rank,item,score.
Status write_all_recommendations(const AlsModel& model, std::size_t n, bool exclude_seen, int threads,
                                 OutputFile& out) {
  const CsrMatrix* exclude = exclude_seen && model.seen.rows > 0 ? &model.seen : nullptr;
  const auto all = recommend_all(model.user_factors, model.item_factors, n, exclude, threads);
  {
    CsvWriter csv(out.text_sink());
    csv.raw("user,rank,item,score\n");
    for (std::size_t u = 0; u < all.size(); ++u) {
      for (std::size_t r = 0; r < all[u].size(); ++r) {
        csv.field(model.user_ids[u]);
        csv.comma();
        csv.integer(static_cast<unsigned long long>(r + 1));
        csv.comma();
        csv.field(model.item_ids[all[u][r].index]);
        csv.comma();
        csv.number(static_cast<double>(all[u][r].score), 6);
        csv.end_row();
      }
    }
  }
  return out.commit();
}

}  // namespace

Command add_recommend_command(CLI::App& parent) {
  struct State {
    std::string model, user, output;
    bool all = false;
    std::size_t n = 10;
    bool include_seen = false;
    int threads = 0;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("recommend", "Top-N items for a user (or every user) from a model file");
  add_version_flag(*app);
  app->add_option("-m,--model", st->model, "Model file")->required();
  auto* user = app->add_option("-u,--user", st->user, "User id as in the ratings file");
  auto* all = app->add_flag("--all", st->all, "Every user, as CSV user,rank,item,score");
  user->excludes(all);
  app->add_option("-n", st->n, "How many items")->capture_default_str()->check(CLI::Range(1, 1000000));
  app->add_flag("--include-seen", st->include_seen, "Also rank items the user interacted with in training");
  app->add_option("-o,--output", st->output, "With --all: CSV file to write (default: stdout)");
  app->add_option("--threads", st->threads, "Worker threads for --all (0 = all cores)")->capture_default_str();
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            if (st->user.empty() && !st->all) {
              return fail("recommend", Status::invalid_argument("give --user ID or --all"));
            }
            if (!st->output.empty() && !st->all)
              return fail("recommend", Status::invalid_argument("--output goes with --all"));
            if (st->all) {
              auto out = OutputFile::open(st->output.empty() ? "-" : st->output, {st->model});
              if (!out) return fail("recommend", out.status());
              auto model = load_model_file(st->model);
              if (!model) return fail("recommend", model.status());
              const Status s = write_all_recommendations(*model, st->n, !st->include_seen, st->threads, **out);
              return s.is_ok() ? kExitOk : fail("recommend", s);
            }
            // One user: the item side and that user's row are kept, the other users stream past (model_io.h).
            ModelSelection keep;
            keep.users = ModelSelection::Users::kOne;
            keep.user = st->user;
            keep.seen = !st->include_seen;
            ModelShape shape;
            auto model = load_model_file(st->model, keep, &shape);
            if (!model) return fail("recommend", model.status());
            const int u = model->find_user(st->user);
            if (u < 0) {
              return fail("recommend", Status::bad_input("user '" + st->user + "' is not in " + st->model +
                                                             " (it has " + std::to_string(shape.users) + " users)"));
            }
            const CsrMatrix* exclude = !st->include_seen && model->seen.rows > 0 ? &model->seen : nullptr;
            const auto items = recommend(model->user_factors, model->item_factors, static_cast<std::uint32_t>(u),
                                         st->n, exclude);
            print_ranked(*model, items, st->as_json, "user", st->user);
            return kExitOk;
          }};
}

Command add_similar_command(CLI::App& parent) {
  struct State {
    std::string model, item;
    std::size_t n = 10;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("similar", "Items most similar to an item (cosine of item factors)");
  add_version_flag(*app);
  app->add_option("-m,--model", st->model, "Model file")->required();
  app->add_option("--item", st->item, "Item id as in the ratings file")->required();
  app->add_option("-n", st->n, "How many items")->capture_default_str()->check(CLI::Range(1, 1000000));
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            ModelSelection keep;  // the item side only
            keep.users = ModelSelection::Users::kNone;
            keep.seen = false;
            auto model = load_model_file(st->model, keep);
            if (!model) return fail("similar", model.status());
            const int i = model->find_item(st->item);
            if (i < 0) {
              return fail("similar", Status::bad_input("item '" + st->item + "' is not in " + st->model));
            }
            const auto items = similar_items(model->item_factors, static_cast<std::uint32_t>(i), st->n);
            print_ranked(*model, items, st->as_json, "item", st->item);
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
