// Ranking metrics on hand-worked examples (the arithmetic is in the comments), the popularity baseline, rating errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "alsrec/metrics.h"

#include "fixtures.h"

using namespace alsrec;

namespace {

// A users × items CSR matrix from per-row item lists (sorted here), values 1 unless given.
CsrMatrix csr(std::uint32_t cols, const std::vector<std::vector<std::uint32_t>>& rows,
              const std::vector<std::vector<float>>& values = {}) {
  CsrMatrix m;
  m.rows = static_cast<std::uint32_t>(rows.size());
  m.cols = cols;
  m.indptr.push_back(0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t j = 0; j < rows[r].size(); ++j) {
      m.indices.push_back(rows[r][j]);
      m.data.push_back(values.empty() ? 1.0f : values[r][j]);
    }
    m.indptr.push_back(m.indices.size());
  }
  return m;
}

const double kLog3 = std::log2(3.0);  // rank 1 discount is 1/log2(3) = 0.6309
const double kLog5 = std::log2(5.0);  // rank 3 discount is 1/log2(5) = 0.4307

}  // namespace

TEST_CASE("score_ranking on a hand-worked list", "[metrics]") {
  // ranked (0-based ranks): 5, 2, 9, 7; test = {2, 7, 11}; K = 4. Hits at ranks 1 and 3.
  const UserMetrics m = score_ranking({5, 2, 9, 7}, {11, 2, 7}, 4);
  CHECK(m.recall == Approx(2.0 / 3.0));   // 2 hits / |T| = 3
  CHECK(m.precision == Approx(0.5));      // 2 hits / K = 4
  // DCG = 1/log2(1+2) + 1/log2(3+2) = 0.63093 + 0.43068 = 1.06161
  // IDCG over min(K,|T|) = 3 ranks = 1 + 0.63093 + 0.5 = 2.13093  -> NDCG = 0.49819
  CHECK(m.ndcg == Approx((1 / kLog3 + 1 / kLog5) / (1 + 1 / kLog3 + 0.5)));
  CHECK(m.ndcg == Approx(0.49819).epsilon(1e-4));
  // MAP: precision at the hits = 1/2 (rank 1) and 2/4 (rank 3); (0.5 + 0.5) / min(4, 3) = 1/3
  CHECK(m.map == Approx(1.0 / 3.0));
  CHECK(m.hit_rate == 1.0);
}

TEST_CASE("score_ranking cuts the list at K and handles no hits", "[metrics]") {
  // K = 2: only 5, 2 count -> one hit at rank 1.
  const UserMetrics m = score_ranking({5, 2, 9, 7}, {11, 2, 7}, 2);
  CHECK(m.recall == Approx(1.0 / 3.0));
  CHECK(m.precision == Approx(0.5));
  CHECK(m.ndcg == Approx((1 / kLog3) / (1 + 1 / kLog3)));  // IDCG over min(2,3)=2 ranks: 0.38685
  CHECK(m.map == Approx(0.5 / 2.0));                       // (1/2) / min(2,3)
  CHECK(m.hit_rate == 1.0);

  // A first-place hit with one test item: everything is 1 except precision = 1/K.
  const UserMetrics first = score_ranking({4, 1, 2}, {4}, 3);
  CHECK(first.recall == 1.0);
  CHECK(first.precision == Approx(1.0 / 3.0));
  CHECK(first.ndcg == Approx(1.0));
  CHECK(first.map == Approx(1.0));

  const UserMetrics none = score_ranking({1, 2, 3}, {4, 5}, 3);
  CHECK(none.recall == 0.0);
  CHECK(none.precision == 0.0);
  CHECK(none.ndcg == 0.0);
  CHECK(none.map == 0.0);
  CHECK(none.hit_rate == 0.0);

  // A list shorter than K still divides precision by K: 1 hit / 5.
  CHECK(score_ranking({3}, {3}, 5).precision == Approx(0.2));
}

