// preview_file (alsrec/ratings.h): the first records of a file as the reader's own splitter cuts them, so that a
// preview never disagrees with what gets loaded (quotes, :: and tab dialects, Latin-1).
#include <algorithm>

#include "alsrec/ratings.h"
#include "ratings_records.h"
#include "ratings_sniff.h"

namespace alsrec {

Result<FilePreview> preview_file(const char* data, std::size_t size, const FormatOptions& options,
                                 std::size_t max_rows) {
  if (data == nullptr) size = 0;
  const std::size_t n = std::min(size, RatingsReader::kSniffBytes);
  const std::string_view window(data ? data : "", n);
  const bool whole = size < RatingsReader::kSniffBytes;  // as sniff_format: a shorter buffer is the whole input
  Result<DetectedFormat> format = sniff_format(data, size, options);
  if (!format) return format.status();
  Result<Dialect> dialect = sniff_dialect(window, whole, options, ratings_roles());
  if (!dialect) return dialect.status();

  FilePreview out{std::move(*format), {}};
  RecordSplitter splitter(dialect->delimiter);
  std::vector<Field> fields;
  RecordInfo info;
  std::string scratch;
  const char* p = window.data() + dialect->bom_bytes;
  const char* end = window.data() + window.size();
  while (p < end && out.rows.size() < max_rows) {
    if (*p == '\n' && p > window.data() && p[-1] == '\r') { ++p; continue; }  // LF of a CRLF cut by the window
    const char* next = nullptr;
    if (splitter.split(p, end, whole, fields, &next, info) != RecordStatus::kRecord) break;  // cut by the window
    p = next;
    if (RecordSplitter::is_blank(fields)) continue;
    std::vector<std::string> row;
    row.reserve(fields.size());
    for (const Field& f : fields) row.emplace_back(decode_field(f, dialect->latin1, scratch));
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace alsrec
