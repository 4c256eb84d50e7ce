// Reading one ratings input across processes (see shard_input.h).
#include "shard_input.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "cli_common.h"

namespace alsrec::cli {

namespace fs = std::filesystem;

Result<std::vector<InputFile>> list_input(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Status::io_error(path + ": cannot open (No such file or directory)");
  std::vector<InputFile> files;
  if (!fs::is_directory(status)) {
    files.push_back({path, fs::file_size(path, ec)});
    if (ec) return Status::io_error(path + ": cannot read its size (" + ec.message() + ")");
    return files;
  }
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name[0] == '_' || !entry.is_regular_file()) continue;
    files.push_back({entry.path().string(), entry.file_size()});
  }
  if (ec) return Status::io_error(path + ": cannot list the directory (" + ec.message() + ")");
  if (files.empty()) return Status::bad_input(path + ": the directory holds no part files");
  std::sort(files.begin(), files.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  return files;
}

namespace {

struct Position {
  std::size_t file = 0;
  std::uint64_t offset = 0;
};

// Calls consume(chunk, size) over bytes [begin, end) of `path` in 1 MiB chunks; stops early when it returns false.
template <typename Consume>
Status read_range(const std::string& path, std::uint64_t begin, std::uint64_t end, Consume&& consume) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return Status::io_error(path + ": cannot open (" + std::strerror(errno) + ")");
  Status st;
  if (begin > 0 && std::fseek(file, static_cast<long>(begin), SEEK_SET) != 0)
    st = Status::io_error(path + ": cannot seek to byte " + std::to_string(begin));
  std::vector<char> chunk(1 << 20);
  for (std::uint64_t at = begin; st.is_ok() && at < end;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), end - at));
    const std::size_t got = std::fread(chunk.data(), 1, want, file);
    if (got == 0) {
      st = Status::io_error(path + ": read failed at byte " + std::to_string(at) + " (did the file change?)");
      break;
    }
    at += got;
    if (!consume(chunk.data(), got)) break;
  }
  std::fclose(file);
  return st;
}

// The first line start at or after `byte` of the concatenated input.
Result<Position> line_start(const std::vector<InputFile>& files, std::uint64_t byte) {
  std::size_t f = 0;
  while (f < files.size() && byte >= files[f].size) byte -= files[f++].size;
  if (f == files.size()) return Position{files.size() - 1, files.back().size};
  if (byte == 0) return Position{f, 0};
  // The line that byte−1 belongs to ends at the first '\n' from byte−1 on; the next line starts after it.
  std::uint64_t at = byte - 1, found = files[f].size;
  ALSREC_RETURN_IF_ERROR(read_range(files[f].path, at, files[f].size, [&](const char* data, std::size_t size) {
    const void* nl = std::memchr(data, '\n', size);
    if (nl) {
      found = at + static_cast<std::uint64_t>(static_cast<const char*>(nl) - data) + 1;
      return false;
    }
    at += size;
    return true;
  }));
  return Position{f, found};
}

}  // namespace

Result<std::vector<Segment>> plan_segments(const std::vector<InputFile>& files, int parts, int part) {
  std::uint64_t total = 0;
  for (const InputFile& f : files) total += f.size;
  const auto boundary = [&](int p) {  // ⌊total·p/parts⌋ without overflow
    const auto n = static_cast<std::uint64_t>(parts), q = static_cast<std::uint64_t>(p);
    return total / n * q + total % n * q / n;
  };
  auto start = line_start(files, boundary(part));
  if (!start) return start.status();
  Position end{files.size() - 1, files.back().size};
  if (part + 1 < parts) {
    auto e = line_start(files, boundary(part + 1));
    if (!e) return e.status();
    end = *e;
  }
  std::vector<Segment> segments;
  for (std::size_t f = start->file; f <= end.file && f < files.size(); ++f) {
    const std::uint64_t b = f == start->file ? start->offset : 0, e = f == end.file ? end.offset : files[f].size;
    if (e > b) segments.push_back({f, b, e});
  }
  return segments;
}