namespace {

// 5 users × 6 items, K = 2.
//   user 0: train {0},            test {3, 4}   evaluated
//   user 1: train {1, 2},         test {0}      evaluated
//   user 2: train {},             test {5}      skipped (no train)
//   user 3: train {0,1,2,3,4},    test {5}      evaluated, no negative candidates -> skipped for AUC only
//   user 4: train {2},            test {}       skipped (no test)
const float kScores[5][6] = {
    {0.9f, 0.1f, 0.5f, 0.8f, 0.5f, 0.3f},
    {0.3f, 0.9f, 0.9f, 0.1f, 0.2f, 0.0f},
    {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f},
    {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
    {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
};

CsrMatrix hand_train() { return csr(6, {{0}, {1, 2}, {}, {0, 1, 2, 3, 4}, {2}}); }
CsrMatrix hand_test() { return csr(6, {{3, 4}, {0}, {5}, {5}, {}}); }

}  // namespace

TEST_CASE("evaluate_ranking averages over users with train and test items", "[metrics]") {
  const CsrMatrix train = hand_train(), test = hand_test();
  const RankingMetrics m = evaluate_ranking(
      train, test, 2, [](std::uint32_t u, float* s) { std::copy(kScores[u], kScores[u] + 6, s); }, 1);
  REQUIRE(m.users == 3);  // users 0, 1, 3
  CHECK(m.k == 2);
  // user 0: candidates 1..5 ordered 3 (0.8), 2 (0.5), 4 (0.5: tie with 2, higher index last), 5 (0.3), 1 (0.1).
  //   top-2 = [3, 2]: one hit at rank 0 -> recall 1/2, precision 1/2, NDCG 1/(1 + 1/log2 3) = 0.61315, MAP 1/2.
  //   AUC: positives 3 (0.8), 4 (0.5) vs negatives 1 (0.1), 2 (0.5), 5 (0.3):
  //   3 beats all three = 3; 4 beats 1 and 5, ties 2 = 2.5; (3 + 2.5) / (2·3) = 0.916667.
  // user 1: candidates 0 (0.3), 4 (0.2), 3 (0.1), 5 (0.0): top-2 = [0, 4], hit at rank 0 ->
  //   recall 1, precision 1/2, NDCG 1, MAP 1/min(2,1) = 1; AUC 3/3 = 1.
  // user 3: only candidate 5 -> top = [5]: recall 1, precision 1/2, NDCG 1, MAP 1; no negatives: no AUC.
  CHECK(m.recall == Approx((0.5 + 1 + 1) / 3));
  CHECK(m.precision == Approx(0.5));
  CHECK(m.ndcg == Approx((1 / (1 + 1 / kLog3) + 1 + 1) / 3));
  CHECK(m.map == Approx((0.5 + 1 + 1) / 3));
  CHECK(m.hit_rate == Approx(1.0));
  CHECK(m.auc == Approx((5.5 / 6 + 1.0) / 2));  // over users 0 and 1 only = 0.958333
  // Recommended: user 0 {3, 2}, user 1 {0, 4}, user 3 {5} -> 5 distinct of 6 items.
  CHECK(m.coverage == Approx(5.0 / 6.0));
}

TEST_CASE("evaluate_ranking: NaN scores rank last instead of breaking the sort", "[metrics]") {
  const CsrMatrix train = csr(4, {{0}}), test = csr(4, {{2}});
  const float nan = std::nanf("");
  const RankingMetrics m = evaluate_ranking(
      train, test, 1,
      [&](std::uint32_t, float* s) {
        s[0] = 1; s[1] = nan; s[2] = 0.5f; s[3] = nan;
      },
      1);
  REQUIRE(m.users == 1);
  CHECK(m.recall == 1.0);  // item 2 is the only finite candidate score: ranked first
  CHECK(m.auc == 1.0);     // it beats both NaN (= -inf) negatives
}

TEST_CASE("evaluate_model scores by x_u . y_i", "[metrics]") {
  // One factor: every user's factor is 1, item factors are user 0's score row, so all users rank items the same.
  // Users 0 and 1 from the hand example then see: user 0 as before; user 1 candidates 0 (0.9), 3 (0.8), 4 (0.5),
  // 5 (0.3) -> top-2 [0, 3], hit at rank 0 (test {0}): recall 1, precision 1/2, NDCG 1, MAP 1.
  Factors users(2, 1), items(6, 1);
  users.data = {1.0f, 1.0f};
  items.data.assign(kScores[0], kScores[0] + 6);
  const CsrMatrix train = csr(6, {{0}, {1, 2}}), test = csr(6, {{3, 4}, {0}});
  const RankingMetrics m = evaluate_model(users, items, train, test, 2, 1);
  REQUIRE(m.users == 2);
  CHECK(m.recall == Approx((0.5 + 1) / 2));
  CHECK(m.precision == Approx(0.5));
  CHECK(m.ndcg == Approx((1 / (1 + 1 / kLog3) + 1) / 2));
  CHECK(m.coverage == Approx(3.0 / 6.0));  // {3, 2} ∪ {0, 3}
}

TEST_CASE("evaluate_model agrees with evaluate_ranking on the same dot products", "[metrics]") {
  // 40 users × 30 items × 4 factors from a fixed integer recipe (every score is a multiple of 1/64, exact in float).
  const std::uint32_t nu = 40, ni = 30, f = 4;
  Factors x(nu, f), y(ni, f);
  for (std::uint32_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>((i * 7 + 3) % 9) / 8.0f - 0.5f;
  for (std::uint32_t i = 0; i < y.data.size(); ++i) y.data[i] = static_cast<float>((i * 5 + 1) % 11) / 8.0f - 0.625f;
  std::vector<std::vector<std::uint32_t>> tr(nu), te(nu);
  for (std::uint32_t u = 0; u < nu; ++u)
    for (std::uint32_t i = 0; i < ni; ++i) {
      const std::uint32_t h = (u * 31 + i * 17) % 10;
      if (h < 2) tr[u].push_back(i);
      else if (h == 2) te[u].push_back(i);
    }
  const CsrMatrix train = csr(ni, tr), test = csr(ni, te);
  const auto dot = [&](std::uint32_t u, float* s) {
    for (std::uint32_t i = 0; i < ni; ++i) {
      double acc = 0;
      for (std::uint32_t c = 0; c < f; ++c) acc += static_cast<double>(x.row(u)[c]) * y.row(i)[c];
      s[i] = static_cast<float>(acc);
    }
  };
  const RankingMetrics a = evaluate_model(x, y, train, test, 5, 1);
  const RankingMetrics b = evaluate_ranking(train, test, 5, dot, 1);
  REQUIRE(a.users == b.users);
  CHECK(a.users > 30);
  CHECK(a.recall == Approx(b.recall));
  CHECK(a.ndcg == Approx(b.ndcg));
  CHECK(a.map == Approx(b.map));
  CHECK(a.auc == Approx(b.auc));
  CHECK(a.coverage == Approx(b.coverage));
#ifdef ALSREC_HAVE_THREADS
  // Per-user slots summed in user order: the thread count cannot change a bit of the result.
  const RankingMetrics t2 = evaluate_model(x, y, train, test, 5, 2);
  CHECK(t2.recall == a.recall);
  CHECK(t2.ndcg == a.ndcg);
  CHECK(t2.auc == a.auc);
  CHECK(t2.coverage == a.coverage);
#endif
}

TEST_CASE("popularity baseline on a tiny case", "[metrics]") {
  // Train counts per item: item 0: 3, item 1: 1, item 2: 3, item 3: 0, item 4: 2.
  //   user 0: train {0, 2}     test {4}  -> candidates 4 (2), 1 (1), 3 (0): top-1 [4] hit.
  //   user 1: train {0, 4}     test {1}  -> candidates 2 (3), 1 (1), 3 (0): top-1 [2] miss.
  //   user 2: train {0, 1, 2}  test {3}  -> candidates 4 (2), 3 (0): top-1 [4] miss.
  //   user 3: train {2, 4}     test {0}  -> candidates 0 (3), 1 (1), 3 (0): top-1 [0] hit.
  const CsrMatrix train = csr(5, {{0, 2}, {0, 4}, {0, 1, 2}, {2, 4}});
  const CsrMatrix test = csr(5, {{4}, {1}, {3}, {0}});
  const RankingMetrics m = evaluate_popularity(train, test, 1, 1);
  REQUIRE(m.users == 4);
  CHECK(m.recall == Approx(0.5));     // (1 + 0 + 0 + 1) / 4
  CHECK(m.precision == Approx(0.5));
  CHECK(m.hit_rate == Approx(0.5));
  CHECK(m.coverage == Approx(3.0 / 5.0));  // {4, 2, 0}
  // AUC: u0: 4 (2) beats 1, 3 -> 1; u1: 1 (1) beats 3, loses to 2 -> 1/2; u2: 3 (0) vs 4 (2) -> 0;
  //      u3: 0 (3) beats 1, 3 -> 1.  Mean = 2.5 / 4.
  CHECK(m.auc == Approx(0.625));
}

TEST_CASE("popularity ties go to the lower item index", "[metrics]") {
  // Items 1 and 3 both have 2 train interactions; user 2 (train {0}) gets item 1 first.
  const CsrMatrix train = csr(4, {{1, 3}, {1, 3}, {0}});
  const CsrMatrix test = csr(4, {{}, {}, {3}});
  const RankingMetrics m = evaluate_popularity(train, test, 1, 1);
  REQUIRE(m.users == 1);
  CHECK(m.recall == 0.0);  // top-1 is item 1, not the test item 3
  CHECK(m.coverage == Approx(1.0 / 4.0));
}

TEST_CASE("rating_errors: RMSE and MAE over the test nonzeros", "[metrics]") {
  // One factor: x = [2, 1], y = [1.5, 3].
  //   (0,0) = 4: prediction 2·1.5 = 3, error -1
  //   (0,1) = 5: prediction 2·3 = 6,   error +1
  //   (1,1) = 1: prediction 1·3 = 3,   error +2
  // RMSE = sqrt((1 + 1 + 4) / 3) = sqrt(2); MAE = (1 + 1 + 2) / 3 = 4/3.
  Factors x(2, 1), y(2, 1);
  x.data = {2.0f, 1.0f};
  y.data = {1.5f, 3.0f};
  const CsrMatrix test = csr(2, {{0, 1}, {1}}, {{4.0f, 5.0f}, {1.0f}});
  const RatingErrors e = rating_errors(x, y, test);
  CHECK(e.count == 3);
  CHECK(e.rmse == Approx(std::sqrt(2.0)));
  CHECK(e.mae == Approx(4.0 / 3.0));
}

TEST_CASE("evaluation of empty inputs is empty, not a crash", "[metrics]") {
  const CsrMatrix train = csr(3, {{}, {}}), test = csr(3, {{}, {}});
  const RankingMetrics m = evaluate_popularity(train, test, 10, 1);
  CHECK(m.users == 0);
  CHECK(m.recall == 0.0);
  const RatingErrors e = rating_errors(Factors(2, 1), Factors(3, 1), test);
  CHECK(e.count == 0);
}

// ---- combining evaluations of disjoint user sets (processes of a distributed run)

namespace {

struct SplitFixture {
  static constexpr std::uint32_t nu = 60, ni = 45, f = 3;
  Factors x{nu, f}, y{ni, f};
  CsrMatrix train, test;
  SplitFixture() {
    for (std::uint32_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>((i * 7 + 3) % 13) / 8.0f - 0.75f;
    for (std::uint32_t i = 0; i < y.data.size(); ++i) y.data[i] = static_cast<float>((i * 5 + 1) % 11) / 8.0f - 0.625f;
    std::vector<std::vector<std::uint32_t>> tr(nu), te(nu);
    for (std::uint32_t u = 0; u < nu; ++u)
      for (std::uint32_t i = 0; i < ni; ++i) {
        const std::uint32_t h = (u * 31 + i * 17 + u * i) % 11;
        if (h < 2) tr[u].push_back(i);
        else if (h == 2) te[u].push_back(i);
      }
    train = csr(ni, tr);
    test = csr(ni, te);
  }
};

// The whole's metrics from two halves: users add, rates are user-weighted averages, coverage is the union.
void check_combined(const RankingMetrics& whole, const std::vector<std::uint8_t>& whole_recommended,
                    const RankingMetrics& a, const std::vector<std::uint8_t>& ra, const RankingMetrics& b,
                    const std::vector<std::uint8_t>& rb, std::uint32_t items) {
  REQUIRE(ra.size() == items);
  REQUIRE(rb.size() == items);
  REQUIRE(whole_recommended.size() == items);
  std::size_t distinct = 0, whole_distinct = 0;
  for (std::uint32_t i = 0; i < items; ++i) {
    CHECK((ra[i] | rb[i]) == whole_recommended[i]);
    distinct += ra[i] | rb[i];
    whole_distinct += whole_recommended[i];
  }
  CHECK(whole.coverage == static_cast<double>(whole_distinct) / items);
  CHECK(static_cast<double>(distinct) / items == whole.coverage);
  REQUIRE(a.users + b.users == whole.users);
  CHECK(a.users > 0);
  CHECK(b.users > 0);
  const double na = static_cast<double>(a.users), nb = static_cast<double>(b.users), n = na + nb;
  CHECK(std::fabs((na * a.recall + nb * b.recall) / n - whole.recall) <= 1e-12);
  CHECK(std::fabs((na * a.ndcg + nb * b.ndcg) / n - whole.ndcg) <= 1e-12);
  CHECK(std::fabs((na * a.precision + nb * b.precision) / n - whole.precision) <= 1e-12);
  CHECK(std::fabs((na * a.map + nb * b.map) / n - whole.map) <= 1e-12);
  CHECK(std::fabs((na * a.hit_rate + nb * b.hit_rate) / n - whole.hit_rate) <= 1e-12);
}

}  // namespace

TEST_CASE("evaluate_model over two user halves combines to the whole (recommended items, weighted averages)",
          "[metrics][distributed]") {
  const SplitFixture fx;
  std::vector<std::uint8_t> whole_rec, rec_a, rec_b;
  const RankingMetrics whole = evaluate_model(fx.x, fx.y, fx.train, fx.test, 5, 1, &whole_rec);
  const RankingMetrics a =
      evaluate_model(fx.x, fx.y, test::keep_rows(fx.train, 0, 25), test::keep_rows(fx.test, 0, 25), 5, 1, &rec_a);
  const RankingMetrics b =
      evaluate_model(fx.x, fx.y, test::keep_rows(fx.train, 25, 60), test::keep_rows(fx.test, 25, 60), 5, 1, &rec_b);
  REQUIRE(whole.users > 40);
  // The halves recommend different item sets (else the union test would be trivial), and neither covers all.
  CHECK(rec_a != rec_b);
  CHECK(whole.coverage < 1.0);
  check_combined(whole, whole_rec, a, rec_a, b, rec_b, SplitFixture::ni);
  // The out-parameter is replaced, not added to; an evaluation with no users leaves it all zeros.
  std::vector<std::uint8_t> reused(3, 1);
  evaluate_model(fx.x, fx.y, test::keep_rows(fx.train, 0, 0), fx.test, 5, 1, &reused);
  CHECK(reused == std::vector<std::uint8_t>(SplitFixture::ni, 0));
  // Without the out-parameter, the same metrics.
  const RankingMetrics plain = evaluate_model(fx.x, fx.y, fx.train, fx.test, 5, 1);
  CHECK(plain.recall == whole.recall);
  CHECK(plain.coverage == whole.coverage);
}

TEST_CASE("popularity with given item counts: equals the old baseline, and halves combine", "[metrics][distributed]") {
  const SplitFixture fx;
  std::vector<std::uint32_t> counts(SplitFixture::ni, 0);  // train interactions per item over all users
  for (std::uint32_t i : fx.train.indices) ++counts[i];
  const RankingMetrics old = evaluate_popularity(fx.train, fx.test, 4, 1);
  std::vector<std::uint8_t> whole_rec, rec_a, rec_b;
  const RankingMetrics given = evaluate_popularity(fx.train, fx.test, 4, counts, 1, &whole_rec);
  CHECK(given.users == old.users);
  CHECK(given.recall == old.recall);
  CHECK(given.precision == old.precision);
  CHECK(given.ndcg == old.ndcg);
  CHECK(given.map == old.map);
  CHECK(given.hit_rate == old.hit_rate);
  CHECK(given.auc == old.auc);
  CHECK(given.coverage == old.coverage);
  // Each half ranks by the global counts, not by its own rows' counts: together they are the whole.
  const RankingMetrics a =
      evaluate_popularity(test::keep_rows(fx.train, 0, 30), test::keep_rows(fx.test, 0, 30), 4, counts, 1, &rec_a);
  const RankingMetrics b =
      evaluate_popularity(test::keep_rows(fx.train, 30, 60), test::keep_rows(fx.test, 30, 60), 4, counts, 1, &rec_b);
  check_combined(given, whole_rec, a, rec_a, b, rec_b, SplitFixture::ni);
  // The tiny hand-worked case above, with its counts given (3, 1, 3, 0, 2): the same answer.
  const CsrMatrix train = csr(5, {{0, 2}, {0, 4}, {0, 1, 2}, {2, 4}});
  const CsrMatrix test = csr(5, {{4}, {1}, {3}, {0}});
  const RankingMetrics tiny = evaluate_popularity(train, test, 1, {3, 1, 3, 0, 2}, 1);
  CHECK(tiny.recall == Approx(0.5));
  CHECK(tiny.auc == Approx(0.625));
  CHECK(tiny.coverage == Approx(3.0 / 5.0));
  // Counts shorter than the item count: the missing items count 0 (no crash).
  const RankingMetrics short_counts = evaluate_popularity(train, test, 1, {3, 1}, 1);
  CHECK(short_counts.users == 4);
}

// The ranking pass against the definitions computed the slow way, on scores with many ties: the AUC counts each
// (positive, negative) pair (> 1, = ½) and the top-K is the first K candidates by (score desc, index asc). Users with
// up to 128 positives take the branch-free path, users with more the binary-search one.
TEST_CASE("evaluate_ranking: AUC and top-K equal their definitions with few and many positives", "[metrics]") {
  const std::uint32_t items = 300;
  std::vector<std::vector<std::uint32_t>> train_rows, test_rows;
  std::vector<std::vector<float>> scores;
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 33);
  };
  for (const std::uint32_t positives : {1u, 3u, 16u, 40u, 128u, 129u, 200u}) {
    std::vector<std::uint32_t> order(items);
    for (std::uint32_t i = 0; i < items; ++i) order[i] = i;
    for (std::uint32_t i = items - 1; i > 0; --i) std::swap(order[i], order[next() % (i + 1)]);
    train_rows.emplace_back(order.begin(), order.begin() + 30);
    test_rows.emplace_back(order.begin() + 30, order.begin() + 30 + positives);
    std::sort(train_rows.back().begin(), train_rows.back().end());
    std::sort(test_rows.back().begin(), test_rows.back().end());
    std::vector<float> s(items);
    for (float& x : s) x = static_cast<float>(next() % 25) / 8.0f;  // 25 levels: many ties
    scores.push_back(s);
  }
  const CsrMatrix train = csr(items, train_rows), test = csr(items, test_rows);
  const int k = 10;
  const RankingMetrics m = evaluate_ranking(
      train, test, k, [&](std::uint32_t u, float* s) { std::copy(scores[u].begin(), scores[u].end(), s); }, 2);
  REQUIRE(m.users == scores.size());

  double auc = 0, recall = 0;
  for (std::size_t u = 0; u < scores.size(); ++u) {
    const std::set<std::uint32_t> seen(train_rows[u].begin(), train_rows[u].end());
    const std::set<std::uint32_t> held(test_rows[u].begin(), test_rows[u].end());
    double pairs = 0, wins = 0;
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t i = 0; i < items; ++i) {
      if (seen.count(i)) continue;
      candidates.push_back(i);
      if (held.count(i)) continue;
      for (std::uint32_t p : held) {
        pairs += 1;
        wins += scores[u][p] > scores[u][i] ? 1.0 : scores[u][p] == scores[u][i] ? 0.5 : 0.0;
      }
    }
    auc += wins / pairs;
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return scores[u][a] > scores[u][b]; });
    double hits = 0;
    for (int r = 0; r < k; ++r) hits += held.count(candidates[static_cast<std::size_t>(r)]);
    recall += hits / static_cast<double>(held.size());  // Recall@K = hits / |T_u| (metrics.h)
  }
  CHECK(m.auc == Approx(auc / static_cast<double>(scores.size())).epsilon(1e-12));
  CHECK(m.recall == Approx(recall / static_cast<double>(scores.size())).epsilon(1e-12));
}

