#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "fixtures.h"
#include "alsrec/als.h"
#include "alsrec/model_fit.h"

using namespace alsrec;
using alsrec::test::max_abs_diff;
using alsrec::test::checkerboard;

namespace {

// A deterministic sparse matrix with raw values 1..5 (a small LCG, so no dependence on <random>'s distributions).
CsrMatrix random_matrix(std::uint32_t users, std::uint32_t items, double density, std::uint32_t seed) {
  std::uint64_t s = seed * 2654435761u + 1;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  };
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  for (std::uint32_t u = 0; u < users; ++u)
    for (std::uint32_t i = 0; i < items; ++i)
      if (next() < density) r.push_back(u), c.push_back(i), v.push_back(static_cast<float>(1 + (s >> 60) % 5));
  return csr_from_triplets(users, items, r, c, v);
}

std::unique_ptr<AlsTrainer> make_trainer(const CsrMatrix& m, const AlsOptions& o) {
  auto t = AlsTrainer::create(m, o);
  INFO(t.status().to_string());
  REQUIRE(t.is_ok());
  return std::move(t.value());
}

float score(const Factors& x, std::uint32_t u, const Factors& y, std::uint32_t i) {
  float s = 0;
  for (std::uint32_t k = 0; k < x.cols; ++k) s += x.row(u)[k] * y.row(i)[k];
  return s;
}


bool all_finite(const Factors& f) {
  for (float v : f.data)
    if (!std::isfinite(v)) return false;
  return true;
}

AlsOptions small_options() {
  AlsOptions o;
  o.factors = 8;
  o.iterations = 10;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("option names parse back to the same values", "[als]") {
  for (auto m : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                 ConfidenceMode::kExplicit}) {
    auto p = parse_confidence_mode(confidence_mode_name(m));
    REQUIRE(p.is_ok());
    CHECK(*p == m);
  }
  CHECK(std::string(confidence_mode_name(ConfidenceMode::kIals)) == "ials");
  CHECK(*parse_value_transform("binary") == ValueTransform::kBinary);
  CHECK(*parse_value_transform("raw") == ValueTransform::kRaw);
  CHECK(*parse_solver("cg") == SolverKind::kConjugateGradient);
  CHECK(*parse_solver("cholesky") == SolverKind::kCholesky);
  CHECK(*parse_solver("subspace") == SolverKind::kSubspace);
  CHECK(std::string(solver_name(SolverKind::kCholesky)) == "cholesky");
  auto bad = parse_confidence_mode("hkv");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message() == "unknown confidence mode 'hkv' (expected implicit, hu, log, ials or explicit)");
  CHECK(parse_solver("lu").status().code() == StatusCode::kInvalidArgument);
  CHECK(*parse_value_transform("log") == ValueTransform::kLog);
  CHECK(parse_value_transform("sqrt").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("invalid options are refused with a clear message", "[als]") {
  AlsOptions o;
  CHECK(o.validate().is_ok());
  o.factors = 0;
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);
  CHECK(o.validate().message() == "factors must be 1..1024, got 0");
  o = AlsOptions();
  o.regularization = -1;
  CHECK(o.validate().message() == "regularization must be a finite number >= 0, got -1");
  o = AlsOptions();
  o.alpha = 0;
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.alpha = std::nanf("");
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.cg_steps = 0;
  CHECK(o.validate().message() == "cg steps must be 1..1000, got 0");
  o = AlsOptions();
  o.iterations = -1;
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.threads = -2;
  CHECK(o.validate().code() == StatusCode::kInvalidArgument);

  o = AlsOptions();
  o.factors = 2000;
  auto t = AlsTrainer::create(checkerboard(), o);
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().code() == StatusCode::kInvalidArgument);
  CHECK(t.status().message() == "factors must be 1..1024, got 2000");
}

TEST_CASE("a malformed or non-finite matrix is refused", "[als]") {
  CsrMatrix m = checkerboard();
  m.indices[3] = 40;  // column 40 of 20
  auto t = AlsTrainer::create(m, small_options());
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().code() == StatusCode::kInvalidArgument);

  m = checkerboard();
  m.data[0] = std::nanf("");
  t = AlsTrainer::create(m, small_options());
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().code() == StatusCode::kBadInput);
}