namespace {

// The home process of user u: ⌊u·parts/users⌋ (contiguous ranges of equal user count).
int home_of(std::uint32_t user, std::uint32_t users, int parts) {
  return users == 0 ? 0 : static_cast<int>(static_cast<std::uint64_t>(user) * static_cast<std::uint64_t>(parts) / users);
}

// The reader options for a segment: a file's start reads as one process would; a range inside a file gets the
// dialect sniffed from that file's start, stated explicitly (no header; columns by position).
Result<FormatOptions> segment_options(const InputFile& file, const Segment& seg, const FormatOptions& given,
                                      std::uint64_t first_line) {
  FormatOptions o = given;
  o.source_name = file.path;
  o.max_bad_fraction = 1.0;  // checked over the whole input
  o.allow_no_rows = true;
  if (seg.begin == 0) return o;
  std::vector<char> head;
  ALSREC_RETURN_IF_ERROR(read_range(file.path, 0, std::min<std::uint64_t>(file.size, RatingsReader::kSniffBytes),
                                    [&](const char* data, std::size_t size) {
                                      head.insert(head.end(), data, data + size);
                                      return true;
                                    }));
  auto d = sniff_format(head.data(), head.size(), given);
  if (!d) return d.status();
  o.delimiter = d->delimiter;
  o.header = 0;
  o.encoding = d->encoding == "latin-1" ? "latin-1" : "utf-8";
  std::string columns;
  const std::pair<const char*, int> roles[] = {
      {"user", d->user_column}, {"item", d->item_column}, {"rating", d->rating_column}, {"timestamp", d->timestamp_column}};
  for (const auto& [role, column] : roles)
    if (column >= 0) columns += (columns.empty() ? "" : ",") + std::string(role) + "=" + std::to_string(column + 1);
  o.columns = columns;
  o.max_fields = d->max_fields;  // the positions above must not lift the width check of the file's own columns
  o.first_line = first_line;
  return o;
}

std::uint64_t count_newlines(const char* data, std::size_t size) {
  std::uint64_t n = 0;
  for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', size - (p - data)))) != nullptr; ++p) ++n;
  return n;
}

struct Row {  // one interaction on its way to its user's home
  std::uint32_t user, item;
  float value;
  std::uint32_t unused;
  std::int64_t timestamp;
};

}  // namespace

