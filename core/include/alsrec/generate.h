// Synthetic, plausible ratings: latent taste groups, Zipf item popularity, 1–5 stars, timestamps, titled items.
// Deterministic for a given seed and shape (independent of thread count and platform).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alsrec/csv.h"
#include "alsrec/ratings.h"
#include "alsrec/status.h"

namespace alsrec {

// What the value column holds: 1-5 stars; 1 for every pair; play counts (a heavy tail that grows with how much
// the user likes the item); or Book-Crossing-style 0-10 ratings where 55% of the pairs are 0 ("interacted, not
// rated") and the rest 1-10. The pairs and timestamps are the same for every kind.
enum class GeneratedValues { kStars, kBinary, kCounts, kZeroImplicit };
const char* generated_values_name(GeneratedValues v);  // "stars", "binary", "counts", "zero-implicit"
Result<GeneratedValues> parse_generated_values(const std::string& s);

struct GenerateOptions {
  std::uint32_t users = 1000;
  std::uint32_t items = 1700;
  std::uint64_t interactions = 100000;  // target count of distinct (user,item) pairs
  std::uint32_t groups = 12;            // latent taste groups (genres)
  double zipf_exponent = 1.0;           // item popularity ∝ 1/rank^s
  std::uint64_t seed = 42;
  GeneratedValues values = GeneratedValues::kStars;
  std::int64_t start_time = 1262304000;  // 2010-01-01, seconds
  Status validate() const;
};

struct SyntheticData {
  Dataset ratings;                // user ids "1".."N", item ids "1".."M", ratings 1..5, timestamps
  std::vector<ItemInfo> items;    // id, "Title (Year)", "Genre|Genre"
};

Result<SyntheticData> generate_synthetic(const GenerateOptions& options);

// Writers (streaming through a sink, so 25M rows never form one string; RFC 4180 quoting, see csv.h).
void write_ratings_csv(const Dataset& data, const TextSink& sink);       // userId,itemId,rating,timestamp
void write_items_csv(const std::vector<ItemInfo>& items, const TextSink& sink);  // itemId,title,genres (RFC 4180)

}  // namespace alsrec
