// The iALS++ subspace solver (solver_subspace.cpp): one sweep of exact block minimisations per row. Checked against
// an independent double-precision sweep (block size 1 = coordinate descent, a short last block, block size = k = the
// exact solve), against Cholesky's objective in every confidence mode, and for the trainer's guarantees (the loss
// never increases; 1 and 2 threads give the same bits).
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/model_options.h"
#include "alsrec/model_io.h"
#include "fixtures.h"

using namespace alsrec;
using alsrec::test::max_abs_diff;

namespace {

// 40 users × 30 items, ~20% dense, values 1..5.
CsrMatrix sample() {
  return test::lcg_matrix(77, 40, 30,
                          [](std::uint32_t u, std::uint32_t i) { return static_cast<int>(12 + (u + i) % 17); });
}

AlsOptions base_options(ConfidenceMode mode) {
  AlsOptions o;
  o.factors = 5;
  o.iterations = 3;
  o.threads = 1;
  o.confidence = mode;
  o.values = ValueTransform::kRaw;
  o.alpha = 0.5f;  // implicit: a = 0.5·v − 1 is negative for v = 1 (the solver's second sign) and 0 for v = 2 (an
                   // unweighted pair among weighted ones: it enters r, they enter through their residuals)
  o.unobserved_weight = 0.4f;
  o.regularization = 0.05f;
  return o;
}

std::unique_ptr<AlsTrainer> trained(const CsrMatrix& m, const AlsOptions& o) {
  auto t = AlsTrainer::create(m, o);
  INFO(t.status().to_string());
  REQUIRE(t.is_ok());
  REQUIRE((*t)->fit().is_ok());
  return std::move(*t);
}

// The pair weights of als.h, written out independently: (a, b) per value and the unobserved weight w₀.
struct Weights {
  double a, b;
};
Weights weights(const AlsOptions& o, double v) {
  switch (o.confidence) {
    case ConfidenceMode::kImplicit: return {o.alpha * v - 1, o.alpha * v};
    case ConfidenceMode::kHu: return {o.alpha * v, 1 + o.alpha * v};
    case ConfidenceMode::kLog: {
      const double c = 1 + o.alpha * std::log1p(v / o.epsilon);
      return {c - 1, c};
    }
    case ConfidenceMode::kIals: return {o.alpha * v, o.alpha * v};
    case ConfidenceMode::kExplicit: return {1, v};
  }
  return {0, 0};
}
double unobserved(const AlsOptions& o) {
  if (o.confidence == ConfidenceMode::kIals) return o.unobserved_weight;
  return o.confidence == ConfidenceMode::kExplicit ? 0 : 1;
}

// One user's half-step by the definition, in double: from x0, for each block π = [j, j + b) in order,
// x_π ← x_π − A_ππ⁻¹ (A x − r)_π  with  A = w₀YᵀY + Σ a y yᵀ + λI,  r = Σ b y.
Eigen::VectorXd block_sweep(const CsrMatrix& m, std::uint32_t u, const Factors& y, const AlsOptions& o,
                            const float* x0, int block) {
  const int k = static_cast<int>(y.cols);
  Eigen::MatrixXd ym(y.rows, k);
  for (std::uint32_t i = 0; i < y.rows; ++i)
    for (int c = 0; c < k; ++c) ym(i, c) = y.row(i)[c];
  Eigen::MatrixXd a = unobserved(o) * ym.transpose() * ym + o.regularization * Eigen::MatrixXd::Identity(k, k);
  Eigen::VectorXd r = Eigen::VectorXd::Zero(k);
  for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
    const Weights w = weights(o, m.data[e]);
    const Eigen::VectorXd yi = ym.row(m.indices[e]).transpose();
    a += w.a * yi * yi.transpose();
    r += w.b * yi;
  }
  Eigen::VectorXd x(k);
  for (int c = 0; c < k; ++c) x[c] = x0[c];
  if (m.row_size(u) == 0) return Eigen::VectorXd::Zero(k);
  for (int j = 0; j < k; j += block) {
    const int n = std::min(block, k - j);
    const Eigen::VectorXd g = (a * x - r).segment(j, n);
    x.segment(j, n) -= a.block(j, j, n, n).llt().solve(g);
  }
  return x;
}


}  // namespace

