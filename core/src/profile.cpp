// Data profile and value-kind detection (rules in profile.h).
#include "alsrec/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>

namespace alsrec {

const char* value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNone: return "none";
    case ValueKind::kBinary: return "binary";
    case ValueKind::kStars: return "stars";
    case ValueKind::kZeroImplicit: return "zero_implicit";
    case ValueKind::kCounts: return "counts";
    case ValueKind::kOther: return "other";
  }
  return "other";
}

const char* value_kind_description(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNone: return "interactions without values";
    case ValueKind::kBinary: return "interactions (one value in every row)";
    case ValueKind::kStars: return "star ratings";
    case ValueKind::kZeroImplicit: return "star ratings where 0 means interacted but not rated";
    case ValueKind::kCounts: return "counts (plays, clicks, purchases)";
    case ValueKind::kOther: return "weights used as given";
  }
  return "weights used as given";
}

namespace {

std::string fmt(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}
std::string pct(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * fraction);
  return text;
}

// The q-quantile of sorted values (nearest rank).
double quantile(const std::vector<float>& sorted, double q) {
  if (sorted.empty()) return 0;
  const std::size_t i = std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())));
  return sorted[i];
}

double median_count(std::vector<std::uint32_t> counts) {
  if (counts.empty()) return 0;
  const std::size_t mid = counts.size() / 2;
  std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(mid), counts.end());
  return counts[mid];
}

}  // namespace

namespace {

// The q-quantile (nearest rank, as quantile()) of n values counted in `frequency`, which holds them all.
double quantile_of_counts(const std::map<float, std::uint64_t>& frequency, std::uint64_t n, double q) {
  const std::uint64_t rank = std::min(n - 1, static_cast<std::uint64_t>(q * static_cast<double>(n)));
  std::uint64_t below = 0;
  for (const auto& [v, c] : frequency) {
    below += c;
    if (below > rank) return v;
  }
  return frequency.rbegin()->first;
}

// One pass over n values read through at(i), holding no copy of them: the counts of up to kMaxDistinct + 1
// distinct values (exact quantiles when there are no more), else an evenly spaced sample of at most
// kQuantileSample values for the median and 99th percentile (min, max and mean stay exact).
template <class At>
ValueProfile profile_values_of(std::size_t count, const At& at, bool has_ratings) {
  ValueProfile p;
  if (!has_ratings || count == 0) {
    p.kind = ValueKind::kNone;
    p.evidence = has_ratings ? "no rows" : "the file has no value column";
    return p;
  }
  constexpr std::size_t kQuantileSample = 1u << 20;
  const std::size_t stride = std::max<std::size_t>(1, count / kQuantileSample);
  std::vector<float> sample;
  std::map<float, std::uint64_t> frequency;  // up to kMaxDistinct + 1 keys
  bool half_grid = true;
  double sum = 0;
  p.min = std::numeric_limits<double>::infinity();
  p.max = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < count; ++i) {
    const float v = at(i);
    sum += v;
    p.min = std::min<double>(p.min, v);
    p.max = std::max<double>(p.max, v);
    if (v == 0.0f) ++p.zeros;
    if (v < 0.0f) ++p.negatives;
    if (std::nearbyint(v) != v) p.integers = false;
    if (std::nearbyint(2.0f * v) != 2.0f * v) half_grid = false;
    if (frequency.size() <= ValueProfile::kMaxDistinct || frequency.count(v)) ++frequency[v];
    if (i % stride == 0) sample.push_back(v);
  }
  if (std::isnan(sum)) p.min = p.max = std::numeric_limits<double>::quiet_NaN();
  p.distinct = frequency.size();
  p.mean = sum / static_cast<double>(count);
  if (p.distinct <= ValueProfile::kMaxDistinct) {
    p.median = quantile_of_counts(frequency, count, 0.5);
    p.p99 = quantile_of_counts(frequency, count, 0.99);
  } else {
    std::sort(sample.begin(), sample.end());
    p.median = quantile(sample, 0.5);
    p.p99 = quantile(sample, 0.99);
  }
  sample = {};
  const double n = static_cast<double>(count);
  const std::string range = (p.integers ? "integers " : "values ") + fmt(p.min) + ".." + fmt(p.max) + ", " +
                            (p.distinct > ValueProfile::kMaxDistinct ? "over " + std::to_string(ValueProfile::kMaxDistinct)
                                                                     : std::to_string(p.distinct)) +
                            " distinct";

