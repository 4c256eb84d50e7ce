// Rating baselines (global mean, user/item biases), biased explicit ALS and its model-file round trip.
#include <catch2/catch.hpp>

#include <cmath>

#include "alsrec/baselines.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_io.h"

using namespace alsrec;

namespace {

// train: u0 rates i0=4, i1=2; u1 rates i0=5 (3 users x 3 items; u2 and i2 have no train ratings).
// test:  u1 i1=3, u0 i2=1.
CsrMatrix hand_train() { return csr_from_triplets(3, 3, {0, 0, 1}, {0, 1, 0}, {4.0f, 2.0f, 5.0f}); }
CsrMatrix hand_test() { return csr_from_triplets(3, 3, {1, 0}, {1, 2}, {3.0f, 1.0f}); }

// A 30×20 rating matrix r = 3 + bu_u + bi_i + (a low-rank term), 60% observed, deterministic.
CsrMatrix synthetic_ratings(bool with_interaction) {
  std::vector<std::uint32_t> rows, cols;
  std::vector<float> values;
  for (std::uint32_t u = 0; u < 30; ++u)
    for (std::uint32_t i = 0; i < 20; ++i) {
      if ((u * 7 + i * 3) % 5 < 2) continue;  // 3 of every 5 pairs observed
      const float bu = 0.05f * static_cast<float>(static_cast<int>(u % 9) - 4);
      const float bi = 0.1f * static_cast<float>(static_cast<int>(i % 7) - 3);
      const float inter = with_interaction ? ((u % 2 == i % 2) ? 0.5f : -0.5f) : 0.0f;
      rows.push_back(u);
      cols.push_back(i);
      values.push_back(3.0f + bu + bi + inter);
    }
  return csr_from_triplets(30, 20, rows, cols, values);
}

}  // namespace

TEST_CASE("global mean baseline: mean of the train ratings, hand-worked errors", "[baselines]") {
  const BiasModel m = fit_global_mean(hand_train());
  CHECK(m.global_mean == Approx(11.0 / 3.0));  // (4 + 2 + 5) / 3
  const RatingErrors e = baseline_errors(m, hand_test());
  // errors: 3 − 3.6667 = −0.6667, 1 − 3.6667 = −2.6667
  // RMSE = √((0.4444 + 7.1111)/2) = √3.7778 = 1.9437;  MAE = (0.6667 + 2.6667)/2 = 1.6667
  CHECK(e.count == 2);
  CHECK(e.rmse == Approx(1.94365).epsilon(1e-4));
  CHECK(e.mae == Approx(1.66667).epsilon(1e-4));
  CHECK(fit_global_mean(CsrMatrix{3, 3, {0, 0, 0, 0}, {}, {}}).global_mean == 0.0);
}

TEST_CASE("bias baseline: one alternation with lambda 0 and 1, hand-worked", "[baselines]") {
  const double mu = 11.0 / 3.0;
  SECTION("lambda 0") {
    const BiasModel m = fit_biases(hand_train(), {0.0f, 0.0f, 1});
    // items first (b_u = 0): b_i0 = ((4 − μ) + (5 − μ))/2 = 0.8333, b_i1 = 2 − μ = −1.6667, b_i2 = 0 (no ratings)
    CHECK(m.item[0] == Approx(0.83333).epsilon(1e-4));
    CHECK(m.item[1] == Approx(-1.66667).epsilon(1e-4));
    CHECK(m.item[2] == 0.0f);
    // users: b_u0 = ((4 − μ − 0.8333) + (2 − μ + 1.6667))/2 = (−0.5 + 0)/2 = −0.25, b_u1 = 5 − μ − 0.8333 = 0.5
    CHECK(m.user[0] == Approx(-0.25).epsilon(1e-4));
    CHECK(m.user[1] == Approx(0.5).epsilon(1e-4));
    CHECK(m.user[2] == 0.0f);
    CHECK(m.predict(1, 1) == Approx(mu + 0.5 - 1.66667).epsilon(1e-4));  // 2.5
    const RatingErrors e = baseline_errors(m, hand_test());
    // predictions 2.5 (u1,i1) and μ − 0.25 = 3.4167 (u0,i2); errors −0.5 and 2.4167
    // RMSE = √((0.25 + 5.8403)/2) = 1.7450; MAE = (0.5 + 2.4167)/2 = 1.4583
    CHECK(e.rmse == Approx(1.74502).epsilon(1e-4));
    CHECK(e.mae == Approx(1.45833).epsilon(1e-4));
  }
  SECTION("lambda 1 shrinks towards 0") {
    const BiasModel m = fit_biases(hand_train(), {1.0f, 1.0f, 1});
    // b_i0 = 1.6667/(1 + 2) = 0.5556, b_i1 = −1.6667/(1 + 1) = −0.8333
    // b_u0 = ((4 − μ − 0.5556) + (2 − μ + 0.8333))/(1 + 2) = (−0.2222 − 0.8333)/3 = −0.3519
    // b_u1 = (5 − μ − 0.5556)/(1 + 1) = 0.3889
    CHECK(m.item[0] == Approx(0.55556).epsilon(1e-4));
    CHECK(m.item[1] == Approx(-0.83333).epsilon(1e-4));
    CHECK(m.user[0] == Approx(-0.35185).epsilon(1e-4));
    CHECK(m.user[1] == Approx(0.38889).epsilon(1e-4));
  }
}

