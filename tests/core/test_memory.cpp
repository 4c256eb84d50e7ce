// Memory layout (issue 14): the trainer keeps each side's pattern once, the pair weights as compactly as the values
// allow and no item-side values; a dataset given up is released while its matrix is built; the reader's duplicate
// pass and its size hint change no result.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstring>
#include <tuple>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_options.h"
#include "alsrec/matrix.h"
#include "alsrec/ratings.h"
#include "fixtures.h"

using namespace alsrec;

namespace {

// 6 users × 5 items: rows out of item order, a duplicated pair (user 1, item 3: summed), and values 1..5.
Dataset small_dataset() {
  Dataset d;
  d.user_ids = {"u0", "u1", "u2", "u3", "u4", "u5"};
  d.item_ids = {"a", "b", "c", "d", "e"};
  d.users = {1, 0, 1, 3, 1, 0, 2, 5, 5, 1};
  d.items = {3, 4, 0, 2, 3, 1, 4, 0, 3, 2};
  d.values = {2, 5, 1, 4, 3, 5, 2, 1, 4, 3};
  d.timestamps = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  return d;
}

bool same_matrix(const CsrMatrix& a, const CsrMatrix& b) {
  return a.rows == b.rows && a.cols == b.cols && a.indptr == b.indptr && a.indices == b.indices && a.data == b.data;
}

}  // namespace

TEST_CASE("a dataset given up builds the same matrix and is released", "[memory]") {
  const Dataset kept = small_dataset();
  const CsrMatrix expected = build_user_item_matrix(kept);
  CHECK(expected.row_size(1) == 3);  // (1,3) twice: summed to 5
  CHECK(expected.contains(1, 3));
  Dataset given = small_dataset();
  const CsrMatrix built = build_user_item_matrix(std::move(given));
  CHECK(same_matrix(built, expected));
  CHECK(given.users.empty());
  CHECK(given.items.empty());
  CHECK(given.values.empty());
  CHECK(given.timestamps.empty());
  CHECK(given.user_ids.size() == 6);  // the ids stay for the caller

  // A row index without an id is left out, as build_user_item_matrix(const Dataset&) does.
  Dataset stray = small_dataset();
  stray.users[0] = 9;
  const CsrMatrix stray_expected = build_user_item_matrix(stray);
  CHECK(same_matrix(build_user_item_matrix(std::move(stray)), stray_expected));
}

TEST_CASE("train_model on a dataset given up is train_model on a kept one, bit for bit", "[memory]") {
  Dataset d;
  const CsrMatrix m = test::lcg_matrix(3, 60, 40, [](std::uint32_t, std::uint32_t) { return 15; });
  for (std::uint32_t u = 0; u < m.rows; ++u) d.user_ids.push_back("u" + std::to_string(u));
  for (std::uint32_t i = 0; i < m.cols; ++i) d.item_ids.push_back("i" + std::to_string(i));
  for (std::uint32_t u = 0; u < m.rows; ++u)
    for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
      d.users.push_back(u);
      d.items.push_back(m.indices[e]);
      d.values.push_back(m.data[e]);
      d.timestamps.push_back(0);
    }
  AlsOptions o = recommended_options();
  o.factors = 8;
  o.iterations = 3;
  o.threads = 1;
  auto kept = train_model(d, o);
  REQUIRE(kept.is_ok());
  Dataset copy = d;
  auto given = train_model(std::move(copy), o);
  REQUIRE(given.is_ok());
  CHECK(copy.users.empty());
  CHECK(given->user_ids == kept->user_ids);
  CHECK(given->item_ids == kept->item_ids);
  CHECK(given->dataset_fingerprint == kept->dataset_fingerprint);
  CHECK(given->user_factors.data == kept->user_factors.data);
  CHECK(given->item_factors.data == kept->item_factors.data);
  CHECK(same_matrix(given->seen, kept->seen));
  CHECK(same_matrix(given->seen, m));
}

