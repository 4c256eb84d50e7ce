// Streaming ratings reader (see alsrec/ratings.h).
//
// Flow: feed() buffers the first kSniffBytes to sniff the dialect (ratings_sniff.cpp), then cuts records in
// place from each chunk (ratings_records.h); only an unfinished record at a chunk's end is copied, into
// `pending_`. Each data record becomes one row of struct-of-arrays; ids are interned as they come, and the
// duplicates policy runs once in finish().
//
// Duplicates: kLast keeps the row with the latest timestamp (ties: later in the file) and kFirst the earliest
// (ties: earlier in the file); the survivor keeps its own place in file order. kSum and kMax fold into the
// first occurrence's place: kSum adds the values and keeps the latest timestamp, kMax keeps the largest value
// with its row's timestamp (ties: the earlier row).
#include "alsrec/ratings.h"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "ratings_intern.h"
#include "ratings_records.h"
#include "ratings_sniff.h"
#include "text_scan.h"

namespace alsrec {

namespace {

constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;  // longer "records" mean an unbalanced quote
constexpr std::size_t kRefillBytes = 256;  // bytes appended to a pending record per attempt (at least)
enum RoleIndex { kUser = 0, kItem = 1, kRating = 2, kTimestamp = 3 };

// FormatOptions::max_fields as it applies to this file.
std::size_t row_width_limit(const Dialect& d, const FormatOptions& o) {
  if (o.max_fields > 0) return o.max_fields;
  return d.columns_by_position ? 0 : d.field_count;
}

DetectedFormat to_detected_format(const Dialect& d, const FormatOptions& o) {
  DetectedFormat f;
  f.delimiter = d.delimiter_name;
  f.header = d.header;
  f.encoding = d.encoding;
  f.line_ending = d.line_ending;
  f.column_names = d.column_names;
  auto col = [&](std::size_t r) { return r < d.role_columns.size() ? d.role_columns[r] : -1; };
  f.user_column = col(kUser);
  f.item_column = col(kItem);
  f.rating_column = col(kRating);
  f.timestamp_column = col(kTimestamp);
  f.max_fields = row_width_limit(d, o);
  f.layout = d.adjacency ? "adjacency" : "rows";
  return f;
}

std::string examples_text(const std::vector<BadRow>& examples, std::size_t max_shown) {
  std::string out;
  for (std::size_t k = 0; k < examples.size() && k < max_shown; ++k) {
    out += k ? "; " : "";
    out += "line " + std::to_string(examples[k].line) + ": " + examples[k].reason;
  }
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g%%", fraction * 100.0);
  return buf;
}

}  // namespace

// --- duplicate policy names ------------------------------------------------------------------------------

const char* duplicate_policy_name(DuplicatePolicy p) {
  switch (p) {
    case DuplicatePolicy::kLast: return "last";
    case DuplicatePolicy::kFirst: return "first";
    case DuplicatePolicy::kSum: return "sum";
    case DuplicatePolicy::kMax: return "max";
  }
  return "last";
}

Result<DuplicatePolicy> parse_duplicate_policy(const std::string& s) {
  std::string t(text::trim(s));
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "last") return DuplicatePolicy::kLast;
  if (t == "first") return DuplicatePolicy::kFirst;
  if (t == "sum") return DuplicatePolicy::kSum;
  if (t == "max") return DuplicatePolicy::kMax;
  return Status::invalid_argument("duplicates policy '" + s + "' is not one of last, first, sum, max");
}

// --- duplicates ------------------------------------------------------------------------------------------

