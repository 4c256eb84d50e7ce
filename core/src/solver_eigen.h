// Include Eigen through this header, first, in every core file of the ALS engine.
//
// GCC 12 with -march=native on AVX-512 machines reports false -Wmaybe-uninitialized warnings inside Eigen's GEMM
// kernels (the _mm*_undefined_* placeholders in pload1/ptranspose). The warning is attributed to the intrinsics
// header, so it must be silenced before <immintrin.h> is first included; it stays off for the rest of the file.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <Eigen/Cholesky>
#include <Eigen/Core>
