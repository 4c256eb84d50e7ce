// Ratings reader: every dialect of one table loads to the same dataset; bad input is reported, not crashed on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "alsrec/ratings.h"

#include "dataset_checks.h"

using namespace alsrec;

namespace {

struct Row {
  std::string user, item, rating, ts;
};

// The reference table. "Müller" is written in UTF-8 here; Latin-1 shapes re-encode it.
const std::vector<Row> kTable = {
    {"1", "10", "4.0", "964982703"},    {"1", "20", "3.5", "964982224"}, {"2", "10", "5", "964983815"},
    {"Müller", "30", "2.0", "964981247"}, {"2", "40", "1.5", "964980000"}, {"Müller", "10", "4.5", "964984000"},
    {"3", "Ölkanne", "0.5", "964984100"},
};

std::string to_latin1(const std::string& utf8) {  // enough for U+0080..U+00FF
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F)));
      ++i;
    } else {
      out.push_back(utf8[i]);
    }
  }
  return out;
}

struct Shape {
  std::string name;
  std::string delimiter = ",";
  std::string header;  // "" = none
  std::string eol = "\n";
  bool quote_all = false;
  bool latin1 = false;
  bool bom = false;
  bool blank_lines = false;
  bool item_first = false;
  bool final_eol = true;
  std::string leading;  // written before each row (whitespace shapes)
};

Shape shape(std::string name, std::string delimiter, std::string header, std::string eol = "\n") {
  Shape s;
  s.name = std::move(name);
  s.delimiter = std::move(delimiter);
  s.header = std::move(header);
  s.eol = std::move(eol);
  return s;
}

std::string write_shape(const Shape& s, const std::vector<Row>& rows = kTable) {
  std::string out;
  if (s.bom) out += "\xEF\xBB\xBF";
  if (s.blank_lines) out += s.eol + "   " + s.eol;
  if (!s.header.empty()) out += s.header + s.eol;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> f = {rows[r].user, rows[r].item, rows[r].rating, rows[r].ts};
    if (s.item_first) std::swap(f[0], f[1]);
    std::string line = s.leading;
    for (std::size_t k = 0; k < f.size(); ++k) {
      if (k) line += s.delimiter;
      line += s.quote_all ? "\"" + f[k] + "\"" : f[k];
    }
    out += line;
    if (r + 1 < rows.size() || s.final_eol) out += s.eol;
    if (s.blank_lines && r % 2 == 0) out += s.eol;
  }
  if (s.blank_lines) out += s.eol + s.eol;
  return s.latin1 ? to_latin1(out) : out;
}

Result<Dataset> load(const std::string& text, FormatOptions o = {}) {
  return read_ratings(text.data(), text.size(), o);
}

Dataset must_load(const std::string& text, FormatOptions o = {}) {
  auto r = load(text, o);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r.value());
}

Result<Dataset> load_in_chunks(const std::string& text, std::size_t chunk, FormatOptions o = {}) {
  RatingsReader reader(o);
  for (std::size_t at = 0; at < text.size(); at += chunk) {
    Status s = reader.feed(text.data() + at, std::min(chunk, text.size() - at));
    if (!s) return s;
  }
  return reader.finish();
}

std::string many_rows(int n, int first_user = 0) {
  std::string s = "userId,movieId,rating,timestamp\n";
  for (int k = 0; k < n; ++k)
    s += std::to_string(first_user + k % 17) + "," + std::to_string(k) + "," + std::to_string(1 + k % 5) + ".0," +
         std::to_string(1000 + k) + "\n";
  return s;
}

}  // namespace

TEST_CASE("reference table loads with the expected ids and values", "[ratings]") {
  Dataset d = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")));
  // First appearance order: users 1, 2, Müller, 3; items 10, 20, 30, 40, Ölkanne.
  CHECK(d.user_ids == std::vector<std::string>{"1", "2", "Müller", "3"});
  CHECK(d.item_ids == std::vector<std::string>{"10", "20", "30", "40", "Ölkanne"});
  CHECK(d.users == std::vector<std::uint32_t>{0, 0, 1, 2, 1, 2, 3});
  CHECK(d.items == std::vector<std::uint32_t>{0, 1, 0, 2, 3, 0, 4});
  CHECK(d.values == std::vector<float>{4.0f, 3.5f, 5.0f, 2.0f, 1.5f, 4.5f, 0.5f});
  CHECK(d.timestamps ==
        std::vector<std::int64_t>{964982703, 964982224, 964983815, 964981247, 964980000, 964984000, 964984100});
  CHECK(d.has_ratings);
  CHECK(d.has_timestamps);
  CHECK(d.rows == 7);
  CHECK(d.skipped == 0);
  CHECK(d.size() == 7);
  CHECK(d.format.delimiter == ",");
  CHECK(d.format.header);
  CHECK(d.format.encoding == "utf-8");
  CHECK(d.format.line_ending == "lf");
  CHECK(d.format.column_names == std::vector<std::string>{"userId", "movieId", "rating", "timestamp"});
  CHECK(d.format.user_column == 0);
  CHECK(d.format.item_column == 1);
  CHECK(d.format.rating_column == 2);
  CHECK(d.format.timestamp_column == 3);
}

TEST_CASE("every dialect of the table loads to the same dataset, in any chunking", "[ratings]") {
  const Dataset ref = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")));

  struct Case {
    Shape shape;
    FormatOptions options;
    std::string delimiter, encoding, line_ending;
    bool header;
  };
  auto opts = [](std::string columns) {
    FormatOptions o;
    o.columns = std::move(columns);
    return o;
  };
  Shape crlf = shape("crlf", ",", "userId,movieId,rating,timestamp", "\r\n");
  Shape cr = shape("cr", ",", "userId,movieId,rating,timestamp", "\r");
  Shape blank = shape("blank lines", ",", "userId,movieId,rating,timestamp");
  blank.blank_lines = true;
  Shape crlf_blank = blank;
  crlf_blank.eol = "\r\n";
  Shape quoted = shape("quoted", ",", "\"userId\",\"movieId\",\"rating\",\"timestamp\"");
  quoted.quote_all = true;
  Shape bom = shape("bom", ",", "userId,movieId,rating,timestamp");
  bom.bom = true;
  Shape latin1 = shape("latin-1 csv", ",", "userId,movieId,rating,timestamp");
  latin1.latin1 = true;
  Shape semi_latin1 = shape("; latin-1", ";", "User-ID;ISBN;Book-Rating;timestamp");
  semi_latin1.latin1 = true;
  Shape ws = shape("whitespace", "   ", "");
  ws.leading = "  ";
  Shape item_first = shape("item first", ",", "");
  item_first.item_first = true;
  Shape item_first_named = shape("item first, named", ",", "movieId,userId,rating,timestamp");
  item_first_named.item_first = true;
  Shape no_final_eol = shape("no final newline", ",", "");
  no_final_eol.final_eol = false;
  Shape cr_no_final = shape("cr, no final newline", "\t", "", "\r");
  cr_no_final.final_eol = false;

  const std::vector<Case> cases = {
      {shape("csv no header", ",", ""), {}, ",", "utf-8", "lf", false},
      {shape("tsv", "\t", ""), {}, "\t", "utf-8", "lf", false},
      {shape("tsv header", "\t", "user_id\titem_id\tscore\tts"), {}, "\t", "utf-8", "lf", true},
      {shape("semicolon", ";", "customer;product;weight;time"), {}, ";", "utf-8", "lf", true},
      {semi_latin1, {}, ";", "latin-1", "lf", true},
      {shape("pipe", "|", ""), {}, "|", "utf-8", "lf", false},
      {ws, {}, "whitespace", "utf-8", "lf", false},
      {shape("dat", "::", ""), {}, "::", "utf-8", "lf", false},
      {quoted, {}, ",", "utf-8", "lf", true},
      {bom, {}, ",", "utf-8-bom", "lf", true},
      {latin1, {}, ",", "latin-1", "lf", true},
      {crlf, {}, ",", "utf-8", "crlf", true},
      {cr, {}, ",", "utf-8", "cr", true},
      {blank, {}, ",", "utf-8", "lf", true},
      {crlf_blank, {}, ",", "utf-8", "crlf", true},
      {item_first, opts("item,user,rating,timestamp"), ",", "utf-8", "lf", false},
      {item_first_named, {}, ",", "utf-8", "lf", true},
      {shape("named pairs", ",", "a,b,c,d"), opts("user=a,item=b,rating=c,timestamp=d"), ",", "utf-8", "lf", true},
      {shape("positions", ";", ""), opts("user=1,item=2,rating=3,timestamp=4"), ";", "utf-8", "lf", false},
      {no_final_eol, {}, ",", "utf-8", "lf", false},
      {cr_no_final, {}, "\t", "utf-8", "cr", false},
  };
  for (const auto& c : cases) {
    const std::string text = write_shape(c.shape);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, text.size()}) {
      INFO("shape: " << c.shape.name << ", chunk " << chunk);
      auto r = load_in_chunks(text, chunk, c.options);
      INFO(r.status().to_string());
      REQUIRE(r.is_ok());
      test::require_same_data(r.value(), ref);
      CHECK(r->format.delimiter == c.delimiter);
      CHECK(r->format.encoding == c.encoding);
      CHECK(r->format.line_ending == c.line_ending);
      CHECK(r->format.header == c.header);
    }
  }
}

