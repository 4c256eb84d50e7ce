#include "cli_common.h"

#include "alsrec/baselines.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <iostream>

namespace alsrec::cli {

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kBadInput:
    case StatusCode::kIoError: return kExitBadInput;
    case StatusCode::kNumerical:
    case StatusCode::kInternal:
    case StatusCode::kCancelled: return kExitFailure;
  }
  return kExitFailure;
}

void write_stderr_line(const std::string& line) {
  std::cerr.flush();
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr itself is gone: nowhere left to report to
    done += static_cast<size_t>(n);
  }
}

int fail(const std::string& command, const Status& status) {
  write_stderr_line("alsrec " + command + ": error: " + status.message());
  return exit_code_for(status);
}

void add_version_flag(CLI::App& app) {
  app.add_flag_callback(
      "--version",
      [] {
        std::cout << "alsrec " << version() << "\n";
        throw CLI::Success();
      },
      "Print the version and exit");
}

void add_format_flags(CLI::App& app, FormatFlags& f) {
  const char* group = "Input format (sniffed when not given)";
  app.add_option("--delimiter", f.delimiter, "Field separator: , tab ; | :: whitespace (default: sniffed)")
      ->group(group);
  app.add_option("--header", f.header, "First line is a header: auto|yes|no")
      ->check(CLI::IsMember({"auto", "yes", "no", "true", "false", "1", "0"}))
      ->default_str("auto")
      ->group(group);
  app.add_option("--encoding", f.encoding, "Text encoding: utf-8|latin-1 (default: sniffed)")->group(group);
  app.add_option("--columns", f.columns,
                 "Column roles, e.g. user,item,rating,timestamp or item,user or user=userId,item=2 "
                 "(default: by header names, else user,item[,rating[,timestamp]])")
      ->group(group);
  app.add_option("--duplicates", f.duplicates, "Repeated (user,item) pairs: last|first|sum|max")
      ->check(CLI::IsMember({"last", "first", "sum", "max"}))
      ->default_str("last")
      ->group(group);
  app.add_option("--min-rating", f.min_rating, "Keep only rows with rating >= X (stars -> implicit positives)")
      ->group(group);
  app.add_flag("--strict", f.strict, "Stop at the first bad row instead of skipping it")->group(group);
  app.add_option("--max-bad-fraction", f.max_bad_fraction, "Fail when more than this fraction of rows is bad")
      ->default_val(0.05)
      ->check(CLI::Range(0.0, 1.0))
      ->group(group);
}

Result<FormatOptions> format_options(const FormatFlags& f, const std::string& source_name) {
  FormatOptions o;
  o.source_name = source_name;
  o.delimiter = f.delimiter;
  if (f.header == "yes" || f.header == "true" || f.header == "1") o.header = 1;
  else if (f.header == "no" || f.header == "false" || f.header == "0") o.header = 0;
  else o.header = -1;
  o.encoding = f.encoding;
  o.columns = f.columns;
  auto policy = parse_duplicate_policy(f.duplicates);
  if (!policy) return policy.status();
  o.duplicates = *policy;
  if (f.min_rating) {
    o.has_min_rating = true;
    o.min_rating = *f.min_rating;
  }
  o.strict = f.strict;
  o.max_bad_fraction = f.max_bad_fraction;
  return o;
}

namespace {

// What --help shows as a parameter's default: the value when it does not depend on the data.
std::string default_text(const std::string& flag) {
  static const AlsOptions fixed = data_defaults(DataProfile{}, recommended_options().confidence);
  if (flag == "values" || flag == "unobserved-weight") return "from the data";
  if (flag == "regularization") return option_text(fixed, flag) + ", screened on the data";
  if (flag == "factors")  // the screen's dimension probe may double d
    return option_text(fixed, flag) + ", or " + option_text(probe_doubled(fixed, ModelChoices{}), flag) +
           " when the screen's probe says so";
  if (flag == "iterations")  // iALS's follow the factors (and so the probe's doubling)
    return option_text(fixed, flag) + ", or " + std::to_string(ials_default_iterations(256)) +
           " from 256 factors (given or from the screen's probe); other models " +
           std::to_string(mode_defaults(ConfidenceMode::kImplicit).iterations);
  if (flag == "popularity-exponent") {  // the screen keeps its exponent where it beats uniform weights
    AlsOptions screened;
    screened.popularity_exponent = kScreenPopularityExponent;
    return "0, or " + option_text(screened, flag) + " when the screen says so";
  }
  if (flag == "threads") return "0 (all cores)";
  if (flag == "solver") return "auto";
  return option_text(fixed, flag);
}

}  // namespace

void add_model_flags(CLI::App& app, ModelFlags& f) {
  const char* group = "Model (unset: decided from the data; see README \"Defaults\")";
  f.app = &app;
  for (const ParameterInfo& p : model_parameters()) {
    const std::string flag = p.flag;
    if (flag == "biases") {
      app.add_flag("--biases,!--no-biases", f.biases, p.help)->group(group);
      continue;
    }
    app.add_option("--" + flag, f.text[flag], std::string(p.help) + " [default: " + default_text(flag) + "]")
        ->group(group);
  }
}

Result<ModelChoices> model_choices(const ModelFlags& f) {
  ModelChoices c;
  for (const auto& [flag, value] : f.text)
    if (f.app != nullptr && f.app->count("--" + flag) > 0) ALSREC_RETURN_IF_ERROR(set_choice(c, flag, value));
  if (f.app != nullptr && f.app->count("--biases") > 0) c.biases = f.biases;  // counts --no-biases too
  return c;
}