TEST_CASE("checkerboard: each user's top unseen item is the withheld one of its own parity", "[als]") {
  // Unseen items of user u are item u (own parity) and the 10 items of the other parity, so the expected top
  // recommendation is exactly item u, for all 20 users, with every solver.
  for (SolverKind solver : {SolverKind::kConjugateGradient, SolverKind::kCholesky, SolverKind::kSubspace}) {
    AlsOptions o = small_options();
    o.factors = 4;
    o.iterations = 15;
    o.solver = solver;
    const CsrMatrix m = checkerboard();
    auto t = make_trainer(m, o);
    REQUIRE(t->fit().is_ok());
    const Factors& x = t->user_factors();
    const Factors& y = t->item_factors();
    for (std::uint32_t u = 0; u < 20; ++u) {
      std::uint32_t best = 0;
      float best_score = -1e30f;
      for (std::uint32_t i = 0; i < 20; ++i) {
        if (m.contains(u, i)) continue;
        const float s = score(x, u, y, i);
        if (s > best_score) best = i, best_score = s;
      }
      INFO("solver " << solver_name(solver) << ", user " << u);
      CHECK(best == u);
    }
  }
}

TEST_CASE("a tiny dense rank-2 matrix is reconstructed with tiny regularization", "[als]") {
  // R = U Vᵀ with U rows (1,0) (0,1) (1,1) (2,1) (1,2) (3,0) and V rows (1,2) (2,1) (1,1) (0,1) (3,1):
  // rank 2, fully observed, explicit mode (a = 1, b = r, w₀ = 0), λ = 1e-6, 2 factors >= rank.
  const float U[6][2] = {{1, 0}, {0, 1}, {1, 1}, {2, 1}, {1, 2}, {3, 0}};
  const float V[5][2] = {{1, 2}, {2, 1}, {1, 1}, {0, 1}, {3, 1}};
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  for (std::uint32_t u = 0; u < 6; ++u)
    for (std::uint32_t i = 0; i < 5; ++i) r.push_back(u), c.push_back(i), v.push_back(U[u][0] * V[i][0] + U[u][1] * V[i][1]);
  const CsrMatrix m = csr_from_triplets(6, 5, r, c, v);
  AlsOptions o = small_options();
  o.confidence = ConfidenceMode::kExplicit;
  o.values = ValueTransform::kRaw;
  o.regularization = 1e-6f;
  o.factors = 2;
  o.iterations = 30;
  o.solver = SolverKind::kCholesky;
  o.init_scale = 1.0f;
  auto t = make_trainer(m, o);
  REQUIRE(t->fit().is_ok());
  for (std::uint32_t u = 0; u < 6; ++u)
    for (std::uint32_t i = 0; i < 5; ++i) {
      INFO("u " << u << " i " << i);
      CHECK(score(t->user_factors(), u, t->item_factors(), i) == Approx(U[u][0] * V[i][0] + U[u][1] * V[i][1]).margin(1e-3));
    }
  // The fit term is ~0, so the loss is about the λ term alone: 1e-6 · Σ‖·‖² / 30 pairs, a few 1e-6.
  CHECK(t->last_loss() < 1e-4);
}

TEST_CASE("conjugate gradient with many steps equals the Cholesky solve", "[als]") {
  const CsrMatrix m = random_matrix(30, 25, 0.25, 7);
  AlsOptions o = small_options();
  o.iterations = 3;
  o.values = ValueTransform::kRaw;
  o.confidence = ConfidenceMode::kHu;
  o.alpha = 2.0f;
  o.solver = SolverKind::kCholesky;
  auto exact = make_trainer(m, o);
  REQUIRE(exact->fit().is_ok());
  o.solver = SolverKind::kConjugateGradient;
  o.cg_steps = 50;
  auto cg = make_trainer(m, o);
  REQUIRE(cg->fit().is_ok());
  CHECK(max_abs_diff(exact->user_factors(), cg->user_factors()) < 1e-4);
  CHECK(max_abs_diff(exact->item_factors(), cg->item_factors()) < 1e-4);
  // And three CG steps are not the same thing (so the comparison above can fail).
  o.cg_steps = 1;
  auto cg1 = make_trainer(m, o);
  REQUIRE(cg1->fit().is_ok());
  CHECK(max_abs_diff(exact->user_factors(), cg1->user_factors()) > 1e-3);
}