TEST_CASE("overrides: delimiter, header and encoding options win over sniffing", "[ratings]") {
  const Dataset ref = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")));
  FormatOptions o;
  o.delimiter = "pipe";
  o.header = 0;
  Dataset d = must_load(write_shape(shape("pipe", "|", "")), o);
  test::require_same_data(d, ref);
  CHECK(d.format.delimiter == "|");

  // Forcing Latin-1 on UTF-8 bytes reads "Müller" as "MÃ¼ller": the option really is applied.
  FormatOptions latin;
  latin.encoding = "latin-1";
  Dataset m = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")), latin);
  CHECK(m.user_ids[2] == "M\xC3\x83\xC2\xBCller");
  CHECK(m.format.encoding == "latin-1");

  // header=1 on a file whose first row looks like data: that row is the header (6 data rows remain).
  FormatOptions h;
  h.header = 1;
  h.columns = "user=1,item=2,rating=3,timestamp=4";
  Dataset first_is_header = must_load(write_shape(shape("csv", ",", "")), h);
  CHECK(first_is_header.rows == 6);
  CHECK(first_is_header.format.column_names == std::vector<std::string>{"1", "10", "4.0", "964982703"});

  FormatOptions bad_delim;
  bad_delim.delimiter = "abc";
  auto r = load("1,2\n", bad_delim);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  FormatOptions bad_enc;
  bad_enc.encoding = "utf-16";
  auto e = load("1,2\n", bad_enc);
  REQUIRE_FALSE(e.is_ok());
  CHECK(e.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("optional rating and timestamp columns", "[ratings]") {
  Dataset d = must_load("alice,matrix\nbob,alien\nalice,alien\n");
  CHECK_FALSE(d.format.header);  // string ids on every row: nothing marks a header
  CHECK_FALSE(d.has_ratings);
  CHECK_FALSE(d.has_timestamps);
  CHECK(d.user_ids == std::vector<std::string>{"alice", "bob"});
  CHECK(d.values == std::vector<float>{1, 1, 1});
  CHECK(d.timestamps == std::vector<std::int64_t>{0, 0, 0});

  Dataset h = must_load("user,item\nalice,matrix\n");  // known names mark the header
  CHECK(h.format.header);
  CHECK(h.size() == 1);

  FormatOptions ws;
  ws.delimiter = "whitespace";
  Dataset mixed = must_load("1 \t 2\t\t3\n  4 5 6 \n", ws);  // runs of spaces and tabs, leading and trailing
  CHECK(mixed.user_ids == std::vector<std::string>{"1", "4"});
  CHECK(mixed.values == std::vector<float>{3, 6});

  Dataset r = must_load("u1 i1 3\nu2 i1 4\n");  // three columns without header: user, item, rating
  CHECK(r.has_ratings);
  CHECK_FALSE(r.has_timestamps);
  CHECK(r.values == std::vector<float>{3, 4});

  // Decimal timestamps are floored; a text "date" column is ignored rather than rejecting every row.
  Dataset t = must_load("userId,movieId,rating,timestamp\n1,2,3,100.9\n1,3,3,-5.5\n");
  CHECK(t.timestamps == std::vector<std::int64_t>{100, -6});
  Dataset dates = must_load("user,item,rating,date\n1,2,3,2020-01-31\n1,3,4,2020-02-01\n");
  CHECK_FALSE(dates.has_timestamps);
  CHECK(dates.format.timestamp_column == -1);
  CHECK(dates.size() == 2);
}

TEST_CASE("decimal commas in ratings when the delimiter is not a comma", "[ratings]") {
  Dataset d = must_load("user;item;rating\nMüller, Hans;42;4,5\nb;43;3\n");
  CHECK(d.format.delimiter == ";");
  CHECK(d.user_ids[0] == "Müller, Hans");
  CHECK(d.values == std::vector<float>{4.5f, 3.0f});
  // In a comma-delimited file "4,5" is two fields: user u, item i, rating 4, timestamp 5.
  Dataset c = must_load("u,i,4,5\n");
  CHECK(c.values == std::vector<float>{4.0f});
  CHECK(c.timestamps == std::vector<std::int64_t>{5});
}

TEST_CASE("a row with more fields than the header is a bad row, with its line and the reason", "[ratings]") {
  // An unquoted decimal comma ("1,5") shifts every later field: rating 1 and timestamp 5 would be stored silently.
  const std::string text =
      "userId,movieId,rating,timestamp\n"
      "u1,i1,4,100\n"
      "u2,i1,1,5,200\n"   // line 3: 5 fields
      "u3,i2,3,300,\n"    // line 4: an empty trailing field does not count
      "u4,i2,2,400\n";
  FormatOptions o;
  o.source_name = "r.csv";
  o.max_bad_fraction = 0.5;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, text.size()}) {
    auto r = load_in_chunks(text, chunk, o);
    REQUIRE(r.is_ok());
    CHECK(r->user_ids == std::vector<std::string>{"u1", "u3", "u4"});
    CHECK(r->skipped == 1);
    REQUIRE(r->skipped_examples.size() == 1);
    CHECK(r->skipped_examples[0].line == 3);
    CHECK(r->skipped_examples[0].reason.find("5 fields, but the header has 4") == 0);
    CHECK(r->format.max_fields == 4);
  }
  FormatOptions strict = o;
  strict.strict = true;
  auto refused = load(text, strict);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().message().find("r.csv line 3: 5 fields, but the header has 4") == 0);

  // Columns picked by position declare the others not to matter: the extra field is ignored.
  for (const char* columns : {"user,item,rating,timestamp", "user=1,item=2,rating=3"}) {
    FormatOptions by_position = o;
    by_position.columns = columns;
    Dataset d = must_load(text, by_position);
    CHECK(d.skipped == 0);
    CHECK(d.user_ids == std::vector<std::string>{"u1", "u2", "u3", "u4"});
    CHECK(d.values[1] == 1.0f);
    CHECK(d.format.max_fields == 0);
  }
  // Columns picked by header name do not: the row is still shifted.
  FormatOptions by_name = o;
  by_name.columns = "user=userId,item=movieId,rating=rating";
  CHECK(must_load(text, by_name).skipped == 1);

  // Without a header the usual width is the most common one; whitespace-delimited rows alike.
  Dataset no_header = must_load("1,10,4\n2,10,5\n3,20,1,5\n4,20,2\n", o);
  CHECK(no_header.skipped == 1);
  CHECK(no_header.skipped_examples.at(0).reason.find("4 fields, but rows have 3") == 0);
  FormatOptions ws = o;
  ws.delimiter = "whitespace";
  Dataset spaced = must_load("1 10 4\n  2   10 5  \n3 20 1 5\n4\t20 2\n", ws);
  CHECK(spaced.user_ids == std::vector<std::string>{"1", "2", "4"});
  CHECK(spaced.skipped_examples.at(0).line == 3);

  // A reader given a later part of a file (a distributed rank) takes the width from max_fields.
  FormatOptions part = o;
  part.header = 0;
  part.columns = "user=1,item=2,rating=3";
  part.max_fields = 3;
  CHECK(must_load("5,30,4\n6,30,1,5\n", part).skipped == 1);
}