TEST_CASE("the trainer holds each side's pattern once and the weights compactly", "[memory]") {
  const CsrMatrix m = test::lcg_matrix(11, 300, 200, [](std::uint32_t, std::uint32_t) { return 10; });
  const std::uint64_t nnz = m.nnz();
  REQUIRE(nnz > 4000);
  auto memory_of = [](const CsrMatrix& matrix, ValueTransform values) {
    AlsOptions o = recommended_options();
    o.factors = 16;
    o.threads = 1;
    o.values = values;
    auto t = AlsTrainer::create(matrix, o);
    REQUIRE(t.is_ok());
    return (*t)->memory();
  };
  const TrainerMemory rated = memory_of(m, ValueTransform::kRaw);
  CHECK(rated.indices == 2 * 4 * nnz);                  // users' and items' indices, 4 bytes each
  CHECK(rated.values == 4 * nnz);                       // the user side's values only
  CHECK(rated.offsets == 8 * (300 + 1 + 200 + 1));
  CHECK(rated.factors == 4 * 16 * (300 + 200));
  CHECK(rated.weights < 2 * nnz + 1024);                // a byte per pair and side, plus a table of 5 weights
  CHECK(rated.weights >= 2 * nnz);
  CHECK(memory_of(m, ValueTransform::kBinary).weights < 64);  // one weight for every pair
  CsrMatrix varied = m;  // thousands of distinct values: a and b per pair and side
  for (std::size_t e = 0; e < varied.data.size(); ++e) varied.data[e] = 1.0f + static_cast<float>(e) / 100.0f;
  CHECK(memory_of(varied, ValueTransform::kRaw).weights == 2 * 8 * nnz);
  CHECK(rated.total() == rated.indices + rated.offsets + rated.values + rated.weights + rated.factors + rated.rows +
                             rated.scratch);
}

TEST_CASE("duplicates fold the same whether a user's rows are together or spread out", "[memory][ratings]") {
  // The reader's duplicate pass walks the file as it is when every user's rows are contiguous, and a counting sort
  // by user otherwise: the survivors must not depend on which.
  const std::string header = "user,item,rating,timestamp\n";
  const std::string grouped = header + "a,x,3,100\na,y,2,50\na,x,5,90\na,x,4,100\nb,x,1,10\nb,x,2,5\nb,y,1,1\n";
  const std::string spread = header + "a,x,3,100\nb,x,1,10\na,y,2,50\nb,x,2,5\na,x,5,90\nb,y,1,1\na,x,4,100\n";
  for (auto policy : {DuplicatePolicy::kLast, DuplicatePolicy::kFirst, DuplicatePolicy::kSum, DuplicatePolicy::kMax}) {
    FormatOptions o;
    o.duplicates = policy;
    auto g = read_ratings(grouped.data(), grouped.size(), o);
    auto s = read_ratings(spread.data(), spread.size(), o);
    REQUIRE(g.is_ok());
    REQUIRE(s.is_ok());
    INFO("policy " << duplicate_policy_name(policy));
    CHECK(g->duplicates_merged == 3);
    CHECK(s->duplicates_merged == 3);
    // Same ids in the same order (a, b; x, y), so the surviving (user, item, value, time) agree as sets.
    auto rows = [](const Dataset& d) {
      std::vector<std::tuple<std::uint32_t, std::uint32_t, float, std::int64_t>> out;
      for (std::size_t r = 0; r < d.size(); ++r) out.emplace_back(d.users[r], d.items[r], d.values[r], d.timestamps[r]);
      std::sort(out.begin(), out.end());
      return out;
    };
    CHECK(rows(*g) == rows(*s));
  }
  // kLast by hand: (a,x) 4 (the later of the two at time 100), (a,y) 2, (b,x) 1 (time 10), (b,y) 1.
  FormatOptions last;
  auto g = read_ratings(grouped.data(), grouped.size(), last);
  REQUIRE(g.is_ok());
  CHECK(g->values == std::vector<float>{2, 4, 1, 1});
}

TEST_CASE("the reader's size hint only reserves: the dataset is the same", "[memory][ratings]") {
  std::string text = "user,item,rating\n";
  for (int r = 0; r < 5000; ++r)
    text += std::to_string(r % 97) + "," + std::to_string((r * 7) % 131) + "," + std::to_string(1 + r % 5) + "\n";
  const std::uint64_t size = text.size();
  for (std::uint64_t hint : {std::uint64_t{0}, size, std::uint64_t{10}, 3 * size}) {
    FormatOptions o;
    o.size_hint = hint;
    auto d = read_ratings(text.data(), text.size(), o);
    REQUIRE(d.is_ok());
    FormatOptions plain;
    auto p = read_ratings(text.data(), text.size(), plain);
    REQUIRE(p.is_ok());
    INFO("hint " << hint);
    CHECK(d->users == p->users);
    CHECK(d->items == p->items);
    CHECK(d->values == p->values);
    CHECK(d->fingerprint() == p->fingerprint());
  }
}