TEST_CASE("compute_loss equals the objective summed over all pairs", "[als]") {
  // Independent brute force over all m·n pairs: observed pairs weigh c (p − s)² (or their mode's form), unobserved
  // pairs w₀ s², plus Σ λ_u‖x_u‖² + Σ λ_i‖y_i‖² with λ_u = λ (|I_u| + w₀|I|)^ν; divided by nnz.
  const CsrMatrix m = random_matrix(9, 7, 0.35, 3);
  const CsrMatrix mt = m.transpose();
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                    ConfidenceMode::kExplicit}) {
    AlsOptions o = small_options();
    o.factors = 3;
    o.iterations = 2;
    o.confidence = mode;
    o.values = ValueTransform::kRaw;
    o.alpha = 0.5f;
    o.unobserved_weight = 0.3f;
    o.reg_exponent = 0.5f;
    auto t = make_trainer(m, o);
    REQUIRE(t->fit().is_ok());
    const float w0 = mode == ConfidenceMode::kIals ? 0.3f : mode == ConfidenceMode::kExplicit ? 0.0f : 1.0f;
    double total = 0;
    for (std::uint32_t u = 0; u < m.rows; ++u) {
      for (std::uint32_t i = 0; i < m.cols; ++i) {
        const double s = score(t->user_factors(), u, t->item_factors(), i);
        double v = 0;
        bool seen = false;
        for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e)
          if (m.indices[e] == i) v = m.data[e], seen = true;
        if (!seen) {
          total += w0 * s * s;
        } else if (mode == ConfidenceMode::kImplicit) {
          total += 0.5 * v * (1 - s) * (1 - s);
        } else if (mode == ConfidenceMode::kHu) {
          total += (1 + 0.5 * v) * (1 - s) * (1 - s);
        } else if (mode == ConfidenceMode::kLog) {
          total += (1 + 0.5 * std::log(1 + v)) * (1 - s) * (1 - s);
        } else if (mode == ConfidenceMode::kIals) {
          total += 0.5 * v * (1 - s) * (1 - s) + 0.3 * s * s;
        } else {
          total += (v - s) * (v - s);
        }
      }
    }
    auto reg = [&](const Factors& f, const CsrMatrix& rows, std::uint32_t others) {
      double sum = 0;
      for (std::uint32_t r = 0; r < f.rows; ++r) {
        double norm2 = 0;
        for (std::uint32_t k = 0; k < f.cols; ++k) norm2 += double(f.row(r)[k]) * f.row(r)[k];
        sum += 0.1 * std::sqrt(rows.row_size(r) + double(w0) * others) * norm2;  // λ = 0.1, ν = 0.5
      }
      return sum;
    };
    total += reg(t->user_factors(), m, m.cols) + reg(t->item_factors(), mt, m.rows);
    INFO("mode " << confidence_mode_name(mode));
    CHECK(t->compute_loss() == Approx(total / double(m.nnz())).epsilon(1e-5));
    // A step's loss takes the solvers' w₀-scaled Gramians (step_loss), compute_loss() its own: the same value up
    // to float rounding (measured 7e-9 relative).
    CHECK(t->last_loss() == Approx(t->compute_loss()).epsilon(1e-6));
  }
}

