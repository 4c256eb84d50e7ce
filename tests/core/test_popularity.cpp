// Popularity-weighted unobserved pairs (iALS with popularity exponent ω, als.h): the weights, the objective and its
// exact minimisers checked against a dense computation over all pairs, fold-in, the model file, and the screen.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "fixtures.h"
#include "alsrec/als.h"
#include "alsrec/auto_search.h"
#include "alsrec/experiment.h"
#include "alsrec/generate.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_io.h"
#include "alsrec/recommend.h"

using namespace alsrec;
using alsrec::test::max_abs_diff;

namespace {

// A deterministic sparse matrix with raw values 1..5 and a popularity skew (item i kept with probability falling
// in i), so the items' counts and weights differ.
CsrMatrix skewed_matrix(std::uint32_t users, std::uint32_t items, std::uint32_t seed) {
  return test::lcg_matrix(seed, users, items, [](std::uint32_t, std::uint32_t i) { return static_cast<int>(95 / (1 + 0.8 * i)); });
}

std::vector<std::uint32_t> column_counts(const CsrMatrix& m) {
  std::vector<std::uint32_t> n(m.cols, 0);
  for (std::uint32_t i : m.indices) ++n[i];
  return n;
}

AlsOptions omega_options() {
  AlsOptions o;
  o.confidence = ConfidenceMode::kIals;
  o.values = ValueTransform::kRaw;
  o.factors = 4;
  o.alpha = 0.5f;
  o.unobserved_weight = 0.3f;
  o.regularization = 0.05f;
  o.reg_exponent = 0.5f;
  o.popularity_exponent = 0.5f;
  o.iterations = 3;
  o.solver = SolverKind::kCholesky;
  o.threads = 1;
  return o;
}

std::unique_ptr<AlsTrainer> trainer(const CsrMatrix& m, const AlsOptions& o) {
  auto t = AlsTrainer::create(m, o);
  INFO(t.status().to_string());
  REQUIRE(t.is_ok());
  return std::move(t.value());
}

double dot(const Factors& a, std::uint32_t r, const Factors& b, std::uint32_t q) {
  double s = 0;
  for (std::uint32_t k = 0; k < a.cols; ++k) s += double(a.row(r)[k]) * b.row(q)[k];
  return s;
}

// The objective written out over every pair, in double, independently of the trainer:
//   Σ_obs alpha·v (1 − s)² + α₀ Σ_all c_i s² + Σ_u λ_u‖x_u‖² + Σ_i λ_i‖y_i‖²,
//   λ_u = λ(|I_u| + α₀|I|)^ν,  λ_i = λ(|U_i| + α₀ c_i |U|)^ν.
struct Dense {
  const CsrMatrix& m;
  const AlsOptions& o;
  std::vector<double> c;  // c_i from the formula, not from popularity_weights()
  std::vector<std::vector<double>> value;  // users × items, 0 = unobserved

