// Rating-prediction baselines and biased explicit ALS (see baselines.h).
#include "alsrec/baselines.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace alsrec {

double BiasModel::predict(std::uint32_t u, std::uint32_t i) const {
  double r = global_mean;
  if (u < user.size()) r += static_cast<double>(user[u]);
  if (i < item.size()) r += static_cast<double>(item[i]);
  return r;
}

BiasModel fit_global_mean(const CsrMatrix& train) {
  BiasModel m;
  double sum = 0;
  for (float v : train.data) sum += static_cast<double>(v);
  m.global_mean = train.nnz() > 0 ? sum / static_cast<double>(train.nnz()) : 0.0;
  m.user.assign(train.rows, 0.0f);
  m.item.assign(train.cols, 0.0f);
  return m;
}

BiasModel fit_biases(const CsrMatrix& train, const BiasOptions& options) {
  BiasModel m = fit_global_mean(train);
  if (train.nnz() == 0) return m;
  const double mu = m.global_mean;
  std::vector<double> sum(train.cols), count(train.cols);
  for (int it = 0; it < options.iterations; ++it) {
    // b_i = Σ_u (r − μ − b_u) / (λ_i + |U_i|), accumulated over the user-major matrix.
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0.0);
    for (std::uint32_t u = 0; u < train.rows; ++u)
      for (std::uint64_t e = train.indptr[u]; e < train.indptr[u + 1]; ++e) {
        sum[train.indices[e]] += static_cast<double>(train.data[e]) - mu - static_cast<double>(m.user[u]);
        count[train.indices[e]] += 1.0;
      }
    for (std::uint32_t i = 0; i < train.cols; ++i) {
      const double denominator = static_cast<double>(options.item_regularization) + count[i];
      m.item[i] = denominator > 0 ? static_cast<float>(sum[i] / denominator) : 0.0f;
    }
    // b_u = Σ_i (r − μ − b_i) / (λ_u + |I_u|)
    for (std::uint32_t u = 0; u < train.rows; ++u) {
      double s = 0;
      for (std::uint64_t e = train.indptr[u]; e < train.indptr[u + 1]; ++e)
        s += static_cast<double>(train.data[e]) - mu - static_cast<double>(m.item[train.indices[e]]);
      const double denominator = static_cast<double>(options.user_regularization) + train.row_size(u);
      m.user[u] = denominator > 0 ? static_cast<float>(s / denominator) : 0.0f;
    }
  }
  return m;
}

RatingErrors baseline_errors(const BiasModel& model, const CsrMatrix& test) {
  return rating_errors(test, [&](std::uint32_t u, std::uint32_t i) { return model.predict(u, i); });
}

CsrMatrix bias_residuals(const BiasModel& model, const CsrMatrix& train) {
  CsrMatrix r = train;
  for (std::uint32_t u = 0; u < r.rows; ++u)
    for (std::uint64_t e = r.indptr[u]; e < r.indptr[u + 1]; ++e)
      r.data[e] = static_cast<float>(static_cast<double>(train.data[e]) - model.predict(u, train.indices[e]));
  return r;
}

void append_bias_columns(const BiasModel& model, Factors& users, Factors& items) {
  const auto widen = [](const Factors& f, auto&& extra) {
    Factors out(f.rows, f.cols + kBiasColumns);
    for (std::uint32_t r = 0; r < f.rows; ++r) {
      std::copy(f.row(r), f.row(r) + f.cols, out.row(r));
      extra(r, out.row(r) + f.cols);
    }
    return out;
  };
  const double mu = model.global_mean;
  users = widen(users, [&](std::uint32_t u, float* tail) {
    tail[0] = 1.0f;
    tail[1] = static_cast<float>(mu + (u < model.user.size() ? model.user[u] : 0.0f));
  });
  items = widen(items, [&](std::uint32_t i, float* tail) {
    tail[0] = i < model.item.size() ? model.item[i] : 0.0f;
    tail[1] = 1.0f;
  });
}

}  // namespace alsrec