TEST_CASE("with the exact solver the loss never increases", "[als]") {
  // Each half-step minimises the objective exactly over one side, so L(t+1) <= L(t) up to float rounding of the
  // factors (relative slack 1e-6).
  const CsrMatrix m = random_matrix(40, 30, 0.2, 11);
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kIals}) {
    AlsOptions o = small_options();
    o.iterations = 12;
    o.solver = SolverKind::kCholesky;
    o.confidence = mode;
    o.values = ValueTransform::kRaw;
    if (mode == ConfidenceMode::kIals) o.unobserved_weight = 0.1f, o.reg_exponent = 1.0f, o.regularization = 0.01f;
    auto t = make_trainer(m, o);
    std::vector<double> losses;
    REQUIRE(t->fit([&](const TrainProgress& p) {
                 losses.push_back(p.loss);
                 return true;
               }).is_ok());
    REQUIRE(losses.size() == 12);
    INFO("mode " << confidence_mode_name(mode));
    for (std::size_t j = 1; j < losses.size(); ++j) {
      INFO("iteration " << j + 1 << ": " << losses[j] << " after " << losses[j - 1]);
      CHECK(losses[j] <= losses[j - 1] * (1 + 1e-6));
    }
    CHECK(losses.back() < losses.front());
  }
}

#ifdef ALSREC_HAVE_THREADS
TEST_CASE("one and two threads give bit-identical factors", "[als]") {
  const CsrMatrix m = random_matrix(200, 150, 0.05, 5);
  for (SolverKind solver : {SolverKind::kConjugateGradient, SolverKind::kCholesky, SolverKind::kSubspace}) {
    AlsOptions o = small_options();
    o.factors = 16;
    o.iterations = 3;
    o.solver = solver;
    o.values = ValueTransform::kRaw;
    o.confidence = ConfidenceMode::kHu;
    auto one = make_trainer(m, o);
    REQUIRE(one->fit().is_ok());
    o.threads = 2;
    auto two = make_trainer(m, o);
    REQUIRE(two->fit().is_ok());
    INFO("solver " << solver_name(solver));
    CHECK(std::memcmp(one->user_factors().data.data(), two->user_factors().data.data(),
                      one->user_factors().data.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(one->item_factors().data.data(), two->item_factors().data.data(),
                      one->item_factors().data.size() * sizeof(float)) == 0);
    CHECK(one->last_loss() == two->last_loss());
  }
}
#endif

// A step's loss computes w₀G_Y for the next user half-step, which reuses it (step_loss): with the loss on the factors
// must be the bits they are with it off, and a change of the item factors between steps must not let a stale
// Gramian through.
TEST_CASE("the loss's Gramian reused by the next half-step changes no bit, and item edits invalidate it", "[als]") {
  const CsrMatrix m = random_matrix(120, 90, 0.08, 11);
  for (SolverKind solver : {SolverKind::kConjugateGradient, SolverKind::kCholesky, SolverKind::kSubspace}) {
    AlsOptions o = small_options();
    o.factors = 12;
    o.solver = solver;
    o.confidence = ConfidenceMode::kIals;
    o.unobserved_weight = 0.2f;
    auto with = [&](bool loss) {
      AlsOptions c = o;
      c.compute_loss = loss;
      return make_trainer(m, c);
    };
    auto on = with(true), off = with(false), edited = with(true), edited_off = with(false);
    for (int it = 0; it < 3; ++it) {
      REQUIRE(on->step().is_ok());
      REQUIRE(off->step().is_ok());
      REQUIRE(edited->step().is_ok());
      REQUIRE(edited_off->step().is_ok());
      for (AlsTrainer* t : {edited.get(), edited_off.get()})
        for (float& v : t->mutable_item_factors().data) v *= 0.5f;  // after the loss: G_Y is stale now
    }
    INFO("solver " << solver_name(solver));
    CHECK(std::isfinite(on->last_loss()));
    CHECK(on->user_factors().data == off->user_factors().data);
    CHECK(on->item_factors().data == off->item_factors().data);
    CHECK(edited->user_factors().data == edited_off->user_factors().data);
    CHECK(edited->item_factors().data == edited_off->item_factors().data);
    CHECK(edited->user_factors().data != on->user_factors().data);  // the edits mattered
  }
}

TEST_CASE("implicit compatibility: binary values, alpha 1 give (G + λI) x_u = Σ y_i", "[als]") {
  // kImplicit with c = alpha·1 = 1 and w₀ = 1 makes a = c − w₀ = 0 for every pair: each user's system is just
  // (YᵀY + λI) x_u = Σ_{i∈I_u} y_i. Recompute that independently (double precision) from the item factors.
  const CsrMatrix m = random_matrix(25, 20, 0.3, 2);
  AlsOptions o = small_options();
  o.iterations = 4;
  o.solver = SolverKind::kCholesky;
  o.regularization = 0.1f;
  auto t = make_trainer(m, o);
  REQUIRE(t->fit().is_ok());
  REQUIRE(t->resolve_users().is_ok());
  const Factors& yf = t->item_factors();
  Eigen::MatrixXd y(yf.rows, yf.cols);
  for (std::uint32_t i = 0; i < yf.rows; ++i)
    for (std::uint32_t k = 0; k < yf.cols; ++k) y(i, k) = yf.row(i)[k];
  const Eigen::MatrixXd a = y.transpose() * y + 0.1 * Eigen::MatrixXd::Identity(yf.cols, yf.cols);
  for (std::uint32_t u = 0; u < m.rows; ++u) {
    Eigen::VectorXd b = Eigen::VectorXd::Zero(yf.cols);
    for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) b += y.row(m.indices[e]).transpose();
    const Eigen::VectorXd expected = a.ldlt().solve(b);
    for (std::uint32_t k = 0; k < yf.cols; ++k) {
      INFO("user " << u << " k " << k);
      CHECK(t->user_factors().row(u)[k] == Approx(expected[k]).margin(1e-5).epsilon(1e-4));
    }
  }
}

