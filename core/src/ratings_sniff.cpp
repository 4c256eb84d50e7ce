#include "ratings_sniff.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "text_scan.h"

namespace alsrec {
namespace {

constexpr std::size_t kSampleRecords = 200;  // records of the window used to decide delimiter and header

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// --- options -------------------------------------------------------------------------------------------

Status parse_delimiter_option(const std::string& raw, const std::string& source, Delimiter& d, std::string& name) {
  const std::string s = lower(raw);
  auto set_char = [&](char c, std::string n) {
    d = Delimiter{DelimKind::kChar, c};
    name = std::move(n);
  };
  if (s == "," || s == "comma") set_char(',', ",");
  else if (s == "\t" || s == "tab" || s == "\\t") set_char('\t', "\t");
  else if (s == ";" || s == "semicolon") set_char(';', ";");
  else if (s == "|" || s == "pipe") set_char('|', "|");
  else if (s == "::" || s == "colons" || s == "double-colon") {
    d = Delimiter{DelimKind::kDoubleColon, ':'};
    name = "::";
  } else if (s == "whitespace" || s == "space" || s == "spaces" || s == " " || s == "ws") {
    d = Delimiter{DelimKind::kWhitespace, ' '};
    name = "whitespace";
  } else if (raw.size() == 1 && std::ispunct(static_cast<unsigned char>(raw[0])) && raw[0] != '"') {
    set_char(raw[0], raw);  // any other single punctuation byte, e.g. ':'
  } else {
    return Status::invalid_argument(source + ": delimiter '" + raw +
                                    "' is not supported (use , tab ; | :: whitespace or one punctuation character)");
  }
  return Status::ok();
}

Status parse_encoding_option(const std::string& raw, const std::string& source, int& forced) {
  const std::string s = lower(raw);
  if (s.empty()) forced = 0;
  else if (s == "utf-8" || s == "utf8" || s == "utf-8-bom") forced = 1;
  else if (s == "latin-1" || s == "latin1" || s == "iso-8859-1" || s == "iso8859-1" || s == "l1") forced = 2;
  else return Status::invalid_argument(source + ": encoding '" + raw + "' is not supported (use utf-8 or latin-1)");
  return Status::ok();
}

// --- window checks -------------------------------------------------------------------------------------

Status check_binary(std::string_view w, const std::string& source) {
  auto starts = [&](const char* magic, std::size_t n) { return w.size() >= n && w.compare(0, n, magic, n) == 0; };
  const std::string base = source + ": looks like a binary file";
  if (starts("\xFF\xFE", 2) || starts("\xFE\xFF", 2)) return Status::bad_input(base + " (UTF-16 text? save it as UTF-8)");
  if (starts("\x1F\x8B", 2)) return Status::bad_input(base + " (gzip-compressed? decompress it first)");
  if (starts("PK\x03\x04", 4)) return Status::bad_input(base + " (a zip archive? extract it first)");
  std::size_t control = 0;
  for (char ch : w) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) return Status::bad_input(base + " (it contains NUL bytes)");
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7F) ++control;
  }
  if (control * 10 > w.size()) return Status::bad_input(base + " (mostly control bytes)");
  return Status::ok();
}

std::string sniff_line_ending(std::string_view w, bool eof) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == '\n') return "lf";
    if (w[i] == '\r') {
      if (i + 1 < w.size()) return w[i + 1] == '\n' ? "crlf" : "cr";
      return eof ? "cr" : "crlf";  // cut at the window edge: CRLF is the likelier
    }
  }
  return "lf";
}

// Non-blank complete records at the start of the window, split with one candidate delimiter.
std::vector<std::vector<Field>> sample_records(std::string_view w, bool eof, const Delimiter& d) {
  std::vector<std::vector<Field>> out;
  RecordSplitter splitter(d);
  const char* p = w.data();
  const char* end = p + w.size();
  std::vector<Field> fields;
  RecordInfo info;
  while (p < end && out.size() < kSampleRecords) {
    if (*p == '\n' && p > w.data() && p[-1] == '\r') { ++p; continue; }  // LF of a CRLF split by ended_with_cr
    const char* next = nullptr;
    if (splitter.split(p, end, eof, fields, &next, info) != RecordStatus::kRecord) break;
    if (!RecordSplitter::is_blank(fields)) out.push_back(fields);
    p = next;
  }
  return out;
}

struct WidthStats {
  std::size_t mode = 0;
  double share = 0.0;  // fraction of records with `mode` fields
};