  Dense(const CsrMatrix& matrix, const AlsOptions& options) : m(matrix), o(options) {
    const std::vector<std::uint32_t> n = column_counts(m);
    double mean = 0;
    for (std::uint32_t i = 0; i < m.cols; ++i) mean += std::pow(n[i] + 1.0, o.popularity_exponent) / m.cols;
    for (std::uint32_t i = 0; i < m.cols; ++i) c.push_back(std::pow(n[i] + 1.0, o.popularity_exponent) / mean);
    value.assign(m.rows, std::vector<double>(m.cols, 0.0));
    for (std::uint32_t u = 0; u < m.rows; ++u)
      for (std::uint64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) value[u][m.indices[e]] = m.data[e];
  }
  double lambda_user(std::uint32_t u) const {
    return o.regularization * std::pow(m.row_size(u) + double(o.unobserved_weight) * m.cols, o.reg_exponent);
  }
  double lambda_item(std::uint32_t i, std::uint32_t count) const {
    return o.regularization * std::pow(count + double(o.unobserved_weight) * c[i] * m.rows, o.reg_exponent);
  }
  double loss(const Factors& x, const Factors& y) const {
    const std::vector<std::uint32_t> n = column_counts(m);
    double total = 0;
    for (std::uint32_t u = 0; u < m.rows; ++u)
      for (std::uint32_t i = 0; i < m.cols; ++i) {
        const double s = dot(x, u, y, i), v = value[u][i];
        total += o.unobserved_weight * c[i] * s * s;
        if (v > 0) total += o.alpha * v * (1 - s) * (1 - s);
      }
    for (std::uint32_t u = 0; u < m.rows; ++u) total += lambda_user(u) * dot(x, u, x, u);
    for (std::uint32_t i = 0; i < m.cols; ++i) total += lambda_item(i, n[i]) * dot(y, i, y, i);
    return total / double(m.nnz());
  }
  // ‖∂L/∂x_u‖ / scale over users (side 0) or ‖∂L/∂y_i‖ over items (side 1), the largest; 0 at an exact minimiser.
  double largest_gradient(const Factors& x, const Factors& y, int side) const {
    const std::vector<std::uint32_t> n = column_counts(m);
    const std::uint32_t rows = side == 0 ? m.rows : m.cols, others = side == 0 ? m.cols : m.rows;
    const Factors& mine = side == 0 ? x : y;
    const Factors& other = side == 0 ? y : x;
    double worst = 0;
    for (std::uint32_t r = 0; r < rows; ++r) {
      std::vector<double> g(mine.cols, 0.0);
      double scale = 0;
      for (std::uint32_t q = 0; q < others; ++q) {
        const std::uint32_t u = side == 0 ? r : q, i = side == 0 ? q : r;
        const double s = dot(x, u, y, i), v = value[u][i];
        double d = o.unobserved_weight * c[i] * s;  // ½ ∂/∂s of the pair's terms
        if (v > 0) d += o.alpha * v * (s - 1);
        for (std::uint32_t k = 0; k < mine.cols; ++k) g[k] += d * other.row(q)[k];
        scale += std::abs(o.alpha * v) + o.unobserved_weight * c[i];
      }
      const double lambda = side == 0 ? lambda_user(r) : lambda_item(r, n[r]);
      double norm = 0;
      for (std::uint32_t k = 0; k < mine.cols; ++k) {
        g[k] += lambda * mine.row(r)[k];
        norm += g[k] * g[k];
      }
      worst = std::max(worst, std::sqrt(norm) / scale);
    }
    return worst;
  }
};

}  // namespace

TEST_CASE("popularity weights: (n_i + 1)^omega over their mean, none for omega 0", "[popularity]") {
  CHECK(popularity_weights({0, 3, 8}, 0.0f).empty());
  CHECK(popularity_weights({}, 0.5f).empty());
  const std::vector<float> c = popularity_weights({0, 3, 8}, 0.5f);  // √1, √4, √9 = 1, 2, 3; mean 2
  REQUIRE(c.size() == 3);
  CHECK(c[0] == Approx(0.5));
  CHECK(c[1] == Approx(1.0));
  CHECK(c[2] == Approx(1.5));
  const std::vector<float> one = popularity_weights({0, 3, 8}, 1.0f);  // 1, 4, 9; mean 14/3
  CHECK(one[2] == Approx(9.0 / (14.0 / 3)));
}

TEST_CASE("popularity exponent: refused outside iALS and out of range", "[popularity]") {
  AlsOptions o = omega_options();
  CHECK(o.validate().is_ok());
  o.popularity_exponent = 2.5f;
  CHECK(o.validate().message().find("popularity exponent must be 0..2") != std::string::npos);
  o.popularity_exponent = 0.5f;
  o.confidence = ConfidenceMode::kImplicit;
  CHECK(o.validate().message().find("needs confidence ials") != std::string::npos);
  ModelChoices given;
  CHECK(set_choice(given, "popularityExponent", "0.25").is_ok());
  CHECK(*given.popularity_exponent == 0.25f);
  CHECK_FALSE(set_choice(given, "popularity-exponent", "3").is_ok());
}

TEST_CASE("popularity exponent: the loss is the dense objective and every half-step its exact minimiser",
          "[popularity]") {
  const CsrMatrix m = skewed_matrix(14, 9, 5);
  const AlsOptions o = omega_options();
  const Dense dense(m, o);
  REQUIRE(dense.c.front() > 1.5 * dense.c.back());  // the weights differ: the test can tell them apart
  auto t = trainer(m, o);
  REQUIRE(t->fit().is_ok());
  CHECK(t->compute_loss() == Approx(dense.loss(t->user_factors(), t->item_factors())).epsilon(1e-5));
  CHECK(t->last_loss() == Approx(t->compute_loss()).epsilon(1e-5));
  // The item half-step ran last: every item row is the exact minimiser of the weighted objective (which a solve of
  // the undivided system, or with uniform weights, would not be).
  CHECK(dense.largest_gradient(t->user_factors(), t->item_factors(), 1) < 1e-5);
  REQUIRE(t->resolve_users().is_ok());
  CHECK(dense.largest_gradient(t->user_factors(), t->item_factors(), 0) < 1e-5);

  // ω = 0 minimises another objective: its item rows are not minimisers of this one.
  AlsOptions uniform = o;
  uniform.popularity_exponent = 0.0f;
  auto u = trainer(m, uniform);
  REQUIRE(u->fit().is_ok());
  CHECK(dense.largest_gradient(u->user_factors(), u->item_factors(), 1) > 1e-3);
  CHECK(max_abs_diff(u->item_factors(), t->item_factors()) > 1e-3);

  // CG converges to the same exact solves.
  AlsOptions cg = o;
  cg.solver = SolverKind::kConjugateGradient;
  cg.cg_steps = 40;
  auto tc = trainer(m, cg);
  REQUIRE(tc->fit().is_ok());
  CHECK(max_abs_diff(tc->item_factors(), t->item_factors()) < 1e-4);
}

