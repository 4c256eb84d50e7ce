// Value-kind detection and the data profile, on hand-made files of each kind (profile.h states the rules).
#include <catch2/catch.hpp>

#include <string>

#include "alsrec/profile.h"
#include "alsrec/ratings.h"

using namespace alsrec;

namespace {

Dataset read(const std::string& text) {
  FormatOptions f;
  f.source_name = "hand-made";
  auto d = read_ratings(text.data(), text.size(), f);
  REQUIRE(d.is_ok());
  return std::move(*d);
}

// user,item,value rows: one per value in `values`, users and items cycling so every row is a distinct pair.
std::string rows(const std::vector<std::string>& values, const char* header = "user,item,rating\n") {
  std::string text = header;
  for (std::size_t r = 0; r < values.size(); ++r)
    text += "u" + std::to_string(r % 37) + ",i" + std::to_string(r) + "," + values[r] + "\n";
  return text;
}

std::vector<std::string> repeat(std::initializer_list<std::pair<const char*, int>> counts) {
  std::vector<std::string> v;
  for (const auto& [value, n] : counts)
    for (int i = 0; i < n; ++i) v.emplace_back(value);
  return v;
}

}  // namespace

TEST_CASE("value kind: no value column, or one value everywhere, is interactions", "[profile]") {
  const Dataset pairs = read("user,item\nu1,i1\nu1,i2\nu2,i1\n");
  CHECK(profile_dataset(pairs).values.kind == ValueKind::kNone);
  const Dataset ones = read(rows(repeat({{"1", 50}})));
  const ValueProfile p = profile_dataset(ones).values;
  CHECK(p.kind == ValueKind::kBinary);
  CHECK(p.evidence == "every row has the value 1");
}

TEST_CASE("value kind: star ratings on 1-5, 0.5-5 and 1-10 scales", "[profile]") {
  // MovieLens-like: half stars, mode 4.
  const ValueProfile half = profile_dataset(read(rows(repeat(
      {{"0.5", 3}, {"1", 5}, {"2", 10}, {"2.5", 8}, {"3", 30}, {"3.5", 20}, {"4", 40}, {"4.5", 12}, {"5", 20}}))))
                                .values;
  CHECK(half.kind == ValueKind::kStars);
  CHECK(half.step == 0.5);
  CHECK(half.min == 0.5);
  CHECK(half.max == 5.0);
  const ValueProfile ten =
      profile_dataset(read(rows(repeat({{"1", 4}, {"3", 6}, {"5", 10}, {"7", 20}, {"8", 25}, {"9", 12}, {"10", 9}}))))
          .values;
  CHECK(ten.kind == ValueKind::kStars);
  CHECK(ten.step == 1.0);
}

TEST_CASE("value kind: a spike of zeros on a 1-10 scale means interacted, not rated", "[profile]") {
  // Book-Crossing-like: 57% zeros, the commonest rating (8) 12%.
  const ValueProfile p = profile_dataset(read(rows(repeat(
      {{"0", 57}, {"5", 6}, {"6", 5}, {"7", 8}, {"8", 12}, {"9", 7}, {"10", 5}}))))
                             .values;
  CHECK(p.kind == ValueKind::kZeroImplicit);
  CHECK(p.zero_weight == 5.0);  // the lowest positive rating
  CHECK(p.evidence.find("57% of rows are 0") != std::string::npos);
  // A few zeros on a 0-5 scale are just the lowest rating.
  const ValueProfile low =
      profile_dataset(read(rows(repeat({{"0", 3}, {"1", 8}, {"2", 12}, {"3", 30}, {"4", 35}, {"5", 12}})))).values;
  CHECK(low.kind == ValueKind::kStars);
}

TEST_CASE("value kind: heavy-tailed integers are counts", "[profile]") {
  // Last.fm-like plays: median in the hundreds, a tail in the tens of thousands.
  std::vector<std::string> plays;
  for (int r = 0; r < 200; ++r) plays.push_back(std::to_string(r < 190 ? 50 + 7 * r : 20000 + 5000 * r));
  const ValueProfile p = profile_dataset(read(rows(plays, "user,item,plays\n"))).values;
  CHECK(p.kind == ValueKind::kCounts);
  // Small counts (purchases): mostly 1, which no rating scale is.
  const ValueProfile small =
      profile_dataset(read(rows(repeat({{"1", 60}, {"2", 20}, {"3", 10}, {"4", 6}, {"7", 4}})))).values;
  CHECK(small.kind == ValueKind::kCounts);
}