// ---- large catalogues: item tiles, and popularity's static ranking

namespace {

// users × items with a deterministic pattern: each user has `train_per_user` train items and `test_per_user` test
// items spread over the whole catalogue (with a repeated test item and a test item also in train), scores on a coarse
// grid (multiples of 1/8, exact in float for any summation order) so ties cross tile boundaries.
struct WideFixture {
  std::uint32_t nu, ni, f = 3;
  Factors x, y;
  CsrMatrix train, test;
  WideFixture(std::uint32_t users, std::uint32_t items, std::uint32_t train_per_user, std::uint32_t test_per_user)
      : nu(users), ni(items), x(users, 3), y(items, 3) {
    for (std::uint32_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>((i * 7 + 3) % 5) - 2.0f;
    for (std::uint32_t i = 0; i < y.data.size(); ++i) y.data[i] = static_cast<float>((i * 5 + 1) % 9) / 8.0f;
    std::vector<std::vector<std::uint32_t>> tr(nu), te(nu);
    std::uint64_t state = 99;
    auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<std::uint32_t>(state >> 33) % ni;
    };
    for (std::uint32_t u = 0; u < nu; ++u) {
      const std::uint32_t n_train = u % 7 == 0 ? train_per_user * 20 : train_per_user;  // some heavy users
      for (std::uint32_t j = 0; j < n_train; ++j) tr[u].push_back(next());
      for (std::uint32_t j = 0; j < test_per_user + u % 19; ++j) te[u].push_back(next());
      if (!te[u].empty()) te[u].push_back(te[u].front());  // a repeated test item
      te[u].push_back(tr[u].front());                      // a test item also in train: not a positive
      std::sort(tr[u].begin(), tr[u].end());
      std::sort(te[u].begin(), te[u].end());
    }
    train = csr(ni, tr);
    test = csr(ni, te);
  }
};

void check_same(const RankingMetrics& a, const RankingMetrics& b) {
  REQUIRE(a.users == b.users);
  CHECK(a.recall == b.recall);
  CHECK(a.precision == b.precision);
  CHECK(a.ndcg == b.ndcg);
  CHECK(a.map == b.map);
  CHECK(a.hit_rate == b.hit_rate);
  CHECK(a.auc == b.auc);
  CHECK(a.coverage == b.coverage);
}

}  // namespace