WidthStats width_stats(const std::vector<std::vector<Field>>& records) {
  std::map<std::size_t, std::size_t> counts;
  for (const auto& r : records) ++counts[r.size()];
  WidthStats s;
  std::size_t best = 0;
  for (const auto& [width, count] : counts)
    if (count > best || (count == best && width > s.mode)) { best = count; s.mode = width; }
  if (!records.empty()) s.share = static_cast<double>(best) / static_cast<double>(records.size());
  return s;
}

// Picks the delimiter whose field count is the most consistent over the sampled records: a candidate needs
// >= 2 fields in at least half of them; then the larger share wins, then more fields, then the earlier
// candidate ('::' before tab before ','). Whitespace is the last resort: titles and names contain spaces.
bool sniff_delimiter(std::string_view w, bool eof, Delimiter& d, std::string& name) {
  struct Candidate {
    Delimiter d;
    const char* name;
  };
  static const Candidate kCandidates[] = {
      {{DelimKind::kDoubleColon, ':'}, "::"}, {{DelimKind::kChar, '\t'}, "\t"}, {{DelimKind::kChar, ','}, ","},
      {{DelimKind::kChar, ';'}, ";"},         {{DelimKind::kChar, '|'}, "|"},   {{DelimKind::kWhitespace, ' '}, "whitespace"},
  };
  WidthStats best;
  bool found = false;
  for (const auto& c : kCandidates) {
    if (found && c.d.kind == DelimKind::kWhitespace) break;
    auto records = sample_records(w, eof, c.d);
    if (records.empty()) continue;
    WidthStats s = width_stats(records);
    if (s.mode < 2 || s.share < 0.5) continue;
    const bool better = !found || s.share > best.share + 1e-9 || (s.share > best.share - 1e-9 && s.mode > best.mode);
    if (better) {
      found = true;
      best = s;
      d = c.d;
      name = c.name;
    }
  }
  return found;
}

bool is_known_header_name(std::string_view field, const std::vector<ColumnRole>& roles) {
  const std::string n = text::normalize_name(text::trim(field));
  for (const auto& r : roles)
    for (const auto& a : r.header_aliases)
      if (a == n) return true;
  return false;
}

// A header is a first record that names a known column, or whose fields are all non-numeric where later
// records hold numbers in some column.
bool sniff_header(const std::vector<std::vector<Field>>& records, const std::vector<ColumnRole>& roles) {
  if (records.empty()) return false;
  const auto& first = records[0];
  for (const auto& f : first)
    if (is_known_header_name(f.view(), roles)) return true;
  if (records.size() < 2) return false;
  for (const auto& f : first)
    if (text::looks_numeric(f.view())) return false;
  for (std::size_t c = 0; c < first.size(); ++c) {
    std::size_t numeric = 0, present = 0;
    for (std::size_t r = 1; r < records.size(); ++r) {
      if (c >= records[r].size()) continue;
      ++present;
      if (text::looks_numeric(records[r][c].view())) ++numeric;
    }
    if (present > 0 && numeric * 2 > present) return true;
  }
  return false;
}

// --- column roles ----------------------------------------------------------------------------------------

int find_role(const std::vector<ColumnRole>& roles, const std::string& token) {
  const std::string t = lower(token);
  for (std::size_t r = 0; r < roles.size(); ++r)
    for (const auto& n : roles[r].role_names)
      if (n == t) return static_cast<int>(r);
  return -1;
}

