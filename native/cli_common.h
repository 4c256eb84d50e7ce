// What every `alsrec` command shares: flag groups, file I/O, exit codes, progress display.
// Commands are thin: parse flags -> call core -> print. The core never sees a path or a terminal.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alsrec/alsrec.h"

namespace alsrec::cli {

using json = nlohmann::ordered_json;

// Exit codes (the contract scripts rely on).
enum ExitCode : int { kExitOk = 0, kExitUsage = 1, kExitBadInput = 2, kExitFailure = 3 };
int exit_code_for(const Status& status);
// Writes `line` and a newline to stderr in one write(2), so that a relay interleaving several processes' output
// (mpirun's, a CI log's) cannot split the line. Retries on EINTR and short writes.
void write_stderr_line(const std::string& line);
// Prints "alsrec <command>: error: <message>" to stderr and returns the exit code for it.
int fail(const std::string& command, const Status& status);

// --delimiter, --header, --encoding, --columns, --duplicates, --min-rating, --strict, --max-bad-fraction
struct FormatFlags {
  std::string delimiter;
  std::string header = "auto";
  std::string encoding;
  std::string columns;
  std::string duplicates = "last";
  std::optional<double> min_rating;
  bool strict = false;
  double max_bad_fraction = 0.05;
};
void add_format_flags(CLI::App& app, FormatFlags& flags);
Result<FormatOptions> format_options(const FormatFlags& flags, const std::string& source_name);

// The model flags: one per row of the core's parameter table (model_options.h), so the CLI, the JS API and the
// page share names and limits. Only the flags given become choices; the rest are decided from the data.
struct ModelFlags {
  const CLI::App* app = nullptr;             // to tell given flags from absent ones
  std::map<std::string, std::string> text;   // flag name (without --) -> value as typed
  bool biases = false;
};
void add_model_flags(CLI::App& app, ModelFlags& flags);
Result<ModelChoices> model_choices(const ModelFlags& flags);
json params_json(const AlsOptions& options);
// A float option as typed (0.1, not 0.10000000149011612): what every JSON prints for a parameter.
double shortest(float value);

// `--version` on a subcommand (CLI11 only puts it on the top-level app by itself).
void add_version_flag(CLI::App& app);

// Reads a ratings file in 1 MiB chunks through the core's streaming reader.
Result<Dataset> load_ratings_file(const std::string& path, const FormatOptions& options);
// (Model files: model_file.h; every output file: output_file.h.)

json dataset_json(const Dataset& data);          // the `inspect` keys
json metrics_json(const RankingMetrics& metrics); // "recall@K", ...
// The "dataset" object of evaluate/tune: counts of the data and of its train/test split.
json split_dataset_json(const Dataset& data, const SplitResult& split);

// A progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(double fraction, const std::string& detail);
  void finish();
  bool active() const { return active_; }

 private:
  std::string label_;
  bool active_;
  bool finished_ = false;
};

// A training callback that draws iteration, loss and time left on `bar`.
ProgressCallback progress_reporter(ProgressBar& bar);

std::string format_seconds(double seconds);

}  // namespace alsrec::cli