// Above 2048 items evaluate_model scores in item tiles and scores the positives on their own for the AUC; on scores
// that are exact in float it must equal the one-tile ranking of the same dot products, bit for bit (ties included:
// an equal score in a later tile never displaces an earlier one).
TEST_CASE("evaluate_model in item tiles equals the whole-row ranking", "[metrics]") {
  const WideFixture fx(300, 20011, 12, 3);  // 10 tiles of 2002 (the last 1993), one block of 300 users
  const auto dot = [&](std::uint32_t u, float* s) {
    for (std::uint32_t i = 0; i < fx.ni; ++i) {
      float acc = 0;
      for (std::uint32_t c = 0; c < fx.f; ++c) acc += fx.x.row(u)[c] * fx.y.row(i)[c];
      s[i] = acc;
    }
  };
  std::vector<std::uint8_t> rec_tiled, rec_whole;
  const RankingMetrics tiled = evaluate_model(fx.x, fx.y, fx.train, fx.test, 10, 2, &rec_tiled);
  const RankingMetrics whole = evaluate_ranking(fx.train, fx.test, 10, dot, 2, &rec_whole);
  CHECK(whole.users == 300);
  CHECK(whole.recall > 0.0);
  CHECK(whole.auc > 0.3);
  check_same(tiled, whole);
  CHECK(rec_tiled == rec_whole);
}