double shortest(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(value));
  return std::strtod(text, nullptr);
}

json params_json(const AlsOptions& o) {
  json j;
  j["factors"] = o.factors;
  j["regularization"] = shortest(o.regularization);
  j["alpha"] = shortest(o.alpha);
  j["confidence"] = confidence_mode_name(o.confidence);
  j["values"] = value_transform_name(o.values);
  if (o.confidence == ConfidenceMode::kLog) j["epsilon"] = shortest(o.epsilon);
  if (o.confidence == ConfidenceMode::kIals) j["unobserved_weight"] = shortest(o.unobserved_weight);
  if (o.popularity_exponent != 0.0f) j["popularity_exponent"] = shortest(o.popularity_exponent);
  j["reg_exponent"] = shortest(o.reg_exponent);
  if (o.biases) j["biases"] = true;
  j["iterations"] = o.iterations;
  j["solver"] = solver_name(o.solver);
  if (o.solver == SolverKind::kConjugateGradient || o.solver == SolverKind::kWoodbury) j["cg_steps"] = o.cg_steps;
  if (o.solver == SolverKind::kSubspace) j["block_size"] = o.block_size;
  j["threads"] = o.threads == 0 ? hardware_threads() : o.threads;
  j["seed"] = o.seed;
  return j;
}

Result<Dataset> load_ratings_file(const std::string& path, const FormatOptions& options) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return Status::io_error(path + ": cannot open (" + std::strerror(errno) + ")");
  FormatOptions sized = options;  // the reader reserves its rows from the file's size
  if (std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0) sized.size_hint = static_cast<std::uint64_t>(size);
    std::rewind(file);
  }
  RatingsReader reader(sized);
  std::vector<char> chunk(1 << 20);
  Status status;
  std::size_t got;
  while (status.is_ok() && (got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0) {
    status = reader.feed(chunk.data(), got);
  }
  const bool read_error = std::ferror(file) != 0;
  std::fclose(file);
  if (read_error) return Status::io_error(path + ": read failed");
  if (!status.is_ok()) return status;
  return reader.finish();
}

json dataset_json(const Dataset& d) {
  json j;
  j["rows"] = d.rows;
  j["interactions"] = d.size();
  j["users"] = d.num_users();
  j["items"] = d.num_items();
  j["skipped"] = d.skipped;
  json examples = json::array();
  for (const BadRow& b : d.skipped_examples) examples.push_back({{"line", b.line}, {"reason", b.reason}});
  j["skipped_examples"] = examples;
  j["filtered"] = d.filtered;
  j["duplicates_merged"] = d.duplicates_merged;
  const DetectedFormat& f = d.format;
  const auto column = [&](int index) -> json {
    if (index < 0) return nullptr;
    return index < static_cast<int>(f.column_names.size()) ? json(f.column_names[index]) : json(index + 1);
  };
  j["format"] = {{"delimiter", f.delimiter},
                 {"header", f.header},
                 {"encoding", f.encoding},
                 {"line_ending", f.line_ending},
                 {"columns",
                  {{"user", column(f.user_column)},
                   {"item", column(f.item_column)},
                   {"rating", column(f.rating_column)},
                   {"timestamp", column(f.timestamp_column)}}}};
  j["has_ratings"] = d.has_ratings;
  j["has_timestamps"] = d.has_timestamps;
  const double cells = static_cast<double>(d.num_users()) * static_cast<double>(d.num_items());
  j["density"] = cells > 0 ? static_cast<double>(d.size()) / cells : 0.0;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(d.fingerprint()));
  j["fingerprint"] = hex;
  return j;
}

json split_dataset_json(const Dataset& d, const SplitResult& split) {
  return {{"users", d.num_users()},     {"items", d.num_items()},     {"interactions", d.size()},
          {"train", split.train.size()}, {"test", split.test.size()}, {"skipped", d.skipped}};
}

json metrics_json(const RankingMetrics& m) {
  const std::string k = "@" + std::to_string(m.k);
  json j;
  j["recall" + k] = m.recall;
  j["ndcg" + k] = m.ndcg;
  j["precision" + k] = m.precision;
  j["map" + k] = m.map;
  j["hit_rate" + k] = m.hit_rate;
  j["auc"] = m.auc;
  j["coverage" + k] = m.coverage;
  return j;
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), active_(::isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double fraction, const std::string& detail) {
  if (!active_) return;
  constexpr int kWidth = 30;
  fraction = std::fmin(1.0, std::fmax(0.0, fraction));
  const int filled = static_cast<int>(std::lround(fraction * kWidth));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '-');
  std::fprintf(stderr, "\r%s [%s] %3d%% %s\033[K", label_.c_str(), bar.c_str(),
               static_cast<int>(std::lround(fraction * 100)), detail.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (active_ && !finished_) std::fputc('\n', stderr);
  finished_ = true;
}

ProgressCallback progress_reporter(ProgressBar& bar) {
  return [&bar](const TrainProgress& p) {
    const double left = p.iteration > 0 ? p.elapsed / p.iteration * (p.iterations - p.iteration) : 0.0;
    char detail[96];
    std::snprintf(detail, sizeof detail, "iteration %d/%d  loss %.5g  %s left", p.iteration, p.iterations, p.loss,
                  format_seconds(left).c_str());
    bar.update(static_cast<double>(p.iteration) / std::max(1, p.iterations), detail);
    return true;
  };
}

std::string format_seconds(double seconds) {
  char text[32];
  if (seconds < 60) std::snprintf(text, sizeof text, "%.1fs", seconds);
  else std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  return text;
}

}  // namespace alsrec::cli
