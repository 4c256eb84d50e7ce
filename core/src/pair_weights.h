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
  bool is_explicit() const { return mode_ == ConfidenceMode::kExplicit; }

 private:
  ConfidenceMode mode_;
  ValueTransform values_;
  float alpha_, epsilon_, w0_;
};

// λ_u = λ · (|I_u| + w₀·|I|)^ν   (ν = 0: the constant λ).
float row_lambda(const AlsOptions& options, float w0, std::size_t row_count, std::size_t other_count);

// The weights of one side's pairs, indexed like its matrix's nonzeros, stored as compactly as the values allow:
// one shared (a, b, k) when every pair has the same (binary values), a one-byte code per pair into a table of at most
// 256 distinct weights (ratings, stars, small counts), else a and b per pair (8 bytes; k is b, or b² in explicit
// mode). Decoding gives the very floats ConfidenceModel::weight() does: results do not depend on the storage.
class PairWeights {
 public:
  // The weights of values[0, n) under `model`; kInvalidArgument for a value whose confidence is not finite.
  Status assign(const ConfidenceModel& model, const float* values, std::uint64_t n);
  std::uint64_t size() const { return size_; }
  // a and b of pairs [begin, begin + count) into a[0, count) and b[0, count).
  void row(std::uint64_t begin, std::uint64_t count, float* a, float* b) const;
  PairWeight at(std::uint64_t e) const;
  std::uint64_t weighted_pairs() const { return weighted_; }  // pairs with a ≠ 0 (the rest add to b only)
  std::size_t bytes() const;  // what the storage holds
  // Row r's pairs (indptr[r], indptr[r + 1]) with a and b divided by scale[r], stored per pair: an item row of iALS
  // with popularity-weighted unobserved pairs is solved divided by its c_i (als.h). k is not kept exact (only the
  // user side's k enter the loss).
  PairWeights divided_by_rows(const std::vector<std::uint64_t>& indptr, const std::vector<float>& scale) const;
  // The same weights in another order (a transposed matrix's nonzeros): pair e of this one becomes pair dest(e) of
  // the result, which has n = size() pairs. dest(e) is called once per pair, in order.
  template <typename Dest>
  PairWeights scattered(std::uint64_t n, Dest dest) const {
    PairWeights out;
    out.storage_ = storage_;
    out.size_ = n;
    out.weighted_ = weighted_;
    out.explicit_k_ = explicit_k_;
    out.table_ = table_;
    if (storage_ == Storage::kCoded) {
      out.code_.resize(n);
      for (std::uint64_t e = 0; e < n; ++e) out.code_[dest(e)] = code_[e];
    } else if (storage_ == Storage::kPerPair) {
      out.a_.resize(n);
      out.b_.resize(n);
      for (std::uint64_t e = 0; e < n; ++e) {
        const std::uint64_t to = dest(e);
        out.a_[to] = a_[e];
        out.b_[to] = b_[e];
      }
    }
    return out;
  }

 private:
  enum class Storage { kUniform, kCoded, kPerPair };
  Storage storage_ = Storage::kUniform;
  std::uint64_t size_ = 0, weighted_ = 0;
  bool explicit_k_ = false;          // per pair: k = b² (explicit) instead of b
  std::vector<PairWeight> table_;    // kUniform: one entry; kCoded: up to 256
  std::vector<std::uint8_t> code_;   // kCoded
  std::vector<float> a_, b_;         // kPerPair
};

}  // namespace detail
}  // namespace alsrec
