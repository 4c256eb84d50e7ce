// Property test for the ratings reader: on random, mostly malformed input the result (data or error) must not
// depend on how the bytes are split into feed() calls, and nothing may crash (this also runs under ASan/UBSan).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/ratings.h"

#include "dataset_checks.h"

using namespace alsrec;

namespace {

struct Lcg {  // deterministic, platform-independent
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

std::string random_input(Lcg& rng) {
  // Pieces that exercise every branch of the splitter: delimiters of all dialects, quotes, line ends,
  // numbers that parse and that do not, UTF-8 and Latin-1 bytes.
  static const char* const kPieces[] = {",", ",", ",", ";", "|", "::", ":", "\t", " ", "  ", "\"", "\"\"", "\n",
                                        "\n", "\r\n", "\r", "1", "42", "3.5", "-2", "1e3", "nan", "abc", "u7",
                                        "\xC3\xBC", "\xFC", "\xEF\xBB\xBF", "userId", "rating", "item"};
  const std::size_t pieces = sizeof(kPieces) / sizeof(kPieces[0]);
  std::string out;
  const std::uint32_t n = rng.below(120);
  if (rng.below(3) == 0) out += "user,item,rating,timestamp\n";
  for (std::uint32_t k = 0; k < n; ++k) {
    if (rng.below(4) == 0) {  // a well-formed row now and then, so some inputs load
      // One statement per draw: operands of '+' have no fixed evaluation order, and the input must be the
      // same under every compiler.
      const std::uint32_t user = rng.below(5);
      const std::uint32_t item = rng.below(7);
      const std::uint32_t rating = rng.below(6);
      const std::uint32_t ts = rng.below(1000);
      out += std::to_string(user) + "," + std::to_string(item) + "," + std::to_string(rating) + "," +
             std::to_string(ts) + "\n";
    } else {
      out += kPieces[rng.below(static_cast<std::uint32_t>(pieces))];
    }
  }
  return out;
}

Result<Dataset> feed_randomly(const std::string& text, Lcg& rng, const FormatOptions& o) {
  RatingsReader reader(o);
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t n = std::min<std::size_t>(text.size() - at, 1 + rng.below(9));
    Status s = reader.feed(text.data() + at, n);
    if (!s) return s;
    at += n;
  }
  return reader.finish();
}

}  // namespace

TEST_CASE("random input: chunking never changes the outcome, nothing crashes", "[ratings]") {
  Lcg rng{20240611};
  int loaded = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string text = random_input(rng);
    FormatOptions o;
    o.max_bad_fraction = 1.0;  // accept bad rows so the data itself gets compared
    o.duplicates = static_cast<DuplicatePolicy>(rng.below(4));
    if (rng.below(4) == 0) o.strict = true;
    auto whole = read_ratings(text.data(), text.size(), o);
    auto chunked = feed_randomly(text, rng, o);
    INFO("round " << round << ", input of " << text.size() << " bytes");
    REQUIRE(whole.is_ok() == chunked.is_ok());
    if (!whole.is_ok()) {
      ++refused;
      CHECK(whole.status().code() == chunked.status().code());
      CHECK(whole.status().message() == chunked.status().message());
      CHECK_FALSE(whole.status().message().empty());
      continue;
    }
    ++loaded;
    const Dataset& a = whole.value();
    const Dataset& b = chunked.value();
    test::require_same_data(a, b);
    REQUIRE(a.skipped_examples.size() == b.skipped_examples.size());
    for (std::size_t k = 0; k < a.skipped_examples.size(); ++k) {
      CHECK(a.skipped_examples[k].line == b.skipped_examples[k].line);
      CHECK(a.skipped_examples[k].reason == b.skipped_examples[k].reason);
    }
    CHECK(a.format.delimiter == b.format.delimiter);
    CHECK(a.format.header == b.format.header);
    CHECK(a.format.encoding == b.format.encoding);
    CHECK(a.format.line_ending == b.format.line_ending);
    // Invariants of any loaded dataset.
    REQUIRE(a.users.size() == a.items.size());
    REQUIRE(a.values.size() == a.users.size());
    REQUIRE(a.timestamps.size() == a.users.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      CHECK(a.users[k] < a.num_users());
      CHECK(a.items[k] < a.num_items());
    }
    CHECK(a.rows == a.size() + a.skipped + a.filtered + a.duplicates_merged);
  }
  // The generator must produce both outcomes, or the test checks less than it claims.
  CHECK(loaded > 20);
  CHECK(refused > 20);
}
