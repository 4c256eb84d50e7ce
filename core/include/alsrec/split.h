// Train/test splits of a Dataset, per user (see README "Evaluation protocol").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/ratings.h"
#include "alsrec/status.h"

namespace alsrec {

enum class SplitKind { kNone, kTemporal, kRandom, kLeaveLast };

struct SplitSpec {
  SplitKind kind = SplitKind::kTemporal;
  double fraction = 0.2;  // kTemporal, kRandom: each user's last ⌊fraction·n_u⌋ go to test
  int count = 1;          // kLeaveLast: each user's last `count` (by time) go to test (users with n_u ≤ count: none)
};

// "temporal:0.2", "random:0.2", "leave-last:1", "none". Fractions in [0,1), counts ≥ 1.
Result<SplitSpec> parse_split(const std::string& text);
std::string split_to_string(const SplitSpec& spec);

struct SplitResult {
  std::vector<std::uint32_t> train;  // interaction indices into the Dataset, ascending
  std::vector<std::uint32_t> test;
};

// temporal / leave-last: per user, stable sort by timestamp (ties keep file order); the tail goes to test.
// random: per user, a shuffle seeded by (seed, user) so the split does not depend on other users.
// With `subset` (ascending indices into data) only those interactions are split, exactly as a copy of them would
// be; the result's indices are into data either way.
SplitResult split_dataset(const Dataset& data, const SplitSpec& spec, std::uint64_t seed,
                          const std::vector<std::uint32_t>* subset = nullptr);

// The dataset restricted to `subset` (id tables kept, so indices stay valid). Out-of-range indices are skipped.
Dataset subset_dataset(const Dataset& data, const std::vector<std::uint32_t>& subset);

}  // namespace alsrec