TEST_CASE("summed duplicates that overflow a float are refused, naming the ids", "[ratings]") {
  FormatOptions o;
  o.source_name = "r.csv";
  o.duplicates = DuplicatePolicy::kSum;
  auto r = load("user,item,rating\nu1,i9,3e38\nu2,i1,4\nu1,i9,3e38\n", o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kBadInput);
  CHECK(r.status().message() == "r.csv: the ratings of user 'u1' for item 'i9' add up to more than a float holds "
                                "(duplicates summed); use another duplicates policy");
  o.duplicates = DuplicatePolicy::kMax;
  CHECK(load("user,item,rating\nu1,i9,3e38\nu2,i1,4\nu1,i9,3e38\n", o).is_ok());
}

TEST_CASE("RFC 4180 quoting: delimiters, doubled quotes and newlines inside ids", "[ratings]") {
  const std::string text =
      "user,item,rating\n"
      "\"Smith, John\",\"The \"\"Best\"\" Film\",4\n"   // line 2
      "\"multi\nline\",x,3\n"                              // lines 3-4
      "plain,\"a,b\",5\n"                                  // line 5
      "bad,x,abc\n";                                       // line 6: a bad row, to check line counting
  FormatOptions o;
  o.max_bad_fraction = 0.5;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, text.size()}) {
    auto r = load_in_chunks(text, chunk, o);
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    const Dataset& d = r.value();
    CHECK(d.user_ids == std::vector<std::string>{"Smith, John", "multi\nline", "plain"});
    CHECK(d.item_ids == std::vector<std::string>{"The \"Best\" Film", "x", "a,b"});
    CHECK(d.values == std::vector<float>{4, 3, 5});
    REQUIRE(d.skipped_examples.size() == 1);
    CHECK(d.skipped_examples[0].line == 6);
  }
  // An unmatched quote at the end of the input is a bad row, not a hang or a crash.
  FormatOptions lenient;
  lenient.max_bad_fraction = 1.0;
  Dataset u = must_load("u,i,1\nv,\"never closed,2\n", lenient);
  CHECK(u.size() == 1);
  CHECK(u.skipped == 1);
}

TEST_CASE("bad rows are skipped with physical line numbers and reasons", "[ratings]") {
  // 40 good rows, then bad ones after a blank line and a CRLF; 5 bad of 45 data rows = 11% > 5%, so allow 20%.
  std::string text = many_rows(40);
  text += "\n";                 // line 42: blank
  text += "7,100\r\n";          // line 43: missing fields
  text += "7,101,abc,5\n";      // line 44
  text += "7,102,NaN,5\n";      // line 45
  text += ",103,4,5\n";         // line 46
  text += "7,,4,5\n";           // line 47
  text += "8,104,inf,5\n";      // line 48
  text += "8,105,4,1e999\n";    // line 49
  FormatOptions o;
  o.source_name = "r.csv";
  o.max_bad_fraction = 0.2;
  o.max_examples = 6;
  Dataset d = must_load(text, o);
  CHECK(d.rows == 47);
  CHECK(d.skipped == 7);
  CHECK(d.size() == 40);
  REQUIRE(d.skipped_examples.size() == 6);  // capped by max_examples
  CHECK(d.skipped_examples[0].line == 43);
  CHECK(d.skipped_examples[0].reason == "expected at least 4 fields, found 2");
  CHECK(d.skipped_examples[1].line == 44);
  CHECK(d.skipped_examples[1].reason == "rating 'abc' is not a number");
  CHECK(d.skipped_examples[2].line == 45);
  CHECK(d.skipped_examples[2].reason == "rating 'NaN' is not a finite number");
  CHECK(d.skipped_examples[3].line == 46);
  CHECK(d.skipped_examples[3].reason == "empty user id");
  CHECK(d.skipped_examples[4].line == 47);
  CHECK(d.skipped_examples[4].reason == "empty item id");
  CHECK(d.skipped_examples[5].line == 48);
  CHECK(d.skipped_examples[5].reason == "rating 'inf' is not a finite number");

  // Reasons quote the field as valid UTF-8 even when the bytes are Latin-1 (messages reach JS as UTF-8).
  FormatOptions lenient;
  lenient.max_bad_fraction = 1.0;
  Dataset latin = must_load("a,b,1\na,c,\xE9t\xE9\n", lenient);
  REQUIRE(latin.skipped_examples.size() == 1);
  CHECK(latin.skipped_examples[0].reason == "rating 'été' is not a number");
  // Long fields are cut in the message, on a character boundary.
  Dataset longer = must_load("a,b,1\na,c," + std::string(39, 'x') + "\xC3\xBCyyy\n", lenient);
  REQUIRE(longer.skipped_examples.size() == 1);
  CHECK(longer.skipped_examples[0].reason == "rating '" + std::string(39, 'x') + "...' is not a number");

  // Extra fields are fine.
  Dataset extra = must_load("1,2,3,4,extra,more\n1,3,4,5,x,y\n");
  CHECK(extra.size() == 2);
  CHECK(extra.skipped == 0);
}

