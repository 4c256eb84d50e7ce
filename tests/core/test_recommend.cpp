#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "fixtures.h"
#include "alsrec/recommend.h"

using namespace alsrec;
using alsrec::test::checkerboard;

namespace {

struct Trained {
  CsrMatrix m;
  AlsOptions options;
  std::unique_ptr<AlsTrainer> trainer;
};

Trained train_checkerboard(SolverKind solver = SolverKind::kConjugateGradient, ConfidenceMode mode = ConfidenceMode::kImplicit) {
  Trained t;
  t.m = checkerboard();
  t.options.factors = 4;
  t.options.iterations = 15;
  t.options.threads = 1;
  t.options.solver = solver;
  t.options.confidence = mode;
  auto tr = AlsTrainer::create(t.m, t.options);
  REQUIRE(tr.is_ok());
  t.trainer = std::move(tr.value());
  REQUIRE(t.trainer->fit().is_ok());
  return t;
}

std::vector<std::uint32_t> row_items(const CsrMatrix& m, std::uint32_t r) {
  return {m.indices.begin() + static_cast<std::ptrdiff_t>(m.indptr[r]),
          m.indices.begin() + static_cast<std::ptrdiff_t>(m.indptr[r + 1])};
}

float dot(const float* a, const float* b, std::uint32_t k) {
  float s = 0;
  for (std::uint32_t j = 0; j < k; ++j) s += a[j] * b[j];
  return s;
}

Factors make_factors(std::uint32_t rows, std::uint32_t cols, const std::vector<float>& values) {
  Factors f(rows, cols);
  f.data = values;
  return f;
}

}  // namespace

TEST_CASE("recommend ranks by score, ties by lower index", "[recommend]") {
  // User (1, 0); items (1,0) (2,0) (1,5) (2,1) (0,3): scores 1, 2, 1, 2, 0.
  // Highest first, ties by lower index: 1 (2), 3 (2), 0 (1), 2 (1), 4 (0).
  const Factors x = make_factors(1, 2, {1, 0});
  const Factors y = make_factors(5, 2, {1, 0, 2, 0, 1, 5, 2, 1, 0, 3});
  const auto rec = recommend(x, y, 0, 10);
  REQUIRE(rec.size() == 5);
  const std::uint32_t order[] = {1, 3, 0, 2, 4};
  const float scores[] = {2, 2, 1, 1, 0};
  for (std::size_t j = 0; j < 5; ++j) {
    CHECK(rec[j].index == order[j]);
    CHECK(rec[j].score == scores[j]);
  }
  const auto top2 = recommend(x, y, 0, 2);
  REQUIRE(top2.size() == 2);
  CHECK(top2[0].index == 1);
  CHECK(top2[1].index == 3);
  CHECK(recommend(x, y, 1, 3).empty());  // no user 1
  CHECK(recommend(x, y, 0, 0).empty());

  // recommend_vector with an unsorted exclusion list: leaving out 3 and 1 gives 0, 2, 4.
  const auto rv = recommend_vector(x.row(0), y, 10, {3, 1});
  REQUIRE(rv.size() == 3);
  CHECK(rv[0].index == 0);
  CHECK(rv[1].index == 2);
  CHECK(rv[2].index == 4);
}

TEST_CASE("recommend excludes seen items and returns the rest best first", "[recommend]") {
  const Trained t = train_checkerboard();
  for (std::uint32_t u = 0; u < 20; ++u) {
    const auto rec = recommend(t.trainer->user_factors(), t.trainer->item_factors(), u, 20, &t.m);
    REQUIRE(rec.size() == 11);  // 20 items − 9 seen
    for (std::size_t j = 0; j < rec.size(); ++j) {
      CHECK_FALSE(t.m.contains(u, rec[j].index));
      if (j > 0) CHECK(rec[j - 1].score >= rec[j].score);
    }
    CHECK(rec[0].index == u);  // the withheld diagonal item, as in the checkerboard test
  }
  // Without exclusion the seen items come back.
  const auto all = recommend(t.trainer->user_factors(), t.trainer->item_factors(), 0, 20);
  CHECK(all.size() == 20);
}

