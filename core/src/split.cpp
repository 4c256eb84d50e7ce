// Per-user train/test splits (README "Evaluation protocol").
//
// Each user's interactions are put in an order — by time (ties: file order) or by a shuffle seeded by (seed, user) —
// and the tail of that order goes to test: ⌊f·n_u⌋ interactions for temporal/random, `count` for leave-last
// (users with n_u ≤ count keep everything in train).
#include "alsrec/split.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <locale>
#include <sstream>

#include "random.h"

namespace alsrec {
namespace {

constexpr std::uint64_t kSplitStream = 0x53504C4954ull;  // "SPLIT": keeps these draws apart from other seeded uses

// A whole-string decimal number in the C locale (never the user's locale: "0,2" is not 0.2 here).
bool parse_number(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double value = 0;
  in >> value;
  if (in.fail() || !std::isfinite(value)) return false;
  in.peek();
  if (!in.eof()) return false;
  out = value;
  return true;
}

// Shortest "%.*g" that reads back as the same double ("0.2", not "0.20000000000000001").
std::string shortest_double(double v) {
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    double back = 0;
    if (parse_number(buffer, back) && back == v) break;
  }
  return buffer;
}

// ⌊f·n⌋ with a relative tolerance so that e.g. 0.29·100 (28.999999999999996 in binary) gives 29, as on paper.
std::size_t test_count(double fraction, std::size_t n) {
  const double product = fraction * static_cast<double>(n);
  return static_cast<std::size_t>(std::floor(product * (1.0 + 1e-12)));
}

}  // namespace

Result<SplitSpec> parse_split(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("split '" + text + "': " + why);
  };
  if (text == "none") {
    SplitSpec spec;
    spec.kind = SplitKind::kNone;
    spec.fraction = 0.0;
    spec.count = 0;
    return spec;
  }
  const std::size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const bool has_arg = colon != std::string::npos;
  const std::string arg = has_arg ? text.substr(colon + 1) : std::string();

  SplitSpec spec;
  if (name == "temporal" || name == "random") {
    spec.kind = name == "temporal" ? SplitKind::kTemporal : SplitKind::kRandom;
    spec.fraction = 0.2;
    if (has_arg) {
      double f = 0;
      if (!parse_number(arg, f)) return bad("fraction '" + arg + "' is not a number (e.g. " + name + ":0.2)");
      if (!(f >= 0.0 && f < 1.0)) return bad("fraction must be in [0, 1)");
      spec.fraction = f;
    }
    return spec;
  }
  if (name == "leave-last") {
    spec.kind = SplitKind::kLeaveLast;
    spec.count = 1;
    if (has_arg) {
      double k = 0;
      if (!parse_number(arg, k) || k != std::floor(k)) return bad("count '" + arg + "' is not a whole number");
      if (k < 1 || k > 1e9) return bad("count must be at least 1");
      spec.count = static_cast<int>(k);
    }
    return spec;
  }
  return bad("unknown split (use temporal:F, random:F, leave-last:K or none)");
}

std::string split_to_string(const SplitSpec& spec) {
  switch (spec.kind) {
    case SplitKind::kNone: return "none";
    case SplitKind::kTemporal: return "temporal:" + shortest_double(spec.fraction);
    case SplitKind::kRandom: return "random:" + shortest_double(spec.fraction);
    case SplitKind::kLeaveLast: return "leave-last:" + std::to_string(spec.count);
  }
  return "none";
}

SplitResult split_dataset(const Dataset& data, const SplitSpec& spec, std::uint64_t seed,
                          const std::vector<std::uint32_t>* subset) {
  // Interaction j of the split is data's interaction at(j): the subset's (ascending, so file order holds) or all.
  const std::size_t n = subset ? subset->size() : data.size();
  const auto at = [&](std::size_t j) { return subset ? (*subset)[j] : static_cast<std::uint32_t>(j); };
  SplitResult result;
  if (spec.kind == SplitKind::kNone) {
    result.train.resize(n);
    for (std::size_t j = 0; j < n; ++j) result.train[j] = at(j);
    return result;
  }

  // Group interaction indices by user with a counting sort: stable, so each group is in file order.
  std::uint32_t num_users = static_cast<std::uint32_t>(data.num_users());
  for (std::size_t j = 0; j < n; ++j) num_users = std::max(num_users, data.users[at(j)] + 1);
  std::vector<std::size_t> start(static_cast<std::size_t>(num_users) + 1, 0);
  for (std::size_t j = 0; j < n; ++j) ++start[data.users[at(j)] + 1];
  for (std::size_t u = 0; u < num_users; ++u) start[u + 1] += start[u];
  std::vector<std::uint32_t> order(n);  // positions j, grouped by user
  {
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t j = 0; j < n; ++j) order[next[data.users[at(j)]]++] = static_cast<std::uint32_t>(j);
  }

  const bool by_time = spec.kind != SplitKind::kRandom;
  const bool use_time = by_time && data.timestamps.size() == data.size();
  std::vector<bool> is_test(n, false);
  for (std::uint32_t u = 0; u < num_users; ++u) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(start[u]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(start[u + 1]);
    const std::size_t n_u = static_cast<std::size_t>(last - first);
    if (n_u == 0) continue;
    if (use_time) {
      std::stable_sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
        return data.timestamps[at(a)] < data.timestamps[at(b)];
      });
    } else if (!by_time) {
      rnd::Rng rng(rnd::hash64(seed, kSplitStream, u));
      rnd::shuffle(first, last, rng);
    }
    std::size_t tail = 0;
    if (spec.kind == SplitKind::kLeaveLast) {
      const std::size_t k = spec.count > 0 ? static_cast<std::size_t>(spec.count) : 0;
      tail = n_u > k ? k : 0;
    } else {
      tail = std::min(test_count(spec.fraction, n_u), n_u);
    }
    for (auto it = last - static_cast<std::ptrdiff_t>(tail); it != last; ++it) is_test[*it] = true;
  }

  std::size_t tests = 0;
  for (std::size_t j = 0; j < n; ++j) tests += is_test[j];
  result.test.reserve(tests);
  result.train.reserve(n - tests);
  for (std::size_t j = 0; j < n; ++j) (is_test[j] ? result.test : result.train).push_back(at(j));
  return result;
}

Dataset subset_dataset(const Dataset& data, const std::vector<std::uint32_t>& subset) {
  Dataset d;
  d.user_ids = data.user_ids;
  d.item_ids = data.item_ids;
  d.has_ratings = data.has_ratings;
  d.has_timestamps = data.has_timestamps;
  d.format = data.format;
  const std::size_t n = data.size();
  d.users.reserve(subset.size());
  d.items.reserve(subset.size());
  d.values.reserve(subset.size());
  d.timestamps.reserve(subset.size());
  for (std::uint32_t i : subset) {
    if (i >= n) continue;
    d.users.push_back(data.users[i]);
    d.items.push_back(data.items[i]);
    d.values.push_back(i < data.values.size() ? data.values[i] : 1.0f);
    d.timestamps.push_back(i < data.timestamps.size() ? data.timestamps[i] : 0);
  }
  d.rows = d.users.size();
  return d;
}

}  // namespace alsrec