TEST_CASE("bad-row limits: fraction, strict mode, no usable rows", "[ratings]") {
  FormatOptions o;
  o.source_name = "ratings.csv";
  SECTION("exactly 5% bad is accepted, one more is not") {
    // 95 good + 5 bad = 100 data rows: 5/100 = 5% is not more than 5%.
    std::string ok = many_rows(95);
    for (int k = 0; k < 5; ++k) ok += "1,2,abc,3\n";
    Dataset d = must_load(ok, o);
    CHECK(d.skipped == 5);
    CHECK(d.rows == 100);
    // 94 good + 6 bad: 6% > 5%.
    std::string bad = many_rows(94);
    for (int k = 0; k < 6; ++k) bad += "1,2,abc,3\n";
    auto r = load(bad, o);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kBadInput);
    const std::string& m = r.status().message();
    CHECK(m.rfind("ratings.csv: 6 of 100 data rows are bad", 0) == 0);
    CHECK(m.find("line 96: rating 'abc' is not a number") != std::string::npos);
  }
  SECTION("strict stops at the first bad row with its line") {
    o.strict = true;
    std::string text = "userId,movieId,rating\n1,2,3\n\n1,3,x\n1,4,5\n";
    auto r = load(text, o);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kBadInput);
    CHECK(r.status().message() == "ratings.csv line 4: rating 'x' is not a number");
    // feed() itself reports it, and the reader stays failed.
    RatingsReader reader(o);
    Status s = reader.feed(text.data(), text.size());
    auto f = reader.finish();
    CHECK_FALSE((s.is_ok() && f.is_ok()));
    REQUIRE_FALSE(f.is_ok());
    CHECK(f.status().message() == "ratings.csv line 4: rating 'x' is not a number");
  }
  SECTION("no usable rows") {
    auto header_only = load("userId,movieId,rating\n", o);
    REQUIRE_FALSE(header_only.is_ok());
    CHECK(header_only.status().code() == StatusCode::kBadInput);
    CHECK(header_only.status().message().rfind("ratings.csv: no usable rows", 0) == 0);
    auto empty = load("", o);
    REQUIRE_FALSE(empty.is_ok());
    CHECK(empty.status().message().rfind("ratings.csv: no usable rows", 0) == 0);
    auto blank = load("\n \r\n\n", o);
    REQUIRE_FALSE(blank.is_ok());
    CHECK(blank.status().message().rfind("ratings.csv: no usable rows", 0) == 0);
    auto all_bad = load("userId,movieId,rating\n1,2,x\n3,4,y\n", o);
    REQUIRE_FALSE(all_bad.is_ok());
    CHECK(all_bad.status().message().rfind("ratings.csv: no usable rows (2 data rows: 2 bad", 0) == 0);
    CHECK(all_bad.status().message().find("line 2: rating 'x' is not a number") != std::string::npos);
  }
  SECTION("invalid max_bad_fraction") {
    o.max_bad_fraction = 2.0;
    auto r = load("1,2\n", o);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("binary input is refused by name", "[ratings]") {
  FormatOptions o;
  o.source_name = "model.bin";
  std::string nul("user,item\n1,2\n\0\0\x01\x02", 18);
  auto r = load(nul, o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kBadInput);
  CHECK(r.status().message().rfind("model.bin: looks like a binary file", 0) == 0);

  std::string controls;
  for (int k = 0; k < 200; ++k) controls += static_cast<char>(1 + k % 8);
  auto c = load(controls, o);
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.status().message().rfind("model.bin: looks like a binary file", 0) == 0);

  // gzip magic, fed in chunks larger than the sniff window: feed() itself fails once the window is full.
  std::string gz = "\x1F\x8B";
  gz += std::string(70000, 'a');
  RatingsReader reader(o);
  Status s = reader.feed(gz.data(), gz.size());
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().find("gzip") != std::string::npos);
  CHECK_FALSE(reader.finish().is_ok());
}

TEST_CASE("columns option errors name the problem", "[ratings]") {
  const std::string csv = "userId,movieId,rating,timestamp\n1,2,3,4\n";
  auto fails = [&](const std::string& text, const std::string& columns, const std::string& fragment) {
    FormatOptions o;
    o.source_name = "f.csv";
    o.columns = columns;
    auto r = load(text, o);
    INFO("columns=" << columns);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    INFO(r.status().message());
    CHECK(r.status().message().rfind("f.csv: ", 0) == 0);
    CHECK(r.status().message().find(fragment) != std::string::npos);
  };
  fails(csv, "user=userId,item=itemId", "no column named 'itemId' in the header (userId, movieId, rating, timestamp)");
  fails(csv, "user=1,item=9", "item is column 9, but rows have 4 fields");
  fails(csv, "user,item,rating,timestamp,extra", "unknown role 'extra'");
  fails(csv, "user,user", "role 'user' is given twice");
  fails(csv, "item=2,rating=3", "the user column is missing");
  fails("1,2,3\n", "user=uid,item=2", "no header line");
  fails(csv, "user=1,item", "expected role=column");

  // A header without a recognisable user column (and no option) is bad input, with advice.
  auto r = load("who,what,stars\na,b,3\n");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == StatusCode::kBadInput);
  CHECK(r.status().message().find("has no user column") != std::string::npos);

  // min_rating without a rating column.
  FormatOptions m;
  m.has_min_rating = true;
  m.min_rating = 3;
  auto mr = load("alice,matrix\nbob,alien\n", m);
  REQUIRE_FALSE(mr.is_ok());
  CHECK(mr.status().code() == StatusCode::kInvalidArgument);
  CHECK(mr.status().message().find("min_rating needs a rating column") != std::string::npos);

  // Skipped columns in a role list: "-" leaves a column without a role.
  FormatOptions skip;
  skip.columns = "-,user,item";
  Dataset d = must_load("junk,u1,i1\njunk,u2,i1\n", skip);
  CHECK(d.user_ids == std::vector<std::string>{"u1", "u2"});
  CHECK_FALSE(d.has_ratings);
}

// (a,x) appears on lines 2, 4, 6 with (value, ts) = (3,100), (5,90), (4,100);
// (b,x) on lines 5, 7 with (1,10), (2,5); (a,y) once on line 3 with (2,50).
const char* const kDuplicateRows =
    "user,item,rating,timestamp\n"
    "a,x,3,100\n"
    "a,y,2,50\n"
    "a,x,5,90\n"
    "b,x,1,10\n"
    "a,x,4,100\n"
    "b,x,2,5\n";

TEST_CASE("duplicate policies, worked by hand", "[ratings]") {
  const std::string text = kDuplicateRows;
  struct Expect {
    DuplicatePolicy policy;
    std::vector<std::uint32_t> users, items;
    std::vector<float> values;
    std::vector<std::int64_t> ts;
  };
  const std::vector<Expect> expects = {
      // last: (a,x) latest ts is 100 on lines 2 and 6, tie -> line 6 (4,100); (b,x) latest is line 5 (1,10).
      // Survivors in file order: line 3, line 5, line 6.
      {DuplicatePolicy::kLast, {0, 1, 0}, {1, 0, 0}, {2, 1, 4}, {50, 10, 100}},
      // first: (a,x) earliest ts is 90 on line 4 (5,90); (b,x) earliest is line 7 (2,5). Order: 3, 4, 7.
      {DuplicatePolicy::kFirst, {0, 0, 1}, {1, 0, 0}, {2, 5, 2}, {50, 90, 5}},
      // sum: (a,x) 3+5+4 = 12, ts max(100,90,100) = 100, at line 2; (b,x) 1+2 = 3, ts 10, at line 5.
      {DuplicatePolicy::kSum, {0, 0, 1}, {0, 1, 0}, {12, 2, 3}, {100, 50, 10}},
      // max: (a,x) max 5 (line 4, ts 90) at line 2's place; (b,x) max 2 (line 7, ts 5) at line 5's place.
      {DuplicatePolicy::kMax, {0, 0, 1}, {0, 1, 0}, {5, 2, 2}, {90, 50, 5}},
  };
  for (const auto& e : expects) {
    INFO("policy " << duplicate_policy_name(e.policy));
    FormatOptions o;
    o.duplicates = e.policy;
    Dataset d = must_load(text, o);
    CHECK(d.user_ids == std::vector<std::string>{"a", "b"});
    CHECK(d.item_ids == std::vector<std::string>{"x", "y"});
    CHECK(d.users == e.users);
    CHECK(d.items == e.items);
    CHECK(d.values == e.values);
    CHECK(d.timestamps == e.ts);
    CHECK(d.rows == 6);
    CHECK(d.duplicates_merged == 3);  // two extra (a,x) rows + one extra (b,x) row
  }
  // Without timestamps "last" and "first" are by file order.
  Dataset last = must_load("u,i,1\nu,i,2\nu,i,3\n");
  CHECK(last.values == std::vector<float>{3});
  FormatOptions first;
  first.duplicates = DuplicatePolicy::kFirst;
  CHECK(must_load("u,i,1\nu,i,2\nu,i,3\n", first).values == std::vector<float>{1});
  // Without ratings "sum" counts occurrences.
  FormatOptions sum;
  sum.duplicates = DuplicatePolicy::kSum;
  CHECK(must_load("u,i\nu,j\nu,i\n", sum).values == std::vector<float>{2, 1});
}

