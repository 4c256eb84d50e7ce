// alsrec compare-models (hidden): how far apart two model files of the same data are, for the distributed tests.
// Prints JSON; exit 0 when the factors agree within --tolerance, 3 when not, 2 when the models are not comparable.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "model_file.h"

namespace alsrec::cli {
namespace {

double max_abs_diff(const Factors& a, const Factors& b) {
  double d = 0;
  for (std::size_t j = 0; j < a.data.size(); ++j)
    d = std::max(d, std::fabs(static_cast<double>(a.data[j]) - static_cast<double>(b.data[j])));
  return d;
}

}  // namespace

Command add_compare_models_command(CLI::App& parent) {
  struct State {
    std::string first, second;
    double tolerance = 1e-4;
    int n = 10;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand("compare-models", "Compare two models' factors and top-N lists (tests)");
  app->group("");  // hidden from --help
  app->add_option("first", st->first, "Model file")->required();
  app->add_option("second", st->second, "Model file of the same data")->required();
  app->add_option("--tolerance", st->tolerance, "Largest accepted |factor difference|")->capture_default_str();
  app->add_option("-n", st->n, "Top-N compared per user")->capture_default_str()->check(CLI::Range(1, 1000));

  return {app, [st]() -> int {
            auto a = load_model_file(st->first);
            if (!a) return fail("compare-models", a.status());
            auto b = load_model_file(st->second);
            if (!b) return fail("compare-models", b.status());
            if (a->user_ids != b->user_ids || a->item_ids != b->item_ids ||
                a->user_factors.cols != b->user_factors.cols || a->user_factors.rows != b->user_factors.rows ||
                a->item_factors.rows != b->item_factors.rows)
              return fail("compare-models", Status::bad_input("the models have different ids or shapes"));
            const double users = max_abs_diff(a->user_factors, b->user_factors);
            const double items = max_abs_diff(a->item_factors, b->item_factors);
            // Top-N of every user (seen items excluded as `recommend` does): same item at the same rank, and the
            // largest score gap between the two lists' entries at a rank (robust to near-ties swapping).
            const auto n = static_cast<std::size_t>(st->n);
            const auto ra = recommend_all(a->user_factors, a->item_factors, n, a->seen.rows ? &a->seen : nullptr, 1);
            const auto rb = recommend_all(b->user_factors, b->item_factors, n, b->seen.rows ? &b->seen : nullptr, 1);
            std::size_t same = 0, total = 0;
            double score_gap = 0;
            for (std::size_t u = 0; u < ra.size(); ++u)
              for (std::size_t r = 0; r < std::min(ra[u].size(), rb[u].size()); ++r) {
                ++total;
                same += ra[u][r].index == rb[u][r].index;
                score_gap = std::max(score_gap, std::fabs(static_cast<double>(ra[u][r].score) - rb[u][r].score));
              }
            const bool close = users <= st->tolerance && items <= st->tolerance;
            json j;
            j["max_user_factor_diff"] = users;
            j["max_item_factor_diff"] = items;
            j["top_n"] = st->n;
            j["top_n_same_item_fraction"] = total ? static_cast<double>(same) / static_cast<double>(total) : 1.0;
            j["top_n_max_score_diff"] = score_gap;
            j["tolerance"] = st->tolerance;
            j["within_tolerance"] = close;
            std::cout << j.dump(2) << "\n";
            return close ? kExitOk : kExitFailure;
          }};
}

}  // namespace alsrec::cli
