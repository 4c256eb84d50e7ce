#include "pair_weights.h"

#include <cmath>
#include <cstring>
#include <string>

namespace alsrec {
namespace detail {

ConfidenceModel::ConfidenceModel(const AlsOptions& o)
    : mode_(o.confidence),
      values_(o.values),
      alpha_(o.alpha),
      epsilon_(o.epsilon),
      w0_(o.confidence == ConfidenceMode::kIals       ? o.unobserved_weight
          : o.confidence == ConfidenceMode::kExplicit ? 0.0f
                                                      : 1.0f) {}

// Implicit modes: confidence c from |v|, preference p = [v > 0] (a negative value is a confident "no", as in
// `implicit`). a = c − w₀, b = c·p, k = c·p² = b.
PairWeight ConfidenceModel::weight(float value) const {
  const float v = values_ == ValueTransform::kBinary ? 1.0f
                  : values_ == ValueTransform::kLog  ? std::copysign(std::log1p(std::fabs(value) / epsilon_), value)
                                                     : value;
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

namespace {

// Distinct weights seen so far, by their bits: an open-addressing table of 512 slots for at most 256 entries.
class WeightCodes {
 public:
  // The code of w, adding it if new; -1 once there would be more than 256.
  int code(const PairWeight& w, std::vector<PairWeight>& table) {
    std::uint32_t bits[3];
    std::memcpy(&bits[0], &w.a, 4);
    std::memcpy(&bits[1], &w.b, 4);
    std::memcpy(&bits[2], &w.k, 4);
    std::uint32_t h = (bits[0] * 0x9E3779B1u) ^ (bits[1] * 0x85EBCA77u) ^ (bits[2] * 0xC2B2AE3Du);
    for (std::uint32_t probe = 0;; ++probe) {
      Slot& s = slots_[(h + probe) & (kSlots - 1)];
      if (s.code < 0) {
        if (table.size() == 256) return -1;
        s.code = static_cast<int>(table.size());
        std::memcpy(s.bits, bits, sizeof bits);
        table.push_back(w);
        return s.code;
      }
      if (std::memcmp(s.bits, bits, sizeof bits) == 0) return s.code;
    }
  }

 private:
  static constexpr std::uint32_t kSlots = 512;
  struct Slot {
    int code = -1;
    std::uint32_t bits[3] = {0, 0, 0};
  };
  Slot slots_[kSlots];
};

}  // namespace

Status PairWeights::assign(const ConfidenceModel& model, const float* values, std::uint64_t n) {
  *this = PairWeights();
  size_ = n;
  explicit_k_ = model.is_explicit();
  auto bad = [&](float v) {
    // Data, not a flag, makes it infinite: bad input (exit 2), worded without the CLI's flag names.
    return Status::bad_input("the confidence of value " + num(v) +
                             " is not finite; lower alpha or use binary values");
  };
  // Codes first; on the 257th distinct weight, fall back to a and b per pair.
  WeightCodes codes;
  code_.resize(n);
  for (std::uint64_t e = 0; e < n; ++e) {
    const PairWeight w = model.weight(values[e]);
    if (!std::isfinite(w.a) || !std::isfinite(w.b) || !std::isfinite(w.k)) return bad(values[e]);
    if (w.a != 0.0f) ++weighted_;
    const int c = codes.code(w, table_);
    if (c < 0) {
      storage_ = Storage::kPerPair;
      break;
    }
    code_[e] = static_cast<std::uint8_t>(c);
  }
  if (storage_ == Storage::kPerPair) {
    code_ = std::vector<std::uint8_t>();
    table_.clear();
    weighted_ = 0;
    a_.resize(n);
    b_.resize(n);
    for (std::uint64_t e = 0; e < n; ++e) {
      const PairWeight w = model.weight(values[e]);
      if (!std::isfinite(w.a) || !std::isfinite(w.b) || !std::isfinite(w.k)) return bad(values[e]);
      if (w.a != 0.0f) ++weighted_;
      a_[e] = w.a;
      b_[e] = w.b;
    }
  } else if (table_.size() <= 1) {  // one weight for every pair (or no pairs)
    storage_ = Storage::kUniform;
    code_ = std::vector<std::uint8_t>();
  } else {
    storage_ = Storage::kCoded;
  }
  return Status::ok();
}

void PairWeights::row(std::uint64_t begin, std::uint64_t count, float* a, float* b) const {
  switch (storage_) {
    case Storage::kUniform:
      for (std::uint64_t e = 0; e < count; ++e) {
        a[e] = table_[0].a;
        b[e] = table_[0].b;
      }
      break;
    case Storage::kCoded:
      for (std::uint64_t e = 0; e < count; ++e) {
        const PairWeight& w = table_[code_[begin + e]];
        a[e] = w.a;
        b[e] = w.b;
      }
      break;
    case Storage::kPerPair:
      for (std::uint64_t e = 0; e < count; ++e) {
        a[e] = a_[begin + e];
        b[e] = b_[begin + e];
      }
      break;
  }
}

PairWeight PairWeights::at(std::uint64_t e) const {
  switch (storage_) {
    case Storage::kUniform: return table_[0];
    case Storage::kCoded: return table_[code_[e]];
    case Storage::kPerPair: break;
  }
  return {a_[e], b_[e], explicit_k_ ? b_[e] * b_[e] : b_[e]};
}

PairWeights PairWeights::divided_by_rows(const std::vector<std::uint64_t>& indptr,
                                         const std::vector<float>& scale) const {
  PairWeights out;
  out.storage_ = Storage::kPerPair;
  out.size_ = size_;
  out.weighted_ = weighted_;
  out.explicit_k_ = explicit_k_;
  out.a_.resize(size_);
  out.b_.resize(size_);
  for (std::size_t r = 0; r + 1 < indptr.size(); ++r) {
    const std::uint64_t begin = indptr[r], count = indptr[r + 1] - begin;
    row(begin, count, out.a_.data() + begin, out.b_.data() + begin);
    for (std::uint64_t e = begin; e < begin + count; ++e) {
      out.a_[e] /= scale[r];
      out.b_[e] /= scale[r];
    }
  }
  return out;
}

std::size_t PairWeights::bytes() const {
  return table_.size() * sizeof(PairWeight) + code_.size() + (a_.size() + b_.size()) * sizeof(float);
}

}  // namespace detail
}  // namespace alsrec