TEST_CASE("duplicate policy names round-trip", "[ratings]") {
  for (auto p : {DuplicatePolicy::kLast, DuplicatePolicy::kFirst, DuplicatePolicy::kSum, DuplicatePolicy::kMax}) {
    auto r = parse_duplicate_policy(duplicate_policy_name(p));
    REQUIRE(r.is_ok());
    CHECK(r.value() == p);
  }
  CHECK(parse_duplicate_policy(" MAX ").value() == DuplicatePolicy::kMax);
  auto bad = parse_duplicate_policy("median");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("median") != std::string::npos);
}

TEST_CASE("min_rating drops low ratings without interning their ids", "[ratings]") {
  FormatOptions o;
  o.has_min_rating = true;
  o.min_rating = 4.0;
  // Ratings 5, 3, 4, 3.5, 4.0: kept 5, 4, 4.0 (4 >= 4); filtered 3 and 3.5. u2/i2 appear only in a dropped row.
  Dataset d = must_load("user,item,rating\nu1,i1,5\nu2,i2,3\nu1,i3,4\nu3,i1,3.5\nu4,i3,4.0\n", o);
  CHECK(d.rows == 5);
  CHECK(d.filtered == 2);
  CHECK(d.skipped == 0);
  CHECK(d.user_ids == std::vector<std::string>{"u1", "u4"});
  CHECK(d.item_ids == std::vector<std::string>{"i1", "i3"});
  CHECK(d.values == std::vector<float>{5, 4, 4});

  o.min_rating = 10;
  auto none = load("user,item,rating\nu1,i1,5\n", o);
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().message().find("no usable rows (1 data row: 0 bad, 1 below min_rating)") != std::string::npos);
}

TEST_CASE("fingerprint ignores row order and file shape, and sees values and ids", "[ratings]") {
  const Dataset a = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")));
  std::vector<Row> reversed(kTable.rbegin(), kTable.rend());
  const Dataset b = must_load(write_shape(shape("tsv", "\t", ""), reversed));
  CHECK(a.user_ids != b.user_ids);  // different dense numbering ...
  CHECK(a.fingerprint() == b.fingerprint());  // ... same data

  std::vector<Row> changed = kTable;
  changed[3].rating = "2.5";
  CHECK(must_load(write_shape(shape("csv", ",", ""), changed)).fingerprint() != a.fingerprint());
  changed = kTable;
  changed[0].user = "11";
  CHECK(must_load(write_shape(shape("csv", ",", ""), changed)).fingerprint() != a.fingerprint());
  // Timestamps are not part of it.
  changed = kTable;
  changed[0].ts = "1";
  CHECK(must_load(write_shape(shape("csv", ",", ""), changed)).fingerprint() == a.fingerprint());
  // Swapping which column is the user and which the item is different data.
  FormatOptions swap;
  swap.columns = "item,user,rating,timestamp";
  CHECK(must_load(write_shape(shape("csv", ",", "")), swap).fingerprint() != a.fingerprint());
}

TEST_CASE("chunked feeding across the sniff window gives identical results", "[ratings]") {
  // ~100 KB: more than the 64 KiB sniff window, with quoted ids holding commas, quotes and CRLF inside.
  std::string text = "\xEF\xBB\xBFuser;item;rating;timestamp\r\n";
  for (int k = 0; k < 4000; ++k) {
    text += (k % 13 == 0) ? "\"u;" + std::to_string(k % 101) + "\r\nx\"\"y\"" : "u" + std::to_string(k % 101);
    text += ";i" + std::to_string(k % 257) + ";" + std::to_string(k % 5) + ".5;" + std::to_string(k) + "\r\n";
    if (k % 500 == 0) text += "\r\n";
  }
  REQUIRE(text.size() > RatingsReader::kSniffBytes);
  const Dataset whole = must_load(text);
  CHECK(whole.format.delimiter == ";");
  CHECK(whole.format.encoding == "utf-8-bom");
  CHECK(whole.format.line_ending == "crlf");
  CHECK(whole.rows == 4000);
  // pairs (k mod 101, k mod 257) repeat every 101*257 > 4000 rows, but ids with the quoted form differ, so
  // just check nothing is lost: 4000 rows, no bad ones.
  CHECK(whole.skipped == 0);
  CHECK(whole.user_ids.size() == 101 + 101);  // plain and quoted forms of u0..u100 ("u;N\r\nx\"y")
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{65535}}) {
    INFO("chunk " << chunk);
    auto r = load_in_chunks(text, chunk);
    REQUIRE(r.is_ok());
    test::require_same_data(r.value(), whole);
  }
}

TEST_CASE("sniff_format describes a file without reading it all", "[ratings]") {
  const std::string text = "UserID::MovieID::Rating::Timestamp\r\n1::1193::5::978300760\r\n1::661::3::978302109\r\n";
  auto f = sniff_format(text.data(), text.size(), FormatOptions{});
  REQUIRE(f.is_ok());
  CHECK(f->delimiter == "::");
  CHECK(f->header);
  CHECK(f->line_ending == "crlf");
  CHECK(f->column_names == std::vector<std::string>{"UserID", "MovieID", "Rating", "Timestamp"});
  CHECK(f->user_column == 0);
  CHECK(f->timestamp_column == 3);

  auto g = sniff_format("1\t2\n", 4, FormatOptions{});
  REQUIRE(g.is_ok());
  CHECK(g->delimiter == "\t");
  CHECK_FALSE(g->header);
  CHECK(g->column_names == std::vector<std::string>{"1", "2"});
  CHECK(g->rating_column == -1);

  auto single = sniff_format("1\n2\n3\n", 6, FormatOptions{});
  REQUIRE_FALSE(single.is_ok());
  CHECK(single.status().message().find("cannot detect the delimiter") != std::string::npos);
}

