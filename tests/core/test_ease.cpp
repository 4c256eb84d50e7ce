// EASE (Steck 2019): Gram matrix, closed form against a double-precision reference, the zero diagonal, scoring,
// memory refusal and λ selection.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cmath>

#include "alsrec/ease.h"
#include "fixtures.h"

using namespace alsrec;

namespace {

// 4 users × 3 items: u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {0}.
CsrMatrix hand_matrix() {
  return csr_from_triplets(4, 3, {0, 0, 1, 1, 1, 2, 2, 3}, {0, 1, 0, 1, 2, 1, 2, 0}, {5, 3, 1, 2, 4, 4, 4, 2});
}

}  // namespace

TEST_CASE("EASE Gram matrix: co-occurrence counts (binary) or value products", "[ease]") {
  const CsrMatrix x = hand_matrix();
  const std::vector<float> g = ease_gramian(x, true, 2);
  // item 0: users 0,1,3; item 1: users 0,1,2; item 2: users 1,2.
  const std::vector<float> expected = {3, 2, 1,  //
                                       2, 3, 2,  //
                                       1, 2, 2};
  CHECK(g == expected);
  const std::vector<float> gv = ease_gramian(x, false, 1);
  // G01 = 5·3 (u0) + 1·2 (u1) = 17; G22 = 4² + 4² = 32.
  CHECK(gv[1] == 17.0f);
  CHECK(gv[3] == 17.0f);
  CHECK(gv[8] == 32.0f);
}

TEST_CASE("EASE closed form equals the double-precision formula, diagonal zero", "[ease]") {
  const CsrMatrix x = test::lcg_matrix(7, 60, 25, [](std::uint32_t, std::uint32_t) { return 30; });
  EaseOptions o;
  o.lambda = 5.0;
  o.threads = 2;
  auto model = fit_ease(x, o);
  REQUIRE(model.is_ok());
  // Reference: P = (XᵀX + λI)⁻¹ in double, B = I − P·diag(1/diag P).
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(x.rows, x.cols);
  for (std::uint32_t u = 0; u < x.rows; ++u)
    for (std::uint64_t p = x.indptr[u]; p < x.indptr[u + 1]; ++p) dense(u, x.indices[p]) = 1.0;
  Eigen::MatrixXd a = dense.transpose() * dense;
  a.diagonal().array() += o.lambda;
  const Eigen::MatrixXd p = a.inverse();
  double worst = 0;
  for (std::uint32_t i = 0; i < x.cols; ++i)
    for (std::uint32_t j = 0; j < x.cols; ++j) {
      const double expected = i == j ? 0.0 : -p(i, j) / p(j, j);
      worst = std::max(worst, std::abs(expected - model->row(i)[j]));
    }
  CHECK(worst < 1e-5);
  for (std::uint32_t i = 0; i < x.cols; ++i) CHECK(model->row(i)[i] == 0.0f);
  // Threads cannot change a bit.
  o.threads = 1;
  auto one = fit_ease(x, o);
  REQUIRE(one.is_ok());
  CHECK(one->weights == model->weights);
}

TEST_CASE("EASE scores a user as the sum of the rows of the items they have", "[ease]") {
  const CsrMatrix x = hand_matrix();
  EaseOptions o;
  o.lambda = 1.0;
  auto model = fit_ease(x, o);
  REQUIRE(model.is_ok());
  std::vector<float> s(3);
  model->score(x, 0, s.data());  // u0 has items 0 and 1
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(s[i] == Approx(model->row(0)[i] + model->row(1)[i]));
  // Co-occurrence drives it: item 2 is seen with item 1 twice and with item 0 once, so u3 (item 0) scores item 1
  // above item 2.
  model->score(x, 3, s.data());
  CHECK(s[1] > s[2]);
}

TEST_CASE("EASE refuses a catalogue too large for the memory allowed, naming the numbers", "[ease]") {
  CHECK(ease_memory_bytes(1000) == 2ull * 1000 * 1000 * 4);
  const Status s = check_ease_fits(100000, 1ull << 30);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("100000 items need 76294 MiB") != std::string::npos);
  CHECK(s.message().find("1024 MiB") != std::string::npos);
  CHECK(check_ease_fits(1000, 1ull << 30).is_ok());
  EaseOptions o;
  o.lambda = -1;
  CHECK(fit_ease(hand_matrix(), o).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("EASE lambda selection: picks the best NDCG among the lambdas it tried", "[ease]") {
  const CsrMatrix fit = test::lcg_matrix(3, 200, 40, [](std::uint32_t u, std::uint32_t i) { return (u % 4 == i % 4) ? 60 : 5; });
  const CsrMatrix validation = test::lcg_matrix(4, 200, 40, [](std::uint32_t u, std::uint32_t i) { return (u % 4 == i % 4) ? 15 : 1; });
  EaseOptions o;
  auto sel = select_ease_lambda(fit, validation, o, 5, 6);
  REQUIRE(sel.is_ok());
  REQUIRE(sel->trials.size() >= 3);
  CHECK(sel->trials.size() <= 6);
  double best = -1;
  for (const EaseTrial& t : sel->trials) best = std::max(best, t.metrics.ndcg);
  CHECK(sel->trials[sel->best].metrics.ndcg == best);
  CHECK(sel->model.lambda == sel->trials[sel->best].lambda);
}
