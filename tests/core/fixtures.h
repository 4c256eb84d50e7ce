// Shared test fixtures with a stated expected answer.
#pragma once

#include <cstdint>
#include <vector>

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

}  // namespace alsrec::test
