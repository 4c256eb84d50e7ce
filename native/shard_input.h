// Reading one ratings input across processes, each process reading only its share.
//
// An input is one file or a directory of part files (read in name order as if concatenated; names starting with
// '.' or '_', such as Spark's _SUCCESS, are skipped). Its bytes are cut into `size` equal ranges, each moved forward
// to the next line start, so every line is read by exactly one process (records must not contain line breaks, as
// in every ratings dump; a quoted field spanning lines would be cut). A range starting a file reads it as one
// process would (sniffing the dialect, skipping its header); a range inside a file is given the dialect sniffed
// from the first file's start, and its line number from the other processes' newline counts, so messages name
// the file's own lines.
//
// Then, collectively:
//   ids      every process learns every user and item id, numbered in order of first appearance in the input
//            (the numbering one process reading the whole input gives), so indices agree everywhere;
//   homes    each interaction goes to the home of its user, user u → process ⌊u·size/users⌋, which sorts them
//            back into file order and applies the duplicates policy to the user's rows: what one process gets;
//   limits   bad rows are counted over the whole input before the --max-bad-fraction check.
// With one process (solo_comm) this is how a single process reads a directory of part files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/alsrec.h"
#include "comm.h"

namespace alsrec::cli {

struct InputFile {
  std::string path;
  std::uint64_t size = 0;
};
// A regular file, or a directory's part files in name order. kIoError when missing or unreadable, kBadInput when
// a directory holds no part file.
Result<std::vector<InputFile>> list_input(const std::string& path);

// Bytes [begin, end) of files[file].
struct Segment {
  std::size_t file = 0;
  std::uint64_t begin = 0, end = 0;
};
// Process `part` of `parts`'s segments: its share of the concatenated bytes, with both ends moved to line starts.
Result<std::vector<Segment>> plan_segments(const std::vector<InputFile>& files, int parts, int part);

struct ShardedDataset {
  // Every id (user_ids/item_ids, identical on every process); the interactions of this process's home users, in
  // file order and merged by the duplicates policy, with global indices; and the whole input's counts (rows,
  // skipped, filtered, duplicates_merged, the first skipped_examples in file order, has_ratings/has_timestamps).
  // format: the first file's, on the process that read its start.
  Dataset home;
  std::uint64_t interactions = 0;  // over all processes
  std::uint64_t fingerprint = 0;   // Dataset::fingerprint() of the whole input
  std::uint64_t bytes_read = 0;    // by this process
};

// Collective. `options` as for one file (source_name is replaced by each file's path). Errors name the file and
// line; a failure on one process is returned on that process only (the caller ends the job).
Result<ShardedDataset> load_sharded(Comm& comm, const std::string& input, const FormatOptions& options);

// One process reading an input that may be a directory of part files: the whole Dataset, as load_ratings_file
// gives for the concatenation (counts, examples and format of the first file included).
Result<Dataset> load_ratings_input(const std::string& path, const FormatOptions& options);

}  // namespace alsrec::cli
