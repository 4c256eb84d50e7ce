// Fuzz target: the items/titles reader (movies.csv, movies.dat, u.item). Byte 0 picks the options, the rest is the
// file; what loads has unique, non-empty ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "alsrec/ratings.h"
#include "fuzz_check.h"

using namespace alsrec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kDelimiters[] = {"", ",", "\t", ";", "|", "::", "whitespace", ""};
  FormatOptions o;
  o.source_name = "items.csv";
  o.delimiter = kDelimiters[data[0] & 7];
  o.header = static_cast<int>((data[0] >> 3) & 3) % 3 - 1;
  if (data[0] & 0x20) o.encoding = "latin-1";
  if (data[0] & 0x40) o.columns = "id,title,genres";
  o.strict = (data[0] & 0x80) != 0;
  o.max_bad_fraction = 0.5;
  const auto items = read_items(reinterpret_cast<const char*>(data + 1), size - 1, o);
  if (!items.is_ok()) {
    FUZZ_CHECK(!items.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!items->empty());
  std::unordered_set<std::string> ids;
  for (const ItemInfo& item : *items) {
    FUZZ_CHECK(!item.id.empty());
    FUZZ_CHECK(ids.insert(item.id).second);
  }
  return 0;
}