TEST_CASE("subspace: block size 1, a short last block and block size k are the sweeps they define", "[subspace]") {
  const CsrMatrix m = sample();
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kIals, ConfidenceMode::kExplicit}) {
    for (int block : {1, 2, 5, 64}) {  // k = 5: blocks of 2 leave a last block of 1; 64 is capped at k (exact)
      AlsOptions o = base_options(mode);
      o.solver = SolverKind::kSubspace;
      o.block_size = block;
      auto t = trained(m, o);
      const Factors x0 = t->user_factors();
      REQUIRE(t->resolve_users().is_ok());
      double worst = 0;
      for (std::uint32_t u = 0; u < m.rows; ++u) {
        const Eigen::VectorXd want = block_sweep(m, u, t->item_factors(), o, x0.row(u), std::min(block, 5));
        for (int c = 0; c < 5; ++c) worst = std::max(worst, std::fabs(want[c] - t->user_factors().row(u)[c]));
      }
      INFO("mode " << confidence_mode_name(mode) << ", block size " << block);
      CHECK(worst < 1e-4);  // float against double: measured ≤ 3e-5 (explicit); block sizes differ by ~1e-1
    }
  }
}

TEST_CASE("pair weights: one per value, a one-byte code or a and b per pair, the half-step is the same", "[subspace]") {
  // The trainer keeps one weight for binary values, a code per pair for ≤ 256 distinct weights (values 1..5 here)
  // and a, b per pair beyond (values 1 + e/1000: a few thousand distinct): each must decode to the weights of als.h.
  CsrMatrix coded = sample(), per_pair = sample();
  for (std::size_t e = 0; e < per_pair.data.size(); ++e) per_pair.data[e] = 1.0f + static_cast<float>(e) / 1000.0f;
  for (auto mode : {ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kExplicit}) {
    for (const CsrMatrix* m : {&coded, &per_pair}) {
      for (ValueTransform values : {ValueTransform::kRaw, ValueTransform::kBinary}) {
        AlsOptions o = base_options(mode);
        o.values = values;
        o.solver = SolverKind::kCholesky;
        auto t = trained(*m, o);
        const Factors x0 = t->user_factors();
        REQUIRE(t->resolve_users().is_ok());
        CsrMatrix as_given = *m;
        if (values == ValueTransform::kBinary) std::fill(as_given.data.begin(), as_given.data.end(), 1.0f);
        double worst = 0;
        for (std::uint32_t u = 0; u < m->rows; ++u) {
          const Eigen::VectorXd want = block_sweep(as_given, u, t->item_factors(), o, x0.row(u), 5);
          for (int c = 0; c < 5; ++c) worst = std::max(worst, std::fabs(want[c] - t->user_factors().row(u)[c]));
        }
        INFO("mode " << confidence_mode_name(mode) << (m == &coded ? ", values 1..5" : ", values 1 + e/1000")
                     << ", " << value_transform_name(values));
        CHECK(worst < 1e-4);  // float against double: measured ≤ 2.5e-5 (explicit, wasm); a wrong weight moves ~1e-1
      }
    }
  }
}

TEST_CASE("subspace with block size ≥ k equals the Cholesky solver", "[subspace]") {
  const CsrMatrix m = sample();
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                    ConfidenceMode::kExplicit}) {
    AlsOptions o = base_options(mode);
    o.regularization = 0.5f;  // well conditioned: float rounding of the two orders of work stays far below 1e-4
    o.solver = SolverKind::kCholesky;
    const auto exact = trained(m, o);
    o.solver = SolverKind::kSubspace;
    o.block_size = 5;
    const auto subspace = trained(m, o);
    INFO("mode " << confidence_mode_name(mode));
    CHECK(max_abs_diff(exact->user_factors(), subspace->user_factors()) < 1e-4);
    CHECK(max_abs_diff(exact->item_factors(), subspace->item_factors()) < 1e-4);
    // And smaller blocks are a different (inexact) half-step, so the comparison above can fail.
    o.block_size = 1;
    const auto coordinate = trained(m, o);
    CHECK(max_abs_diff(exact->user_factors(), coordinate->user_factors()) > 1e-3);
  }
}

TEST_CASE("subspace reaches Cholesky's objective, and its loss never increases", "[subspace]") {
  // Every block step minimises the objective exactly over its coordinates, so the loss cannot grow (up to float
  // rounding); with enough iterations it settles where the exact solver's does. (ALS is not convex: with weak
  // regularization (0.05) the two solvers' paths can end in different minima, 0.2858 against 0.2878 for implicit;
  // at 0.5 both reach the same one.)
  const CsrMatrix m = sample();
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                    ConfidenceMode::kExplicit}) {
    for (ValueTransform values : {ValueTransform::kRaw, ValueTransform::kBinary}) {
      AlsOptions o = base_options(mode);
      o.factors = 6;
      o.iterations = 400;  // ALS on raw ratings converges slowly: explicit is within 3e-4 of its limit only here
      o.regularization = 0.5f;
      o.values = values;
      o.solver = SolverKind::kCholesky;
      const auto exact = trained(m, o);
      o.solver = SolverKind::kSubspace;
      o.block_size = 2;
      auto t = AlsTrainer::create(m, o);
      REQUIRE(t.is_ok());
      std::vector<double> losses;
      REQUIRE((*t)->fit([&](const TrainProgress& p) {
                    losses.push_back(p.loss);
                    return true;
                  }).is_ok());
      INFO("mode " << confidence_mode_name(mode) << ", values " << value_transform_name(values));
      for (std::size_t j = 1; j < losses.size(); ++j) CHECK(losses[j] <= losses[j - 1] * (1 + 1e-6));
      CHECK(losses.back() == Approx(exact->last_loss()).epsilon(1e-3));
    }
  }
}

