// Plain loops over k contiguous floats for the row solvers' hot paths. The compiler vectorises them (AVX-512
// natively, SIMD128 in wasm) without the per-expression overhead of Eigen's dynamic-size blocks, which dominates at
// k = 64 (a row's CG step is a handful of length-k updates). Reductions keep 16 partial sums so they vectorise
// without -ffast-math; the order is fixed, so results stay deterministic.
#pragma once

#include "solver_eigen.h"
#include "solver_simd.h"
#include <cstddef>
#include <cstdint>
#if defined(__wasm_simd128__) && !defined(EIGEN_VECTORIZE)
#include <wasm_simd128.h>
#endif

namespace alsrec {
namespace detail {
namespace kernels {

constexpr int kLanes = 16;

inline float sum_lanes(const float* acc) {
  float s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

#if defined(__wasm_simd128__) && !defined(EIGEN_VECTORIZE)
inline float lane_sum(v128_t a) {
  return (wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1)) +
         (wasm_f32x4_extract_lane(a, 2) + wasm_f32x4_extract_lane(a, 3));
}

// wasm: two SIMD128 accumulators and a short tree at the end (the 16 partial sums below, added one after another,
// cost more than the products at k ≤ 256).
inline float dot(const float* __restrict a, const float* __restrict b, Eigen::Index k) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  Eigen::Index i = 0;
  for (; i + 8 <= k; i += 8) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
  }
  float s = lane_sum(wasm_f32x4_add(s0, s1));
  for (; i < k; ++i) s += a[i] * b[i];
  return s;
}

// out[e] = w[e] · (y_e · v) for four contiguous columns y_e = y + e·k: each load of v serves four products.
inline void dot4(const float* __restrict y, const float* __restrict v, Eigen::Index k, const float* w, float* out) {
  const float* y0 = y;
  const float* y1 = y0 + k;
  const float* y2 = y1 + k;
  const float* y3 = y2 + k;
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  Eigen::Index i = 0;
  for (; i + 4 <= k; i += 4) {
    const v128_t vv = wasm_v128_load(v + i);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(vv, wasm_v128_load(y0 + i)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(vv, wasm_v128_load(y1 + i)));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(vv, wasm_v128_load(y2 + i)));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(vv, wasm_v128_load(y3 + i)));
  }
  float s0 = lane_sum(a0), s1 = lane_sum(a1), s2 = lane_sum(a2), s3 = lane_sum(a3);
  for (; i < k; ++i) {
    s0 += v[i] * y0[i];
    s1 += v[i] * y1[i];
    s2 += v[i] * y2[i];
    s3 += v[i] * y3[i];
  }
  out[0] = w[0] * s0;
  out[1] = w[1] * s1;
  out[2] = w[2] * s2;
  out[3] = w[3] * s3;
}
#else
inline float dot(const float* __restrict a, const float* __restrict b, Eigen::Index k) {
  float acc[kLanes] = {};
  Eigen::Index i = 0;
  for (; i + kLanes <= k; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (; i < k; ++i) acc[0] += a[i] * b[i];
  return sum_lanes(acc);
}
#endif

// out[e] = w[e] · (y_e · v) for n contiguous columns y_e = y + e·k (wasm: four at a time by dot4).
inline void weighted_dots(const float* y, const float* v, Eigen::Index n, Eigen::Index k, const float* w,
                          float* out) {
  Eigen::Index e = 0;
#if defined(__wasm_simd128__) && !defined(EIGEN_VECTORIZE)
  for (; e + 4 <= n; e += 4) dot4(y + e * k, v, k, w + e, out + e);
#endif
  for (; e < n; ++e) out[e] = w[e] * dot(y + e * k, v, k);
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

// out += Y diag(a) Yᵀ v for the n contiguous columns of Y (k × n, column-major), via q = a ⊙ (Yᵀ v) (n floats of
// scratch): the observed pairs' part of a row's A·v. Natively Eigen's matrix-vector products; in wasm, where those
// run scalar (see product_block), the loops above.
inline void add_pair_products(const float* y, const float* a, Eigen::Index n, Eigen::Index k, const float* v,
                              float* q, float* out) {
#if defined(EIGEN_VECTORIZE)
  const Eigen::Map<const Eigen::MatrixXf> yt(y, k, n);
  Eigen::Map<Eigen::VectorXf> qn(q, n);
  qn.noalias() = yt.transpose() * Eigen::Map<const Eigen::VectorXf>(v, k);
  qn.array() *= Eigen::Map<const Eigen::ArrayXf>(a, n);
  Eigen::Map<Eigen::VectorXf>(out, k).noalias() += yt * qn;
#else
  weighted_dots(y, v, n, k, a, q);
  axpy_columns(y, q, static_cast<std::uint64_t>(n), k, out);
#endif
}

// out = w · v (k × k by k × nb, v's and out's columns contiguous). Natively the register-tiled multiply_columns
// (solver_simd.h): with Eigen's GEMM, which packs and allocates on every call, whole CG fits ran 3.6–7.6× slower at
// 192, 256, 320 and 512 factors (bench/README.md, "Block products"), and no faster at 64–224. Eigen 3.4 has no wasm SIMD
// path (EIGEN_VECTORIZE stays undefined there and its GEMM runs scalar), so the wasm build uses four-column axpy
// passes instead, which the compiler vectorises with SIMD128, and skips the columns with live[j] == 0 (whose
// products are not used: rows without pairs, ~15% of the items on a temporal split, or rows done early), which
// a GEMM over the block cannot.
template <typename V, typename Out>
void product_block(const Eigen::MatrixXf& w, const V& v, Out& out, [[maybe_unused]] const unsigned char* live) {
#if defined(EIGEN_VECTORIZE)
  eigen_assert(v.outerStride() == w.rows() && out.outerStride() == w.rows());  // columns back to back
  simd::multiply_columns(w, v.data(), out.data(), v.cols());
#else
  const Eigen::Index k = w.rows();
  for (Eigen::Index j = 0; j < v.cols(); ++j) {
    if (!live[j]) continue;
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