// Popularity ranks by one score vector through a global order and sorted counts; it must equal the generic ranking
// of the same scores, bit for bit, on counts with many ties, heavy users and repeated or train-shadowed test items.
TEST_CASE("popularity's static ranking equals the generic ranking of the same scores", "[metrics]") {
  for (const std::uint32_t items : {97u, 9000u}) {
    const WideFixture fx(120, items, 9, 4);
    std::vector<std::uint32_t> counts(items, 0);
    for (std::uint32_t i : fx.train.indices) ++counts[i];
    for (std::uint32_t i = 0; i < items; i += 3) counts[i] /= 2;  // more ties, and counts unlike the train's
    const auto same_scores = [&](std::uint32_t, float* s) {
      for (std::uint32_t i = 0; i < items; ++i) s[i] = static_cast<float>(counts[i]);
    };
    for (const int k : {1, 10, 50}) {
      std::vector<std::uint8_t> rec_static, rec_generic;
      const RankingMetrics fast = evaluate_popularity(fx.train, fx.test, k, counts, 1, &rec_static);
      const RankingMetrics generic = evaluate_ranking(fx.train, fx.test, k, same_scores, 1, &rec_generic);
      CHECK(generic.users == 120);
      CHECK(generic.auc > 0.0);
      check_same(fast, generic);
      CHECK(rec_static == rec_generic);
    }
  }
}

