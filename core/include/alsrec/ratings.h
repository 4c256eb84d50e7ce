// Ratings reader: turns bytes of a ratings file (any common dialect) into a Dataset of dense indices.
//
// The reader is streaming: feed() it chunks of any size (the CLI reads 1 MiB at a time, the browser passes one
// Uint8Array) and finish() it. The first chunk(s), up to kSniffBytes, are buffered to sniff the dialect; after that
// only the current partial line is kept, so a 25M-row file never sits in memory as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alsrec/status.h"

namespace alsrec {

enum class DuplicatePolicy { kLast, kFirst, kSum, kMax };
const char* duplicate_policy_name(DuplicatePolicy p);
Result<DuplicatePolicy> parse_duplicate_policy(const std::string& s);  // "last|first|sum|max"

struct FormatOptions {
  std::string source_name = "<input>";  // used in every message ("ratings.csv line 12: ...")
  // "" = sniff. Otherwise one of: "," "\t" ";" "|" "::" and "whitespace" (runs of spaces/tabs).
  // Also accepted: "comma", "tab", "semicolon", "pipe", "space", "\\t".
  std::string delimiter;
  int header = -1;        // -1 sniff, 0 no header line, 1 first non-blank line is a header
  std::string encoding;   // "" sniff, "utf-8" or "latin-1" (Latin-1 bytes are converted to UTF-8 ids)
  // "" = by header names (or positions user,item[,rating[,timestamp]] without a header). Otherwise a comma list
  // of roles in column order or role=column pairs: "user,item,rating,timestamp", "item,user,rating",
  // "user=userId,item=movieId,rating=3" (names or 1-based positions). Roles: user, item, rating, timestamp.
  std::string columns;
  DuplicatePolicy duplicates = DuplicatePolicy::kLast;
  bool has_min_rating = false;
  double min_rating = 0.0;      // with has_min_rating: rows with rating < min_rating are dropped (not "bad")
  bool strict = false;          // stop at the first bad row
  double max_bad_fraction = 0.05;  // more bad rows than this fraction of data rows is an error
  std::size_t max_examples = 10;   // how many bad rows to keep as examples
  // The line number of the first byte fed, for a reader given a later part of a file (a process of a distributed
  // run reading its byte range): every message and BadRow::line counts from it, so they name the file's own lines.
  std::uint64_t first_line = 1;
  // finish() returns an empty Dataset (with its counts) instead of the "no usable rows" error: for a part of an
  // input whose other parts may hold the rows (the caller checks the whole).
  bool allow_no_rows = false;
  // Bytes of the whole input when known (the CLI passes the file's size): the rows are then reserved up front from
  // the sniffed lines' average length, so the columns are not copied while they grow (a copy doubles their memory).
  std::uint64_t size_hint = 0;
  // The most fields a row may have; a row with more non-empty ones is bad (an unquoted delimiter inside a value,
  // e.g. the decimal comma of "u2,i1,1,5,200", shifts every later field). 0 = from the file: the header's width,
  // or without a header the most common width of the first rows; no limit when `columns` picks positions
  // ("user,item,rating" or "user=1,item=3"), since then the other columns are declared not to matter. Empty
  // trailing fields ("u1,i1,4,") never count.
  std::size_t max_fields = 0;
};

struct DetectedFormat {
  std::string delimiter;     // canonical: "," "\t" ";" "|" "::" "whitespace"
  bool header = false;
  std::string encoding;      // "utf-8", "utf-8-bom" or "latin-1"
  std::string line_ending;   // "lf", "crlf", "cr" (the first one seen)
  std::vector<std::string> column_names;  // header names, or "1","2",... without a header
  int user_column = -1;      // 0-based; -1 = absent
  int item_column = -1;
  int rating_column = -1;
  int timestamp_column = -1;
  std::size_t max_fields = 0;  // the limit FormatOptions::max_fields describes (0: none)
  // "rows": one interaction per line; "adjacency": one user per line, `count item item …` (line k is user k−1)
  std::string layout = "rows";
};

struct BadRow {
  std::uint64_t line = 0;  // 1-based physical line number in the file
  std::string reason;      // "rating 'abc' is not a number"
};

// Interactions in file order after de-duplication (struct of arrays; index i is one (user,item) pair).
struct Dataset {
  std::vector<std::string> user_ids;  // dense index -> original id (UTF-8)
  std::vector<std::string> item_ids;
  std::vector<std::uint32_t> users;
  std::vector<std::uint32_t> items;
  std::vector<float> values;             // rating/weight; 1 when there is no rating column
  std::vector<std::int64_t> timestamps;  // 0 when there is no timestamp column
  bool has_ratings = false;
  bool has_timestamps = false;

