// Dialect sniffing shared by the ratings and items readers: binary check, encoding, line ending, delimiter,
// header and column roles, decided from the first bytes of a file (at most RatingsReader::kSniffBytes) and
// overridable by FormatOptions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alsrec/ratings.h"
#include "alsrec/status.h"
#include "ratings_records.h"

namespace alsrec {

// A column role a reader looks for ("user", "item", ...) and the normalised header names that mean it,
// in order of preference.
struct ColumnRole {
  const char* name;
  std::vector<std::string> role_names;  // accepted in the `columns` option: "user", "item", ...
  std::vector<std::string> header_aliases;
  bool required;
};

struct Dialect {
  Delimiter delimiter;
  std::string delimiter_name;  // canonical: "," "\t" ";" "|" "::" "whitespace"
  bool header = false;
  bool latin1 = false;
  std::string encoding;     // "utf-8", "utf-8-bom", "latin-1"
  std::string line_ending;  // "lf", "crlf", "cr"
  std::size_t bom_bytes = 0;
  std::vector<std::string> column_names;  // header names (UTF-8) or "1","2",...
  std::size_t field_count = 0;            // fields per row: header width, or the most common width
  std::vector<int> role_columns;          // per role, 0-based column or -1
  bool columns_from_option = false;
  bool columns_by_position = false;       // the columns option picks positions (a role list, or role=N)
  // An adjacency list (citeulike's users.dat): each line is one user, `count item item …`, whitespace-separated,
  // with count = the number of items that follow; line k (1-based, physical) is user "k−1". No header, no values.
  bool adjacency = false;
};

// Reads `window` (the first bytes of the input; eof when it is the whole input) and decides the dialect.
// Errors: binary data, unusable options, options that contradict the data, a header without required columns.
Result<Dialect> sniff_dialect(std::string_view window, bool eof, const FormatOptions& options,
                              const std::vector<ColumnRole>& roles);

// The roles of a ratings file and of an items catalogue.
const std::vector<ColumnRole>& ratings_roles();  // user, item, rating, timestamp
const std::vector<ColumnRole>& items_roles();    // id, title, genres

// Decodes a field to UTF-8 (unescaping doubled quotes; Latin-1 bytes, or invalid UTF-8 in a UTF-8 file, are
// converted byte-wise). Returns a view of either the field itself or `scratch`.
std::string_view decode_field(const Field& f, bool latin1, std::string& scratch);

// "line 12: ..." prefix helper: "<source> line N: reason".
std::string line_message(const std::string& source, std::uint64_t line, const std::string& reason);

// Truncates a field for use in a message ("rating 'abc' ..."), keeping messages one line.
std::string quote_for_message(std::string_view s);

}  // namespace alsrec
