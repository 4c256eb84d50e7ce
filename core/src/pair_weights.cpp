#include "pair_weights.h"

#include <cmath>
#include <string>

namespace alsrec {
namespace detail {

ConfidenceModel::ConfidenceModel(const AlsOptions& o)
    : mode_(o.confidence),
      binary_(o.values == ValueTransform::kBinary),
      alpha_(o.alpha),
      epsilon_(o.epsilon),
      w0_(o.confidence == ConfidenceMode::kIals       ? o.unobserved_weight
          : o.confidence == ConfidenceMode::kExplicit ? 0.0f
                                                      : 1.0f) {}

// Implicit modes: confidence c from |v|, preference p = [v > 0] (a negative value is a confident "no", as in
// `implicit`). a = c − w₀, b = c·p, k = c·p² = b.
PairWeight ConfidenceModel::weight(float value) const {
  const float v = binary_ ? 1.0f : value;
  const float mag = std::fabs(v);
  const float p = v > 0 ? 1.0f : 0.0f;
  float c = 0;
  switch (mode_) {
    case ConfidenceMode::kImplicit: c = alpha_ * mag; break;
    case ConfidenceMode::kHu: c = 1.0f + alpha_ * mag; break;
    case ConfidenceMode::kLog: c = 1.0f + alpha_ * std::log1p(mag / epsilon_); break;
    case ConfidenceMode::kIals: {
      // L = Σ_obs w (p − s)² + α₀ Σ_all s²:  w₀ = α₀ carries the all-pairs term, the observed weight is w itself.
      const float w = alpha_ * mag;
      return {w, w * p, w * p};
    }
    case ConfidenceMode::kExplicit:  // (v − s)² = s² − 2vs + v²
      return {1.0f, v, v * v};
  }
  return {c - w0_, c * p, c * p};
}

float row_lambda(const AlsOptions& o, float w0, std::size_t row_count, std::size_t other_count) {
  if (o.reg_exponent == 0.0f) return o.regularization;
  const double base = static_cast<double>(row_count) + static_cast<double>(w0) * static_cast<double>(other_count);
  return static_cast<float>(o.regularization * std::pow(base, static_cast<double>(o.reg_exponent)));
}

namespace {
std::string num(double v) {  // "0.100000" -> "0.1"
  std::string s = std::to_string(v);
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}
}  // namespace

Status PairWeights::assign(const ConfidenceModel& model, const float* values, std::uint64_t n) {
  a_.resize(n);
  b_.resize(n);
  k_.resize(n);
  weighted_ = 0;
  for (std::uint64_t e = 0; e < n; ++e) {
    const PairWeight w = model.weight(values[e]);
    if (!std::isfinite(w.a) || !std::isfinite(w.b) || !std::isfinite(w.k))
      return Status::invalid_argument("the confidence of value " + num(values[e]) +
                                      " is not finite; lower alpha or use --values binary");
    a_[e] = w.a;
    b_[e] = w.b;
    k_[e] = w.k;
    if (w.a != 0.0f) ++weighted_;
  }
  return Status::ok();
}

void PairWeights::row(std::uint64_t begin, std::uint64_t count, float* a, float* b) const {
  for (std::uint64_t e = 0; e < count; ++e) {
    a[e] = a_[begin + e];
    b[e] = b_[begin + e];
  }
}

}  // namespace detail
}  // namespace alsrec