TEST_CASE("recommend_all agrees with recommend for every user", "[recommend]") {
  const Trained t = train_checkerboard();
  const Factors& x = t.trainer->user_factors();
  const Factors& y = t.trainer->item_factors();
  for (int threads : {1, 2}) {
    const auto all = recommend_all(x, y, 5, &t.m, threads);
    REQUIRE(all.size() == 20);
    for (std::uint32_t u = 0; u < 20; ++u) {
      const auto one = recommend(x, y, u, 5, &t.m);
      REQUIRE(all[u].size() == one.size());
      REQUIRE(one.size() == 5);
      for (std::size_t j = 0; j < one.size(); ++j) {
        INFO("user " << u << " rank " << j);
        // The block GEMM and the single-user product may round differently in the last bit: the scores agree to
        // 1e-6, and the items agree wherever the ranking is not a near-tie.
        CHECK(all[u][j].score == Approx(one[j].score).margin(1e-6));
        const bool near_tie = (j > 0 && std::fabs(one[j].score - one[j - 1].score) < 1e-6f) ||
                              (j + 1 < one.size() && std::fabs(one[j].score - one[j + 1].score) < 1e-6f);
        if (!near_tie) CHECK(all[u][j].index == one[j].index);
      }
    }
  }
  // More than one block of users: 1100 users of random factors, no exclusions.
  Factors bx(1100, 4), by(50, 4);
  for (std::size_t j = 0; j < bx.data.size(); ++j) bx.data[j] = std::sin(0.37f * static_cast<float>(j));
  for (std::size_t j = 0; j < by.data.size(); ++j) by.data[j] = std::cos(0.91f * static_cast<float>(j));
  const auto big = recommend_all(bx, by, 3, nullptr, 1);
  REQUIRE(big.size() == 1100);
  for (std::uint32_t u : {0u, 1023u, 1024u, 1099u}) {
    const auto one = recommend(bx, by, u, 3);
    REQUIRE(big[u].size() == 3);
    for (std::size_t j = 0; j < 3; ++j) CHECK(big[u][j].score == Approx(one[j].score).margin(1e-5));
  }
}

// Above 2048 items recommend_all scores tiles of items and carries each user's top n across them. On scores exact in
// float (a coarse grid: any summation order gives the same bits) it must equal the one-user path exactly, ties
// going to the lower index, with winners and exclusions in every tile.
TEST_CASE("recommend_all over item tiles equals recommend, ties and exclusions included", "[recommend]") {
  const std::uint32_t users = 40, items = 5003, f = 3;  // 3 tiles of 1668 (the last 1667)
  Factors x(users, f), y(items, f);
  for (std::size_t j = 0; j < x.data.size(); ++j) x.data[j] = static_cast<float>((j * 7 + 3) % 5) / 2.0f + 0.5f;
  for (std::size_t j = 0; j < y.data.size(); ++j) y.data[j] = static_cast<float>((j * 5 + 1) % 9) / 8.0f;
  // 20 items of the second and third tiles lifted above the rest: every top 25 spans all three tiles.
  for (std::uint32_t k = 0; k < 10; ++k)
    for (const std::uint32_t i : {1700 + 150 * k, 3400 + 150 * k})
      for (std::uint32_t c = 0; c < f; ++c) y.data[static_cast<std::size_t>(i) * f + c] += 1.0f;
  std::vector<std::vector<std::uint32_t>> seen(users);
  for (std::uint32_t u = 0; u < users; ++u)
    for (std::uint32_t i = u % 3; i < items; i += 97 + u) seen[u].push_back(i);
  CsrMatrix exclude;
  exclude.rows = users;
  exclude.cols = items;
  exclude.indptr.push_back(0);
  for (const auto& row : seen) {
    for (std::uint32_t i : row) {
      exclude.indices.push_back(i);
      exclude.data.push_back(1.0f);
    }
    exclude.indptr.push_back(exclude.indices.size());
  }
  for (int threads : {1, 2}) {
    const auto all = recommend_all(x, y, 25, &exclude, threads);
    REQUIRE(all.size() == users);
    for (std::uint32_t u = 0; u < users; ++u) {
      const auto one = recommend(x, y, u, 25, &exclude);
      REQUIRE(one.size() == 25);
      REQUIRE(all[u].size() == one.size());
      for (std::size_t j = 0; j < one.size(); ++j) {
        INFO("user " << u << " rank " << j);
        CHECK(all[u][j].index == one[j].index);
        CHECK(all[u][j].score == one[j].score);
      }
    }
  }
}

TEST_CASE("similar_items puts items of the same checkerboard parity first", "[recommend]") {
  const Trained t = train_checkerboard();
  for (std::uint32_t i = 0; i < 20; ++i) {
    const auto sim = similar_items(t.trainer->item_factors(), i, 9);
    REQUIRE(sim.size() == 9);  // the other 9 items of its parity
    for (const ScoredItem& s : sim) {
      INFO("item " << i << " similar " << s.index << " score " << s.score);
      CHECK(s.index != i);
      CHECK(s.index % 2 == i % 2);
      CHECK(s.score <= 1.0001f);
    }
  }
  // Cosine by hand: items (1,0) (0,2) (3,3) (0,0): similar to item 0 -> item 2 at 3/√18 = 0.7071, then items
  // 1 and 3 at 0 (item 3 has zero norm: scored 0), ties by index.
  const Factors y = make_factors(4, 2, {1, 0, 0, 2, 3, 3, 0, 0});
  const auto sim = similar_items(y, 0, 5);
  REQUIRE(sim.size() == 3);
  CHECK(sim[0].index == 2);
  CHECK(sim[0].score == Approx(0.70710678));
  CHECK(sim[1].index == 1);
  CHECK(sim[1].score == 0.0f);
  CHECK(sim[2].index == 3);
  CHECK(sim[2].score == 0.0f);
  CHECK(similar_items(y, 4, 5).empty());
}

