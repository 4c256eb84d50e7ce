// Uses the installed alsrec library: generate a catalogue with taste groups (genres), train ALS on it, then fold in
// two new users who each rated only the most popular films of one genre, and check what they are recommended.
//
// Why the answer is known: in generate_synthetic's data a user draws 60–95% of their items from their favourite
// genres, so the factors separate the genres; a user who rated only Dramas lies in the Drama direction, and every
// film among their top 5 must list Drama among its genres (likewise for Comedy). Exit status 0 only if it holds.
#include <alsrec/alsrec.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

bool has_genre(const alsrec::ItemInfo& item, const std::string& genre) {
  const std::string padded = "|" + item.genres + "|";
  return padded.find("|" + genre + "|") != std::string::npos;
}

// The `count` items rated most often whose only genre is `genre`, as item indices of the model.
std::vector<std::uint32_t> popular_of_genre(const alsrec::SyntheticData& data, const alsrec::AlsModel& model,
                                            const std::string& genre, std::size_t count) {
  std::vector<std::uint32_t> ratings(model.item_ids.size(), 0);
  for (std::uint32_t i : data.ratings.items) ++ratings[i];
  std::vector<std::uint32_t> picked;
  for (std::uint32_t i = 0; i < model.item_ids.size(); ++i) {
    const alsrec::ItemInfo& info = data.items[std::stoul(model.item_ids[i]) - 1];  // generated ids are "1".."M"
    if (info.genres == genre) picked.push_back(i);
  }
  std::sort(picked.begin(), picked.end(), [&](std::uint32_t a, std::uint32_t b) {
    return ratings[a] != ratings[b] ? ratings[a] > ratings[b] : a < b;
  });
  picked.resize(std::min(picked.size(), count));
  return picked;
}

// Folds in a user who gave 5 stars to the most popular films of `genre`; returns their top 5 of the rest.
std::vector<alsrec::ScoredItem> fan_of(const std::string& genre, const alsrec::SyntheticData& data,
                                       const alsrec::AlsModel& model) {
  const std::vector<std::uint32_t> rated = popular_of_genre(data, model, genre, 10);
  check(rated.size() == 10, genre + ": 10 films to rate");
  const auto user = alsrec::fold_in_user(model.item_factors, model.options, rated,
                                         std::vector<float>(rated.size(), 5.0f));
  check(user.is_ok(), genre + ": fold-in " + user.status().message());
  if (!user) return {};
  const auto top = alsrec::recommend_vector(user->data(), model.item_factors, 5, rated);
  check(top.size() == 5, genre + ": 5 recommendations");
  for (std::size_t r = 0; r < top.size(); ++r) {
    const alsrec::ItemInfo& info = data.items[std::stoul(model.item_ids[top[r].index]) - 1];
    std::printf("  %s fan #%zu: %-40s %-22s %.4f\n", genre.c_str(), r + 1, info.title.c_str(), info.genres.c_str(),
                top[r].score);
    check(has_genre(info, genre), genre + " fan's #" + std::to_string(r + 1) + " lists " + genre);
    check(std::find(rated.begin(), rated.end(), top[r].index) == rated.end(), "not one of the rated films");
    // The score is the dot product of the folded-in user and the item's factors, highest first.
    float dot = 0;
    for (std::uint32_t k = 0; k < model.item_factors.cols; ++k) dot += (*user)[k] * model.item_factors.row(top[r].index)[k];
    check(std::fabs(dot - top[r].score) <= 1e-4f * std::max(1.0f, std::fabs(dot)), "score = x_u . y_i");
    if (r > 0) check(top[r - 1].score >= top[r].score, "sorted by score");
  }
  return top;
}

}  // namespace

int main() {
  std::printf("alsrec %s\n", alsrec::version());
  alsrec::GenerateOptions shape;
  shape.users = 600;
  shape.items = 400;
  shape.interactions = 18000;
  shape.groups = 6;  // Drama, Comedy, Sci-Fi, Thriller, Romance, Animation
  shape.seed = 7;
  auto data = alsrec::generate_synthetic(shape);
  check(data.is_ok(), "generate_synthetic " + data.status().message());
  if (!data) return 1;
  check(data->ratings.size() == shape.interactions, "18000 generated ratings");

  alsrec::AlsOptions options = alsrec::recommended_options();
  options.factors = 32;
  options.iterations = 10;
  auto model = alsrec::train_model(data->ratings, options);
  check(model.is_ok(), "train_model " + model.status().message());
  if (!model) return 1;
  check(model->user_ids.size() == shape.users && model->item_factors.rows == shape.items, "model shape");
  check(model->iterations_done == 10 && std::isfinite(model->final_loss), "10 iterations, finite loss");

  // A generated user's top 10 leaves out what they rated.
  const auto top = alsrec::recommend(model->user_factors, model->item_factors, 0, 10, &model->seen);
  check(top.size() == 10, "user 1: 10 recommendations");
  check(std::none_of(top.begin(), top.end(), [&](const alsrec::ScoredItem& s) { return model->seen.contains(0, s.index); }),
        "user 1: none already rated");

  const auto drama = fan_of("Drama", *data, *model);
  const auto comedy = fan_of("Comedy", *data, *model);
  check(!drama.empty() && !comedy.empty() && drama[0].index != comedy[0].index,
        "Drama and Comedy fans get different top films");

  std::printf("%s\n", failures == 0 ? "all checks passed" : "checks FAILED");
  return failures == 0 ? 0 : 1;
}
