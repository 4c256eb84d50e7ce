// Synthetic ratings with the shape of real ones (see generate.h).
//
// The model behind the data:
//   - `groups` taste groups named as film genres, of unequal size (weight of genre g ∝ 1/√(g+1): Drama is common,
//     Film-Noir rare). Each item has a primary genre and, half the time, a secondary one.
//   - Item popularity is Zipf: item i has a rank π(i) from a seeded permutation and weight 1/(π(i)+1)^s.
//   - Each user has 1–3 favourite genres, a taste focus p_fav ∈ [0.6, 0.95) and a heavy-tailed activity weight
//     (Pareto, α = 4/3). Counts n_u = 5 + a share of the rest proportional to the activity weight, capped at half the
//     catalogue, allocated so that Σ n_u = interactions exactly.
//   - A user's items: with probability p_fav from a favourite genre's items, else from the whole catalogue, both
//     weighted by popularity (alias tables: O(1) per draw). Repeats are rejected with a per-thread stamp array;
//     after a bounded number of attempts any shortfall is filled uniformly from the items not yet chosen.
//   - Stars: round(3 + user bias + item quality + taste bonus + noise), clamped to 1..5; favourite-genre items get
//     +0.9 (primary) or +0.4 (secondary), others −0.3.
//   - Time: each user starts somewhere in the first 3.5 years and spreads their interactions over part of the
//     remaining time in sessions (mostly short gaps, sometimes long ones), so timestamps never decrease per user.
// Every random draw comes from rnd::Rng streams keyed by (seed, purpose, index): the output does not depend on the
// platform, the standard library or the thread count (users are generated in parallel into fixed slots).
#include "alsrec/generate.h"

#include "alsrec/als.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>
#include <unordered_map>
#include <unordered_set>

#include "random.h"
#include "thread_pool.h"