// Folds repeated (user, item) pairs according to the policy (see the top of this file); returns how many rows were
// merged away. Indices need not be dense (ids may outnumber the rows' users and items); a dataset whose arrays
// disagree in length is left alone (0), and missing timestamps count as 0.
std::uint64_t merge_duplicate_rows(Dataset& ds, DuplicatePolicy policy) {
  const std::size_t n = ds.size();
  if (n < 2 || ds.items.size() != n || ds.values.size() != n) return 0;
  const bool has_ts = ds.timestamps.size() == n;
  auto ts = [&](std::size_t r) { return has_ts ? ds.timestamps[r] : std::int64_t{0}; };
  // Sized by the largest index in the rows too, so an index without an id cannot write out of bounds.
  std::size_t num_users = ds.num_users(), num_items = ds.num_items();
  for (std::size_t r = 0; r < n; ++r) {
    num_users = std::max<std::size_t>(num_users, std::size_t{ds.users[r]} + 1);
    num_items = std::max<std::size_t>(num_items, std::size_t{ds.items[r]} + 1);
  }
  // Rows grouped by user, file order inside a group: the file's own order when each user's rows are contiguous (as
  // most files are written), else a counting sort (4 bytes per row).
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  bool grouped = true;
  {
    std::vector<std::uint8_t> done(num_users, 0);
    for (std::size_t r = 0; r < n && grouped; ++r) {
      if (r > 0 && ds.users[r] == ds.users[r - 1]) continue;
      grouped = !done[ds.users[r]];
      done[ds.users[r]] = 1;
    }
  }
  std::vector<std::uint32_t> order;
  if (!grouped) {
    std::vector<std::uint32_t> fill(num_users + 1, 0);
    for (std::uint32_t u : ds.users) ++fill[u + 1];
    for (std::size_t u = 0; u < num_users; ++u) fill[u + 1] += fill[u];
    order.resize(n);
    for (std::size_t r = 0; r < n; ++r) order[fill[ds.users[r]]++] = static_cast<std::uint32_t>(r);
  }
  // For each item, the user that last touched it and the surviving row of that (user, item) pair. A row merged away
  // gets item kNone (no index reaches it), dropped below.
  std::vector<std::uint32_t> seen_by(num_items, kNone), winner(num_items, 0);
  std::vector<std::uint32_t>& dead_mark = ds.items;
  std::uint64_t merged = 0;
  {
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t r = grouped ? static_cast<std::uint32_t>(k) : order[k];
      const std::uint32_t u = ds.users[r];
      const std::uint32_t i = ds.items[r];
      if (seen_by[i] != u) {
        seen_by[i] = u;
        winner[i] = r;
        continue;
      }
      ++merged;
      const std::uint32_t w = winner[i];  // an earlier row of the same pair (w < r)
      switch (policy) {
        case DuplicatePolicy::kLast:
          if (ts(r) >= ts(w)) { dead_mark[w] = kNone; winner[i] = r; }
          else dead_mark[r] = kNone;
          break;
        case DuplicatePolicy::kFirst:
          if (ts(r) < ts(w)) { dead_mark[w] = kNone; winner[i] = r; }
          else dead_mark[r] = kNone;
          break;
        case DuplicatePolicy::kSum:
          ds.values[w] += ds.values[r];
          if (has_ts) ds.timestamps[w] = std::max(ds.timestamps[w], ds.timestamps[r]);
          dead_mark[r] = kNone;
          break;
        case DuplicatePolicy::kMax:
          if (ds.values[r] > ds.values[w]) {
            ds.values[w] = ds.values[r];
            if (has_ts) ds.timestamps[w] = ds.timestamps[r];
          }
          dead_mark[r] = kNone;
          break;
      }
    }
  }
  if (merged == 0) return 0;
  std::size_t j = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (dead_mark[r] == kNone) continue;
    ds.users[j] = ds.users[r];
    ds.items[j] = ds.items[r];
    ds.values[j] = ds.values[r];
    if (has_ts) ds.timestamps[j] = ds.timestamps[r];
    ++j;
  }
  ds.users.resize(j);
  ds.items.resize(j);
  ds.values.resize(j);
  if (has_ts) ds.timestamps.resize(j);
  return merged;
}

Status check_merged_values(const Dataset& ds, const std::string& source_name) {
  for (std::size_t r = 0; r < ds.values.size(); ++r) {
    if (std::isfinite(ds.values[r])) continue;
    const auto id = [](const std::vector<std::string>& ids, std::uint32_t k) {
      return k < ids.size() ? quote_for_message(ids[k]) : std::to_string(k);
    };
    return Status::bad_input(source_name + ": the ratings of user " + id(ds.user_ids, ds.users[r]) + " for item " +
                             id(ds.item_ids, ds.items[r]) +
                             " add up to more than a float holds (duplicates summed); use another duplicates policy");
  }
  return Status::ok();
}

// --- fingerprint -----------------------------------------------------------------------------------------