// The page's worker evaluates a slice of users at a time: however the steps are cut, the result is evaluate_model's,
// to the bit, and the progress counts whole blocks.
TEST_CASE("ModelEvaluation in steps equals evaluate_model", "[metrics]") {
  for (const std::uint32_t items : {500u, 20011u}) {
    const WideFixture fx(2500, items, 12, 3);  // 3 blocks: 1024, 1024 and 452 users
    for (const int threads : {1, 2}) {
      std::vector<std::uint8_t> rec_whole;
      const RankingMetrics whole = evaluate_model(fx.x, fx.y, fx.train, fx.test, 10, threads, &rec_whole);
      REQUIRE(whole.users == 2500);
      CHECK(whole.recall > 0.0);
      for (const std::size_t slice : {std::size_t{1}, std::size_t{100}, std::size_t{1000}}) {
        ModelEvaluation e(fx.x, fx.y, fx.train, fx.test, 10, threads);
        CHECK(e.users() == 2500);
        CHECK(e.users_done() == 0);
        int steps = 0;
        std::size_t before = 0;
        while (!e.done()) {
          e.step(slice);
          ++steps;
          CHECK(e.users_done() > before);  // every step ranks at least one block
          before = e.users_done();
        }
        CHECK(e.users_done() == 2500);
        // Each slice (1, 100 or 1000 users) ranks one whole block of 1024 users: 3 steps.
        CHECK(steps == 3);
        std::vector<std::uint8_t> rec_steps;
        check_same(e.result(&rec_steps), whole);
        CHECK(rec_steps == rec_whole);
      }
      // result() without steps ranks everything itself.
      ModelEvaluation lazy(fx.x, fx.y, fx.train, fx.test, 10, threads);
      lazy.step(1);
      check_same(lazy.result(), whole);
    }
  }
}

