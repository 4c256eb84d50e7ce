// The Woodbury solver (solver_woodbury.cpp): short rows solved exactly in the eigenbasis of w₀G, the others by
// preconditioned CG there. Checked against the exact solve written out in double, for its guarantees (1 and 2
// threads, one process and 2 "ranks" give the same bits), and for falling back to CG bit for bit where its rotation
// does not pay.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/als_shard.h"
#include "alsrec/model_options.h"
#include "fixtures.h"

using namespace alsrec;
using alsrec::test::max_abs_diff;

namespace {

// 5000 users × 64 items: 6 distinct items per user (all short at 256 factors), values 1..5 from an LCG. Enough
// short rows for the rotation to pay at 256 factors (woodbury_pays), few enough items to keep the check cheap.
CsrMatrix short_rows() {
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  std::uint64_t s = 2024;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 33;
  };
  for (std::uint32_t u = 0; u < 5000; ++u) {
    const std::uint32_t first = static_cast<std::uint32_t>(next() % 64), step = 1 + static_cast<std::uint32_t>(next() % 9);
    for (std::uint32_t e = 0; e < 6; ++e)
      r.push_back(u), c.push_back((first + e * step) % 64), v.push_back(static_cast<float>(1 + next() % 5));
  }
  return csr_from_triplets(5000, 64, r, c, v);
}

AlsOptions options(SolverKind solver) {
  AlsOptions o = recommended_options();  // iALS with raw values: every pair weighted (a = α·v)
  o.values = ValueTransform::kRaw;
  o.factors = 256;
  o.iterations = 1;
  o.reg_exponent = 0;  // λ_u = λ for the reference below
  o.regularization = 0.05f;
  o.unobserved_weight = 0.3f;
  o.threads = 1;
  o.solver = solver;
  return o;
}

std::unique_ptr<AlsTrainer> make(const CsrMatrix& m, const AlsOptions& o) {
  auto t = AlsTrainer::create(m, o);
  INFO(t.status().to_string());
  REQUIRE(t.is_ok());
  return std::move(*t);
}

}  // namespace

TEST_CASE("woodbury: a short row's solution is the exact one", "[woodbury]") {
  const CsrMatrix m = short_rows();
  const AlsOptions o = options(SolverKind::kWoodbury);
  const Factors y0 = make(m, o)->item_factors();  // the items the first user half-step solves against
  auto t = make(m, o);
  REQUIRE(t->fit().is_ok());
  const Factors& x = t->user_factors();

  const int k = o.factors;
  Eigen::MatrixXd y(y0.rows, k);
  for (std::uint32_t i = 0; i < y0.rows; ++i)
    for (int c = 0; c < k; ++c) y(i, c) = y0.row(i)[c];
  const Eigen::MatrixXd gramian = o.unobserved_weight * y.transpose() * y;  // rank ≤ 64 < k: λ carries the rest
  double worst = 0, scale = 0;
  for (std::uint32_t u = 0; u < m.rows; u += 97) {  // A = w₀YᵀY + Σ α v y yᵀ + λI,  b = Σ α v y
    Eigen::MatrixXd a = gramian + o.regularization * Eigen::MatrixXd::Identity(k, k);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
    for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
      const Eigen::VectorXd yi = y.row(m.indices[e]).transpose();
      a += o.alpha * m.data[e] * yi * yi.transpose();
      b += o.alpha * m.data[e] * yi;
    }
    const Eigen::VectorXd exact = a.llt().solve(b);
    for (int c = 0; c < k; ++c) {
      worst = std::max(worst, std::abs(exact[c] - x.row(u)[c]));
      scale = std::max(scale, std::abs(exact[c]));
    }
  }
  INFO("largest difference " << worst << " for entries up to " << scale);
  CHECK(scale > 0.01);
  CHECK(worst < 2e-4 * scale);

  // CG's three steps from the warm start stop short of it: the exact path is not CG's answer.
  auto cg = make(m, options(SolverKind::kConjugateGradient));
  REQUIRE(cg->fit().is_ok());
  CHECK(max_abs_diff(cg->user_factors(), x) > 100 * worst);
}

