// alsrec explain: why an item scores high for a user — the user's training items that contribute most to the
// score (core explain(), as `implicit`'s explain: score = Σ_j contribution_j over the user's items j).
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "model_file.h"

namespace alsrec::cli {

Command add_explain_command(CLI::App& parent) {
  struct State {
    std::string model, user, item;
    std::size_t n = 10;
    bool as_json = false;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "explain", "The user's rated items that contributed most to an item's score (from a model file)");
  add_version_flag(*app);
  app->add_option("-m,--model", st->model, "Model file")->required();
  app->add_option("-u,--user", st->user, "User id as in the ratings file")->required();
  app->add_option("--item", st->item, "Item id to explain (e.g. one that `recommend` returned)")->required();
  app->add_option("-n", st->n, "How many contributing items")->capture_default_str()->check(CLI::Range(1, 1000000));
  app->add_flag("--json", st->as_json, "Print JSON");

  return {app, [st]() -> int {
            ModelSelection keep;  // the item side and this user's row (model_io.h)
            keep.users = ModelSelection::Users::kOne;
            keep.user = st->user;
            auto model = load_model_file(st->model, keep);
            if (!model) return fail("explain", model.status());
            if (model->options.biases)
              return fail("explain", Status::invalid_argument("explain works on models without bias terms"));
            const int u = model->find_user(st->user);
            if (u < 0) return fail("explain", Status::invalid_argument("user '" + st->user + "' is not in the model"));
            const int item = model->find_item(st->item);
            if (item < 0)
              return fail("explain", Status::invalid_argument("item '" + st->item + "' is not in the model"));
            if (model->seen.rows == 0)
              return fail("explain", Status::invalid_argument("the model file has no training interactions to explain "
                                                              "with; retrain it with this version"));
            const CsrMatrix& seen = model->seen;
            const auto uu = static_cast<std::uint32_t>(u);
            const std::vector<std::uint32_t> items(seen.indices.begin() + static_cast<std::ptrdiff_t>(seen.indptr[uu]),
                                                   seen.indices.begin() +
                                                       static_cast<std::ptrdiff_t>(seen.indptr[uu + 1]));
            const std::vector<float> values(seen.data.begin() + static_cast<std::ptrdiff_t>(seen.indptr[uu]),
                                            seen.data.begin() + static_cast<std::ptrdiff_t>(seen.indptr[uu + 1]));
            auto contributions = explain(model->item_factors, model->options, items, values,
                                         static_cast<std::uint32_t>(item), st->n, model->item_weights);
            if (!contributions) return fail("explain", contributions.status());
            // The fold-in score x_uᵀy_i that the contributions add up to (over all the user's items, not just top n).
            auto all = explain(model->item_factors, model->options, items, values, static_cast<std::uint32_t>(item),
                               items.size(), model->item_weights);
            double total = 0;
            if (all) for (const Contribution& c : *all) total += static_cast<double>(c.score);

            if (st->as_json) {
              json list = json::array();
              for (const Contribution& c : *contributions)
                list.push_back({{"item", model->item_ids[c.index]}, {"contribution", c.score}});
              json j;
              j["user"] = st->user;
              j["item"] = st->item;
              j["score"] = total;
              j["contributions"] = list;
              std::cout << j.dump(2) << "\n";
              return kExitOk;
            }
            std::printf("item %s for user %s: score %.4f from %zu rated items; top contributions:\n", st->item.c_str(),
                        st->user.c_str(), total, items.size());
            for (const Contribution& c : *contributions)
              std::printf("  %-20s %+.4f\n", model->item_ids[c.index].c_str(), static_cast<double>(c.score));
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
