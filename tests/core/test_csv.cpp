// CSV written by the tool (csv.h): RFC 4180 quoting that the reader reads back to the same ids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "alsrec/csv.h"
#include "alsrec/ratings.h"

using namespace alsrec;

TEST_CASE("csv_field quotes exactly the fields that need it", "[csv]") {
  CHECK(csv_field("plain id") == "plain id");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
}

TEST_CASE("hostile ids written as user,rank,item,score read back as the same ids", "[csv]") {
  const std::vector<std::string> users = {"a,b", "say \"hi\"", "two\nlines", "\"", "plain", "Zoë; ok"};
  const std::vector<std::string> items = {"x,\"y\"", "\r\n", "i", ",,,"};
  std::string text;
  {
    CsvWriter csv([&](const char* data, std::size_t size) { text.append(data, size); });
    csv.raw("user,rank,item,score\n");
    for (std::size_t u = 0; u < users.size(); ++u)
      for (std::size_t r = 0; r < items.size(); ++r) {
        csv.field(users[u]);
        csv.comma();
        csv.integer(static_cast<unsigned long long>(r + 1));
        csv.comma();
        csv.field(items[(u + r) % items.size()]);
        csv.comma();
        csv.number(0.5 - 0.125 * static_cast<double>(r), 6);
        csv.end_row();
      }
  }
  FormatOptions o;
  o.columns = "user,_,item,rating";
  o.strict = true;
  auto r = read_ratings(text.data(), text.size(), o);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->user_ids == users);
  CHECK(r->size() == users.size() * items.size());
  std::vector<std::string> seen_items = r->item_ids;
  std::sort(seen_items.begin(), seen_items.end());
  std::vector<std::string> expected = items;
  std::sort(expected.begin(), expected.end());
  CHECK(seen_items == expected);
  CHECK(r->values[1] == 0.375f);
}
