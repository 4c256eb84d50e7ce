// Train/test splits: counts per user, time order with file-order ties, leave-last, seeded random shuffles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "alsrec/split.h"

using namespace alsrec;

namespace {

struct Row {
  std::uint32_t user, item;
  std::int64_t time;
};

Dataset make_dataset(const std::vector<Row>& rows) {
  Dataset d;
  std::uint32_t users = 0, items = 0;
  for (const Row& r : rows) {
    d.users.push_back(r.user);
    d.items.push_back(r.item);
    d.values.push_back(1.0f);
    d.timestamps.push_back(r.time);
    users = std::max(users, r.user + 1);
    items = std::max(items, r.item + 1);
  }
  for (std::uint32_t u = 0; u < users; ++u) d.user_ids.push_back("u" + std::to_string(u));
  for (std::uint32_t i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  d.has_ratings = false;
  d.has_timestamps = true;
  d.rows = d.size();
  return d;
}

// user 0: 10 interactions, timestamps out of file order; user 1: 4 interactions; user 2: 5 with tied timestamps.
Dataset hand_made() {
  std::vector<Row> rows;
  const std::int64_t t0[10] = {50, 10, 90, 20, 100, 30, 40, 60, 70, 80};  // latest two: 100 (pos 4), 90 (pos 2)
  const std::int64_t t2[5] = {100, 300, 300, 200, 300};
  for (std::uint32_t j = 0; j < 10; ++j) rows.push_back({0, j, t0[j]});
  for (std::uint32_t j = 0; j < 4; ++j) rows.push_back({1, j, 1000 + j});
  for (std::uint32_t j = 0; j < 5; ++j) rows.push_back({2, j, t2[j]});
  // Interleave a late row of user 1 so groups are not contiguous in the file.
  rows.push_back({1, 7, 5000});
  return make_dataset(rows);
}

std::vector<std::uint32_t> test_rows_of(const Dataset& d, const SplitResult& s, std::uint32_t user) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i : s.test)
    if (d.users[i] == user) out.push_back(i);
  return out;
}

void check_partition(const Dataset& d, const SplitResult& s) {
  REQUIRE(s.train.size() + s.test.size() == d.size());
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  CHECK(std::is_sorted(s.test.begin(), s.test.end()));
  std::set<std::uint32_t> all(s.train.begin(), s.train.end());
  all.insert(s.test.begin(), s.test.end());
  CHECK(all.size() == d.size());
}

}  // namespace

TEST_CASE("parse_split accepts the documented forms and round-trips", "[split]") {
  auto t = parse_split("temporal:0.2");
  REQUIRE(t.is_ok());
  CHECK(t->kind == SplitKind::kTemporal);
  CHECK(t->fraction == 0.2);
  CHECK(split_to_string(*t) == "temporal:0.2");

  auto r = parse_split("random:0.25");
  REQUIRE(r.is_ok());
  CHECK(r->kind == SplitKind::kRandom);
  CHECK(split_to_string(*r) == "random:0.25");

  auto l = parse_split("leave-last:3");
  REQUIRE(l.is_ok());
  CHECK(l->kind == SplitKind::kLeaveLast);
  CHECK(l->count == 3);
  CHECK(split_to_string(*l) == "leave-last:3");

  auto n = parse_split("none");
  REQUIRE(n.is_ok());
  CHECK(n->kind == SplitKind::kNone);
  CHECK(split_to_string(*n) == "none");

  auto zero = parse_split("temporal:0");
  REQUIRE(zero.is_ok());
  CHECK(zero->fraction == 0.0);
}

TEST_CASE("parse_split refuses bad specs with clear messages", "[split]") {
  const auto message = [](const std::string& text) {
    auto r = parse_split(text);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    return r.status().message();
  };
  CHECK(message("temporal:1.5") == "split 'temporal:1.5': fraction must be in [0, 1)");
  CHECK(message("random:1") == "split 'random:1': fraction must be in [0, 1)");
  CHECK(message("random:-0.1") == "split 'random:-0.1': fraction must be in [0, 1)");
  CHECK(message("temporal:abc") == "split 'temporal:abc': fraction 'abc' is not a number (e.g. temporal:0.2)");
  CHECK(message("temporal:0.2x") == "split 'temporal:0.2x': fraction '0.2x' is not a number (e.g. temporal:0.2)");
  CHECK(message("temporal:nan").find("not a number") != std::string::npos);
  CHECK(message("leave-last:0") == "split 'leave-last:0': count must be at least 1");
  CHECK(message("leave-last:1.5") == "split 'leave-last:1.5': count '1.5' is not a whole number");
  CHECK(message("by-date:0.2").find("unknown split") != std::string::npos);
  CHECK(message("").find("unknown split") != std::string::npos);
}