TEST_CASE("read_items: movies.csv with quoted titles", "[ratings]") {
  const std::string csv =
      "movieId,title,genres\n"
      "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
      "11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
      "\n"
      "31,\"Dangerous Minds \"\"Extended\"\" (1995)\",Drama\n"
      "99,Orphan,(no genres listed)\n";
  auto r = read_items(csv.data(), csv.size(), FormatOptions{});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  const auto& items = r.value();
  REQUIRE(items.size() == 4);
  CHECK(items[0].id == "1");
  CHECK(items[0].title == "Toy Story (1995)");
  CHECK(items[0].genres == "Adventure|Animation|Children|Comedy|Fantasy");
  CHECK(items[1].title == "American President, The (1995)");
  CHECK(items[1].genres == "Comedy|Drama|Romance");
  CHECK(items[2].id == "31");
  CHECK(items[2].title == "Dangerous Minds \"Extended\" (1995)");
  CHECK(items[3].genres == "(no genres listed)");
}

TEST_CASE("read_items: movies.dat (::, Latin-1) and u.item (|, genre flags)", "[ratings]") {
  const std::string dat =
      "1::Toy Story (1995)::Animation|Children's|Comedy\n"
      "2::Jumanji (1995)::Adventure|Children's|Fantasy\n"
      "3::Cit\xE9 des enfants perdus, La (1995)::Adventure|Sci-Fi\n";
  auto r = read_items(dat.data(), dat.size(), FormatOptions{});
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[2].id == "3");
  CHECK((*r)[2].title == "Cité des enfants perdus, La (1995)");
  CHECK((*r)[0].genres == "Animation|Children's|Comedy");

  // u.item: flags 0..18 in u.genre order; Toy Story has Animation(3), Children's(4), Comedy(5).
  const std::string uitem =
      "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
      "2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye%20(1995)|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n";
  auto u = read_items(uitem.data(), uitem.size(), FormatOptions{});
  INFO(u.status().to_string());
  REQUIRE(u.is_ok());
  REQUIRE(u->size() == 2);
  CHECK((*u)[0].title == "Toy Story (1995)");
  CHECK((*u)[0].genres == "Animation|Children's|Comedy");
  CHECK((*u)[1].genres == "Action|Adventure|Thriller");
}

TEST_CASE("quotes in tab, bar and double-colon files: a field starting with a quote keeps it", "[ratings]") {
  // Last.fm's artists.dat (tab), MovieLens movies.dat (::) and a bar file: names such as `"Weird Al" Yankovic`
  // are plain text there, while a field quoted whole (closed before the delimiter) is still unquoted.
  const std::string artists =
      "id\tname\turl\n"
      "1\t\"Weird Al\" Yankovic\thttp://www.last.fm/music/%22Weird+Al%22+Yankovic\n"
      "2\t\"Heroes\tsoundtrack\n"                      // never closed on its line: plain text up to the tab
      "3\t\"Quoted\tWhole\"\tx\n"                    // quoted whole: the tab inside belongs to the field
      "4\tMASS\"\thttp://x\n";
  auto a = read_items(artists.data(), artists.size(), FormatOptions{});
  INFO(a.status().to_string());
  REQUIRE(a.is_ok());
  REQUIRE(a->size() == 4);
  CHECK((*a)[0].title == "\"Weird Al\" Yankovic");
  CHECK((*a)[1].title == "\"Heroes");
  CHECK((*a)[2].title == "Quoted\tWhole");
  CHECK((*a)[3].title == "MASS\"");

  const std::string dat =
      "2226::\"Great Performances\" Cats (1998)::Musical\n"
      "2227::Lodger, The (1926)::Crime|Drama|Thriller\n";
  auto m = read_items(dat.data(), dat.size(), FormatOptions{});
  REQUIRE(m.is_ok());
  REQUIRE(m->size() == 2);
  CHECK((*m)[0].title == "\"Great Performances\" Cats (1998)");
  CHECK((*m)[0].genres == "Musical");

  // The ratings reader splits the same way, in any chunking (a chunk may end right after the closing quote).
  const std::string tsv = "u1\t\"Weird Al\" Yankovic\t13883\nu2\t\"Weird Al\" Yankovic\t5\nu2\tABBA\t7\n";
  const std::string bars = "u1|\"Weird Al\" Yankovic|13883\nu2|\"Weird Al\" Yankovic|5\nu2|ABBA|7\n";
  for (const std::string& text : {tsv, bars}) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{4}, std::size_t{13}, text.size()}) {
      auto r = load_in_chunks(text, chunk);
      INFO(r.status().to_string() << " chunk " << chunk);
      REQUIRE(r.is_ok());
      CHECK(r->skipped == 0);
      CHECK(r->item_ids == std::vector<std::string>{"\"Weird Al\" Yankovic", "ABBA"});
      CHECK(r->values == std::vector<float>{13883, 5, 7});
    }
  }
  // Comma files keep RFC 4180: text after a closing quote is a malformed row.
  FormatOptions lenient;
  lenient.max_bad_fraction = 1.0;
  Dataset csv = must_load("user,item,rating\nu1,\"Weird Al\" Yankovic,5\nu2,x,3\n", lenient);
  CHECK(csv.size() == 1);
  CHECK(csv.skipped == 1);
}

TEST_CASE("preview_file splits the first records as the reader does", "[ratings]") {
  const std::string dat = "1\t\"Weird Al\" Yankovic\t13883\n2\t\"Quoted\tWhole\"\t7\n3\tCit\xE9\t1\n4\tx\t2\n";
  auto p = preview_file(dat.data(), dat.size(), FormatOptions{}, 3);
  INFO(p.status().to_string());
  REQUIRE(p.is_ok());
  CHECK(p->format.delimiter == "\t");
  CHECK(p->format.encoding == "latin-1");
  REQUIRE(p->rows.size() == 3);
  CHECK(p->rows[0] == std::vector<std::string>{"1", "\"Weird Al\" Yankovic", "13883"});
  CHECK(p->rows[1] == std::vector<std::string>{"2", "Quoted\tWhole", "7"});
  CHECK(p->rows[2] == std::vector<std::string>{"3", "Cit\xC3\xA9", "1"});
  const std::string csv = "userId,movieId,rating\n\"Smith, John\",\"The \"\"Best\"\" Film\",4\n";
  auto c = preview_file(csv.data(), csv.size(), FormatOptions{}, 10);
  REQUIRE(c.is_ok());
  REQUIRE(c->rows.size() == 2);
  CHECK(c->rows[0] == std::vector<std::string>{"userId", "movieId", "rating"});
  CHECK(c->rows[1] == std::vector<std::string>{"Smith, John", "The \"Best\" Film", "4"});
}

TEST_CASE("read_items: error discipline", "[ratings]") {
  FormatOptions o;
  o.source_name = "movies.csv";
  o.strict = true;
  const std::string csv = "movieId,title,genres\n1,A,x\n,B,y\n";
  auto r = read_items(csv.data(), csv.size(), o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message() == "movies.csv line 3: empty item id");
  auto empty = read_items("movieId,title\n", 14, FormatOptions{});
  REQUIRE_FALSE(empty.is_ok());
  CHECK(empty.status().message().find("no usable rows") != std::string::npos);
  // A ratings file is not a catalogue: u.data's "titles" would be item ids or ratings.
  const std::string udata = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n";
  FormatOptions named;
  named.source_name = "u.data";
  auto ratings_file = read_items(udata.data(), udata.size(), named);
  REQUIRE_FALSE(ratings_file.is_ok());
  CHECK(ratings_file.status().message() ==
        "u.data: the title column (column 2) holds only numbers: this looks like a ratings file, not item titles");
  std::string bin("\0\0\0", 3);
  auto b = read_items(bin.data(), bin.size(), FormatOptions{});
  REQUIRE_FALSE(b.is_ok());
  CHECK(b.status().message().find("looks like a binary file") != std::string::npos);
}