Result<ShardedDataset> load_sharded(Comm& comm, const std::string& input, const FormatOptions& options) {
  const int parts = comm.size(), me = comm.rank();
  // Every failure is settled collectively (comm.h settle): the lowest failing rank alone returns it, so the
  // message is printed once even when every rank meets it (a missing file, the row limits).
  auto files = list_input(input);
  ALSREC_RETURN_IF_ERROR(settle(comm, files ? Status::ok() : files.status()));
  {  // Every rank must cut the same bytes: the same files of the same sizes (one path on a shared mount).
    Status same;
    Bytes listing;
    put<std::uint64_t>(listing, files->size());
    for (const InputFile& f : *files) {
      put_strings(listing, {f.path});
      put<std::uint64_t>(listing, f.size);
    }
    const std::vector<Bytes> all = comm.allgather(listing);
    for (int r = 1; r < parts; ++r)
      if (all[static_cast<std::size_t>(r)] != all[0]) {
        Reader first(all[0]), other(all[static_cast<std::size_t>(r)]);
        const auto describe = [](Reader& rd) {
          std::uint64_t n = rd.get<std::uint64_t>(), total = 0;
          for (std::uint64_t k = 0; k < n; ++k) rd.get_strings(), total += rd.get<std::uint64_t>();
          return std::to_string(n) + " file" + (n == 1 ? "" : "s") + " of " + std::to_string(total) + " bytes";
        };
        same = Status::bad_input(input + ": rank " + std::to_string(r) + " sees " + describe(other) + ", rank 0 " +
                                 describe(first) +
                                 ": every rank must read the same input (one path on a shared mount, unchanged "
                                 "during the job)");
        break;
      }
    ALSREC_RETURN_IF_ERROR(settle(comm, same));
  }
  auto planned = plan_segments(*files, parts, me);
  ALSREC_RETURN_IF_ERROR(settle(comm, planned ? Status::ok() : planned.status()));
  const std::vector<Segment>& segments = *planned;
  ShardedDataset out;

  // Line numbers: the newlines of every range that has a later range in the same file (all ranks, in file order).
  Bytes counts;
  Status counted;
  for (const Segment& s : segments) {
    std::uint64_t n = 0;
    if (s.end < (*files)[s.file].size && counted.is_ok())
      counted = read_range((*files)[s.file].path, s.begin, s.end, [&](const char* d, std::size_t size) {
        n += count_newlines(d, size);
        return true;
      });
    put<std::uint64_t>(counts, s.file);
    put<std::uint64_t>(counts, s.begin);
    put<std::uint64_t>(counts, n);
  }
  ALSREC_RETURN_IF_ERROR(settle(comm, counted));
  std::vector<std::uint64_t> first_line(segments.size(), 1);
  for (const Bytes& b : comm.allgather(counts)) {
    Reader r(b);
    while (!r.done()) {
      const auto file = r.get<std::uint64_t>(), begin = r.get<std::uint64_t>(), lines = r.get<std::uint64_t>();
      for (std::size_t k = 0; k < segments.size(); ++k)
        if (segments[k].file == file && begin < segments[k].begin) first_line[k] += lines;
    }
  }

  // Read my segments (with --strict, the lowest failing rank holds the file's first bad row).
  std::vector<Dataset> parsed;
  const auto read_segment = [&](std::size_t k) -> Status {
    const Segment& s = segments[k];
    auto o = segment_options((*files)[s.file], s, options, first_line[k]);
    if (!o) return o.status();
    RatingsReader reader(*o);
    Status fed;
    ALSREC_RETURN_IF_ERROR(read_range((*files)[s.file].path, s.begin, s.end, [&](const char* d, std::size_t size) {
      fed = reader.feed(d, size);
      return fed.is_ok();
    }));
    ALSREC_RETURN_IF_ERROR(fed);
    auto ds = reader.finish();
    if (!ds) return ds.status();
    out.bytes_read += s.end - s.begin;
    parsed.push_back(std::move(*ds));
    return Status::ok();
  };
  Status read;
  for (std::size_t k = 0; k < segments.size() && read.is_ok(); ++k) read = read_segment(k);
  ALSREC_RETURN_IF_ERROR(settle(comm, read));

  // Every id, numbered in order of first appearance over the ranks' segments in file order.
  Bytes ids;
  put<std::uint64_t>(ids, parsed.size());
  for (const Dataset& d : parsed) {
    put_strings(ids, d.user_ids);
    put_strings(ids, d.item_ids);
  }
  std::unordered_map<std::string, std::uint32_t> user_index, item_index;
  std::vector<std::string>& user_ids = out.home.user_ids;
  std::vector<std::string>& item_ids = out.home.item_ids;
  {
    const std::vector<Bytes> all = comm.allgather(ids);
    for (int r = 0; r < parts; ++r) {
      Reader rd(all[static_cast<std::size_t>(r)]);
      const auto n = rd.get<std::uint64_t>();
      for (std::uint64_t k = 0; k < n; ++k) {
        for (auto [list, index] : {std::pair{&user_ids, &user_index}, std::pair{&item_ids, &item_index}})
          for (std::string& id : rd.get_strings())
            if (index->emplace(id, static_cast<std::uint32_t>(list->size())).second) list->push_back(std::move(id));
      }
    }
  }
  const auto users = static_cast<std::uint32_t>(user_ids.size());

  // Each interaction to its user's home. Every rank sends its rows in file order and ranks hold consecutive parts
  // of the input, so what a home receives (in rank order) is already in file order.
  std::uint64_t totals[6] = {0, 0, 0, 0, 0, 0};  // over ranks: rows, skipped, filtered, merged, ratings?, timestamps?
  std::vector<std::size_t> starts{0};
  std::vector<std::vector<std::uint32_t>> user_maps, item_maps;
  for (const Dataset& d : parsed) {
    starts.push_back(starts.back() + d.size());
    user_maps.emplace_back(d.user_ids.size());
    item_maps.emplace_back(d.item_ids.size());
    for (std::size_t k = 0; k < d.user_ids.size(); ++k) user_maps.back()[k] = user_index.at(d.user_ids[k]);
    for (std::size_t k = 0; k < d.item_ids.size(); ++k) item_maps.back()[k] = item_index.at(d.item_ids[k]);
    totals[0] += d.rows;
    totals[1] += d.skipped;
    totals[2] += d.filtered;
    totals[3] += d.duplicates_merged;
    totals[4] |= d.has_ratings ? 1 : 0;
    totals[5] |= d.has_timestamps ? 1 : 0;
    for (const BadRow& b : d.skipped_examples)
      if (out.home.skipped_examples.size() < options.max_examples) out.home.skipped_examples.push_back(b);
  }
  user_index.clear();
  item_index.clear();
  if (!segments.empty() && segments[0].file == 0 && segments[0].begin == 0) out.home.format = parsed[0].format;
  const auto locate = [&](std::size_t i) {  // (segment, row) of my i-th interaction
    const auto seg = static_cast<std::size_t>(std::upper_bound(starts.begin() + 1, starts.end(), i) - starts.begin() - 1);
    return std::pair{seg, i - starts[seg]};
  };
  Buffer<Row> mine = route<Row>(
      comm, starts.back(),
      [&](std::size_t i) {
        const auto [seg, k] = locate(i);
        return home_of(user_maps[seg][parsed[seg].users[k]], users, parts);
      },
      [&](std::size_t i) {
        const auto [seg, k] = locate(i);
        const Dataset& d = parsed[seg];
        return Row{user_maps[seg][d.users[k]], item_maps[seg][d.items[k]], d.values[k], 0, d.timestamps[k]};
      });
  parsed.clear();
  Dataset& home = out.home;
  home.users.resize(mine.size()), home.items.resize(mine.size());
  home.values.resize(mine.size()), home.timestamps.resize(mine.size());
  for (std::size_t k = 0; k < mine.size(); ++k) {
    home.users[k] = mine[k].user;
    home.items[k] = mine[k].item;
    home.values[k] = mine[k].value;
    home.timestamps[k] = mine[k].timestamp;
  }
  Buffer<Row>().swap(mine);
  totals[3] += merge_duplicate_rows(home, options.duplicates);
  ALSREC_RETURN_IF_ERROR(settle(comm, check_merged_values(home, input)));
  comm.sum(totals, 4);
  std::uint64_t flags[2] = {totals[4], totals[5]};
  comm.sum(flags, 2);
  home.rows = totals[0], home.skipped = totals[1], home.filtered = totals[2], home.duplicates_merged = totals[3];
  home.has_ratings = flags[0] > 0;
  home.has_timestamps = flags[1] > 0;
  std::uint64_t sums[2] = {home.size(), home.interaction_hash_sum()};
  comm.sum(sums, 2);
  out.interactions = sums[0];
  out.fingerprint = Dataset::fingerprint_finish(sums[1], out.interactions, user_ids.size(), item_ids.size());

  // The whole input's limits, as one reader checks them (the examples: the first ones, in file order).
  Bytes examples;
  put<std::uint64_t>(examples, home.skipped_examples.size());
  for (const BadRow& b : home.skipped_examples) {
    put<std::uint64_t>(examples, b.line);
    put_strings(examples, {b.reason});
  }
  home.skipped_examples.clear();
  for (const Bytes& b : comm.allgather(examples)) {
    Reader r(b);
    for (auto n = r.get<std::uint64_t>(); n > 0; --n) {
      BadRow row;
      row.line = r.get<std::uint64_t>();
      row.reason = r.get_strings().at(0);
      if (home.skipped_examples.size() < options.max_examples) home.skipped_examples.push_back(std::move(row));
    }
  }
  FormatOptions whole = options;
  whole.source_name = input;
  ALSREC_RETURN_IF_ERROR(settle(comm, check_row_limits(home, out.interactions, whole)));
  return out;
}

Result<Dataset> load_ratings_input(const std::string& path, const FormatOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return load_ratings_file(path, options);
  const auto comm = solo_comm();
  auto sharded = load_sharded(*comm, path, options);
  if (!sharded) return sharded.status();
  return std::move(sharded->home);
}

}  // namespace alsrec::cli