TEST_CASE("bias baseline recovers exactly additive ratings", "[baselines]") {
  const CsrMatrix r = synthetic_ratings(false);
  const BiasModel m = fit_biases(r, {0.0f, 0.0f, 200});
  const RatingErrors e = baseline_errors(m, r);
  CHECK(e.rmse < 1e-3);  // r = μ + b_u + b_i has an exact least-squares fit
  CHECK(baseline_errors(fit_global_mean(r), r).rmse > 0.1);
}

TEST_CASE("bias columns: augmented dot product = mu + b_u + b_i + x.y", "[baselines]") {
  BiasModel m;
  m.global_mean = 3.5;
  m.user = {0.25f, -0.5f};
  m.item = {1.0f, -1.0f, 0.125f};
  Factors x(2, 2), y(3, 2);
  x.data = {1, 2, 3, 4};
  y.data = {0.5f, 0.5f, -1, 0, 0, 2};
  append_bias_columns(m, x, y);
  REQUIRE(x.cols == 4);
  REQUIRE(y.cols == 4);
  const auto dot = [&](std::uint32_t u, std::uint32_t i) {
    double s = 0;
    for (std::uint32_t c = 0; c < 4; ++c) s += static_cast<double>(x.row(u)[c]) * y.row(i)[c];
    return s;
  };
  CHECK(dot(0, 0) == Approx(3.5 + 0.25 + 1.0 + 1.5));    // x0·y0 = 0.5 + 1 = 1.5
  CHECK(dot(1, 1) == Approx(3.5 - 0.5 - 1.0 - 3.0));     // x1·y1 = −3
  CHECK(dot(1, 2) == Approx(3.5 - 0.5 + 0.125 + 8.0));   // x1·y2 = 8
}

TEST_CASE("biased explicit ALS fits better than the bias baseline and refuses implicit settings", "[baselines]") {
  const CsrMatrix r = synthetic_ratings(true);
  AlsOptions o;
  o.confidence = ConfidenceMode::kExplicit;
  o.values = ValueTransform::kRaw;
  o.reg_exponent = 1.0f;
  o.regularization = 0.01f;
  o.factors = 4;
  o.iterations = 10;
  o.threads = 1;
  o.solver = SolverKind::kCholesky;
  o.biases = true;
  auto fitted = ModelFit::create(r, o);
  REQUIRE(fitted.is_ok());
  REQUIRE((*fitted)->fit().is_ok());
  const auto [user_factors, item_factors] = (*fitted)->factors();
  CHECK(user_factors.cols == 6);
  CHECK(item_factors.cols == 6);
  const double bias_rmse = baseline_errors(fit_biases(r), r).rmse;
  const double als_rmse = rating_errors(user_factors, item_factors, r).rmse;
  // The ±0.5 parity term is rank-1 on top of the biases: ALS captures it, the biases cannot (RMSE ≈ 0.5).
  CHECK(bias_rmse > 0.4);
  CHECK(als_rmse < 0.1);

  AlsOptions binary = o;
  binary.values = ValueTransform::kBinary;
  CHECK(ModelFit::create(r, binary).status().code() == StatusCode::kInvalidArgument);
  CHECK(binary.validate().code() == StatusCode::kInvalidArgument);
  AlsOptions ials = o;
  ials.confidence = ConfidenceMode::kIals;
  CHECK(ials.validate().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a biased model survives the model file; files without the flags field still load", "[baselines]") {
  Dataset d;
  d.user_ids = {"a", "b", "c"};
  d.item_ids = {"x", "y", "z"};
  d.users = {0, 0, 1, 2, 2};
  d.items = {0, 1, 0, 1, 2};
  d.values = {4, 2, 5, 3, 1};
  d.timestamps = {0, 0, 0, 0, 0};
  AlsOptions o;
  o.confidence = ConfidenceMode::kExplicit;
  o.values = ValueTransform::kRaw;
  o.factors = 3;
  o.iterations = 3;
  o.threads = 1;
  o.biases = true;
  auto model = train_model(d, o);
  REQUIRE(model.is_ok());
  CHECK(model->user_factors.cols == 5);
  const std::vector<std::uint8_t> bytes = serialize_model(*model);
  auto back = deserialize_model(bytes.data(), bytes.size(), "m");
  REQUIRE(back.is_ok());
  CHECK(back->options.biases);
  CHECK(back->options.factors == 3);
  CHECK(back->item_factors.cols == 5);
  CHECK(back->user_factors.data == model->user_factors.data);
  // The last bias column of every item is 1 (ỹ_i = [y_i, b_i, 1]).
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(back->item_factors.row(i)[4] == 1.0f);

  // An older writer's file: header 84 bytes (no flags). Drop the field and re-checksum: loads as unbiased with
  // all 5 columns as latent factors, and predicts the same dot products.
  const std::uint32_t header_bytes = bytes[8] | bytes[9] << 8 | bytes[10] << 16 |
                                     static_cast<std::uint32_t>(bytes[11]) << 24;
  REQUIRE(header_bytes == 88);
  std::vector<std::uint8_t> old(bytes.begin(), bytes.begin() + 12 + 84);
  old[8] = 84;
  old.insert(old.end(), bytes.begin() + 12 + 88, bytes.end() - 4);
  const std::uint32_t crc = crc32(old.data(), old.size());
  for (int b = 0; b < 4; ++b) old.push_back(static_cast<std::uint8_t>(crc >> (8 * b)));
  auto legacy = deserialize_model(old.data(), old.size(), "old");
  REQUIRE(legacy.is_ok());
  CHECK_FALSE(legacy->options.biases);
  CHECK(legacy->options.factors == 5);
  CHECK(legacy->user_factors.data == model->user_factors.data);
}