TEST_CASE("MovieLens ml-latest-small ratings.csv", "[ratings]") {
  const std::string path = std::string(ALSREC_SHARED_DATA_DIR) + "/ml-latest-small/ratings.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    WARN("skipped: " << path << " not found");
    return;
  }
  FormatOptions o;
  o.source_name = "ratings.csv";
  RatingsReader reader(o);
  std::vector<char> buf(1 << 20);  // 1 MiB chunks, like the CLI
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    REQUIRE(reader.feed(buf.data(), static_cast<std::size_t>(in.gcount())).is_ok());
  }
  auto r = reader.finish();
  REQUIRE(r.is_ok());
  const Dataset& d = r.value();
  CHECK(d.size() == 100836);
  CHECK(d.num_users() == 610);
  CHECK(d.num_items() == 9724);
  CHECK(d.rows == 100836);
  CHECK(d.skipped == 0);
  CHECK(d.duplicates_merged == 0);
  CHECK(d.has_ratings);
  CHECK(d.has_timestamps);
  CHECK(d.user_ids[0] == "1");
  CHECK(d.item_ids[0] == "1");
  CHECK(d.values[3] == 5.0f);  // "1,47,5.0,964983815"
  CHECK(d.timestamps[3] == 964983815);
}

TEST_CASE("ids are exact strings: no numeric folding, long shared prefixes kept apart", "[ratings]") {
  // "7", "07" and "007" are three users; ids longer than 8 bytes differing only after byte 8 are distinct;
  // a large number takes the hash path, a small one the direct one, and both come back the same on repeat.
  std::string text = "user,item\n";
  const std::vector<std::string> users = {"7", "07", "007", "123456789", "123456780", "12345678", "4000000000",
                                          "item-long-prefix-A", "item-long-prefix-B", "0"};
  for (int round = 0; round < 3; ++round)
    for (std::size_t k = 0; k < users.size(); ++k) text += users[k] + ",i" + std::to_string(round) + "\n";
  // Many distinct small integers force the direct array and the hash table to grow and rehash.
  for (int k = 0; k < 5000; ++k) text += std::to_string(k * 3) + ",j" + std::to_string(k) + "\n";
  Dataset d = must_load(text);
  REQUIRE(d.num_users() >= users.size());
  for (std::size_t k = 0; k < users.size(); ++k) CHECK(d.user_ids[k] == users[k]);
  // Rows 0..9 and their repeats in rounds 1 and 2 map to users 0..9.
  for (std::size_t r = 0; r < 3 * users.size(); ++r) CHECK(d.users[r] == r % users.size());
  // Of 0, 3, ..., 14997 only "0" is already known (user 9), so 4999 new users.
  CHECK(d.num_users() == users.size() + 4999);
  CHECK(d.users[3 * users.size()] == 9);  // "0"
  CHECK(d.user_ids[d.users.back()] == "14997");
}

// ---- pieces for a distributed reader: line numbers of a later part, fingerprint parts, merging duplicates alone

TEST_CASE("first_line: a reader fed a later part of a file names the file's own lines", "[ratings][distributed]") {
  // The part's 3rd line is bad; counting from 101 it is line 101 + 2 = 103.
  const std::string part = "1,2,3\n1,3,4\n1,4,x\n1,5,5\n";
  FormatOptions o;
  o.source_name = "r.csv";
  o.header = 0;
  o.first_line = 101;
  o.max_bad_fraction = 0.5;
  const Dataset d = must_load(part, o);
  CHECK(d.size() == 3);
  REQUIRE(d.skipped_examples.size() == 1);
  CHECK(d.skipped_examples[0].line == 103);
  CHECK(d.skipped_examples[0].reason == "rating 'x' is not a number");

  o.strict = true;
  auto strict = load(part, o);
  REQUIRE_FALSE(strict.is_ok());
  CHECK(strict.status().message() == "r.csv line 103: rating 'x' is not a number");
  // Fed in small chunks (records cut across feeds), the count is the same.
  auto chunked = load_in_chunks(part, 5, o);
  REQUIRE_FALSE(chunked.is_ok());
  CHECK(chunked.status().message() == "r.csv line 103: rating 'x' is not a number");

  // A quoted newline inside the part counts too: the bad row starts at line 101 + 3 = 104.
  auto quoted = load("1,2,3\n\"a\nb\",3,4\n1,4,x\n", o);
  REQUIRE_FALSE(quoted.is_ok());
  CHECK(quoted.status().message() == "r.csv line 104: rating 'x' is not a number");

  // The items reader reads the same option.
  FormatOptions items;
  items.source_name = "movies.csv";
  items.strict = true;
  items.first_line = 51;
  const std::string catalogue = "movieId,title\n1,Heat\n,Nameless\n";
  auto bad_items = read_items(catalogue.data(), catalogue.size(), items);
  REQUIRE_FALSE(bad_items.is_ok());
  CHECK(bad_items.status().message().rfind("movies.csv line 53: ", 0) == 0);  // 3rd line: 51 + 2
}

TEST_CASE("allow_no_rows: a part without usable rows is an empty dataset, not an error", "[ratings][distributed]") {
  FormatOptions o;
  o.source_name = "r.csv";
  // A part holding only the header line, and one whose only row is below min_rating.
  auto header_only = load("user,item,rating\n", o);
  REQUIRE_FALSE(header_only.is_ok());
  CHECK(header_only.status().message() == "r.csv: no usable rows (the file has a header but no data rows)");
  o.allow_no_rows = true;
  const Dataset empty = must_load("user,item,rating\n", o);
  CHECK(empty.size() == 0);
  CHECK(empty.rows == 0);
  o.has_min_rating = true;
  o.min_rating = 3;
  const Dataset filtered = must_load("user,item,rating\nu1,i1,2\n", o);
  CHECK(filtered.size() == 0);
  CHECK(filtered.rows == 1);
  CHECK(filtered.filtered == 1);
  CHECK(filtered.num_users() == 0);  // ids of dropped rows are not interned
}

TEST_CASE("fingerprint in parts: interaction hash sums add up and fingerprint_finish completes them",
          "[ratings][distributed]") {
  const Dataset whole = must_load(write_shape(shape("csv", ",", "userId,movieId,rating,timestamp")));
  // The value the one-piece fingerprint had before it was split (model files store it): it must not change.
  CHECK(whole.fingerprint() == 0x6983880d5862d6efull);
  CHECK(Dataset::fingerprint_finish(whole.interaction_hash_sum(), whole.size(), whole.num_users(),
                                    whole.num_items()) == whole.fingerprint());
  // Two processes holding every id but disjoint interactions (even and odd rows).
  Dataset even = whole, odd = whole;
  for (Dataset* part : {&even, &odd}) {
    part->users.clear(), part->items.clear(), part->values.clear(), part->timestamps.clear();
  }
  for (std::size_t r = 0; r < whole.size(); ++r) {
    Dataset& part = r % 2 == 0 ? even : odd;
    part.users.push_back(whole.users[r]);
    part.items.push_back(whole.items[r]);
    part.values.push_back(whole.values[r]);
    part.timestamps.push_back(whole.timestamps[r]);
  }
  REQUIRE(even.size() == 4);
  REQUIRE(odd.size() == 3);
  const std::uint64_t sum = even.interaction_hash_sum() + odd.interaction_hash_sum();  // mod 2^64
  CHECK(sum == whole.interaction_hash_sum());
  CHECK(Dataset::fingerprint_finish(sum, even.size() + odd.size(), whole.num_users(), whole.num_items()) ==
        whole.fingerprint());
  // The counts are part of it: the same sum with one interaction fewer, or one more user, is another fingerprint.
  CHECK(Dataset::fingerprint_finish(sum, 6, whole.num_users(), whole.num_items()) != whole.fingerprint());
  CHECK(Dataset::fingerprint_finish(sum, 7, whole.num_users() + 1, whole.num_items()) != whole.fingerprint());
  CHECK(even.interaction_hash_sum() != odd.interaction_hash_sum());
}

