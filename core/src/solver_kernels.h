// Plain loops over k contiguous floats for the row solvers' hot paths. The compiler vectorises them (AVX-512
// natively, SIMD128 in wasm) without the per-expression overhead of Eigen's dynamic-size blocks, which dominates at
// k = 64 (a row's CG step is a handful of length-k updates). Reductions keep 16 partial sums so they vectorise
// without -ffast-math; the order is fixed, so results stay deterministic.
#pragma once

#include "solver_eigen.h"
#include <cstddef>
#include <cstdint>

namespace alsrec {
namespace detail {
namespace kernels {

constexpr int kLanes = 16;

inline float sum_lanes(const float* acc) {
  float s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

inline float dot(const float* __restrict a, const float* __restrict b, Eigen::Index k) {
  float acc[kLanes] = {};
  Eigen::Index i = 0;
  for (; i + kLanes <= k; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (; i < k; ++i) acc[0] += a[i] * b[i];
  return sum_lanes(acc);
}

// out += Σ_e w_e · y_e over e < count, y_e = row(e) (k contiguous floats), four rows per pass over `out` (a
// quarter of its loads and stores).
template <typename Row>
void weighted_sum(const Row& row, const float* w, std::uint64_t count, Eigen::Index k, float* __restrict out) {
  std::uint64_t e = 0;
  for (; e + 4 <= count; e += 4) {
    const float* __restrict y0 = row(e);
    const float* __restrict y1 = row(e + 1);
    const float* __restrict y2 = row(e + 2);
    const float* __restrict y3 = row(e + 3);
    const float w0 = w[e], w1 = w[e + 1], w2 = w[e + 2], w3 = w[e + 3];
    for (Eigen::Index i = 0; i < k; ++i) out[i] += w0 * y0[i] + w1 * y1[i] + w2 * y2[i] + w3 * y3[i];
  }
  for (; e < count; ++e) {
    const float* __restrict y0 = row(e);
    const float w0 = w[e];
    for (Eigen::Index i = 0; i < k; ++i) out[i] += w0 * y0[i];
  }
}

// out += Σ_e w_e · y_{idx_e}: rows gathered from the row-major factors at `base`.
inline void gather_sum(const float* base, const std::uint32_t* idx, const float* w, std::uint64_t count,
                       Eigen::Index k, float* __restrict out) {
  const auto k_ = static_cast<std::size_t>(k);
  weighted_sum([&](std::uint64_t e) { return base + static_cast<std::size_t>(idx[e]) * k_; }, w, count, k, out);
}

// out += Σ_e w_e · y_e for `count` contiguous columns y_e = cols + e·k.
inline void axpy_columns(const float* cols, const float* w, std::uint64_t count, Eigen::Index k,
                         float* __restrict out) {
  const auto k_ = static_cast<std::size_t>(k);
  weighted_sum([&](std::uint64_t e) { return cols + static_cast<std::size_t>(e) * k_; }, w, count, k, out);
}

// out = w · v (k × k by k × nb, v's and out's columns contiguous). Natively Eigen's GEMM. Eigen 3.4 has no wasm SIMD
// path (EIGEN_VECTORIZE stays undefined there and its GEMM runs scalar), so the wasm build uses four-column axpy
// passes instead, which the compiler vectorises with SIMD128.
template <typename V, typename Out>
void product_block(const Eigen::MatrixXf& w, const V& v, Out& out) {
#if defined(EIGEN_VECTORIZE)
  out.noalias() = w * v;
#else
  const Eigen::Index k = w.rows();
  for (Eigen::Index j = 0; j < v.cols(); ++j) {
    float* __restrict o = out.col(j).data();
    const float* vj = v.col(j).data();
    for (Eigen::Index i = 0; i < k; ++i) o[i] = 0.0f;
    Eigen::Index l = 0;
    for (; l + 4 <= k; l += 4) {
      const float* __restrict w0 = w.col(l).data();
      const float* __restrict w1 = w0 + k;
      const float* __restrict w2 = w1 + k;
      const float* __restrict w3 = w2 + k;
      const float c0 = vj[l], c1 = vj[l + 1], c2 = vj[l + 2], c3 = vj[l + 3];
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * w0[i] + c1 * w1[i] + c2 * w2[i] + c3 * w3[i];
    }
    for (; l < k; ++l) {
      const float* __restrict w0 = w.col(l).data();
      const float c0 = vj[l];
      for (Eigen::Index i = 0; i < k; ++i) o[i] += c0 * w0[i];
    }
  }
#endif
}

}  // namespace kernels
}  // namespace detail
}  // namespace alsrec
