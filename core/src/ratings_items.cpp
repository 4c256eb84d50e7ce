// Items catalogue reader (read_items in alsrec/ratings.h): movies.csv, movies.dat, u.item and friends.
// Same dialect sniffing and error discipline as the ratings reader, on a whole buffer (catalogues are small).
#include <algorithm>
#include <unordered_set>

#include "alsrec/ratings.h"
#include "ratings_records.h"
#include "ratings_sniff.h"
#include "text_scan.h"

namespace alsrec {
namespace {

enum ItemRole { kId = 0, kTitle = 1, kGenres = 2 };

// MovieLens 100k u.item: id|title|release date|video release date|IMDb URL|19 genre flags (u.genre order).
constexpr std::size_t kUItemFields = 24;
constexpr std::size_t kUItemFirstFlag = 5;
const char* const kUItemGenres[19] = {"unknown", "Action",  "Adventure", "Animation", "Children's", "Comedy", "Crime",
                                      "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                                      "Romance", "Sci-Fi", "Thriller", "War", "Western"};

std::string genres_from_flags(const std::vector<Field>& fields) {
  std::string out;
  for (std::size_t g = 0; g < 19; ++g) {
    std::string_view flag = text::trim(fields[kUItemFirstFlag + g].view());
    if (flag == "1") {
      if (!out.empty()) out += '|';
      out += kUItemGenres[g];
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ItemInfo>> read_items(const char* data, std::size_t size, const FormatOptions& options) {
  if (data == nullptr) size = 0;
  const std::string& src = options.source_name;
  if (!(options.max_bad_fraction >= 0.0 && options.max_bad_fraction <= 1.0))
    return Status::invalid_argument(src + ": max_bad_fraction must be between 0 and 1");
  const std::string_view all(data ? data : "", size);
  const std::size_t window = std::min(size, RatingsReader::kSniffBytes);
  auto sniffed = sniff_dialect(all.substr(0, window), size <= RatingsReader::kSniffBytes, options, items_roles());
  if (!sniffed) return sniffed.status();
  Dialect d = std::move(sniffed.value());

  int col[3] = {d.role_columns[kId], d.role_columns[kTitle], d.role_columns[kGenres]};
  bool flags_genres = false;
  if (!d.header && !d.columns_from_option) {
    // By position: id, title, and genres only when the rows are exactly id,title,genres (movies.dat);
    // u.item's third column is a date, its genres are the 19 trailing flags.
    col[kGenres] = d.field_count == 3 ? 2 : -1;
    flags_genres = d.field_count == kUItemFields && d.delimiter_name == "|";
  }
  std::size_t min_fields = 0;
  for (int c : col) min_fields = std::max(min_fields, static_cast<std::size_t>(c + 1));

  std::vector<ItemInfo> items;
  std::unordered_set<std::string> seen;
  std::vector<BadRow> examples;
  std::uint64_t rows = 0, bad = 0, line = options.first_line;
  bool header_pending = d.header;
  RecordSplitter splitter(d.delimiter);
  std::vector<Field> fields;
  RecordInfo info;
  std::string s_id, s_title, s_genres;
  const char* p = all.data() + d.bom_bytes;
  const char* end = all.data() + all.size();
  bool skip_lf = false;
  while (p < end) {
    if (skip_lf && *p == '\n') { skip_lf = false; ++p; continue; }
    const char* next = nullptr;
    splitter.split(p, end, /*eof=*/true, fields, &next, info);  // never incomplete at eof
    p = next;
    const std::uint64_t at = line;
    line += 1 + info.extra_lines;
    skip_lf = info.ended_with_cr;
    if (RecordSplitter::is_blank(fields)) continue;
    if (header_pending) { header_pending = false; continue; }
    ++rows;
    std::string reason;
    if (info.malformed_quote) reason = "malformed quoted field (a quote must be doubled inside quotes)";
    else if (fields.size() < min_fields)
      reason = "expected at least " + std::to_string(min_fields) + " fields, found " + std::to_string(fields.size());
    std::string_view id;
    if (reason.empty()) {
      id = text::trim(decode_field(fields[static_cast<std::size_t>(col[kId])], d.latin1, s_id));
      if (id.empty()) reason = "empty item id";
    }
    if (!reason.empty()) {
      ++bad;
      if (options.strict) return Status::bad_input(line_message(src, at, reason));
      if (examples.size() < options.max_examples) examples.push_back(BadRow{at, reason});
      continue;
    }
    if (!seen.emplace(id).second) continue;  // a repeated id keeps its first entry
    ItemInfo info_row;
    info_row.id = std::string(id);
    info_row.title = std::string(decode_field(fields[static_cast<std::size_t>(col[kTitle])], d.latin1, s_title));
    if (col[kGenres] >= 0)
      info_row.genres = std::string(decode_field(fields[static_cast<std::size_t>(col[kGenres])], d.latin1, s_genres));
    else if (flags_genres && fields.size() >= kUItemFields)
      info_row.genres = genres_from_flags(fields);
    items.push_back(std::move(info_row));
  }

  auto first_examples = [&] {
    std::string out;
    for (std::size_t k = 0; k < examples.size() && k < 3; ++k)
      out += (k ? "; line " : "line ") + std::to_string(examples[k].line) + ": " + examples[k].reason;
    return out;
  };
  if (items.empty()) {
    std::string msg = src + ": no usable rows (" + std::to_string(rows) + " data rows, " + std::to_string(bad) + " bad)";
    if (!examples.empty()) msg += "; first: " + first_examples();
    return Status::bad_input(msg);
  }
  // A ratings file (u.data, ratings.csv) read as a catalogue gets numbers for titles: refuse it by name rather
  // than label every item with another column's numbers.
  if (std::all_of(items.begin(), items.end(), [](const ItemInfo& it) { return text::looks_numeric(it.title); }))
    return Status::bad_input(src + ": the title column (column " + std::to_string(col[kTitle] + 1) +
                             ") holds only numbers: this looks like a ratings file, not item titles");
  if (static_cast<double>(bad) > options.max_bad_fraction * static_cast<double>(rows))
    return Status::bad_input(src + ": " + std::to_string(bad) + " of " + std::to_string(rows) +
                             " data rows are bad" + (examples.empty() ? "" : "; first: " + first_examples()) +
                             " (raise max-bad-fraction to accept them)");
  return items;
}

}  // namespace alsrec