#ifdef ALSREC_HAVE_THREADS
TEST_CASE("subspace: 1 and 2 threads give bit-identical factors", "[subspace]") {
  const CsrMatrix m = test::lcg_matrix(5, 300, 200, [](std::uint32_t, std::uint32_t) { return 6; });
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kIals}) {
    AlsOptions o = recommended_options();
    o.confidence = mode;
    o.factors = 24;
    o.iterations = 3;
    o.solver = SolverKind::kSubspace;
    o.block_size = 8;
    o.threads = 1;
    const auto one = trained(m, o);
    o.threads = 2;
    const auto two = trained(m, o);
    INFO("mode " << confidence_mode_name(mode));
    const Factors& x = one->user_factors();
    CHECK(std::memcmp(x.data.data(), two->user_factors().data.data(), x.data.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(one->item_factors().data.data(), two->item_factors().data.data(),
                      one->item_factors().data.size() * sizeof(float)) == 0);
    CHECK(one->last_loss() == two->last_loss());
  }
}
#endif

TEST_CASE("subspace: options parse, validate and survive a model file", "[subspace]") {
  CHECK(*parse_solver("subspace") == SolverKind::kSubspace);
  CHECK(std::string(solver_name(SolverKind::kSubspace)) == "subspace");
  CHECK(parse_solver("ials++").status().message() == "unknown solver 'ials++' (expected cg, cholesky, subspace or woodbury)");
  AlsOptions o;
  o.block_size = 0;
  CHECK(o.validate().message() == "block size must be 1..1024, got 0");
  o.block_size = 1025;
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);

  // "auto": subspace from 256 factors when no pair is weighted, from 1024 with weighted pairs, and below that CG,
  // Woodbury from 256 to 511 (bench/README.md, "Solver choice", "Block products").
  AlsOptions implicit;  // `implicit`'s model: binary values, confidence alpha·1 = 1 = w₀, so a = 0 for every pair
  implicit.factors = 128;
  CHECK(default_solver(implicit) == SolverKind::kConjugateGradient);
  implicit.factors = 256;
  CHECK(default_solver(implicit) == SolverKind::kSubspace);
  CHECK(*parse_solver("auto", implicit) == SolverKind::kSubspace);
  CHECK(*parse_solver("cholesky", implicit) == SolverKind::kCholesky);
  CHECK(parse_solver("fast", implicit).status().message() ==
        "unknown solver 'fast' (expected auto, cg, cholesky, subspace or woodbury)");
  implicit.alpha = 2;  // c = 2 ≠ w₀: every pair weighted
  CHECK(default_solver(implicit) == SolverKind::kWoodbury);
  implicit.factors = 512;
  CHECK(default_solver(implicit) == SolverKind::kConjugateGradient);
  AlsOptions ials = recommended_options();
  ials.factors = 128;
  CHECK(default_solver(ials) == SolverKind::kConjugateGradient);
  ials.factors = 256;
  CHECK(default_solver(ials) == SolverKind::kWoodbury);
  ials.factors = 511;
  CHECK(default_solver(ials) == SolverKind::kWoodbury);
  ials.factors = 1023;
  CHECK(default_solver(ials) == SolverKind::kConjugateGradient);
  ials.factors = 1024;
  CHECK(default_solver(ials) == SolverKind::kSubspace);

  AlsModel model;
  model.options.solver = SolverKind::kSubspace;
  model.user_ids = {"u"};
  model.item_ids = {"i"};
  model.user_factors = Factors(1, model.options.factors);
  model.item_factors = Factors(1, model.options.factors);
  const std::vector<std::uint8_t> bytes = serialize_model(model);
  auto back = deserialize_model(bytes.data(), bytes.size(), "subspace.alsr");
  REQUIRE(back.is_ok());
  CHECK(back->options.solver == SolverKind::kSubspace);
}