// Sum over interactions of a mixed hash of (user id, item id, value bits): addition is commutative, so the row
// order and the dense numbering (which follows file order) do not matter; the ids and values do. The counts are
// mixed in last (fingerprint_finish), so parts of a dataset can add their sums first.
std::uint64_t Dataset::interaction_hash_sum() const {
  std::vector<std::uint64_t> user_hash(user_ids.size()), item_hash(item_ids.size());
  for (std::size_t u = 0; u < user_ids.size(); ++u) user_hash[u] = text::hash_bytes(user_ids[u].data(), user_ids[u].size());
  for (std::size_t i = 0; i < item_ids.size(); ++i)
    item_hash[i] = text::mix64(text::hash_bytes(item_ids[i].data(), item_ids[i].size()) ^ 0x5851F42D4C957F2DULL);
  std::uint64_t acc = 0;
  const std::size_t n = std::min({users.size(), items.size(), values.size()});
  for (std::size_t k = 0; k < n; ++k) {
    float v = values[k];
    if (v == 0.0f) v = 0.0f;  // -0 and +0 are the same value
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const std::uint64_t uh = users[k] < user_hash.size() ? user_hash[users[k]] : 0;
    const std::uint64_t ih = items[k] < item_hash.size() ? item_hash[items[k]] : 0;
    acc += text::mix64(uh ^ text::mix64(ih + bits * 0x9E3779B97F4A7C15ULL));
  }
  return acc;
}

std::uint64_t Dataset::fingerprint_finish(std::uint64_t interaction_hash_sum, std::uint64_t interactions,
                                          std::uint64_t users, std::uint64_t items) {
  const std::uint64_t counts =
      text::mix64(interactions * 0xD6E8FEB86659FD93ULL ^ text::mix64(users + 0x632BE59BD9B4E019ULL) ^
                  text::mix64(items * 0x8CB92BA72F3D8DD7ULL + 1));
  return text::mix64(interaction_hash_sum ^ counts);
}

std::uint64_t Dataset::fingerprint() const {
  const std::size_t n = std::min({users.size(), items.size(), values.size()});
  return fingerprint_finish(interaction_hash_sum(), n, user_ids.size(), item_ids.size());
}

// --- the reader ------------------------------------------------------------------------------------------

struct RatingsReader::Impl {
  explicit Impl(FormatOptions o) : opt(std::move(o)), users(ds.user_ids), items(ds.item_ids), line(opt.first_line) {}

  FormatOptions opt;
  Dataset ds;
  IdInterner users, items;
  Status failed;
  bool finished = false;
  bool started = false;
  std::string window;   // the first kSniffBytes, until the dialect is known
  std::string pending;  // an unfinished record carried over to the next chunk
  // The pending record is split again only once it has doubled since the last attempt (or at the end): fed in
  // small chunks, a long record is rescanned O(log n) times, not once per chunk (fuzz regression
  // tests/fuzz/regressions/ratings_reader/long-record-in-small-chunks).
  std::size_t retry_at = 0;
  bool skip_lf = false; // the last record ended with CR at a chunk's end: a following LF belongs to it
  bool header_pending = false;
  std::uint64_t line;  // physical line where the next record starts (counted from opt.first_line)
  Dialect dialect;
  RecordSplitter splitter;
  int col[4] = {-1, -1, -1, -1};
  std::size_t min_fields = 0;
  std::size_t max_fields = 0;  // 0: any number
  std::vector<Field> fields;
  RecordInfo info;
  std::string user_scratch, item_scratch;

  Status fail(Status s) {
    failed = s;
    return s;
  }

  Status start(bool eof) {
    started = true;
    auto d = sniff_dialect(window, eof, opt, ratings_roles());
    if (!d) return fail(d.status());
    dialect = std::move(d.value());
    if (!(opt.max_bad_fraction >= 0.0 && opt.max_bad_fraction <= 1.0))
      return fail(Status::invalid_argument(opt.source_name + ": max_bad_fraction must be between 0 and 1"));
    if (opt.has_min_rating && !std::isfinite(opt.min_rating))
      return fail(Status::invalid_argument(opt.source_name + ": min_rating must be a finite number"));
    splitter = RecordSplitter(dialect.delimiter);
    for (int r = 0; r < 4; ++r) {
      col[r] = dialect.role_columns[static_cast<std::size_t>(r)];
      min_fields = std::max(min_fields, static_cast<std::size_t>(col[r] + 1));
    }
    max_fields = row_width_limit(dialect, opt);
    if (opt.has_min_rating && col[kRating] < 0)
      return fail(Status::invalid_argument(opt.source_name + ": min_rating needs a rating column, and none was found" +
                                           " (columns: " + join_names(dialect.column_names) + ")"));
    ds.has_ratings = col[kRating] >= 0;
    ds.has_timestamps = col[kTimestamp] >= 0;
    ds.format = to_detected_format(dialect, opt);
    header_pending = dialect.header;
    reserve_rows();
    std::string buffered;
    buffered.swap(window);
    Status s = consume(buffered.data() + dialect.bom_bytes, buffered.size() - dialect.bom_bytes, eof);
    return s;
  }