namespace alsrec {
namespace {

// Stream tags: keep the draws for different purposes independent of each other.
enum Stream : std::uint64_t { kItemStream = 1, kTitleStream, kRankStream, kUserStream, kPickStream };

constexpr std::uint32_t kMinPerUser = 5;
constexpr std::uint32_t kMaxGroups = 100;
constexpr std::uint32_t kMaxEntities = 100000000;  // users or items: beyond this the tables alone need gigabytes
constexpr std::int64_t kYear = 365 * 24 * 3600;

// The value of one pair from its stars (the extra draws come after the stars', so kStars output is unchanged).
double value_of(double stars, rnd::Rng& rng, GeneratedValues kind) {
  switch (kind) {
    case GeneratedValues::kStars: return stars;
    case GeneratedValues::kBinary: return 1.0;
    case GeneratedValues::kCounts: {
      double z = rng.uniform();  // ≈ N(0, 1) from three uniforms
      z += rng.uniform();
      z += rng.uniform();
      z = (z - 1.5) * 2.0;
      return std::max(1.0, std::floor(std::exp(0.5 + 0.9 * (stars - 1.0) + 1.3 * z)));
    }
    case GeneratedValues::kZeroImplicit: {
      const double implicit = rng.uniform();
      const double half = rng.uniform();
      if (implicit < 0.55) return 0.0;
      return std::clamp(2.0 * stars - (half < 0.5 ? 1.0 : 0.0), 1.0, 10.0);
    }
  }
  return stars;
}

const char* const kGenres[] = {"Drama",   "Comedy",   "Sci-Fi",    "Thriller", "Romance",   "Animation", "Documentary",
                               "Horror",  "Western",  "Musical",   "Crime",    "Fantasy",   "Adventure", "Mystery",
                               "War",     "Action",   "Children",  "Film-Noir", "Biography", "Sport"};
constexpr std::uint32_t kGenreCount = sizeof(kGenres) / sizeof(kGenres[0]);

const char* const kAdjectives[] = {"Silent",  "Last",     "Broken",   "Hidden",    "Golden",   "Crimson",  "Endless",
                                   "Forgotten", "Lonely", "Burning",  "Frozen",    "Secret",   "Distant",  "Wild",
                                   "Quiet",   "Dark",     "Bright",   "Lost",      "Savage",   "Gentle",   "Electric",
                                   "Scarlet", "Iron",     "Silver",   "Hollow",    "Restless", "Sacred",   "Wicked",
                                   "Tender",  "Final",    "Eternal",  "Fallen",    "Painted",  "Velvet",   "Shattered",
                                   "Northern", "Southern", "Invisible", "Brave",   "Blue"};
const char* const kNouns[] = {"Harbor",   "Garden",  "River",    "Empire",    "Promise",    "Horizon",  "Station",
                              "Kingdom",  "Shadow",  "Mirror",   "Letter",    "Island",     "Road",     "Frontier",
                              "Heart",    "Voyage",  "Machine",  "Stranger",  "Witness",    "Dream",    "Storm",
                              "Valley",   "Tower",   "Circus",   "Orchard",   "Signal",     "Echo",     "Lighthouse",
                              "Canyon",   "Carnival", "Detective", "Dancer",  "Soldier",    "Pilgrim",  "Hunter",
                              "Painter",  "Widow",   "Outlaw",   "Planet",    "Comet",      "Forest",   "Desert",
                              "City",     "Bridge",  "Castle",   "Train",     "Hotel",      "Song",     "Game",
                              "Ghost",    "Prophecy", "Engine",  "Labyrinth", "Masquerade", "Crown",    "Affair",
                              "Fugitive", "Orphan",  "Ballad",   "Cartographer"};
const char* const kTimes[] = {"Midnight", "Summer", "Winter",   "Autumn",  "Love", "Murder",  "Death",   "Rain",
                              "Twilight", "Spring", "Dawn",     "Sunday",  "Exile", "Trouble", "Silence", "Fire"};
const char* const kPlaces[] = {"Lisbon",  "Paris",     "Tokyo",   "Havana",       "Vienna",   "Cairo",    "Berlin",
                               "Marrakesh", "Istanbul", "Prague", "Venice",       "Shanghai", "Bombay",   "Montana",
                               "Texas",   "Alaska",    "Brooklyn", "Naples",      "Dublin",   "Budapest", "Buenos Aires",
                               "Casablanca", "Kyoto",  "Oslo",    "Rome",         "Seville",  "Athens",   "Nairobi",
                               "Reykjavik", "Sarajevo", "Tangier", "Lima",        "Manila",   "Saigon",   "Warsaw",
                               "Krakow",  "Geneva",    "Bangkok", "Memphis",      "Chicago"};
const char* const kNames[] = {"Anna", "Marcus", "Eleanor", "Hugo",  "Clara", "Felix", "Rosa",  "Victor", "Mae",   "Jonah",
                              "Iris", "Leo",    "Nina",    "Oscar", "Ruby",  "Theo",  "Vera",  "Walter", "Ada",   "Frank",
                              "Greta", "Henry", "Ines",    "Jack",  "Lola",  "Max",   "Olive", "Pablo",  "Sofia", "Tom"};

template <typename T, std::size_t N>
const char* pick(const T (&words)[N], rnd::Rng& rng) {
  return words[rng.below(N)];
}

std::string roman(std::uint32_t n) {
  static const std::pair<std::uint32_t, const char*> kNumerals[] = {
      {1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"},
      {40, "XL"},  {10, "X"},   {9, "IX"},  {5, "V"},    {4, "IV"},  {1, "I"}};
  std::string out;
  for (const auto& [value, numeral] : kNumerals)
    while (n >= value) {
      out += numeral;
      n -= value;
    }
  return out;
}

std::string genre_name(std::uint32_t g) {
  std::string name = kGenres[g % kGenreCount];
  if (g >= kGenreCount) name += " " + roman(g / kGenreCount + 1);  // beyond 20 groups: "Drama II", ...
  return name;
}

// "The Silent Harbor", "Midnight in Lisbon", "Goodbye, Havana", ...
// Every draw is its own statement: the order in which a + b's operands are evaluated is unspecified (GCC and Clang
// differ), so two draws inside one expression would give different titles natively and in wasm.
std::string base_title(rnd::Rng& rng) {
  const std::uint64_t pattern = rng.below(10);
  const char* a = nullptr;
  const char* b = nullptr;
  switch (pattern) {
    case 0: case 1: {
      a = pick(kAdjectives, rng);
      b = pick(kNouns, rng);
      return std::string("The ") + a + " " + b;
    }
    case 2: {
      a = pick(kTimes, rng);
      b = pick(kPlaces, rng);
      return std::string(a) + " in " + b;
    }
    case 3: {
      a = pick(kNouns, rng);
      b = pick(kPlaces, rng);
      return std::string("The ") + a + " of " + b;
    }
    case 4: {
      a = pick(kNames, rng);
      b = pick(kNouns, rng);
      return std::string(a) + "'s " + b;
    }
    case 5: {
      a = pick(kAdjectives, rng);
      b = pick(kNouns, rng);
      return std::string(a) + " " + b;
    }
    case 6: {
      a = pick(kNouns, rng);
      b = pick(kNames, rng);
      return std::string("A ") + a + " for " + b;
    }
    case 7: {
      a = pick(kNouns, rng);
      b = pick(kNouns, rng);
      return std::string("The ") + a + " and the " + b;
    }
    case 8: return std::string("Return to ") + pick(kPlaces, rng);
    default: {
      a = rng.bernoulli(0.5) ? "Goodbye, " : "Love, ";
      b = rng.bernoulli(0.5) ? pick(kPlaces, rng) : pick(kNames, rng);
      return std::string(a) + b;
    }
  }
}

// Walker's alias method (Vose's construction): O(n) to build, O(1) per draw — one uniform picks a column and its
// fraction decides between the column's own item and its alias. Only + − × ÷ on doubles, so portable bit for bit.
class Sampler {
 public:
  Sampler() = default;
  // items empty: draw indices 0..weights.size()-1.
  Sampler(std::vector<std::uint32_t> items, const std::vector<double>& weights) : items_(std::move(items)) {
    const std::size_t n = weights.size();
    if (n == 0) return;
    double total = 0;
    for (double w : weights) total += w;
    keep_.resize(n);
    alias_.resize(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      keep_[i] = weights[i] * static_cast<double>(n) / total;
      alias_[i] = static_cast<std::uint32_t>(i);
      (keep_[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      alias_[s] = l;  // column s: keep s with probability keep_[s], else l
      keep_[l] = (keep_[l] + keep_[s]) - 1.0;
      if (keep_[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (std::uint32_t i : small) keep_[i] = 1.0;  // rounding leftovers
    for (std::uint32_t i : large) keep_[i] = 1.0;
  }

  bool empty() const { return keep_.empty(); }
  std::uint32_t draw(rnd::Rng& rng) const {
    const double x = rng.uniform() * static_cast<double>(keep_.size());
    std::size_t column = static_cast<std::size_t>(x);
    if (column >= keep_.size()) column = keep_.size() - 1;
    const std::uint32_t pick = x - static_cast<double>(column) < keep_[column] ? static_cast<std::uint32_t>(column)
                                                                               : alias_[column];
    return items_.empty() ? pick : items_[pick];
  }

 private:
  std::vector<std::uint32_t> items_;
  std::vector<double> keep_;
  std::vector<std::uint32_t> alias_;
};

struct Item {
  std::uint32_t primary = 0;
  int secondary = -1;
  double quality = 0;
};

struct User {
  std::uint32_t favourites[3] = {0, 0, 0};
  std::uint32_t favourite_count = 1;
  double focus = 0.8;    // probability of drawing from a favourite genre
  double bias = 0;       // rating bias
  double activity = 1;   // Pareto weight
};

std::uint32_t draw_genre(const Sampler& genres, rnd::Rng& rng) { return genres.draw(rng); }

bool is_favourite(const User& user, std::uint32_t genre) {
  for (std::uint32_t f = 0; f < user.favourite_count; ++f)
    if (user.favourites[f] == genre) return true;
  return false;
}

// n_u = kMinPerUser + extra_u with Σ extra_u = total_extra, extra_u ≤ cap_extra and extra_u ∝ activity otherwise
// (water filling: users that hit the cap drop out and the rest is shared again).
std::vector<std::uint32_t> allocate_counts(const std::vector<User>& users, std::uint64_t total_extra,
                                           std::uint64_t cap_extra) {
  std::vector<std::uint64_t> extra(users.size(), 0);
  std::vector<std::uint32_t> active(users.size());
  for (std::uint32_t u = 0; u < users.size(); ++u) active[u] = u;
  std::uint64_t remaining = total_extra;
  while (remaining > 0 && !active.empty()) {
    double weight = 0;
    for (std::uint32_t u : active) weight += users[u].activity;
    std::uint64_t given = 0;
    for (std::uint32_t u : active) {
      const double share = std::floor(static_cast<double>(remaining) * users[u].activity / weight);
      const std::uint64_t add = std::min<std::uint64_t>(static_cast<std::uint64_t>(share), cap_extra - extra[u]);
      extra[u] += add;
      given += add;
    }
    given = std::min(given, remaining);  // floors never exceed the total; kept as a guard
    remaining -= given;
    if (given == 0) {  // every share is below 1, so remaining < |active|: hand out the rest one by one
      for (std::uint32_t u : active) {
        if (remaining == 0) break;
        if (extra[u] < cap_extra) {
          ++extra[u];
          --remaining;
        }
      }
    }
    active.erase(std::remove_if(active.begin(), active.end(), [&](std::uint32_t u) { return extra[u] >= cap_extra; }),
                 active.end());
  }
  std::vector<std::uint32_t> counts(users.size());
  for (std::size_t u = 0; u < users.size(); ++u) counts[u] = kMinPerUser + static_cast<std::uint32_t>(extra[u]);
  return counts;
}

}  // namespace

Status GenerateOptions::validate() const {
  const auto bad = [](const std::string& m) { return Status::invalid_argument("generate: " + m); };
  if (users < 1) return bad("users must be at least 1");
  if (items < 1) return bad("items must be at least 1");
  if (users > kMaxEntities) return bad("users must be at most " + std::to_string(kMaxEntities));
  if (items > kMaxEntities) return bad("items must be at most " + std::to_string(kMaxEntities));
  if (groups < 1 || groups > kMaxGroups) return bad("groups must be in [1, " + std::to_string(kMaxGroups) + "]");
  if (!(zipf_exponent >= 0.0 && zipf_exponent <= 5.0)) return bad("zipf exponent must be in [0, 5]");
  if (start_time < -(std::int64_t{1} << 40) || start_time > (std::int64_t{1} << 40))
    return bad("start time out of range");
  const std::uint64_t floor_count = static_cast<std::uint64_t>(kMinPerUser) * users;
  if (interactions < floor_count)
    return bad("interactions (" + std::to_string(interactions) + ") must be at least " + std::to_string(kMinPerUser) +
               " per user (" + std::to_string(floor_count) + " for " + std::to_string(users) + " users)");
  const std::uint64_t half = static_cast<std::uint64_t>(users) * items / 2;
  if (interactions > half)
    return bad("interactions (" + std::to_string(interactions) + ") must be at most half of users × items (" +
               std::to_string(half) + ")");
  if (interactions > 2000000000ull) return bad("interactions must be at most 2,000,000,000");
  return Status::ok();
}

namespace {
Result<SyntheticData> generate_unchecked(const GenerateOptions& options);
}  // namespace

Result<SyntheticData> generate_synthetic(const GenerateOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  try {  // a shape that passes validation can still exceed the memory at hand (wasm: 2–4 GB)
    return generate_unchecked(options);
  } catch (const std::bad_alloc&) {
    return Status::internal("generate: out of memory for " + std::to_string(options.interactions) +
                            " interactions; ask for fewer");
  }
}

namespace {
Result<SyntheticData> generate_unchecked(const GenerateOptions& options) {
  const std::uint64_t seed = options.seed;
  const std::uint32_t n_items = options.items, n_users = options.users, n_groups = options.groups;

  // Genre sizes ∝ 1/√(g+1).
  std::vector<double> genre_weights(n_groups);
  for (std::uint32_t g = 0; g < n_groups; ++g) genre_weights[g] = 1.0 / std::sqrt(g + 1.0);
  const Sampler genres({}, genre_weights);

  // ---- items: genres, popularity, quality, title ----
  std::vector<Item> items(n_items);
  std::vector<double> popularity(n_items);
  {
    std::vector<std::uint32_t> rank(n_items);
    for (std::uint32_t i = 0; i < n_items; ++i) rank[i] = i;
    rnd::Rng rank_rng(rnd::hash64(seed, kRankStream));
    rnd::shuffle(rank.begin(), rank.end(), rank_rng);
    for (std::uint32_t i = 0; i < n_items; ++i) {
      rnd::Rng rng(rnd::hash64(seed, kItemStream, i));
      Item& it = items[i];
      it.primary = draw_genre(genres, rng);
      if (n_groups > 1 && rng.bernoulli(0.5)) {
        std::uint32_t g = draw_genre(genres, rng);
        for (int tries = 0; g == it.primary && tries < 8; ++tries) g = draw_genre(genres, rng);
        if (g != it.primary) it.secondary = static_cast<int>(g);
      }
      const double top = 1.0 - static_cast<double>(rank[i]) / n_items;  // 1 for the most popular item
      it.quality = rng.uniform(-0.6, 0.6) + 0.3 * top;
      popularity[i] = 1.0 / std::pow(static_cast<double>(rank[i]) + 1.0, options.zipf_exponent);
    }
  }
  const Sampler catalogue({}, popularity);
  std::vector<Sampler> by_genre;  // primary members at full weight, secondary at half
  {
    std::vector<std::vector<std::uint32_t>> members(n_groups);
    std::vector<std::vector<double>> weights(n_groups);
    for (std::uint32_t i = 0; i < n_items; ++i) {
      members[items[i].primary].push_back(i);
      weights[items[i].primary].push_back(popularity[i]);
      if (items[i].secondary >= 0) {
        members[static_cast<std::size_t>(items[i].secondary)].push_back(i);
        weights[static_cast<std::size_t>(items[i].secondary)].push_back(0.5 * popularity[i]);
      }
    }
    for (std::uint32_t g = 0; g < n_groups; ++g) by_genre.emplace_back(std::move(members[g]), weights[g]);
  }

  SyntheticData out;
  out.items.resize(n_items);
  {
    std::unordered_set<std::string> titles;
    titles.reserve(static_cast<std::size_t>(n_items) * 2);
    std::unordered_map<std::string, std::uint32_t> editions;  // "Base (Year)" -> how many so far
    for (std::uint32_t i = 0; i < n_items; ++i) {
      rnd::Rng rng(rnd::hash64(seed, kTitleStream, i));
      const std::string base = base_title(rng);
      const double u = rng.uniform();
      const int year = 2023 - static_cast<int>(std::floor(93.0 * u * u));  // 1930..2023, mostly recent
      const std::string suffix = " (" + std::to_string(year) + ")";
      std::uint32_t& seen = editions[base + suffix];
      std::string title;
      do {  // a repeated title becomes a sequel: "The Silent Harbor II (1987)"
        ++seen;
        title = seen == 1 ? base + suffix : base + " " + roman(seen) + suffix;
      } while (!titles.insert(title).second);
      ItemInfo& info = out.items[i];
      info.id = std::to_string(i + 1);
      info.title = std::move(title);
      info.genres = genre_name(items[i].primary);
      if (items[i].secondary >= 0) info.genres += "|" + genre_name(static_cast<std::uint32_t>(items[i].secondary));
    }
  }

  // ---- users: tastes and activity ----
  std::vector<User> users(n_users);
  for (std::uint32_t u = 0; u < n_users; ++u) {
    rnd::Rng rng(rnd::hash64(seed, kUserStream, u));
    User& user = users[u];
    const double c = rng.uniform();
    user.favourite_count = std::min<std::uint32_t>(c < 0.45 ? 1 : c < 0.8 ? 2 : 3, n_groups);
    for (std::uint32_t f = 0; f < user.favourite_count; ++f) {
      std::uint32_t g = draw_genre(genres, rng);
      for (int tries = 0; tries < 32 && std::find(user.favourites, user.favourites + f, g) != user.favourites + f;
           ++tries)
        g = draw_genre(genres, rng);
      while (std::find(user.favourites, user.favourites + f, g) != user.favourites + f) g = (g + 1) % n_groups;
      user.favourites[f] = g;
    }
    user.focus = rng.uniform(0.6, 0.95);
    user.bias = rng.uniform(-0.5, 0.5);
    // Pareto with α = 4/3: x^(-3/4) = 1/(√x·√√x) for x uniform in (0, 1] — square roots are correctly rounded
    // everywhere, unlike std::pow, so the counts below cannot differ between libms.
    const double x = 1.0 - rng.uniform();
    const double root = std::sqrt(x);
    user.activity = std::min(1e6, 1.0 / (root * std::sqrt(root)));
  }
  const std::uint64_t cap = (static_cast<std::uint64_t>(n_items) + 1) / 2;  // at most half the catalogue per user
  const std::vector<std::uint32_t> counts = allocate_counts(
      users, options.interactions - static_cast<std::uint64_t>(kMinPerUser) * n_users, cap - kMinPerUser);
  std::vector<std::uint64_t> offset(static_cast<std::size_t>(n_users) + 1, 0);
  for (std::uint32_t u = 0; u < n_users; ++u) offset[u + 1] = offset[u] + counts[u];
  if (offset.back() != options.interactions) return Status::internal("generate: allocation missed the target count");

  // ---- interactions, user by user into fixed slots ----
  Dataset& data = out.ratings;
  const std::size_t total = static_cast<std::size_t>(options.interactions);
  data.users.resize(total);
  data.items.resize(total);
  data.values.resize(total);
  data.timestamps.resize(total);
  const std::int64_t end_time = options.start_time + 4 * kYear;

  struct Scratch {
    std::vector<std::uint32_t> chosen, pool;
    std::vector<std::uint32_t> mark;  // mark[i] == u + 1: user u already has item i (no clearing between users)
    std::vector<double> gaps;
  };
  const auto generate_user = [&](std::uint32_t u, Scratch& s) {
    const User& user = users[u];
    const std::uint32_t need = counts[u];
    const std::uint32_t stamp = u + 1;
    rnd::Rng rng(rnd::hash64(seed, kPickStream, u));
    const auto draw = [&]() {
      if (rng.uniform() < user.focus) {
        const Sampler& g = by_genre[user.favourites[rng.below(user.favourite_count)]];
        if (!g.empty()) return g.draw(rng);
      }
      return catalogue.draw(rng);
    };
    if (s.mark.size() != n_items) s.mark.assign(n_items, 0);
    std::vector<std::uint32_t>& chosen = s.chosen;
    chosen.clear();
    // Popularity-weighted draws without replacement by rejection; a user who exhausts the likely items (a heavy
    // user of a small catalogue) stops after a bounded number of attempts and is topped up uniformly.
    for (std::uint64_t attempts = 4ull * need + 64; chosen.size() < need && attempts > 0; --attempts) {
      const std::uint32_t i = draw();
      if (s.mark[i] == stamp) continue;
      s.mark[i] = stamp;
      chosen.push_back(i);
    }
    if (chosen.size() < need) {
      s.pool.clear();
      for (std::uint32_t i = 0; i < n_items; ++i)
        if (s.mark[i] != stamp) s.pool.push_back(i);
      const std::size_t missing = need - chosen.size();
      for (std::size_t m = 0; m < missing; ++m) {
        const std::size_t j = m + static_cast<std::size_t>(rng.below(s.pool.size() - m));
        std::swap(s.pool[m], s.pool[j]);
        chosen.push_back(s.pool[m]);
      }
    }
    rnd::shuffle(chosen.begin(), chosen.end(), rng);  // the order in which the user meets them

    // Time: start in the first 3.5 years, spread over a part of what is left, in sessions.
    const std::int64_t start = options.start_time + static_cast<std::int64_t>(std::floor(rng.uniform() * 3.5 * kYear));
    const double share = rng.uniform();
    const double span = (0.05 + 0.95 * share * share) * static_cast<double>(end_time - start);
    s.gaps.resize(need);
    double cumulative = 0;
    for (std::uint32_t j = 0; j < need; ++j) {
      const bool same_session = rng.bernoulli(0.7);  // (sequenced: the condition's draw comes first)
      cumulative += same_session ? 0.02 * rng.uniform() : 0.02 + rng.uniform();
      s.gaps[j] = cumulative;
    }

    const std::size_t base = static_cast<std::size_t>(offset[u]);
    for (std::uint32_t j = 0; j < need; ++j) {
      const std::uint32_t i = chosen[j];
      const Item& it = items[i];
      const double bonus = is_favourite(user, it.primary)                                                     ? 0.9
                           : it.secondary >= 0 && is_favourite(user, static_cast<std::uint32_t>(it.secondary)) ? 0.4
                                                                                                                : -0.3;
      double noise = rng.uniform();  // three draws, three statements (see base_title)
      noise += rng.uniform();
      noise += rng.uniform();
      noise = (noise - 1.5) * 1.2;
      const double stars = std::floor(3.0 + user.bias + it.quality + bonus + noise + 0.5);
      data.users[base + j] = u;
      data.items[base + j] = i;
      data.values[base + j] = static_cast<float>(value_of(std::clamp(stars, 1.0, 5.0), rng, options.values));
      data.timestamps[base + j] = start + static_cast<std::int64_t>(std::floor(span * s.gaps[j] / cumulative));
    }
  };

  // Chunks of users with similar interaction counts; each chunk writes only its own slots.
  const auto chunks = balanced_chunks(n_users, [&](std::uint32_t u) { return static_cast<double>(counts[u]); }, 256);
  ThreadPool threads(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(hardware_threads()), chunks.size())));
  std::vector<Scratch> scratch(static_cast<std::size_t>(threads.size()));
  threads.run(chunks.size(), [&](std::size_t c, int thread) {
    for (std::uint32_t u = chunks[c].first; u < chunks[c].second; ++u)
      generate_user(u, scratch[static_cast<std::size_t>(thread)]);
  });

  data.user_ids.resize(n_users);
  for (std::uint32_t u = 0; u < n_users; ++u) data.user_ids[u] = std::to_string(u + 1);
  data.item_ids.resize(n_items);
  for (std::uint32_t i = 0; i < n_items; ++i) data.item_ids[i] = out.items[i].id;
  data.has_ratings = true;
  data.has_timestamps = true;
  data.rows = data.size();
  data.format.delimiter = ",";
  data.format.header = true;
  data.format.encoding = "utf-8";
  data.format.line_ending = "lf";
  data.format.column_names = {"userId", "itemId", "rating", "timestamp"};
  data.format.user_column = 0;
  data.format.item_column = 1;
  data.format.rating_column = 2;
  data.format.timestamp_column = 3;
  return out;
}

}  // namespace

const char* generated_values_name(GeneratedValues v) {
  switch (v) {
    case GeneratedValues::kStars: return "stars";
    case GeneratedValues::kBinary: return "binary";
    case GeneratedValues::kCounts: return "counts";
    case GeneratedValues::kZeroImplicit: return "zero-implicit";
  }
  return "stars";
}

Result<GeneratedValues> parse_generated_values(const std::string& s) {
  for (GeneratedValues v : {GeneratedValues::kStars, GeneratedValues::kBinary, GeneratedValues::kCounts,
                            GeneratedValues::kZeroImplicit})
    if (s == generated_values_name(v)) return v;
  return Status::invalid_argument("unknown value kind '" + s + "' (expected stars, binary, counts or zero-implicit)");
}

void write_ratings_csv(const Dataset& data, const TextSink& sink) {
  CsvWriter w(sink);
  w.raw("userId,itemId,rating,timestamp\n");
  const std::size_t n = data.size();
  for (std::size_t r = 0; r < n; ++r) {
    w.field(data.users[r] < data.user_ids.size() ? data.user_ids[data.users[r]] : std::to_string(data.users[r]));
    w.comma();
    w.field(data.items[r] < data.item_ids.size() ? data.item_ids[data.items[r]] : std::to_string(data.items[r]));
    w.comma();
    w.number(r < data.values.size() ? data.values[r] : 1.0f);
    w.comma();
    w.integer(static_cast<long long>(r < data.timestamps.size() ? data.timestamps[r] : std::int64_t{0}));
    w.end_row();
  }
}

void write_items_csv(const std::vector<ItemInfo>& items, const TextSink& sink) {
  CsvWriter w(sink);
  w.raw("itemId,title,genres\n");
  for (const ItemInfo& item : items) {
    w.field(item.id);
    w.comma();
    w.field(item.title);
    w.comma();
    w.field(item.genres);
    w.end_row();
  }
}

}  // namespace alsrec