TEST_CASE("the progress callback cancels after the requested iteration", "[als]") {
  AlsOptions o = small_options();
  o.iterations = 6;
  auto t = make_trainer(checkerboard(), o);
  std::vector<int> seen;
  const Status st = t->fit([&](const TrainProgress& p) {
    seen.push_back(p.iteration);
    CHECK(p.iterations == 6);
    CHECK(std::isfinite(p.loss));
    CHECK(p.seconds >= 0);
    CHECK(p.elapsed >= p.seconds);
    return p.iteration < 2;  // stop after the 2nd
  });
  CHECK(st.code() == StatusCode::kCancelled);
  CHECK(st.message() == "training cancelled after iteration 2");
  CHECK(seen == std::vector<int>{1, 2});
  CHECK(t->iteration() == 2);
  // Resuming runs the remaining 4.
  CHECK(t->fit().is_ok());
  CHECK(t->iteration() == 6);
}

TEST_CASE("empty rows and columns train without NaN and get zero factors", "[als]") {
  // User 3 and item 4 have no interactions.
  const CsrMatrix m = csr_from_triplets(5, 6, {0, 0, 1, 2, 4, 4}, {0, 1, 1, 2, 3, 5}, {1, 1, 1, 1, 1, 1});
  for (auto mode : {ConfidenceMode::kImplicit, ConfidenceMode::kIals, ConfidenceMode::kExplicit}) {
    AlsOptions o = small_options();
    o.confidence = mode;
    o.solver = SolverKind::kCholesky;
    auto t = make_trainer(m, o);
    INFO("mode " << confidence_mode_name(mode));
    REQUIRE(t->fit().is_ok());
    CHECK(all_finite(t->user_factors()));
    CHECK(all_finite(t->item_factors()));
    CHECK(std::isfinite(t->last_loss()));
    for (std::uint32_t k = 0; k < 8; ++k) {
      CHECK(t->user_factors().row(3)[k] == 0.0f);
      CHECK(t->item_factors().row(4)[k] == 0.0f);
    }
  }
}

TEST_CASE("a matrix without interactions trains to zero factors and zero loss", "[als]") {
  for (auto shape : {std::pair<std::uint32_t, std::uint32_t>{3, 2}, {0, 0}, {4, 0}}) {
    const CsrMatrix m = csr_from_triplets(shape.first, shape.second, {}, {}, {});
    auto t = make_trainer(m, small_options());
    REQUIRE(t->fit().is_ok());
    CHECK(t->user_factors().rows == shape.first);
    CHECK(t->item_factors().rows == shape.second);
    for (float v : t->user_factors().data) CHECK(v == 0.0f);
    for (float v : t->item_factors().data) CHECK(v == 0.0f);
    CHECK(t->last_loss() == 0.0);
  }
}