  // Rows expected from size_hint and the sniffed window's lines, with a fifth to spare: capacity never written is
  // never resident, a short estimate only means the columns grow as without a hint.
  void reserve_rows() {
    const std::size_t lines = static_cast<std::size_t>(std::count(window.begin(), window.end(), '\n'));
    if (opt.size_hint <= window.size() || lines < 2) return;
    const double per_line = static_cast<double>(window.size()) / static_cast<double>(lines);
    // (a line has at least 2 bytes: more rows than half the hint cannot come)
    const double rows = std::min(1.2 * static_cast<double>(opt.size_hint) / per_line, opt.size_hint / 2.0);
    const auto n = static_cast<std::size_t>(rows);
    ds.users.reserve(n);
    ds.items.reserve(n);
    ds.values.reserve(n);
    ds.timestamps.reserve(n);
  }

  Status bad_row(std::uint64_t at, std::string reason) {
    ++ds.skipped;
    if (opt.strict) return fail(Status::bad_input(line_message(opt.source_name, at, reason)));
    if (ds.skipped_examples.size() < opt.max_examples) ds.skipped_examples.push_back(BadRow{at, std::move(reason)});
    return Status::ok();
  }

  std::string too_many_fields(std::size_t found) const {
    return std::to_string(found) + " fields, but " +
           (opt.max_fields > 0 || !dialect.header ? "rows have " : "the header has ") + std::to_string(max_fields) +
           " (an unquoted delimiter inside a value, such as a decimal comma? quote that value, or pick the columns " +
           "by position with the columns option)";
  }

  static std::string_view number_text(const Field& f) { return text::trim(f.view()); }

  // "4,5" in a file whose delimiter is not ',' (spreadsheets in many locales write decimal commas).
  bool parse_decimal_comma(std::string_view t, double& out) const {
    if (dialect.delimiter.kind == DelimKind::kChar && dialect.delimiter.ch == ',') return false;
    const std::size_t comma = t.find(',');
    if (comma == std::string_view::npos || t.find(',', comma + 1) != std::string_view::npos ||
        t.find('.') != std::string_view::npos || t.size() > 64)
      return false;
    char buf[64];
    std::memcpy(buf, t.data(), t.size());
    buf[comma] = '.';
    return text::parse_double(std::string_view(buf, t.size()), out);
  }

  Status process_record(std::uint64_t at) {
    if (RecordSplitter::is_blank(fields)) return Status::ok();
    if (header_pending) {
      header_pending = false;
      return Status::ok();
    }
    ++ds.rows;
    if (dialect.adjacency) return process_adjacency(at);
    if (info.malformed_quote) return bad_row(at, "malformed quoted field (a quote must be doubled inside quotes)");
    if (fields.size() < min_fields)
      return bad_row(at, "expected at least " + std::to_string(min_fields) + " fields, found " +
                             std::to_string(fields.size()));
    if (max_fields > 0 && fields.size() > max_fields) {
      std::size_t used = fields.size();  // empty trailing fields ("u1,i1,4,") do not count
      while (used > max_fields && fields[used - 1].len == 0 && !fields[used - 1].quoted) --used;
      if (used > max_fields) return bad_row(at, too_many_fields(used));
    }
    double rating = 1.0;
    if (col[kRating] >= 0) {
      std::string_view t = number_text(fields[static_cast<std::size_t>(col[kRating])]);
      if (t.empty()) return bad_row(at, "empty rating");
      if (!text::parse_double(t, rating) && !parse_decimal_comma(t, rating))
        return bad_row(at, "rating " + quote_for_message(t) + " is not a number");
      if (!std::isfinite(rating)) return bad_row(at, "rating " + quote_for_message(t) + " is not a finite number");
      if (std::fabs(rating) > FLT_MAX) return bad_row(at, "rating " + quote_for_message(t) + " is out of range");
    }
    std::int64_t ts = 0;
    if (col[kTimestamp] >= 0) {
      std::string_view t = number_text(fields[static_cast<std::size_t>(col[kTimestamp])]);
      if (t.empty()) return bad_row(at, "empty timestamp");
      if (!text::parse_int64(t, ts)) {
        double d;  // decimals are floored: 964982703.9 -> 964982703
        if (!text::parse_double(t, d)) return bad_row(at, "timestamp " + quote_for_message(t) + " is not a number");
        if (!std::isfinite(d)) return bad_row(at, "timestamp " + quote_for_message(t) + " is not a finite number");
        d = std::floor(d);
        if (!(d >= -9.2e18 && d <= 9.2e18)) return bad_row(at, "timestamp " + quote_for_message(t) + " is out of range");
        ts = static_cast<std::int64_t>(d);
      }
    }
    std::string_view user = decode_field(fields[static_cast<std::size_t>(col[kUser])], dialect.latin1, user_scratch);
    if (user.empty()) return bad_row(at, "empty user id");
    std::string_view item = decode_field(fields[static_cast<std::size_t>(col[kItem])], dialect.latin1, item_scratch);
    if (item.empty()) return bad_row(at, "empty item id");
    if (opt.has_min_rating && rating < opt.min_rating) {
      ++ds.filtered;
      return Status::ok();
    }
    constexpr std::size_t kMaxIds = std::numeric_limits<std::uint32_t>::max() - 1;
    if (users.size() >= kMaxIds || items.size() >= kMaxIds || ds.users.size() >= kMaxIds)
      return fail(Status::bad_input(line_message(opt.source_name, at, "more than 2^32-2 ids or rows are not supported")));
    ds.users.push_back(users.intern(user));
    ds.items.push_back(items.intern(item));
    ds.values.push_back(static_cast<float>(rating));
    ds.timestamps.push_back(ts);
    return Status::ok();
  }