std::string role_list(const std::vector<ColumnRole>& roles) {
  std::vector<std::string> names;
  for (const auto& r : roles) names.emplace_back(r.name);
  return join(names, ", ");
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Resolves the `columns` option ("user,item,rating" or "user=userId,item=2") into role_columns.
Status resolve_columns_option(const FormatOptions& o, const std::vector<ColumnRole>& roles, Dialect& d) {
  const std::string& src = o.source_name;
  std::vector<std::string> tokens;
  {
    std::string cur;
    for (char c : o.columns) {
      if (c == ',') { tokens.emplace_back(text::trim(cur)); cur.clear(); }
      else cur.push_back(c);
    }
    tokens.emplace_back(text::trim(cur));
  }
  const bool pairs = o.columns.find('=') != std::string::npos;
  d.role_columns.assign(roles.size(), -1);
  auto bad = [&](const std::string& why) {
    return Status::invalid_argument(src + ": columns option '" + o.columns + "': " + why);
  };
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const std::string& tok = tokens[t];
    std::string role_name = tok, column;
    if (pairs) {
      auto eq = tok.find('=');
      if (eq == std::string::npos) return bad("expected role=column, got '" + tok + "'");
      role_name = std::string(text::trim(std::string_view(tok).substr(0, eq)));
      column = std::string(text::trim(std::string_view(tok).substr(eq + 1)));
    } else if (tok.empty() || tok == "-" || tok == "_" || lower(tok) == "skip" || lower(tok) == "ignore") {
      continue;  // a column with no role
    }
    int r = find_role(roles, role_name);
    if (r < 0) return bad("unknown role '" + role_name + "' (roles: " + role_list(roles) + ")");
    if (d.role_columns[r] >= 0) return bad("role '" + std::string(roles[r].name) + "' is given twice");
    int col = static_cast<int>(t);
    if (!pairs) d.columns_by_position = true;
    if (pairs) {
      if (all_digits(column)) {
        d.columns_by_position = true;
        col = std::atoi(column.c_str()) - 1;
        if (col < 0 || column.size() > 6) return bad("column position '" + column + "' must be 1 or more");
      } else {
        if (!d.header)
          return bad("names column '" + column + "' but the file has no header line (use 1-based positions)");
        const std::string want = text::normalize_name(column);
        col = -1;
        for (std::size_t c = 0; c < d.column_names.size(); ++c)
          if (text::normalize_name(d.column_names[c]) == want) { col = static_cast<int>(c); break; }
        if (col < 0) return bad("no column named '" + column + "' in the header (" + join(d.column_names, ", ") + ")");
      }
    }
    d.role_columns[r] = col;
  }
  for (std::size_t r = 0; r < roles.size(); ++r)
    if (roles[r].required && d.role_columns[r] < 0) return bad("the " + std::string(roles[r].name) + " column is missing");
  if (d.field_count > 0) {
    for (std::size_t r = 0; r < roles.size(); ++r) {
      if (d.role_columns[r] >= static_cast<int>(d.field_count))
        return bad(std::string(roles[r].name) + " is column " + std::to_string(d.role_columns[r] + 1) + ", but rows have " +
                   std::to_string(d.field_count) + " field" + (d.field_count == 1 ? "" : "s"));
    }
  }
  d.columns_from_option = true;
  return Status::ok();
}

Status resolve_columns_by_header(const FormatOptions& o, const std::vector<ColumnRole>& roles, Dialect& d) {
  d.role_columns.assign(roles.size(), -1);
  std::vector<std::string> norm;
  for (const auto& n : d.column_names) norm.push_back(text::normalize_name(n));
  std::vector<bool> taken(norm.size(), false);
  for (std::size_t r = 0; r < roles.size(); ++r) {
    for (const auto& alias : roles[r].header_aliases) {
      for (std::size_t c = 0; c < norm.size() && d.role_columns[r] < 0; ++c)
        if (!taken[c] && norm[c] == alias) { d.role_columns[r] = static_cast<int>(c); taken[c] = true; }
      if (d.role_columns[r] >= 0) break;
    }
    if (roles[r].required && d.role_columns[r] < 0)
      return Status::bad_input(o.source_name + ": the header (" + join(d.column_names, ", ") + ") has no " + roles[r].name +
                               " column; say which columns to use with the columns option, e.g. " +
                               "\"" + roles[0].name + "=<name>," + roles[1].name + "=<name>\"");
  }
  return Status::ok();
}

void resolve_columns_by_position(const std::vector<ColumnRole>& roles, Dialect& d) {
  d.role_columns.assign(roles.size(), -1);
  for (std::size_t r = 0; r < roles.size(); ++r)
    if (d.field_count == 0 || r < d.field_count) d.role_columns[r] = static_cast<int>(r);
}

}  // namespace

// --- public helpers --------------------------------------------------------------------------------------

std::string_view decode_field(const Field& f, bool latin1, std::string& scratch) {
  std::string_view v = f.view();
  if (f.has_doubled_quotes) {
    unescape_field(f, scratch);
    v = scratch;
  }
  if (text::is_ascii(v)) return v;
  if (!latin1 && text::is_valid_utf8(v)) return v;
  std::string converted;
  converted.reserve(v.size() + 8);
  text::append_latin1_as_utf8(v, converted);
  scratch.swap(converted);
  return scratch;
}

std::string line_message(const std::string& source, std::uint64_t line, const std::string& reason) {
  return source + " line " + std::to_string(line) + ": " + reason;
}

