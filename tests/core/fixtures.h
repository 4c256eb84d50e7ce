// Shared test fixtures with a stated expected answer.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"

namespace alsrec::test {

// n users × n items; user u has seen every item of its own parity except item u (the withheld diagonal). Expected:
// each user's best unseen item is item u, and items of one parity are each other's nearest neighbours.
inline CsrMatrix checkerboard(std::uint32_t n = 20) {
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  for (std::uint32_t u = 0; u < n; ++u)
    for (std::uint32_t i = 0; i < n; ++i)
      if (i % 2 == u % 2 && i != u) r.push_back(u), c.push_back(i), v.push_back(1.0f);
  return csr_from_triplets(n, n, r, c, v);
}

// users × items with ratings 1..5 drawn from a 64-bit LCG seeded with `seed` (no <random> distributions: the same
// matrix on every platform). Pair (u, i) is present with probability percent(u, i)/100; a negative percent leaves
// it out without a draw.
template <typename Percent>
CsrMatrix lcg_matrix(std::uint64_t seed, std::uint32_t users, std::uint32_t items, Percent percent) {
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 11;
  };
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  for (std::uint32_t u = 0; u < users; ++u)
    for (std::uint32_t i = 0; i < items; ++i) {
      const int p = percent(u, i);
      if (p >= 0 && next() % 100 < static_cast<std::uint64_t>(p))
        r.push_back(u), c.push_back(i), v.push_back(static_cast<float>(1 + next() % 5));
    }
  return csr_from_triplets(users, items, r, c, v);
}

// m with only rows [begin, end) kept, the others emptied (same shape): what one rank of a distributed run holds.
inline CsrMatrix keep_rows(const CsrMatrix& m, std::uint32_t begin, std::uint32_t end) {
  CsrMatrix out;
  out.rows = m.rows;
  out.cols = m.cols;
  out.indptr.assign(1, 0);
  for (std::uint32_t r = 0; r < m.rows; ++r) {
    if (r >= begin && r < end)
      for (std::uint64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
        out.indices.push_back(m.indices[e]);
        out.data.push_back(m.data[e]);
      }
    out.indptr.push_back(out.indices.size());
  }
  return out;
}

// The largest |a − b| over all entries (in double); infinity when the shapes differ.
inline double max_abs_diff(const Factors& a, const Factors& b) {
  if (a.data.size() != b.data.size()) return std::numeric_limits<double>::infinity();
  double d = 0;
  for (std::size_t j = 0; j < a.data.size(); ++j) d = std::max(d, std::fabs(double(a.data[j]) - b.data[j]));
  return d;
}

}  // namespace alsrec::test