  // An adjacency line `count item item …`: physical line k is user "k−1"; one interaction per item, value 1.
  Status process_adjacency(std::uint64_t at) {
    std::int64_t count = 0;
    if (!text::parse_int64(number_text(fields[0]), count) || count < 0)
      return bad_row(at, "the first number of an adjacency line must count its items, got " +
                             quote_for_message(number_text(fields[0])));
    if (count != static_cast<std::int64_t>(fields.size()) - 1)
      return bad_row(at, "the line says " + std::to_string(count) + " items but lists " +
                             std::to_string(fields.size() - 1));
    constexpr std::size_t kMaxIds = std::numeric_limits<std::uint32_t>::max() - 1;
    if (users.size() >= kMaxIds || items.size() >= kMaxIds || ds.users.size() + fields.size() >= kMaxIds)
      return fail(Status::bad_input(line_message(opt.source_name, at, "more than 2^32-2 ids or rows are not supported")));
    const std::uint32_t user = users.intern(std::to_string(at - 1));
    for (std::size_t f = 1; f < fields.size(); ++f) {
      std::string_view item = decode_field(fields[f], dialect.latin1, item_scratch);
      ds.users.push_back(user);
      ds.items.push_back(items.intern(item));
      ds.values.push_back(1.0f);
      ds.timestamps.push_back(0);
    }
    return Status::ok();
  }

  // Handles one split record: line bookkeeping, then the row.
  Status on_record() {
    const std::uint64_t at = line;
    line += 1 + info.extra_lines;
    skip_lf = info.ended_with_cr;
    return process_record(at);
  }

  Status too_long() {
    return fail(Status::bad_input(line_message(opt.source_name, line,
                                               "record longer than 1 MiB (an unbalanced quote?)")));
  }

  // Cuts and processes every complete record of [p, p+n); an unfinished tail goes to `pending`.
  Status consume(const char* p, std::size_t n, bool eof) {
    const char* end = p + n;
    while (!pending.empty()) {
      if (p == end && !eof) return Status::ok();
      const std::size_t take = std::min(static_cast<std::size_t>(end - p), std::max(pending.size(), kRefillBytes));
      pending.append(p, take);
      p += take;
      if (pending.size() < retry_at && !(eof && p == end)) continue;
      const char* b = pending.data();
      const char* e = b + pending.size();
      const char* next = nullptr;
      if (splitter.split(b, e, eof && p == end, fields, &next, info) == RecordStatus::kIncomplete) {
        if (pending.size() > kMaxRecordBytes) return too_long();
        retry_at = 2 * pending.size();
        continue;
      }
      retry_at = 0;
      ALSREC_RETURN_IF_ERROR(on_record());
      // The record ends inside the bytes just appended (the old pending part was unfinished on its own):
      // hand the rest back to the caller's buffer.
      const std::size_t leftover = static_cast<std::size_t>(e - next);
      if (leftover <= take) {
        p -= leftover;
        pending.clear();
      } else {
        pending.erase(0, static_cast<std::size_t>(next - b));
      }
    }
    while (p < end) {
      if (skip_lf) {
        skip_lf = false;
        if (*p == '\n') { ++p; continue; }
      }
      const char* next = nullptr;
      if (splitter.split(p, end, eof, fields, &next, info) == RecordStatus::kIncomplete) {
        if (static_cast<std::size_t>(end - p) > kMaxRecordBytes) return too_long();
        pending.assign(p, end);
        return Status::ok();
      }
      ALSREC_RETURN_IF_ERROR(on_record());
      p = next;
    }
    return Status::ok();
  }