TEST_CASE("merge_duplicate_rows gives the reader's survivors, also per user group and with extra ids",
          "[ratings][distributed]") {
  // The rows of "duplicate policies, worked by hand" (same expected survivors), with ids numbered differently
  // and two ids that no row uses: users {b, a, c}, items {y, x, z}.
  const std::string text = kDuplicateRows;
  Dataset hand;
  hand.user_ids = {"b", "a", "c"};
  hand.item_ids = {"y", "x", "z"};
  hand.users = {1, 1, 1, 0, 1, 0};
  hand.items = {1, 0, 1, 1, 1, 1};
  hand.values = {3, 2, 5, 1, 4, 2};
  hand.timestamps = {100, 50, 90, 10, 100, 5};
  // (user id, item id, value, timestamp) of each row, for comparing across numberings.
  using Quad = std::tuple<std::string, std::string, float, std::int64_t>;
  auto rows_of = [](const Dataset& d) {
    std::vector<Quad> out;
    for (std::size_t r = 0; r < d.size(); ++r)
      out.emplace_back(d.user_ids[d.users[r]], d.item_ids[d.items[r]], d.values[r], d.timestamps[r]);
    return out;
  };
  for (auto policy : {DuplicatePolicy::kLast, DuplicatePolicy::kFirst, DuplicatePolicy::kSum, DuplicatePolicy::kMax}) {
    INFO("policy " << duplicate_policy_name(policy));
    FormatOptions o;
    o.duplicates = policy;
    const Dataset read = must_load(text, o);
    Dataset d = hand;
    CHECK(merge_duplicate_rows(d, policy) == 3);  // two extra (a,x) rows + one extra (b,x)
    CHECK(rows_of(d) == rows_of(read));           // the same survivors, in file order
    CHECK(d.user_ids == hand.user_ids);           // ids untouched
    CHECK(d.item_ids == hand.item_ids);

    // Two "processes", each with every row of its users in file order: a's rows and b's rows. The survivors of
    // the two, merged back in file order, are the whole's (here: survivors of a then b, checked as sets of rows).
    std::vector<Quad> combined;
    for (std::uint32_t user : {1u, 0u}) {
      Dataset part = hand;
      part.users.clear(), part.items.clear(), part.values.clear(), part.timestamps.clear();
      for (std::size_t r = 0; r < hand.size(); ++r)
        if (hand.users[r] == user) {
          part.users.push_back(user);
          part.items.push_back(hand.items[r]);
          part.values.push_back(hand.values[r]);
          part.timestamps.push_back(hand.timestamps[r]);
        }
      merge_duplicate_rows(part, policy);
      for (const Quad& q : rows_of(part)) combined.push_back(q);
    }
    std::vector<Quad> expected = rows_of(read);
    std::sort(combined.begin(), combined.end());
    std::sort(expected.begin(), expected.end());
    CHECK(combined == expected);
  }
  // Bad input is left alone rather than crashed on: arrays of different lengths, an index without an id.
  Dataset uneven = hand;
  uneven.values.pop_back();
  CHECK(merge_duplicate_rows(uneven, DuplicatePolicy::kSum) == 0);
  CHECK(uneven.users.size() == 6);
  Dataset stray = hand;
  stray.users[5] = 7;  // (7, x) is then unique: only the two extra (a,x) rows merge
  CHECK(merge_duplicate_rows(stray, DuplicatePolicy::kLast) == 2);
  // Without timestamps "last" is by file order: (a,x) keeps its 3rd row's value 4.
  Dataset no_ts = hand;
  no_ts.timestamps.clear();
  CHECK(merge_duplicate_rows(no_ts, DuplicatePolicy::kLast) == 3);
  CHECK(no_ts.values == std::vector<float>{2, 4, 2});
  CHECK(no_ts.timestamps.empty());
}

TEST_CASE("adjacency lists: a user per line, `count item item ...`, line k is user k-1", "[ratings]") {
  // citeulike's users.dat shape: no header, no final newline, lines of different widths.
  const std::string text = "3 10 11 12\n1 11\n2 12 13";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, text.size()}) {
    RatingsReader reader(FormatOptions{});
    for (std::size_t at = 0; at < text.size(); at += chunk)
      REQUIRE(reader.feed(text.data() + at, std::min(chunk, text.size() - at)).is_ok());
    auto d = reader.finish();
    REQUIRE(d.is_ok());
    CHECK(d->format.layout == "adjacency");
    CHECK(d->user_ids == std::vector<std::string>{"0", "1", "2"});
    CHECK(d->item_ids == std::vector<std::string>{"10", "11", "12", "13"});
    CHECK(d->users == std::vector<std::uint32_t>{0, 0, 0, 1, 2, 2});
    CHECK(d->items == std::vector<std::uint32_t>{0, 1, 2, 1, 2, 3});
    CHECK_FALSE(d->has_ratings);
  }
  // A count that disagrees with its line is a bad row naming both numbers.
  FormatOptions o;
  o.max_bad_fraction = 0.5;
  o.source_name = "users.dat";
  // (the sniffed sample must agree everywhere, so the bad line comes after a long enough good prefix)
  std::string good;
  for (int k = 0; k < 40; ++k) good += std::to_string(1 + k % 3) + (k % 3 == 0 ? " 5\n" : k % 3 == 1 ? " 5 6\n" : " 5 6 7\n");
  const std::string mixed = good + "4 1 2\n";
  auto m = read_ratings(mixed.data(), mixed.size(), o);
  REQUIRE(m.is_ok());
  CHECK(m->skipped == 1);
  REQUIRE(m->skipped_examples.size() == 1);
  CHECK(m->skipped_examples[0].line == 41);
  CHECK(m->skipped_examples[0].reason == "the line says 4 items but lists 2");
  // A triplet file whose first column is 2 everywhere stays a triplet file (one width).
  const std::string triplets = "2 7 1\n2 8 1\n2 9 5\n";
  auto t = read_ratings(triplets.data(), triplets.size(), FormatOptions{});
  REQUIRE(t.is_ok());
  CHECK(t->format.layout == "rows");
  CHECK(t->size() == 3);
}

TEST_CASE("citeulike-a users.dat (adjacency list) loads with its stated counts", "[ratings]") {
  const std::string path = std::string(ALSREC_SHARED_DATA_DIR) + "/citeulike-a/users.dat";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    WARN("skipped: " << path << " not found");
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto d = read_ratings(text.data(), text.size(), FormatOptions{});
  REQUIRE(d.is_ok());
  CHECK(d->format.layout == "adjacency");
  CHECK(d->num_users() == 5551);   // SOURCE.md: 5,551 users, 16,980 articles, 204,986 pairs
  CHECK(d->num_items() == 16980);
  CHECK(d->size() == 204986);
  CHECK(d->user_ids.back() == "5550");  // the last line has no final newline and still counts
}
