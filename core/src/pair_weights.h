// The weights each observed pair brings to its row's system (see als.h): a = c − w₀ in A, b = c·p in the right-hand
// side, and the loss constant k = c·p². Private to the ALS engine (trainer, row solvers, fold-in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alsrec/als.h"

namespace alsrec {
namespace detail {

// Per observed pair: a = c − w₀ (weight in A), b = c·p (weight in the right-hand side), and the loss constant
// k = c·p² (so that  w₀s² + a s² − 2 b s + k = c (p − s)²  for the implicit modes; see compute_loss).
struct PairWeight {
  float a = 0, b = 0, k = 0;
};

class ConfidenceModel {
 public:
  explicit ConfidenceModel(const AlsOptions& options);
  float w0() const { return w0_; }
  PairWeight weight(float value) const;

 private:
  ConfidenceMode mode_;
  bool binary_;
  float alpha_, epsilon_, w0_;
};

// λ_u = λ · (|I_u| + w₀·|I|)^ν   (ν = 0: the constant λ).
float row_lambda(const AlsOptions& options, float w0, std::size_t row_count, std::size_t other_count);

// The weights of one side's pairs, indexed like its matrix's nonzeros.
class PairWeights {
 public:
  // The weights of values[0, n) under `model`; kInvalidArgument for a value whose confidence is not finite.
  Status assign(const ConfidenceModel& model, const float* values, std::uint64_t n);
  std::uint64_t size() const { return a_.size(); }
  // a and b of pairs [begin, begin + count) into a[0, count) and b[0, count).
  void row(std::uint64_t begin, std::uint64_t count, float* a, float* b) const;
  PairWeight at(std::uint64_t e) const { return {a_[e], b_[e], k_[e]}; }
  std::uint64_t weighted_pairs() const { return weighted_; }  // pairs with a ≠ 0 (the rest add to b only)

 private:
  std::vector<float> a_, b_, k_;
  std::uint64_t weighted_ = 0;
};

}  // namespace detail
}  // namespace alsrec