TEST_CASE("an unsolvable system is reported as a numerical failure naming the row", "[als]") {
  // Explicit mode (w₀ = 0) with λ = 0 and all item factors zero: user 0's A = 0, which Cholesky refuses.
  AlsOptions o = small_options();
  o.confidence = ConfidenceMode::kExplicit;
  o.regularization = 0.0f;
  o.solver = SolverKind::kCholesky;
  auto t = make_trainer(checkerboard(), o);
  auto& y = t->mutable_item_factors();
  std::fill(y.data.begin(), y.data.end(), 0.0f);
  const Status st = t->step();
  CHECK(st.code() == StatusCode::kNumerical);
  CHECK(st.message() == "the cholesky solve failed for user 0 at iteration 1: its system is not positive definite; "
                        "raise regularization");
  CHECK(t->step().code() == StatusCode::kNumerical);  // stays failed
}

TEST_CASE("diverging factors are reported as a numerical failure", "[als]") {
  AlsOptions o = small_options();
  o.iterations = 1;
  o.compute_loss = true;
  auto t = make_trainer(checkerboard(), o);
  t->mutable_item_factors().data[0] = std::numeric_limits<float>::infinity();
  const Status st = t->step();
  CHECK(st.code() == StatusCode::kNumerical);
  CHECK(st.message() == "training diverged at iteration 1; lower alpha or raise regularization");
}

TEST_CASE("initial factors come from the seed, and training is repeatable", "[als]") {
  AlsOptions o = small_options();
  o.iterations = 0;
  auto a = make_trainer(checkerboard(), o);
  auto b = make_trainer(checkerboard(), o);
  CHECK(a->user_factors().data == b->user_factors().data);
  for (float v : a->item_factors().data) {
    CHECK(v >= 0.0f);
    CHECK(v < o.init_scale);
  }
  o.seed = 43;
  auto c = make_trainer(checkerboard(), o);
  CHECK(a->item_factors().data != c->item_factors().data);
  CHECK(std::isnan(a->last_loss()));  // nothing trained yet
  CHECK(a->iteration() == 0);
}

TEST_CASE("timings are accumulated per phase", "[als]") {
  AlsOptions o = small_options();
  o.iterations = 2;
  auto t = make_trainer(checkerboard(), o);
  REQUIRE(t->fit().is_ok());
  const TrainTimings& tm = t->timings();
  CHECK(tm.user_solve > 0);
  CHECK(tm.item_solve > 0);
  CHECK(tm.gramian > 0);
  CHECK(tm.loss > 0);
}

TEST_CASE("train_model packages factors with the dataset's ids", "[als]") {
  Dataset d;
  d.user_ids = {"alice", "bob", "carol"};
  d.item_ids = {"x", "y", "z", "w"};
  d.users = {0, 0, 1, 2, 2};
  d.items = {0, 1, 1, 2, 3};
  d.values = {1, 1, 1, 1, 1};
  AlsOptions o = small_options();
  o.factors = 3;
  o.iterations = 3;
  auto model = train_model(d, o);
  INFO(model.status().to_string());
  REQUIRE(model.is_ok());
  CHECK(model->user_factors.rows == 3);
  CHECK(model->item_factors.rows == 4);
  CHECK(model->user_factors.cols == 3);
  CHECK(model->iterations_done == 3);
  CHECK(std::isfinite(model->final_loss));
  CHECK(model->dataset_fingerprint == d.fingerprint());
  CHECK(model->find_user("bob") == 1);
  CHECK(model->find_item("w") == 3);
  CHECK(model->find_user("dave") == -1);

  d.items[2] = 9;  // no such item id
  CHECK(train_model(d, o).status().code() == StatusCode::kBadInput);
}