std::string quote_for_message(std::string_view raw) {
  // Messages travel to JS as UTF-8: bytes that are not valid UTF-8 are shown as Latin-1.
  std::string s;
  if (text::is_valid_utf8(raw)) s.assign(raw.data(), raw.size());
  else text::append_latin1_as_utf8(raw, s);
  constexpr std::size_t kMax = 40;
  std::size_t n = std::min(s.size(), kMax);
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole characters
  std::string out = "'";
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<unsigned char>(s[i]) < 0x20 ? '?' : s[i]);
  if (n < s.size()) out += "...";
  out += "'";
  return out;
}

const std::vector<ColumnRole>& ratings_roles() {
  static const std::vector<ColumnRole> kRoles = {
      {"user",
       {"user", "userid", "u"},
       {"userid", "user", "uid", "users", "customerid", "customer", "custid", "clientid", "client", "memberid", "member",
        "visitorid", "visitor", "username", "readerid", "reader", "viewerid", "viewer", "listenerid", "listener",
        "personid", "person", "accountid", "account", "profileid", "profile", "raterid", "rater", "reviewerid",
        "reviewer", "playerid", "player", "buyerid", "buyer", "studentid", "student", "sessionid", "session"},
       true},
      {"item",
       {"item", "itemid", "i"},
       {"movieid", "itemid", "item", "iid", "movie", "isbn", "productid", "product", "asin", "trackid", "track",
        "artistid", "artist", "artistname", "songid", "song", "bookid", "book", "articleid", "article", "contentid",
        "content", "sku", "animeid", "anime", "gameid", "game", "recipeid", "recipe", "businessid", "business",
        "courseid", "course", "videoid", "video", "showid", "show", "jokeid", "joke", "placeid", "place", "albumid",
        "album", "beerid", "beer", "hotelid", "restaurantid"},
       true},
      {"rating",
       {"rating", "value", "score", "weight", "r"},
       {"rating", "ratings", "score", "weight", "count", "plays", "playcount", "value", "bookrating", "stars", "star",
        "overall", "preference", "pref", "rate", "rated", "quantity", "qty", "clicks", "views", "listens", "listencount",
        "interactions", "strength", "feedback", "likes", "like", "label"},
       false},
      {"timestamp",
       {"timestamp", "time", "ts", "t"},
       {"timestamp", "unixtime", "unixtimestamp", "unixreviewtime", "ts", "time", "epoch", "datetime", "date",
        "created", "createdat", "ratedat", "ratingtime", "timestamps", "reviewtime"},
       false},
  };
  return kRoles;
}

const std::vector<ColumnRole>& items_roles() {
  static const std::vector<ColumnRole> kRoles = {
      {"id",
       {"id", "item", "itemid"},
       {"movieid", "itemid", "id", "item", "movie", "isbn", "productid", "product", "asin", "bookid", "trackid",
        "artistid", "songid", "animeid", "gameid", "contentid", "articleid"},
       true},
      {"title",
       {"title", "name"},
       {"title", "name", "movietitle", "booktitle", "itemname", "productname", "moviename", "trackname", "songname",
        "artistname"},
       true},
      {"genres", {"genres", "genre"}, {"genres", "genre", "categories", "category", "tags", "keywords"}, false},
  };
  return kRoles;
}

namespace {

// An adjacency list: whitespace-separated non-negative integers where (nine in ten of) the sampled lines' first
// number counts the numbers after it, on lines of more than one width (a triplet file whose first column happened to hold 2
// everywhere would have one width). Decided only when nothing in the options says otherwise.
bool looks_like_adjacency(std::string_view w, bool eof, const FormatOptions& o, const std::vector<ColumnRole>& roles) {
  if (&roles != &ratings_roles() || o.header == 1 || !o.columns.empty()) return false;
  const auto records = sample_records(w, eof, Delimiter{DelimKind::kWhitespace, ' '});
  if (records.size() < 2) return false;
  std::size_t min_width = SIZE_MAX, max_width = 0, counted = 0;
  for (const auto& r : records) {
    for (const Field& f : r)
      if (!all_digits(f.view())) return false;
    std::int64_t count = 0;
    if (text::parse_int64(r[0].view(), count) && count == static_cast<std::int64_t>(r.size()) - 1) ++counted;
    min_width = std::min(min_width, r.size());
    max_width = std::max(max_width, r.size());
  }
  // (a few miscounted lines are bad rows of an adjacency list, not evidence against it)
  return min_width < max_width && counted * 10 >= records.size() * 9;
}

}  // namespace

