// One SIMD register of floats for the register-tiled kernels (solver_subspace.cpp, solver_woodbury.cpp, and the
// ranking's scores in wasm, metrics.cpp): a GCC/clang vector extension (AVX-512, AVX or SSE2 natively, SIMD128 in wasm), loaded and
// stored unaligned.
#pragma once

#include "solver_eigen.h"
#include <algorithm>
#include <cstring>

namespace alsrec {
namespace detail {
namespace simd {

#if defined(__AVX512F__)
constexpr Eigen::Index kLanes = 16;
#elif defined(__AVX__)
constexpr Eigen::Index kLanes = 8;
#else
constexpr Eigen::Index kLanes = 4;  // SSE2, SIMD128 (wasm)
#endif
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

template <class V>
inline V load_as(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline Vec load(const float* p) { return load_as<Vec>(p); }
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// out[:, j] = M in[:, j] for j < g (M rows × depth, in depth × g, out rows × g, all column-major). A register tile
// of 4 × kLanes rows by 4 columns accumulates over M's columns: 4 loads and 4 broadcasts per 16 multiply-adds, and
// no packing or heap buffers (Eigen's GEMM packs M and allocates its blocks on every call, which at the solvers'
// shapes cost as much as the products). Each element is the same sequence of multiply-adds over l = 0..depth−1
// wherever its column sits: results do not depend on g.
inline void multiply_panel(const float* m, Eigen::Index rows, Eigen::Index depth, const float* in, float* out,
                           Eigen::Index g) {
  constexpr Eigen::Index kTileRows = 4 * kLanes;
  Eigen::Index i = 0;
  for (; i + kTileRows <= rows; i += kTileRows) {
    Eigen::Index j = 0;
    for (; j + 4 <= g; j += 4) {
      Vec acc[4][4] = {};
      const float* c0 = in + j * depth;
      for (Eigen::Index l = 0; l < depth; ++l) {
        const float* col = m + l * rows + i;
        const Vec q0 = load(col), q1 = load(col + kLanes), q2 = load(col + 2 * kLanes), q3 = load(col + 3 * kLanes);
        for (int c = 0; c < 4; ++c) {
          const float v = c0[c * depth + l];
          acc[0][c] += q0 * v;
          acc[1][c] += q1 * v;
          acc[2][c] += q2 * v;
          acc[3][c] += q3 * v;
        }
      }
      for (int c = 0; c < 4; ++c)
        for (int r = 0; r < 4; ++r) store(out + (j + c) * rows + i + r * kLanes, acc[r][c]);
    }
    for (; j < g; ++j) {
      Vec acc[4] = {};
      const float* cj = in + j * depth;
      for (Eigen::Index l = 0; l < depth; ++l) {
        const float* col = m + l * rows + i;
        const float v = cj[l];
        for (int r = 0; r < 4; ++r) acc[r] += load(col + r * kLanes) * v;
      }
      for (int r = 0; r < 4; ++r) store(out + j * rows + i + r * kLanes, acc[r]);
    }
  }
  for (; i + kLanes <= rows; i += kLanes)  // rows past the last whole tile: one register, 4 columns at a time
    for (Eigen::Index j = 0; j < g; j += 4) {
      const int cols = static_cast<int>(std::min<Eigen::Index>(4, g - j));
      Vec acc[4] = {};
      for (Eigen::Index l = 0; l < depth; ++l) {
        const Vec q = load(m + l * rows + i);
        for (int c = 0; c < cols; ++c) acc[c] += q * in[(j + c) * depth + l];
      }
      for (int c = 0; c < cols; ++c) store(out + (j + c) * rows + i, acc[c]);
    }
  for (; i < rows; ++i)  // the last rows mod kLanes rows
    for (Eigen::Index j = 0; j < g; ++j) {
      float acc = 0;
      const float* cj = in + j * depth;
      for (Eigen::Index l = 0; l < depth; ++l) acc += m[l * rows + i] * cj[l];
      out[j * rows + i] = acc;
    }
}

// The square case (M k × k), the solvers' rotations and block products.
inline void multiply_columns(const Eigen::MatrixXf& m, const float* in, float* out, Eigen::Index g) {
  multiply_panel(m.data(), m.rows(), m.cols(), in, out, g);
}

}  // namespace simd
}  // namespace detail
}  // namespace alsrec
