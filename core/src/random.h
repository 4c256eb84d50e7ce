// Counter-based hashing and a tiny portable RNG.
//
// Everything here is plain 64-bit integer arithmetic (plus exact conversions to double/float), so the same seed gives
// the same numbers with libstdc++, libc++ and in wasm. Never use <random>'s distributions for anything that must be
// reproducible: std::uniform_int_distribution, std::shuffle etc. are implementation-defined and differ between
// standard libraries.
//
//   hash64(a, b, c, d)   a well-mixed 64-bit value of up to four counters (seed, stream, row, column, ...):
//                        order-sensitive, so hash64(seed, 1, r) and hash64(seed, r, 1) differ.
//   Rng                  SplitMix64 (Steele, Lea & Flood 2014): state += γ; output = mix(state). Passes BigCrush,
//                        one add and a few multiplies per draw; seed it from hash64(...) to get independent streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace alsrec {
namespace rnd {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // 2^64 / φ, the SplitMix64 increment

// SplitMix64's finaliser (Stafford's "Mix13"): a bijection on 64-bit words with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Hash of a tuple of counters: each word is folded in and re-mixed, so every position matters.
constexpr std::uint64_t hash64(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0, std::uint64_t d = 0) {
  std::uint64_t h = mix64(a + kGolden);
  h = mix64(h ^ (b + 2 * kGolden));
  h = mix64(h ^ (c + 3 * kGolden));
  h = mix64(h ^ (d + 4 * kGolden));
  return h;
}

// Top 53 bits -> [0, 1), exactly representable, identical on every IEEE-754 platform.
constexpr double to_unit_double(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
// Top 24 bits -> [0, 1) as float.
constexpr float to_unit_float(std::uint64_t bits) { return static_cast<float>(bits >> 40) * 0x1.0p-24f; }

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += kGolden;
    return mix64(state_);
  }
  // Uniform in [0, 1).
  constexpr double uniform() { return to_unit_double(next()); }
  // Uniform in [lo, hi).
  constexpr double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), unbiased (rejects the 2^64 mod n lowest draws); n = 0 returns 0.
  constexpr std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    const std::uint64_t threshold = (0 - n) % n;  // = 2^64 mod n
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  constexpr bool bernoulli(double p) { return uniform() < p; }

 private:
  std::uint64_t state_;
};

// Fisher–Yates shuffle with Rng: the same permutation everywhere (unlike std::shuffle).
template <typename RandomIt>
void shuffle(RandomIt first, RandomIt last, Rng& rng) {
  const auto n = static_cast<std::uint64_t>(last - first);
  for (std::uint64_t i = n; i > 1; --i) {
    const std::uint64_t j = rng.below(i);
    using std::swap;
    swap(first[i - 1], first[j]);
  }
}

}  // namespace rnd
}  // namespace alsrec