  std::uint64_t rows = 0;              // data rows seen (excluding header and blank lines)
  std::uint64_t skipped = 0;           // bad rows skipped
  std::uint64_t filtered = 0;          // rows dropped by min_rating
  std::uint64_t duplicates_merged = 0; // rows folded into an earlier (user,item) pair
  std::vector<BadRow> skipped_examples;
  DetectedFormat format;

  std::size_t size() const { return users.size(); }
  std::size_t num_users() const { return user_ids.size(); }
  std::size_t num_items() const { return item_ids.size(); }
  // Order-independent 64-bit fingerprint of ids and interactions; stored in model files.
  std::uint64_t fingerprint() const;
  // The fingerprint in two parts, for interactions spread over processes (each holding every id but only some
  // interactions): fingerprint() == fingerprint_finish(interaction_hash_sum(), size(), num_users(), num_items()),
  // and the hash sums of disjoint parts add up (mod 2⁶⁴) to the whole's.
  std::uint64_t interaction_hash_sum() const;
  static std::uint64_t fingerprint_finish(std::uint64_t interaction_hash_sum, std::uint64_t interactions,
                                          std::uint64_t users, std::uint64_t items);
};

// The checks RatingsReader::finish() makes of a whole input, from its counts: `interactions` usable rows (0 is
// "no usable rows", worded by counts.format.header), and counts.skipped of counts.rows bad rows at most
// options.max_bad_fraction; messages name options.source_name and the first counts.skipped_examples. For an input
// read in parts, pass the parts' counts summed and their examples in file order.
Status check_row_limits(const Dataset& counts, std::uint64_t interactions, const FormatOptions& options);

// Folds repeated (user, item) pairs of `ds` (rows in file order) by the policy, exactly as RatingsReader::finish()
// does (see ratings.cpp); returns how many rows were merged away. A process holding every row of some users, in
// file order, gets the same survivors as one process reading the whole file.
std::uint64_t merge_duplicate_rows(Dataset& ds, DuplicatePolicy policy);
// After merge_duplicate_rows: kBadInput naming the user and item ids of the first pair whose value is not finite
// (the `sum` policy can overflow a float: 3e38 + 3e38), so no infinity reaches training.
Status check_merged_values(const Dataset& ds, const std::string& source_name);

class RatingsReader {
 public:
  static constexpr std::size_t kSniffBytes = 64 * 1024;

  explicit RatingsReader(FormatOptions options = {});
  ~RatingsReader();
  RatingsReader(const RatingsReader&) = delete;
  RatingsReader& operator=(const RatingsReader&) = delete;

  // Returns an error (and stays failed) on strict-mode bad rows, binary data or unusable options.
  Status feed(const char* data, std::size_t size);
  // Flushes the last line, applies duplicates policy and the bad-row limits.
  Result<Dataset> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: a whole buffer at once.
Result<Dataset> read_ratings(const char* data, std::size_t size, const FormatOptions& options);

// Sniff the dialect of the first bytes of a file without reading it fully (for previews and `inspect`).
Result<DetectedFormat> sniff_format(const char* data, std::size_t size, const FormatOptions& options);

// The first records of a file split exactly as the reader splits them, each field decoded to UTF-8 (the header
// row included when there is one): what a user checks before loading. At most max_rows records.
struct FilePreview {
  DetectedFormat format;
  std::vector<std::vector<std::string>> rows;
};
Result<FilePreview> preview_file(const char* data, std::size_t size, const FormatOptions& options,
                                 std::size_t max_rows);

// Items catalogue (movies.csv, movies.dat, u.item): id -> title (+ genres). Columns found by header names
// (movieId/item_id/id, title/name, genres) or by position id,title[,genres]; u.item is '|' with id,title first.
struct ItemInfo {
  std::string id;
  std::string title;
  std::string genres;  // '|' separated as in MovieLens; may be empty
};
Result<std::vector<ItemInfo>> read_items(const char* data, std::size_t size, const FormatOptions& options);

}  // namespace alsrec