TEST_CASE("popularity exponent: fold-in uses the model's item weights and matches the trained user rows",
          "[popularity]") {
  const CsrMatrix m = skewed_matrix(12, 9, 8);
  const AlsOptions o = omega_options();
  auto t = trainer(m, o);
  REQUIRE(t->fit().is_ok());
  REQUIRE(t->resolve_users().is_ok());
  AlsModel model = package_model(o, {}, {}, t->user_factors(), t->item_factors(), m, 0, 3, 0.0);
  REQUIRE(model.item_weights.size() == m.cols);
  const std::vector<float> expected = popularity_weights(column_counts(m), o.popularity_exponent);
  CHECK(model.item_weights == expected);
  for (std::uint32_t u = 0; u < m.rows; ++u) {
    const std::vector<std::uint32_t> items(m.indices.begin() + m.indptr[u], m.indices.begin() + m.indptr[u + 1]);
    const std::vector<float> values(m.data.begin() + m.indptr[u], m.data.begin() + m.indptr[u + 1]);
    auto x = fold_in_user(model.item_factors, o, items, values, model.item_weights);
    REQUIRE(x.is_ok());
    for (std::size_t k = 0; k < x->size(); ++k)
      CHECK((*x)[k] == Approx(t->user_factors().row(u)[k]).margin(1e-5));
    if (u == 0) {
      auto missing = fold_in_user(model.item_factors, o, items, values);
      CHECK(missing.status().message().find("popularity exponent but 0 item weights") != std::string::npos);
    }
  }
}

TEST_CASE("popularity exponent: the model file carries the item weights (version 2), and version 1 without them",
          "[popularity]") {
  const CsrMatrix m = skewed_matrix(10, 7, 3);
  AlsOptions o = omega_options();
  auto t = trainer(m, o);
  REQUIRE(t->fit().is_ok());
  std::vector<std::string> users, items;
  for (std::uint32_t u = 0; u < m.rows; ++u) users.push_back("u" + std::to_string(u));
  for (std::uint32_t i = 0; i < m.cols; ++i) items.push_back("i" + std::to_string(i));
  AlsModel model = package_model(o, users, items, t->user_factors(), t->item_factors(), m, 7, 3, 0.0);
  std::vector<std::uint8_t> bytes = serialize_model(model);
  CHECK(bytes[4] == 2);
  auto back = deserialize_model(bytes.data(), bytes.size(), "m");
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(back->options.popularity_exponent == 0.5f);
  CHECK(back->item_weights == model.item_weights);
  // Without the seen matrix the weights stay (fold-in needs them, `recommend` does not need `seen`).
  model.seen = CsrMatrix{};
  bytes = serialize_model(model);
  back = deserialize_model(bytes.data(), bytes.size(), "m");
  REQUIRE(back.is_ok());
  CHECK(back->item_weights == model.item_weights);
  // A damaged weight is refused by name; a truncated file as truncated.
  std::vector<std::uint8_t> bad = serialize_model(model);
  bad.resize(bad.size() - 6);
  CHECK(deserialize_model(bad.data(), bad.size(), "m").status().message().find("truncated") != std::string::npos);

  o.popularity_exponent = 0.0f;
  auto u = trainer(m, o);
  REQUIRE(u->fit().is_ok());
  const AlsModel plain = package_model(o, users, items, u->user_factors(), u->item_factors(), m, 7, 3, 0.0);
  CHECK(plain.item_weights.empty());
  bytes = serialize_model(plain);
  CHECK(bytes[4] == 1);
  back = deserialize_model(bytes.data(), bytes.size(), "m");
  REQUIRE(back.is_ok());
  CHECK(back->item_weights.empty());
}
