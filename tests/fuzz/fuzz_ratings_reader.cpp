// Fuzz target: the ratings reader. Byte 0 and 1 pick the options, byte 2 a chunk size, the rest is the file. The
// whole input read at once and the same bytes fed in chunks must give the same outcome (the same error, or the same
// dataset), and a loaded dataset must be consistent.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "alsrec/ratings.h"
#include "fuzz_check.h"

using namespace alsrec;

namespace {

FormatOptions options_from(std::uint8_t a, std::uint8_t b) {
  static const char* const kDelimiters[] = {"", ",", "\t", ";", "|", "::", "whitespace", ""};
  static const char* const kColumns[] = {"", "user,item,rating,timestamp", "item,user", "user=1,item=2,rating=3"};
  FormatOptions o;
  o.source_name = "fuzz.csv";
  o.delimiter = kDelimiters[a & 7];
  o.header = static_cast<int>((a >> 3) & 3) % 3 - 1;
  o.duplicates = static_cast<DuplicatePolicy>((a >> 5) & 3);
  o.strict = (a & 0x80) != 0;
  o.columns = kColumns[b & 3];
  if (b & 0x04) o.encoding = "latin-1";
  if (b & 0x08) {
    o.has_min_rating = true;
    o.min_rating = 3;
  }
  o.max_bad_fraction = (b & 0x10) ? 1.0 : 0.05;
  if (b & 0x40) {  // a later part of a file, as a distributed rank reads it
    o.first_line = 1000;
    o.allow_no_rows = true;
  }
  if (b & 0x80) o.max_fields = 3;
  return o;
}

void same_outcome(const Result<Dataset>& x, const Result<Dataset>& y) {
  FUZZ_CHECK(x.is_ok() == y.is_ok());
  if (!x.is_ok()) {
    FUZZ_CHECK(x.status().code() == y.status().code());
    FUZZ_CHECK(x.status().message() == y.status().message());
    FUZZ_CHECK(!x.status().message().empty());
    return;
  }
  const Dataset& a = *x;
  const Dataset& b = *y;
  FUZZ_CHECK(a.user_ids == b.user_ids && a.item_ids == b.item_ids);
  FUZZ_CHECK(a.users == b.users && a.items == b.items && a.timestamps == b.timestamps);
  FUZZ_CHECK(a.values.size() == b.values.size());
  for (std::size_t k = 0; k < a.values.size(); ++k) FUZZ_CHECK(a.values[k] == b.values[k]);
  FUZZ_CHECK(a.rows == b.rows && a.skipped == b.skipped && a.filtered == b.filtered);
  FUZZ_CHECK(a.duplicates_merged == b.duplicates_merged);
  FUZZ_CHECK(a.skipped_examples.size() == b.skipped_examples.size());
  for (std::size_t k = 0; k < a.skipped_examples.size(); ++k) {
    FUZZ_CHECK(a.skipped_examples[k].line == b.skipped_examples[k].line);
    FUZZ_CHECK(a.skipped_examples[k].reason == b.skipped_examples[k].reason);
  }
  FUZZ_CHECK(a.format.delimiter == b.format.delimiter && a.format.header == b.format.header);
  FUZZ_CHECK(a.format.encoding == b.format.encoding && a.format.max_fields == b.format.max_fields);
  // Invariants of a loaded dataset.
  FUZZ_CHECK(a.items.size() == a.users.size() && a.values.size() == a.users.size());
  FUZZ_CHECK(a.timestamps.size() == a.users.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    FUZZ_CHECK(a.users[k] < a.num_users() && a.items[k] < a.num_items());
    FUZZ_CHECK(std::isfinite(a.values[k]));
  }
  if (a.format.layout == "adjacency") {
    // A row is a user's line (`count item item …`): it holds any number of interactions, and no rating to filter.
    FUZZ_CHECK(a.filtered == 0 && a.skipped <= a.rows && a.num_users() <= a.rows - a.skipped);
  } else {
    FUZZ_CHECK(a.rows == a.size() + a.skipped + a.filtered + a.duplicates_merged);
  }
  FUZZ_CHECK(a.fingerprint() == b.fingerprint());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const FormatOptions o = options_from(data[0], data[1]);
  const std::size_t chunk = 1 + data[2];
  std::string text(reinterpret_cast<const char*>(data + 3), size - 3);
  if ((data[1] & 0x20) && (data[2] & 0x80) && !text.empty()) {
    // Past the reader's 64 KiB sniff window, so chunks also straddle its end (a quarter of the inputs: they cost
    // 20 times the others).
    while (text.size() <= RatingsReader::kSniffBytes + 4096) text += text;
  }
  const Result<Dataset> whole = read_ratings(text.data(), text.size(), o);
  RatingsReader reader(o);
  Status fed;
  for (std::size_t at = 0; at < text.size() && fed.is_ok(); at += chunk)
    fed = reader.feed(text.data() + at, std::min(chunk, text.size() - at));
  const Result<Dataset> chunked = fed.is_ok() ? reader.finish() : Result<Dataset>(fed);
  same_outcome(whole, chunked);
  return 0;
}