Result<Dialect> sniff_dialect(std::string_view window, bool eof, const FormatOptions& o,
                              const std::vector<ColumnRole>& roles) {
  const std::string& src = o.source_name;
  if (o.header < -1 || o.header > 1)
    return Status::invalid_argument(src + ": header must be -1 (sniff), 0 or 1, not " + std::to_string(o.header));
  Dialect d;
  int forced_encoding = 0;
  ALSREC_RETURN_IF_ERROR(parse_encoding_option(o.encoding, src, forced_encoding));
  bool forced_delimiter = !o.delimiter.empty();
  if (forced_delimiter) ALSREC_RETURN_IF_ERROR(parse_delimiter_option(o.delimiter, src, d.delimiter, d.delimiter_name));

  ALSREC_RETURN_IF_ERROR(check_binary(window, src));

  // Encoding: a BOM says UTF-8; otherwise the window is UTF-8 if it validates, else Latin-1.
  if (window.size() >= 3 && window.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    d.bom_bytes = 3;
    window.remove_prefix(3);
  }
  if (forced_encoding == 2) {
    d.latin1 = true;
    d.encoding = "latin-1";
  } else if (d.bom_bytes) {
    d.encoding = "utf-8-bom";
  } else if (forced_encoding == 1 || text::utf8_valid_prefix(window, !eof) == window.size()) {
    d.encoding = "utf-8";
  } else {
    d.latin1 = true;
    d.encoding = "latin-1";
  }
  d.line_ending = sniff_line_ending(window, eof);

  const bool whitespace_allowed = !forced_delimiter || d.delimiter.kind == DelimKind::kWhitespace ||
                                  (d.delimiter.kind == DelimKind::kChar && d.delimiter.ch == ' ');
  if (whitespace_allowed && looks_like_adjacency(window, eof, o, roles)) {
    d.adjacency = true;
    d.delimiter = Delimiter{DelimKind::kWhitespace, ' '};
    d.delimiter_name = "whitespace";
    d.column_names = {"count", "items"};
    d.role_columns.assign(roles.size(), -1);
    return d;
  }
  if (!forced_delimiter) {
    if (!sniff_delimiter(window, eof, d.delimiter, d.delimiter_name)) {
      if (!sample_records(window, eof, Delimiter{DelimKind::kChar, ','}).empty())
        return Status::bad_input(src + ": cannot detect the delimiter (rows have a single field; a ratings file " +
                                 "needs at least user and item columns); set the delimiter option");
      d.delimiter = Delimiter{DelimKind::kChar, ','};  // nothing to sniff from (empty input): any choice works
      d.delimiter_name = ",";
    }
  }

  const auto records = sample_records(window, eof, d.delimiter);
  d.header = o.header == -1 ? sniff_header(records, roles) : o.header == 1;
  if (d.header && !records.empty()) {
    std::string scratch;
    for (const auto& f : records[0]) d.column_names.emplace_back(text::trim(decode_field(f, d.latin1, scratch)));
    d.field_count = d.column_names.size();
  } else {
    d.header = d.header && !records.empty();
    std::vector<std::vector<Field>> data(records.begin(), records.end());
    d.field_count = width_stats(data).mode;
    for (std::size_t c = 0; c < d.field_count; ++c) d.column_names.push_back(std::to_string(c + 1));
  }

  if (!o.columns.empty()) {
    ALSREC_RETURN_IF_ERROR(resolve_columns_option(o, roles, d));
  } else if (d.header) {
    ALSREC_RETURN_IF_ERROR(resolve_columns_by_header(o, roles, d));
    // A header-named time column holding text ("2020-01-31") cannot be a numeric timestamp: ignore it rather
    // than rejecting every row.
    for (std::size_t r = 0; r < roles.size(); ++r) {
      if (std::string(roles[r].name) != "timestamp" || d.role_columns[r] < 0) continue;
      std::size_t present = 0, numeric = 0;
      for (std::size_t i = 1; i < records.size(); ++i) {
        const auto c = static_cast<std::size_t>(d.role_columns[r]);
        if (c >= records[i].size()) continue;
        ++present;
        if (text::looks_numeric(records[i][c].view())) ++numeric;
      }
      if (present > 0 && numeric * 2 <= present) d.role_columns[r] = -1;
    }
  } else {
    if (d.field_count == 1)
      return Status::bad_input(src + ": rows have a single field with delimiter '" +
                               (d.delimiter_name == "\t" ? std::string("tab") : d.delimiter_name) +
                               "'; a file needs at least two columns (check the delimiter option)");
    resolve_columns_by_position(roles, d);
  }
  return d;
}

}  // namespace alsrec
