// One SIMD register of floats for the row solvers' register-tiled kernels (solver_subspace.cpp,
// solver_woodbury.cpp): a GCC/clang vector extension (AVX-512, AVX or SSE2 natively, SIMD128 in wasm), loaded and
// stored unaligned.
#pragma once

#include "solver_eigen.h"
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

}  // namespace simd
}  // namespace detail
}  // namespace alsrec