TEST_CASE("value kind: negative or continuous weights are used as given", "[profile]") {
  CHECK(profile_dataset(read(rows(repeat({{"-3.5", 10}, {"2.25", 10}, {"7.75", 10}})))).values.kind ==
        ValueKind::kOther);
  CHECK(profile_dataset(read(rows(repeat({{"0.13", 10}, {"0.27", 10}, {"0.91", 10}, {"1.5", 10}})))).values.kind ==
        ValueKind::kOther);
}

TEST_CASE("data profile: counts, density and the popularity head, hand-worked", "[profile]") {
  // 3 users, 4 items, 6 interactions: u1 {i1,i2,i3}, u2 {i1,i2}, u3 {i1}.
  const DataProfile p = profile_dataset(read("user,item\nu1,i1\nu1,i2\nu1,i3\nu2,i1\nu2,i2\nu3,i1\nu3,i4\n"));
  CHECK(p.users == 3);
  CHECK(p.items == 4);
  CHECK(p.interactions == 7);
  CHECK(p.density == Approx(7.0 / 12.0));
  CHECK(p.mean_per_user == Approx(7.0 / 3.0));
  CHECK(p.median_per_user == 2.0);   // sizes 3, 2, 2
  CHECK(p.mean_per_item == Approx(7.0 / 4.0));
  CHECK(p.median_per_item == 2.0);   // sizes 3, 2, 1, 1 -> the upper median
  CHECK(p.top_item_share == Approx(3.0 / 7.0));  // the top 1% rounds up to one item: i1 with 3 of 7
}

TEST_CASE("value histogram: a bin per star, powers of two for counts, twelve widths for weights", "[profile]") {
  const auto of = [](const std::vector<float>& v) { return value_histogram(v, profile_values(v, true)); };
  const auto stars = of({1, 5, 5, 4, 4, 4, 2});
  REQUIRE(stars.size() == 4);
  CHECK(stars[0].low == 1);
  CHECK(stars[0].high == 1);
  CHECK(stars[3].low == 5);
  CHECK(stars[3].count == 2);
  CHECK(stars[2].count == 3);

  // Counts 0..70000: 0 alone, then [1,1], [2,3], [4,7], ..., each value in the bin of its power of two.
  std::vector<float> plays;
  for (int i = 0; i < 400; ++i) plays.push_back(1);
  for (float v : {0.0f, 2.0f, 3.0f, 7.0f, 8.0f, 1023.0f, 1024.0f, 70000.0f}) plays.push_back(v);
  const ValueProfile p = profile_values(plays, true);
  REQUIRE(p.kind == ValueKind::kCounts);
  const auto counts = value_histogram(plays, p);
  std::vector<std::pair<double, std::uint64_t>> got;
  for (const ValueBin& b : counts) got.emplace_back(b.low, b.count);
  CHECK(got == std::vector<std::pair<double, std::uint64_t>>{
                   {0, 1}, {1, 400}, {2, 2}, {4, 1}, {8, 1}, {512, 1}, {1024, 1}, {65536, 1}});
  CHECK(counts[2].high == 3);
  CHECK(counts[6].high == 2047);
  CHECK(counts.back().high == 131071);

  // Continuous weights -1..1: twelve widths of 1/6, a value in the middle of each; the maximum falls in the last.
  std::vector<float> w;
  for (int i = 0; i < 12; ++i) w.push_back(-1.0f + (i + 0.5f) / 6.0f);
  w.push_back(-1.0f);
  w.push_back(1.0f);
  const ValueProfile q = profile_values(w, true);
  REQUIRE(q.kind == ValueKind::kOther);
  const auto weights = value_histogram(w, q);
  REQUIRE(weights.size() == 12);
  CHECK(weights.front().low == Approx(-1));
  CHECK(weights.back().high == Approx(1));
  std::uint64_t total = 0;
  for (const ValueBin& b : weights) total += b.count;
  CHECK(total == w.size());
  CHECK(weights.front().count == 2);  // -1 and -11/12
  CHECK(weights.back().count == 2);   // 11/12 and 1

  CHECK(value_histogram({1, 1}, profile_values({1, 1}, false)).empty());  // no value column
}