  Status feed(const char* data, std::size_t size) {
    if (!failed.is_ok()) return failed;
    if (finished) return fail(Status::internal(opt.source_name + ": feed() after finish()"));
    if (size == 0) return Status::ok();
    if (data == nullptr) return fail(Status::internal(opt.source_name + ": feed() got a null buffer"));
    if (!started) {
      const std::size_t take = std::min(size, kSniffBytes - window.size());
      window.append(data, take);
      data += take;
      size -= take;
      if (window.size() < kSniffBytes) return Status::ok();
      ALSREC_RETURN_IF_ERROR(start(/*eof=*/false));
    }
    return consume(data, size, false);
  }

  Result<Dataset> finish() {
    if (!failed.is_ok()) return failed;
    if (finished) return Status::internal(opt.source_name + ": finish() called twice");
    finished = true;
    if (!started) ALSREC_RETURN_IF_ERROR(start(/*eof=*/true));
    else ALSREC_RETURN_IF_ERROR(consume(nullptr, 0, true));
    if (!failed.is_ok()) return failed;
    if (ds.users.empty() && opt.allow_no_rows) return std::move(ds);  // a part of an input: the caller checks the whole
    ALSREC_RETURN_IF_ERROR(check_row_limits(ds, ds.size(), opt));
    ds.duplicates_merged = merge_duplicate_rows(ds, opt.duplicates);
    ALSREC_RETURN_IF_ERROR(check_merged_values(ds, opt.source_name));
    return std::move(ds);
  }
};

Status check_row_limits(const Dataset& counts, std::uint64_t interactions, const FormatOptions& options) {
  const std::string& src = options.source_name;
  const std::string first =
      counts.skipped_examples.empty() ? "" : "; first: " + examples_text(counts.skipped_examples, 3);
  if (interactions == 0) {
    std::string why;
    if (counts.rows == 0) {
      why = counts.format.header ? "the file has a header but no data rows" : "the input has no data rows";
    } else {
      why = std::to_string(counts.rows) + " data row" + (counts.rows == 1 ? "" : "s") + ": " +
            std::to_string(counts.skipped) + " bad, " + std::to_string(counts.filtered) + " below min_rating";
    }
    return Status::bad_input(src + ": no usable rows (" + why + ")" + first);
  }
  const double bad_fraction = static_cast<double>(counts.skipped) / static_cast<double>(counts.rows);
  if (bad_fraction > options.max_bad_fraction)
    return Status::bad_input(src + ": " + std::to_string(counts.skipped) + " of " + std::to_string(counts.rows) +
                             " data rows are bad (" + percent(bad_fraction) + ", more than the allowed " +
                             percent(options.max_bad_fraction) + ")" + first + " (raise max-bad-fraction to accept them)");
  return Status::ok();
}

RatingsReader::RatingsReader(FormatOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RatingsReader::~RatingsReader() = default;

Status RatingsReader::feed(const char* data, std::size_t size) { return impl_->feed(data, size); }
Result<Dataset> RatingsReader::finish() { return impl_->finish(); }

Result<Dataset> read_ratings(const char* data, std::size_t size, const FormatOptions& options) {
  RatingsReader reader(options);
  ALSREC_RETURN_IF_ERROR(reader.feed(data, size));
  return reader.finish();
}

Result<DetectedFormat> sniff_format(const char* data, std::size_t size, const FormatOptions& options) {
  if (data == nullptr) size = 0;
  const std::size_t n = std::min(size, RatingsReader::kSniffBytes);
  // Like the reader: a buffer shorter than the sniff window is the whole input.
  auto d = sniff_dialect(std::string_view(data ? data : "", n), size < RatingsReader::kSniffBytes, options,
                         ratings_roles());
  if (!d) return d.status();
  return to_detected_format(d.value(), options);
}

}  // namespace alsrec