  if (p.distinct == 1) {
    p.kind = ValueKind::kBinary;
    p.evidence = "every row has the value " + fmt(p.min);
    return p;
  }
  if (p.negatives > 0 || !std::isfinite(p.min) || !std::isfinite(p.max)) {
    p.kind = ValueKind::kOther;
    p.evidence = range + ", " + std::to_string(p.negatives) + " negative: used as given";
    return p;
  }
  double lowest_positive = 0;
  std::uint64_t top_positive = 0;
  std::size_t positive_distinct = 0;
  for (const auto& [v, c] : frequency)
    if (v > 0) {
      if (lowest_positive == 0) lowest_positive = v;
      top_positive = std::max(top_positive, c);
      ++positive_distinct;
    }
  const bool heavy_tail = p.median > 0 ? (p.p99 >= 8.0 * p.median || p.max >= 50.0 * p.median) : p.max > 10;
  // Small counts (purchases 1..8) fit a star grid too, but ratings are never mostly their own minimum: counts are.
  const auto lowest = frequency.begin();
  if (p.integers && p.min >= 1 && lowest->second >= 0.4 * n && p.distinct > 2) {
    p.kind = ValueKind::kCounts;
    p.evidence = range + "; " + pct(static_cast<double>(lowest->second) / n) + " of rows are " + fmt(p.min) +
                 ", the smallest value: counts, not ratings";
    return p;
  }
  const bool scale = half_grid && p.distinct <= 21 && p.max <= 10;
  // A 0–100 score behaves like a scale when it is not heavy-tailed.
  const bool wide_scale = p.integers && p.max <= 100 && !heavy_tail && p.distinct <= 101;
  if (scale || wide_scale) {
    p.step = p.integers ? 1.0 : 0.5;
    // 0 stands apart: frequent, more frequent than twice any star, on a scale of at least three positive values.
    if (p.zeros >= 0.05 * n && p.zeros >= 2 * top_positive && positive_distinct >= 3) {
      p.kind = ValueKind::kZeroImplicit;
      p.zero_weight = lowest_positive;
      p.evidence = range + "; " + pct(p.zeros / n) + " of rows are 0, more than twice the commonest rating (" +
                   pct(static_cast<double>(top_positive) / n) + "): 0 read as interacted, not rated";
      return p;
    }
    p.kind = ValueKind::kStars;
    p.evidence = range + (p.integers ? "" : " on a 0.5 grid") + ": ratings on a " + fmt(p.min) + "-" + fmt(p.max) +
                 " scale";
    return p;
  }
  if (heavy_tail || p.integers) {
    p.kind = ValueKind::kCounts;
    p.evidence = range + ", median " + fmt(p.median) + ", 99th percentile " + fmt(p.p99) +
                 (heavy_tail ? ": a heavy tail of counts" : ": whole numbers beyond a rating scale");
    return p;
  }
  p.kind = ValueKind::kOther;
  p.evidence = range + ": not a rating scale nor counts, used as given";
  return p;
}

}  // namespace

ValueProfile profile_values(const std::vector<float>& values, bool has_ratings) {
  return profile_values_of(values.size(), [&](std::size_t i) { return values[i]; }, has_ratings);
}

DataProfile profile_dataset(const Dataset& data, const std::vector<std::uint32_t>* subset) {
  DataProfile p;
  p.users = data.num_users();
  p.items = data.num_items();
  p.has_timestamps = data.has_timestamps;
  std::vector<std::uint32_t> per_user(data.num_users(), 0), per_item(data.num_items(), 0);
  const std::size_t n = subset ? subset->size() : data.size();
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t i = subset ? (*subset)[j] : j;
    ++per_user[data.users[i]];
    ++per_item[data.items[i]];
  }
  p.interactions = n;
  // Users and items without interactions here (e.g. only in a test part) do not count towards the shape.
  const auto active = [](const std::vector<std::uint32_t>& c) {
    return static_cast<std::uint64_t>(std::count_if(c.begin(), c.end(), [](std::uint32_t x) { return x > 0; }));
  };
  const std::uint64_t users = active(per_user), items = active(per_item);
  const double cells = static_cast<double>(users) * static_cast<double>(items);
  p.density = cells > 0 ? static_cast<double>(p.interactions) / cells : 0.0;
  p.mean_per_user = users ? static_cast<double>(p.interactions) / static_cast<double>(users) : 0.0;
  p.mean_per_item = items ? static_cast<double>(p.interactions) / static_cast<double>(items) : 0.0;
  per_user.erase(std::remove(per_user.begin(), per_user.end(), 0u), per_user.end());
  per_item.erase(std::remove(per_item.begin(), per_item.end(), 0u), per_item.end());
  p.median_per_user = median_count(per_user);
  p.median_per_item = median_count(per_item);
  if (!per_item.empty() && p.interactions > 0) {
    std::sort(per_item.begin(), per_item.end(), std::greater<>());
    const std::size_t top = std::max<std::size_t>(1, per_item.size() / 100);
    const double head = std::accumulate(per_item.begin(), per_item.begin() + static_cast<std::ptrdiff_t>(top), 0.0);
    p.top_item_share = head / static_cast<double>(p.interactions);
  }
  // The values read in place (no copy of a column that may hold tens of millions).
  p.values = profile_values_of(
      n, [&](std::size_t j) {
        const std::size_t i = subset ? (*subset)[j] : j;
        return i < data.values.size() ? data.values[i] : 1.0f;
      },
      data.has_ratings);
  return p;
}

std::vector<ValueBin> value_histogram(const std::vector<float>& values, const ValueProfile& profile) {
  std::map<double, ValueBin> bins;  // keyed by the bin's low end
  const auto add = [&](double low, double high) {
    ValueBin& b = bins[low];
    b.low = low, b.high = high;
    ++b.count;
  };
  switch (profile.kind) {
    case ValueKind::kNone: return {};
    case ValueKind::kBinary:
    case ValueKind::kStars:
    case ValueKind::kZeroImplicit:
      for (float v : values) add(v, v);
      break;
    case ValueKind::kCounts:
      for (float v : values) {
        if (v < 1) {
          add(v, v);  // 0 (counts are whole numbers ≥ 0)
          continue;
        }
        const double low = std::exp2(std::floor(std::log2(static_cast<double>(v))));
        add(low, 2 * low - 1);
      }
      break;
    case ValueKind::kOther: {
      const double width = (profile.max - profile.min) / 12;
      for (float v : values) {
        if (!(width > 0)) {
          add(profile.min, profile.max);
          continue;
        }
        const int k = std::clamp(static_cast<int>((v - profile.min) / width), 0, 11);
        add(profile.min + k * width, k == 11 ? profile.max : profile.min + (k + 1) * width);
      }
      break;
    }
  }
  std::vector<ValueBin> out;
  out.reserve(bins.size());
  for (const auto& [low, bin] : bins) out.push_back(bin);
  return out;
}

}  // namespace alsrec