TEST_CASE("temporal split: last floor(f*n) by time, ties keep file order", "[split]") {
  const Dataset d = hand_made();
  const SplitResult s = split_dataset(d, *parse_split("temporal:0.2"), 42);
  check_partition(d, s);
  // user 0: n=10, floor(0.2*10)=2 -> the rows with times 100 (file row 4) and 90 (file row 2).
  CHECK(test_rows_of(d, s, 0) == std::vector<std::uint32_t>{2, 4});
  // user 1: n=5 (four early rows + the late row 19), floor(0.2*5)=1 -> row 19 (time 5000).
  CHECK(test_rows_of(d, s, 1) == std::vector<std::uint32_t>{19});
  // user 2: n=5, floor(1.0)=1; times 100,300,300,200,300 at rows 14..18: stable order 14,17,15,16,18 -> row 18.
  CHECK(test_rows_of(d, s, 2) == std::vector<std::uint32_t>{18});

  // With 0.4 user 2 gives its last two in time order: rows 16 and 18 (both t=300, after row 15 by file order).
  const SplitResult s4 = split_dataset(d, *parse_split("temporal:0.4"), 42);
  CHECK(test_rows_of(d, s4, 2) == std::vector<std::uint32_t>{16, 18});
  CHECK(test_rows_of(d, s4, 0) == std::vector<std::uint32_t>{2, 4, 8, 9});  // floor(4.0): 100, 90, 80, 70
}

TEST_CASE("temporal split: users with floor(f*n) = 0 keep everything in train", "[split]") {
  std::vector<Row> rows;
  for (std::uint32_t j = 0; j < 10; ++j) rows.push_back({0, j, j});
  for (std::uint32_t j = 0; j < 4; ++j) rows.push_back({1, j, j});
  const Dataset d = make_dataset(rows);
  const SplitResult s = split_dataset(d, *parse_split("temporal:0.2"), 1);
  CHECK(test_rows_of(d, s, 0).size() == 2);  // floor(0.2*10) = 2
  CHECK(test_rows_of(d, s, 1).empty());      // floor(0.2*4) = floor(0.8) = 0
  CHECK(s.test.size() == 2);
}

TEST_CASE("temporal split uses the exact floor: 0.29 of 100 is 29", "[split]") {
  std::vector<Row> rows;
  for (std::uint32_t j = 0; j < 100; ++j) rows.push_back({0, j, j});
  const Dataset d = make_dataset(rows);
  // 0.29*100 is 28.999999999999996 in binary floating point; on paper it is 29.
  CHECK(split_dataset(d, *parse_split("temporal:0.29"), 1).test.size() == 29);
  CHECK(split_dataset(d, *parse_split("temporal:0.295"), 1).test.size() == 29);  // floor(29.5)
}

TEST_CASE("leave-last:k takes the k latest; users with n <= k keep all", "[split]") {
  const Dataset d = hand_made();
  const SplitResult s1 = split_dataset(d, *parse_split("leave-last:1"), 42);
  check_partition(d, s1);
  CHECK(test_rows_of(d, s1, 0) == std::vector<std::uint32_t>{4});   // t=100
  CHECK(test_rows_of(d, s1, 1) == std::vector<std::uint32_t>{19});  // t=5000
  CHECK(test_rows_of(d, s1, 2) == std::vector<std::uint32_t>{18});  // last of the three t=300 by file order

  const SplitResult s5 = split_dataset(d, *parse_split("leave-last:5"), 42);
  CHECK(test_rows_of(d, s5, 0).size() == 5);
  CHECK(test_rows_of(d, s5, 1).empty());  // n=5 <= 5
  CHECK(test_rows_of(d, s5, 2).empty());  // n=5 <= 5
}

TEST_CASE("none keeps everything in train", "[split]") {
  const Dataset d = hand_made();
  const SplitResult s = split_dataset(d, *parse_split("none"), 42);
  CHECK(s.test.empty());
  CHECK(s.train.size() == d.size());
}

TEST_CASE("random split: per-user counts, reproducible by seed, different across seeds", "[split]") {
  std::vector<Row> rows;
  for (std::uint32_t u = 0; u < 3; ++u)
    for (std::uint32_t j = 0; j < 50; ++j) rows.push_back({u, j, 0});
  const Dataset d = make_dataset(rows);
  const SplitSpec spec = *parse_split("random:0.2");
  const SplitResult a = split_dataset(d, spec, 7);
  const SplitResult b = split_dataset(d, spec, 7);
  const SplitResult c = split_dataset(d, spec, 8);
  check_partition(d, a);
  for (std::uint32_t u = 0; u < 3; ++u) CHECK(test_rows_of(d, a, u).size() == 10);  // floor(0.2*50)
  CHECK(a.test == b.test);
  // Pinned: the same seed gives the same split natively and in wasm (own RNG, no std::shuffle). If the RNG or
  // the shuffle changes on purpose, update these numbers.
  std::vector<std::uint32_t> pinned;
  for (std::uint32_t i : test_rows_of(d, a, 0)) pinned.push_back(d.items[i]);
  CHECK(pinned == std::vector<std::uint32_t>{5, 6, 7, 11, 14, 20, 21, 39, 43, 45});
  CHECK(a.test != c.test);  // the same 30 of 150 rows by chance: odds ~ (1/C(50,10))^3
  // Each user's shuffle depends on (seed, user) only: users draw different subsets under the same seed.
  std::vector<std::uint32_t> items0, items1;
  for (std::uint32_t i : test_rows_of(d, a, 0)) items0.push_back(d.items[i]);
  for (std::uint32_t i : test_rows_of(d, a, 1)) items1.push_back(d.items[i]);
  CHECK(items0 != items1);
  // ... and adding another user does not change the others' draws.
  rows.push_back({3, 0, 0});
  rows.push_back({3, 1, 0});
  const SplitResult more = split_dataset(make_dataset(rows), spec, 7);
  CHECK(test_rows_of(d, more, 0) == test_rows_of(d, a, 0));
}
