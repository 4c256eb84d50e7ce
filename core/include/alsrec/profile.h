// What a data set is: its shape (users, items, density, interactions per user and item, how concentrated the
// popularity is) and what its value column means. The experiment layer derives the default model from it
// (experiment.h), `inspect`/`evaluate` report it, and the page shows it in words.
//
// Value kinds, decided from the values alone (the column name is only a hint for the message):
//   none           no value column: every row is one interaction
//   binary         a value column holding one value only (all 1s, say): interactions again
//   stars          ratings on a bounded scale: few distinct values on a 0.5 or 1 grid, at most 10 (or 100)
//   zero_implicit  stars where 0 means "interacted, not rated" (Book-Crossing): many 0s, more than any one star
//                  value; a 0 must then weigh as a (low) positive, never as nothing
//   counts         non-negative integers with a heavy tail (plays, clicks, purchases): the median sits near the
//                  bottom of a long range, so raw values would let a few pairs dominate; log scaling tames them
//   other          anything else (negative or continuous weights): used as given
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/ratings.h"

namespace alsrec {

enum class ValueKind { kNone, kBinary, kStars, kZeroImplicit, kCounts, kOther };
const char* value_kind_name(ValueKind kind);         // "none", "binary", "stars", "zero_implicit", "counts", "other"
const char* value_kind_description(ValueKind kind);  // "star ratings", "play counts or clicks", ... (for people)

struct ValueProfile {
  ValueKind kind = ValueKind::kNone;
  std::string evidence;       // why, in one sentence with the numbers ("integers 1..5, 5 distinct values, ...")
  double min = 0, max = 0, mean = 0, median = 0;
  double p99 = 0;             // 99th percentile
  std::uint64_t zeros = 0, negatives = 0;
  std::uint64_t distinct = 0; // distinct values, counted up to kMaxDistinct + 1
  bool integers = true;       // every value is a whole number
  double step = 0;            // stars: the grid (0.5 or 1); 0 otherwise
  // The weight a 0 gets when the kind is zero_implicit and values are not binary: the lowest positive value.
  double zero_weight = 0;
  static constexpr std::uint64_t kMaxDistinct = 1000;
};

struct DataProfile {
  std::uint64_t users = 0, items = 0, interactions = 0;
  double density = 0;                           // interactions / (users × items)
  double mean_per_user = 0, median_per_user = 0;
  double mean_per_item = 0, median_per_item = 0;
  double top_item_share = 0;                    // share of interactions on the most popular 1% of items
  bool has_timestamps = false;
  ValueProfile values;
};

// The values binned for people (the page's histogram), following their kind: a bin per value on a rating scale
// (stars, zero_implicit, binary); counts by powers of two (0 alone, then 1, 2-3, 4-7, ...: a range of millions stays
// a few dozen bins); other weights in twelve equal widths. None without values. Bins ascend; empty ones are left out.
struct ValueBin {
  double low = 0, high = 0;  // the values counted lie in [low, high]; low == high: one value
  std::uint64_t count = 0;
};
std::vector<ValueBin> value_histogram(const std::vector<float>& values, const ValueProfile& profile);

// Values only (has_ratings false -> kind none).
ValueProfile profile_values(const std::vector<float>& values, bool has_ratings);
// The whole data set, or the interactions listed in `subset` (indices into data).
DataProfile profile_dataset(const Dataset& data, const std::vector<std::uint32_t>* subset = nullptr);

}  // namespace alsrec