TEST_CASE("woodbury: 1 and 2 threads, and 1 and 2 ranks, give the same bits", "[woodbury][distributed]") {
  const CsrMatrix m = short_rows();
  AlsOptions o = options(SolverKind::kWoodbury);
  auto one = make(m, o);
  REQUIRE(one->fit().is_ok());
  o.threads = 2;
  auto two = make(m, o);
  REQUIRE(two->fit().is_ok());
  CHECK(max_abs_diff(one->user_factors(), two->user_factors()) == 0.0);
  CHECK(max_abs_diff(one->item_factors(), two->item_factors()) == 0.0);

  // Two "ranks" of a distributed run (test_distributed_steps.cpp's protocol, block Gramians in step()'s order):
  // each solves its own users, with its own work chunks, against the same rotated items.
  o.threads = 1;
  std::vector<std::unique_ptr<AlsTrainer>> ranks;
  for (int r = 0; r < 2; ++r) ranks.push_back(make(m, o));
  const auto ub = shard::partition_rows(*ranks[0], shard::Side::kUsers, 2);
  const std::uint32_t blocks = shard::gramian_blocks(*ranks[0], shard::Side::kItems);
  std::vector<float> g(static_cast<std::size_t>(o.factors) * o.factors), all(blocks * g.size());
  REQUIRE(shard::block_gramians(*ranks[0], shard::Side::kItems, 0, blocks, all.data()).is_ok());
  for (std::uint32_t b = 0; b < blocks; ++b)
    for (std::size_t j = 0; j < g.size(); ++j) g[j] = b == 0 ? all[j] : g[j] + all[b * g.size() + j];
  for (int r = 0; r < 2; ++r) REQUIRE(shard::solve_rows(*ranks[r], shard::Side::kUsers, ub[r], ub[r + 1], g.data()).is_ok());
  double worst = 0;
  for (int r = 0; r < 2; ++r)
    for (std::uint32_t u = ub[r]; u < ub[r + 1]; ++u)
      for (int c = 0; c < o.factors; ++c)
        worst = std::max(worst, double(std::abs(ranks[r]->user_factors().row(u)[c] - one->user_factors().row(u)[c])));
  CHECK(worst == 0.0);
}

TEST_CASE("woodbury: where the rotation does not pay, CG bit for bit; a search keeps CG's family",
          "[woodbury]") {
  const CsrMatrix m = short_rows();
  for (int factors : {16, 128}) {  // below kWoodburyFrom: never rotates
    AlsOptions o = options(SolverKind::kWoodbury);
    o.factors = factors;
    o.iterations = 2;
    auto w = make(m, o);
    REQUIRE(w->fit().is_ok());
    o.solver = SolverKind::kConjugateGradient;
    auto cg = make(m, o);
    REQUIRE(cg->fit().is_ok());
    INFO(factors << " factors");
    CHECK(max_abs_diff(w->user_factors(), cg->user_factors()) == 0.0);
    CHECK(max_abs_diff(w->item_factors(), cg->item_factors()) == 0.0);
  }

  // (default_solver's choices: test_subspace.cpp.) A search that changes d (the probe's 256, --auto's doubling) stays in CG's family, never moves to subspace.
  CHECK(searched_solver(256, SolverKind::kConjugateGradient) == SolverKind::kWoodbury);
  CHECK(searched_solver(1024, SolverKind::kConjugateGradient) == SolverKind::kConjugateGradient);
  CHECK(searched_solver(512, SolverKind::kWoodbury) == SolverKind::kConjugateGradient);
  CHECK(searched_solver(128, SolverKind::kWoodbury) == SolverKind::kConjugateGradient);
  CHECK(searched_solver(64, SolverKind::kConjugateGradient) == SolverKind::kConjugateGradient);
  CHECK(searched_solver(128, SolverKind::kSubspace) == SolverKind::kSubspace);
  CHECK(searched_solver(512, SolverKind::kCholesky) == SolverKind::kCholesky);
  CHECK(*parse_solver("woodbury") == SolverKind::kWoodbury);
  CHECK(std::string(solver_name(SolverKind::kWoodbury)) == "woodbury");
}