TEST_CASE("fold-in of a training user reproduces its factors", "[recommend]") {
  // After training, resolve_users() runs one more exact user half-step against the final item factors: that is,
  // by construction, what fold-in computes for the same interactions.
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kIals}) {
    Trained t = train_checkerboard(SolverKind::kCholesky, mode);
    REQUIRE(t.trainer->resolve_users().is_ok());
    const Factors& x = t.trainer->user_factors();
    for (std::uint32_t u = 0; u < 20; ++u) {
      const auto items = row_items(t.m, u);
      const std::vector<float> values(items.size(), 1.0f);
      auto f = fold_in_user(t.trainer->item_factors(), t.options, items, values);
      REQUIRE(f.is_ok());
      REQUIRE(f->size() == 4);
      for (std::uint32_t k = 0; k < 4; ++k) {
        INFO("mode " << confidence_mode_name(mode) << " user " << u << " k " << k);
        CHECK((*f)[k] == Approx(x.row(u)[k]).margin(1e-4));
      }
    }
  }
}

TEST_CASE("fold-in: duplicates keep the last value; bad input is refused", "[recommend]") {
  const Trained t = train_checkerboard();
  AlsOptions o = t.options;
  o.confidence = ConfidenceMode::kHu;
  o.values = ValueTransform::kRaw;
  const Factors& y = t.trainer->item_factors();
  auto dup = fold_in_user(y, o, {2, 4, 2}, {5.0f, 1.0f, 2.0f});
  auto last = fold_in_user(y, o, {4, 2}, {1.0f, 2.0f});
  auto first = fold_in_user(y, o, {4, 2}, {1.0f, 5.0f});
  REQUIRE(dup.is_ok());
  REQUIRE(last.is_ok());
  REQUIRE(first.is_ok());
  CHECK(*dup == *last);
  CHECK(*dup != *first);

  auto empty = fold_in_user(y, o, {}, {});
  REQUIRE(empty.is_ok());
  CHECK(*empty == std::vector<float>(4, 0.0f));

  auto out_of_range = fold_in_user(y, o, {20}, {1.0f});
  CHECK(out_of_range.status().code() == StatusCode::kInvalidArgument);
  CHECK(out_of_range.status().message() == "fold-in: item index 20 is out of range (20 items)");
  CHECK(fold_in_user(y, o, {1, 2}, {1.0f}).status().code() == StatusCode::kInvalidArgument);
  CHECK(fold_in_user(y, o, {1}, {std::nanf("")}).status().code() == StatusCode::kInvalidArgument);
  o.factors = 0;
  CHECK(fold_in_user(y, o, {1}, {1.0f}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("explain's contributions add up to the fold-in score", "[recommend]") {
  const Trained t = train_checkerboard();
  AlsOptions o = t.options;
  o.confidence = ConfidenceMode::kHu;
  o.values = ValueTransform::kRaw;
  const Factors& y = t.trainer->item_factors();
  const std::vector<std::uint32_t> items = {0, 2, 4, 7};
  const std::vector<float> values = {3.0f, 1.0f, 5.0f, 2.0f};
  auto x = fold_in_user(y, o, items, values);
  REQUIRE(x.is_ok());
  for (std::uint32_t target : {6u, 1u, 2u}) {
    auto ex = explain(y, o, items, values, target, 10);
    REQUIRE(ex.is_ok());
    REQUIRE(ex->size() == 4);
    double sum = 0;
    for (std::size_t j = 0; j < ex->size(); ++j) {
      sum += (*ex)[j].score;
      if (j > 0) CHECK((*ex)[j - 1].score >= (*ex)[j].score);
    }
    const float fold_in_score = dot(x->data(), y.row(target), 4);
    INFO("target " << target);
    CHECK(sum == Approx(fold_in_score).margin(1e-5).epsilon(1e-4));
  }
  // The top contribution for an even item comes from an even rated item (0, 2 or 4), not from item 7.
  auto ex = explain(y, o, items, values, 6, 1);
  REQUIRE(ex.is_ok());
  REQUIRE(ex->size() == 1);
  CHECK((*ex)[0].index % 2 == 0);
  CHECK(explain(y, o, items, values, 99, 3).status().code() == StatusCode::kInvalidArgument);
}