// Every user of every block is ranked: a model that scores each user's test item alone at 1 (one-hot factors) has
// Recall@10 and NDCG@10 exactly 1 over 2,500 users, in 3 blocks of ≤ 1024, at once or in slices.
TEST_CASE("evaluate_model ranks the users of every block, the last one included", "[metrics]") {
  const std::uint32_t users = 2500, items = 64;
  Factors x(users, items), y(items, items);
  std::vector<std::vector<std::uint32_t>> tr(users), te(users);
  for (std::uint32_t i = 0; i < items; ++i) y.row(i)[i] = 1.0f;
  for (std::uint32_t u = 0; u < users; ++u) {
    x.row(u)[u % items] = 1.0f;
    te[u] = {u % items};
    tr[u] = {(u + 1) % items};
  }
  const CsrMatrix train = csr(items, tr), test = csr(items, te);
  for (const int threads : {1, 2}) {
    const RankingMetrics m = evaluate_model(x, y, train, test, 10, threads);
    CHECK(m.users == users);
    CHECK(m.recall == 1.0);
    CHECK(m.ndcg == 1.0);
    CHECK(m.hit_rate == 1.0);
    ModelEvaluation e(x, y, train, test, 10, threads);
    for (const std::size_t slice : {std::size_t{1000}, std::size_t{1}}) e.step(slice);  // 2 of the 3 blocks
    CHECK_FALSE(e.done());
    const RankingMetrics stepped = e.result();
    CHECK(e.done());
    CHECK(stepped.recall == 1.0);
    CHECK(stepped.ndcg == 1.0);
  }
}
