// embind registrations: thin handles over the core objects, for wasm/alsrec_api.js (the friendly layer).
//
// Conventions (the JS layer relies on them):
// - Nothing here throws. Every fallible call returns a plain object {ok: true, value?} or
//   {ok: false, code: <StatusCode as int>, message}; alsrec_api.js turns the latter into an AlsrecError.
// - Options arrive already type-checked and complete from JS; the core still validates every value.
// - Bytes come in as Uint8Array and are copied into the heap with one TypedArray.set; float arrays go out as a
//   copy (slice of a heap view), never a live view, since memory growth detaches views.
// - Handles are created empty by their constructor and filled by an init method returning a status, so a
//   failure never leaves JS holding a half-made object it cannot tell apart.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alsrec/alsrec.h"
#include "alsrec/tune.h"

namespace {

using emscripten::val;
using namespace alsrec;

// ---- plain-object plumbing ---------------------------------------------------------------------------------

val status_object(const Status& status) {
  val out = val::object();
  out.set("ok", status.is_ok());
  if (!status.is_ok()) {
    out.set("code", static_cast<int>(status.code()));
    out.set("message", status.message());
  }
  return out;
}

val ok_object(const val& value) {
  val out = val::object();
  out.set("ok", true);
  out.set("value", value);
  return out;
}

val ok_object() { return status_object(Status::ok()); }

bool present(const val& object, const char* key) {
  val v = object[key];
  return !v.isUndefined() && !v.isNull();
}

// One copy from a JS Uint8Array (or any array-like of bytes) into `out`.
void copy_bytes_in(const val& bytes, std::vector<char>& out) {
  const std::size_t n = bytes["length"].as<std::size_t>();
  out.resize(n);
  if (n == 0) return;
  // The view is used at once: no allocation can happen between its creation and set().
  val(emscripten::typed_memory_view(n, reinterpret_cast<unsigned char*>(out.data()))).call<void>("set", bytes);
}

std::vector<float> copy_floats_in(const val& array) {
  const std::size_t n = array["length"].as<std::size_t>();
  std::vector<float> out(n);
  if (n != 0) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
  return out;
}

template <typename T>
val copy_out(const T* data, std::size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

val string_array(const std::vector<std::string>& strings) {
  val out = val::array();
  for (std::size_t i = 0; i < strings.size(); ++i) out.set(i, strings[i]);
  return out;
}

std::vector<std::string> strings_in(const val& array) {
  const std::size_t n = array["length"].as<std::size_t>();
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(array[i].as<std::string>());
  return out;
}

// id -> dense index, built on first use (ids are looked up one at a time from JS).
class IdIndex {
 public:
  int find(const std::vector<std::string>& ids, const std::string& id) {
    if (map_.size() != ids.size()) {
      map_.clear();
      map_.reserve(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) map_.emplace(ids[i], static_cast<int>(i));
    }
    auto it = map_.find(id);
    return it == map_.end() ? -1 : it->second;
  }

 private:
  std::unordered_map<std::string, int> map_;
};

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// ---- options -----------------------------------------------------------------------------------------------

Status format_options_from(const val& o, FormatOptions& f) {
  if (present(o, "sourceName")) f.source_name = o["sourceName"].as<std::string>();
  if (present(o, "delimiter")) f.delimiter = o["delimiter"].as<std::string>();
  if (present(o, "header")) f.header = o["header"].as<int>();  // JS maps true/false/'auto' to 1/0/-1
  if (present(o, "encoding")) f.encoding = o["encoding"].as<std::string>();
  if (present(o, "columns")) f.columns = o["columns"].as<std::string>();
  if (present(o, "duplicates")) {
    Result<DuplicatePolicy> p = parse_duplicate_policy(o["duplicates"].as<std::string>());
    if (!p) return p.status();
    f.duplicates = *p;
  }
  if (present(o, "minRating")) {
    f.has_min_rating = true;
    f.min_rating = o["minRating"].as<double>();
  }
  if (present(o, "strict")) f.strict = o["strict"].as<bool>();
  if (present(o, "maxBadFraction")) f.max_bad_fraction = o["maxBadFraction"].as<double>();
  return Status::ok();
}

val format_object(const DetectedFormat& f) {
  val out = val::object();
  out.set("delimiter", f.delimiter);
  out.set("header", f.header);
  out.set("encoding", f.encoding);
  out.set("lineEnding", f.line_ending);
  out.set("columnNames", string_array(f.column_names));
  out.set("userColumn", f.user_column);
  out.set("itemColumn", f.item_column);
  out.set("ratingColumn", f.rating_column);
  out.set("timestampColumn", f.timestamp_column);
  return out;
}

Status als_options_from(const val& p, AlsOptions& o) {
  if (present(p, "factors")) o.factors = p["factors"].as<int>();
  if (present(p, "regularization")) o.regularization = p["regularization"].as<float>();
  if (present(p, "alpha")) o.alpha = p["alpha"].as<float>();
  if (present(p, "confidence")) {
    Result<ConfidenceMode> m = parse_confidence_mode(p["confidence"].as<std::string>());
    if (!m) return m.status();
    o.confidence = *m;
  }
  if (present(p, "values")) {
    Result<ValueTransform> v = parse_value_transform(p["values"].as<std::string>());
    if (!v) return v.status();
    o.values = *v;
  }
  if (present(p, "epsilon")) o.epsilon = p["epsilon"].as<float>();
  if (present(p, "unobservedWeight")) o.unobserved_weight = p["unobservedWeight"].as<float>();
  if (present(p, "regExponent")) o.reg_exponent = p["regExponent"].as<float>();
  if (present(p, "iterations")) o.iterations = p["iterations"].as<int>();
  if (present(p, "cgSteps")) o.cg_steps = p["cgSteps"].as<int>();
  if (present(p, "blockSize")) o.block_size = p["blockSize"].as<int>();
  if (present(p, "seed")) o.seed = static_cast<std::uint64_t>(p["seed"].as<double>());  // JS checked: safe integer
  if (present(p, "computeLoss")) o.compute_loss = p["computeLoss"].as<bool>();
  // The threaded module (alsrec-mt) uses every core the browser offers; the plain one has a single thread. The
  // results do not depend on it: rows are split by data, never by thread count.
#ifdef ALSREC_HAVE_THREADS
  o.threads = 0;
#else
  o.threads = 1;
#endif
  if (present(p, "solver")) {  // last: "auto" depends on the other options
    Result<SolverKind> s = parse_solver(p["solver"].as<std::string>(), o);
    if (!s) return s.status();
    o.solver = *s;
  }
  return o.validate();
}

val params_object(const AlsOptions& o) {
  val out = val::object();
  out.set("factors", o.factors);
  out.set("regularization", o.regularization);
  out.set("alpha", o.alpha);
  out.set("confidence", std::string(confidence_mode_name(o.confidence)));
  out.set("values", std::string(value_transform_name(o.values)));
  out.set("epsilon", o.epsilon);
  out.set("unobservedWeight", o.unobserved_weight);
  out.set("regExponent", o.reg_exponent);
  out.set("iterations", o.iterations);
  out.set("solver", std::string(solver_name(o.solver)));
  out.set("cgSteps", o.cg_steps);
  if (o.solver == SolverKind::kSubspace) out.set("blockSize", o.block_size);  // (as the CLI's params JSON)
  out.set("seed", static_cast<double>(o.seed));
  out.set("computeLoss", o.compute_loss);
  return out;
}

val metrics_object(const RankingMetrics& m) {
  val out = val::object();
  out.set("k", m.k);
  out.set("users", static_cast<double>(m.users));
  out.set("recall", m.recall);
  out.set("precision", m.precision);
  out.set("ndcg", m.ndcg);
  out.set("map", m.map);
  out.set("hitRate", m.hit_rate);
  out.set("auc", m.auc);
  out.set("coverage", m.coverage);
  return out;
}

val item_infos(const std::vector<ItemInfo>& items) {
  val out = val::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    val item = val::object();
    item.set("id", items[i].id);
    item.set("title", items[i].title);
    item.set("genres", items[i].genres);
    out.set(i, item);
  }
  return out;
}

// ---- free functions ----------------------------------------------------------------------------------------

std::string version_string() { return version(); }

bool has_simd() {
#ifdef __wasm_simd128__
  return true;
#else
  return false;
#endif
}

int thread_count() { return hardware_threads(); }

// The recommended defaults (ials, see als.h); mode_params: a confidence mode's starting point (als.h
// mode_defaults), which the JS layer uses for the parameters not given when another mode is chosen (as the CLI).
// (Bias terms are CLI-only: the wasm trainer fits plain explicit ALS.)
val default_params() { return params_object(recommended_options()); }
val mode_params(const std::string& mode) {
  Result<ConfidenceMode> m = parse_confidence_mode(mode);
  if (!m) return status_object(m.status());
  return ok_object(params_object(mode_defaults(*m)));
}

// {ok, value: DetectedFormat} of the first bytes of a file.
val sniff(const val& bytes, const val& options) {
  FormatOptions format;
  Status st = format_options_from(options, format);
  if (!st) return status_object(st);
  std::vector<char> buf;
  copy_bytes_in(bytes, buf);
  Result<DetectedFormat> detected = sniff_format(buf.data(), buf.size(), format);
  if (!detected) return status_object(detected.status());
  return ok_object(format_object(*detected));
}

// {ok, value: {format, rows}}: the first records split as the reader splits them (the page's preview).
val preview(const val& bytes, const val& options, int max_rows) {
  FormatOptions format;
  Status st = format_options_from(options, format);
  if (!st) return status_object(st);
  std::vector<char> buf;
  copy_bytes_in(bytes, buf);
  Result<FilePreview> p = preview_file(buf.data(), buf.size(), format, static_cast<std::size_t>(std::max(max_rows, 0)));
  if (!p) return status_object(p.status());
  val rows = val::array();
  for (std::size_t r = 0; r < p->rows.size(); ++r) rows.set(r, string_array(p->rows[r]));
  val out = val::object();
  out.set("format", format_object(p->format));
  out.set("rows", rows);
  return ok_object(out);
}

val load_items(const val& bytes, const val& options) {
  FormatOptions format;
  Status st = format_options_from(options, format);
  if (!st) return status_object(st);
  std::vector<char> buf;
  copy_bytes_in(bytes, buf);
  Result<std::vector<ItemInfo>> items = read_items(buf.data(), buf.size(), format);
  if (!items) return status_object(items.status());
  return ok_object(item_infos(*items));
}

// ---- tuning ------------------------------------------------------------------------------------------------

val trial_object(const TuneTrial& t) {
  val out = val::object();
  out.set("stage", t.stage);
  out.set("params", params_object(t.options));
  out.set("objective", t.objective);
  out.set("recall", t.recall);
  out.set("ndcg", t.ndcg);
  out.set("rmse", t.rmse);
  out.set("seconds", t.seconds);
  return out;
}

std::vector<float> floats_from(const val& array) {
  std::vector<float> out;
  const unsigned n = array["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) out.push_back(array[i].as<float>());
  return out;
}

// ---- DatasetHandle -----------------------------------------------------------------------------------------

class DatasetHandle {
 public:
  // Streaming load: begin(format), feed(chunk)..., finish(). JS feeds ~1 MiB chunks, so the wasm heap holds
  // one chunk of text at a time, never the whole file.
  val begin(const val& options) {
    FormatOptions format;
    Status st = format_options_from(options, format);
    if (!st) return status_object(st);
    reader_ = std::make_unique<RatingsReader>(format);
    return ok_object();
  }

  val feed(const val& chunk) {
    if (!reader_) return status_object(Status::internal("feed() before begin()"));
    copy_bytes_in(chunk, chunk_);
    return status_object(reader_->feed(chunk_.data(), chunk_.size()));
  }

  val finish() {
    if (!reader_) return status_object(Status::internal("finish() before begin()"));
    Result<Dataset> data = reader_->finish();
    reader_.reset();
    std::vector<char>().swap(chunk_);
    if (!data) return status_object(data.status());
    set_data(std::move(*data));
    return ok_object();
  }

  // The synthetic demo: {ok, value: {items, ratingsCsv, itemsCsv}}; the dataset becomes this handle's.
  val generate(const val& o) {
    GenerateOptions g;
    if (present(o, "users")) g.users = o["users"].as<std::uint32_t>();
    if (present(o, "items")) g.items = o["items"].as<std::uint32_t>();
    if (present(o, "interactions")) g.interactions = static_cast<std::uint64_t>(o["interactions"].as<double>());
    if (present(o, "groups")) g.groups = o["groups"].as<std::uint32_t>();
    if (present(o, "zipfExponent")) g.zipf_exponent = o["zipfExponent"].as<double>();
    if (present(o, "seed")) g.seed = static_cast<std::uint64_t>(o["seed"].as<double>());
    Status st = g.validate();
    if (!st) return status_object(st);
    Result<SyntheticData> synthetic = generate_synthetic(g);
    if (!synthetic) return status_object(synthetic.status());
    std::string ratings_csv, items_csv;
    write_ratings_csv(synthetic->ratings, [&](const char* d, std::size_t n) { ratings_csv.append(d, n); });
    write_items_csv(synthetic->items, [&](const char* d, std::size_t n) { items_csv.append(d, n); });
    val out = val::object();
    out.set("items", item_infos(synthetic->items));
    out.set("ratingsCsv", copy_out(reinterpret_cast<const unsigned char*>(ratings_csv.data()), ratings_csv.size()));
    out.set("itemsCsv", copy_out(reinterpret_cast<const unsigned char*>(items_csv.data()), items_csv.size()));
    set_data(std::move(synthetic->ratings));
    return ok_object(out);
  }

  val summary() const {
    const Dataset& d = data_;
    val out = val::object();
    out.set("rows", static_cast<double>(d.rows));
    out.set("interactions", static_cast<double>(d.size()));
    out.set("users", static_cast<double>(d.num_users()));
    out.set("items", static_cast<double>(d.num_items()));
    out.set("skipped", static_cast<double>(d.skipped));
    val examples = val::array();
    for (std::size_t i = 0; i < d.skipped_examples.size(); ++i) {
      val row = val::object();
      row.set("line", static_cast<double>(d.skipped_examples[i].line));
      row.set("reason", d.skipped_examples[i].reason);
      examples.set(i, row);
    }
    out.set("skippedExamples", examples);
    out.set("filtered", static_cast<double>(d.filtered));
    out.set("duplicatesMerged", static_cast<double>(d.duplicates_merged));
    out.set("hasRatings", d.has_ratings);
    out.set("hasTimestamps", d.has_timestamps);
    const double cells = static_cast<double>(d.num_users()) * static_cast<double>(d.num_items());
    out.set("density", cells > 0 ? static_cast<double>(d.size()) / cells : 0.0);
    // Distinct rating values rounded to the nearest half star, ascending.
    val histogram = val::array();
    if (d.has_ratings) {
      std::map<double, double> counts;
      for (float v : d.values) counts[std::round(static_cast<double>(v) * 2.0) / 2.0] += 1;
      std::size_t i = 0;
      for (const auto& [value, count] : counts) {
        val bin = val::object();
        bin.set("value", value);
        bin.set("count", count);
        histogram.set(i++, bin);
      }
    }
    out.set("ratingHistogram", histogram);
    out.set("format", format_object(d.format));
    out.set("fingerprint", hex64(d.fingerprint()));
    return out;
  }

  val user_ids() const { return string_array(data_.user_ids); }
  val item_ids() const { return string_array(data_.item_ids); }

  // Interactions per user / per item (Uint32Array aligned with userIds() / itemIds()).
  val user_counts() const { return counts(data_.users, data_.num_users()); }
  val item_counts() const { return counts(data_.items, data_.num_items()); }

  // {ok, value: [{itemId, value, timestamp}]} in file order.
  val user_items(const std::string& user_id) {
    const int user = user_index_.find(data_.user_ids, user_id);
    if (user < 0) return status_object(Status::invalid_argument("user '" + user_id + "' is not in the dataset"));
    if (by_user_offsets_.empty()) index_by_user();
    val out = val::array();
    std::size_t k = 0;
    for (std::uint64_t j = by_user_offsets_[user]; j < by_user_offsets_[user + 1]; ++j) {
      const std::uint32_t i = by_user_[j];
      val entry = val::object();
      entry.set("itemId", data_.item_ids[data_.items[i]]);
      entry.set("value", data_.values[i]);
      entry.set("timestamp", static_cast<double>(data_.timestamps[i]));
      out.set(k++, entry);
    }
    return ok_object(out);
  }

  const Dataset& data() const { return data_; }

 private:
  void set_data(Dataset data) {
    data_ = std::move(data);
    by_user_.clear();
    by_user_offsets_.clear();
  }

  static val counts(const std::vector<std::uint32_t>& index, std::size_t n) {
    std::vector<std::uint32_t> c(n, 0);
    for (std::uint32_t i : index) ++c[i];
    return copy_out(c.data(), c.size());
  }

  // Interaction indices grouped by user, file order kept (a counting sort).
  void index_by_user() {
    by_user_offsets_.assign(data_.num_users() + 1, 0);
    for (std::uint32_t u : data_.users) ++by_user_offsets_[u + 1];
    for (std::size_t u = 0; u < data_.num_users(); ++u) by_user_offsets_[u + 1] += by_user_offsets_[u];
    std::vector<std::uint64_t> next(by_user_offsets_.begin(), by_user_offsets_.end() - 1);
    by_user_.resize(data_.size());
    for (std::uint32_t i = 0; i < data_.size(); ++i) by_user_[next[data_.users[i]]++] = i;
  }

  Dataset data_;
  std::unique_ptr<RatingsReader> reader_;
  std::vector<char> chunk_;
  IdIndex user_index_;
  std::vector<std::uint64_t> by_user_offsets_;
  std::vector<std::uint32_t> by_user_;
};

// ---- TrainerHandle -----------------------------------------------------------------------------------------

class TrainerHandle {
 public:
  // Split the dataset (spec as the CLI's --split) and set up a trainer on the train part.
  val init(const DatasetHandle& dataset, const val& params, const std::string& split, double split_seed) {
    AlsOptions options;
    Status st = als_options_from(params, options);
    if (!st) return status_object(st);
    Result<SplitSpec> spec = parse_split(split);
    if (!spec) return status_object(spec.status());
    const Dataset& data = dataset.data();
    if (data.size() == 0) return status_object(Status::invalid_argument("the dataset has no interactions"));

    CsrMatrix train;
    if (spec->kind == SplitKind::kNone) {
      train = build_user_item_matrix(data);
      has_test_ = false;
    } else {
      SplitResult parts = split_dataset(data, *spec, static_cast<std::uint64_t>(split_seed));
      train = build_user_item_matrix(data, &parts.train);
      test_ = build_user_item_matrix(data, &parts.test);
      has_test_ = true;
    }
    Result<std::unique_ptr<AlsTrainer>> trainer = AlsTrainer::create(std::move(train), options);
    if (!trainer) return status_object(trainer.status());
    trainer_ = std::move(*trainer);
    user_ids_ = data.user_ids;
    item_ids_ = data.item_ids;
    fingerprint_ = data.fingerprint();
    elapsed_ = 0.0;
    return ok_object();
  }

  // One iteration: {ok, value: StepProgress}.
  val step() {
    if (!trainer_) return status_object(Status::internal("trainer not initialised"));
    if (done()) return status_object(Status::invalid_argument("training is already complete"));
    const auto start = std::chrono::steady_clock::now();
    Status st = trainer_->step();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    elapsed_ += seconds;
    if (!st) return status_object(st);
    val out = val::object();
    out.set("iteration", trainer_->iteration());
    out.set("iterations", iterations());
    out.set("loss", trainer_->last_loss());
    out.set("seconds", seconds);
    out.set("elapsed", elapsed_);
    out.set("done", done());
    return ok_object(out);
  }

  int iteration() const { return trainer_ ? trainer_->iteration() : 0; }
  int iterations() const { return trainer_ ? trainer_->options().iterations : 0; }
  bool done() const { return iteration() >= iterations(); }
  bool has_test() const { return has_test_; }
  val params() const { return trainer_ ? params_object(trainer_->options()) : val::null(); }

  val evaluate(int k) const {
    Status st = check_evaluable(k);
    if (!st) return status_object(st);
    return ok_object(metrics_object(evaluate_model(trainer_->user_factors(), trainer_->item_factors(),
                                                   trainer_->user_items(), test_, k, 1)));
  }

  // The same metrics on at most max_users held-out users (a fixed seeded sample: the first max_users of one
  // shuffle of the test users), so that a curve over iterations costs a bounded share of training.
  val evaluate_sample(int k, int max_users) {
    Status st = check_evaluable(k);
    if (!st) return status_object(st);
    const std::size_t n = static_cast<std::size_t>(std::max(max_users, 1));
    if (n != sample_users_) {
      if (test_order_.empty()) {
        for (std::uint32_t u = 0; u < test_.rows; ++u)
          if (test_.indptr[u + 1] > test_.indptr[u]) test_order_.push_back(u);
        std::mt19937_64 rng(0x5eed);
        std::shuffle(test_order_.begin(), test_order_.end(), rng);
      }
      std::vector<std::uint32_t> rows, cols;
      std::vector<float> values;
      for (std::size_t s = 0; s < std::min(n, test_order_.size()); ++s) {
        const std::uint32_t u = test_order_[s];
        for (std::uint64_t j = test_.indptr[u]; j < test_.indptr[u + 1]; ++j) {
          rows.push_back(u);
          cols.push_back(test_.indices[j]);
          values.push_back(test_.data[j]);
        }
      }
      test_sample_ = csr_from_triplets(test_.rows, test_.cols, rows, cols, values);
      sample_users_ = n;
    }
    return ok_object(metrics_object(evaluate_model(trainer_->user_factors(), trainer_->item_factors(),
                                                   trainer_->user_items(), test_sample_, k, 1)));
  }

  val popularity(int k) const {
    Status st = check_evaluable(k);
    if (!st) return status_object(st);
    return ok_object(metrics_object(evaluate_popularity(trainer_->user_items(), test_, k, 1)));
  }

  // The current factors with their ids (a copy).
  AlsModel model() const {
    AlsModel m;
    m.options = trainer_->options();
    m.user_ids = user_ids_;
    m.item_ids = item_ids_;
    m.user_factors = trainer_->user_factors();
    m.item_factors = trainer_->item_factors();
    m.dataset_fingerprint = fingerprint_;
    m.iterations_done = trainer_->iteration();
    m.final_loss = trainer_->last_loss();
    m.seen = trainer_->user_items();  // as train_model: the interactions it was trained on
    return m;
  }
  bool ready() const { return trainer_ != nullptr; }

 private:
  Status check_evaluable(int k) const {
    if (!trainer_) return Status::internal("trainer not initialised");
    if (!has_test_) return Status::invalid_argument("this trainer has no test split (split 'none'): nothing to evaluate");
    if (k < 1) return Status::invalid_argument("k must be at least 1");
    return Status::ok();
  }

  std::unique_ptr<AlsTrainer> trainer_;
  CsrMatrix test_;
  bool has_test_ = false;
  std::vector<std::uint32_t> test_order_;  // test users (with held-out items), shuffled once
  CsrMatrix test_sample_;
  std::size_t sample_users_ = 0;
  std::vector<std::string> user_ids_, item_ids_;
  std::uint64_t fingerprint_ = 0;
  double elapsed_ = 0.0;
};

// ---- ModelHandle -------------------------------------------------------------------------------------------

class ModelHandle {
 public:
  val load(const val& bytes, const std::string& source_name) {
    std::vector<char> buf;
    copy_bytes_in(bytes, buf);
    Result<AlsModel> model =
        deserialize_model(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size(), source_name);
    if (!model) return status_object(model.status());
    set_model(std::move(*model));
    return ok_object();
  }

  // The trainer's current factors; its train interactions become the "seen" items (saved with the model).
  val from_trainer(const TrainerHandle& trainer) {
    if (!trainer.ready()) return status_object(Status::internal("trainer not initialised"));
    set_model(trainer.model());
    return ok_object();
  }

  // For a model without seen items (or to replace them): the dataset's interactions, matched by ids (unknown ids
  // are ignored). They are saved with the model.
  void attach_seen(const DatasetHandle& dataset) {
    const Dataset& d = dataset.data();
    std::vector<int> user_map(d.num_users()), item_map(d.num_items());
    for (std::size_t u = 0; u < d.num_users(); ++u) user_map[u] = user_index_.find(model_.user_ids, d.user_ids[u]);
    for (std::size_t i = 0; i < d.num_items(); ++i) item_map[i] = item_index_.find(model_.item_ids, d.item_ids[i]);
    std::vector<std::uint32_t> rows, cols;
    std::vector<float> values;
    for (std::size_t k = 0; k < d.size(); ++k) {
      const int u = user_map[d.users[k]], i = item_map[d.items[k]];
      if (u < 0 || i < 0) continue;
      rows.push_back(static_cast<std::uint32_t>(u));
      cols.push_back(static_cast<std::uint32_t>(i));
      values.push_back(1.0f);
    }
    model_.seen = csr_from_triplets(static_cast<std::uint32_t>(model_.user_ids.size()),
                                    static_cast<std::uint32_t>(model_.item_ids.size()), rows, cols, values);
  }

  int factors() const { return static_cast<int>(model_.item_factors.cols); }
  int num_users() const { return static_cast<int>(model_.user_ids.size()); }
  int num_items() const { return static_cast<int>(model_.item_ids.size()); }
  bool has_seen() const { return model_.seen.rows > 0; }
  val params() const { return params_object(model_.options); }
  val user_ids() const { return string_array(model_.user_ids); }
  val item_ids() const { return string_array(model_.item_ids); }

  val info() const {
    val out = val::object();
    out.set("iterationsDone", model_.iterations_done);
    out.set("finalLoss", model_.final_loss);
    out.set("datasetFingerprint", hex64(model_.dataset_fingerprint));
    return out;
  }

  val recommend(const std::string& user_id, int n, bool exclude_seen) {
    const int user = user_index_.find(model_.user_ids, user_id);
    if (user < 0) return status_object(Status::invalid_argument("user '" + user_id + "' is not in the model"));
    const CsrMatrix* exclude = exclude_seen && has_seen() ? &model_.seen : nullptr;
    return ok_object(scored(alsrec::recommend(model_.user_factors, model_.item_factors, static_cast<std::uint32_t>(user),
                                              static_cast<std::size_t>(std::max(n, 0)), exclude)));
  }

  // Every user's top-n in one pass (blocks of users × all items by GEMM in the core), flattened: user u's list is
  // items/scores[offsets[u] .. offsets[u+1]), item indices into itemIds().
  val recommend_all_users(int n, bool exclude_seen) const {
    const CsrMatrix* exclude = exclude_seen && has_seen() ? &model_.seen : nullptr;
    const auto lists = recommend_all(model_.user_factors, model_.item_factors, static_cast<std::size_t>(std::max(n, 0)),
                                     exclude, 1);
    std::vector<std::uint32_t> offsets(lists.size() + 1, 0), items;
    std::vector<float> scores;
    for (std::size_t u = 0; u < lists.size(); ++u) {
      for (const ScoredItem& s : lists[u]) {
        items.push_back(s.index);
        scores.push_back(s.score);
      }
      offsets[u + 1] = static_cast<std::uint32_t>(items.size());
    }
    val out = val::object();
    out.set("offsets", copy_out(offsets.data(), offsets.size()));
    out.set("items", copy_out(items.data(), items.size()));
    out.set("scores", copy_out(scores.data(), scores.size()));
    return out;
  }

  val similar(const std::string& item_id, int n) {
    const int item = item_index_.find(model_.item_ids, item_id);
    if (item < 0) return status_object(Status::invalid_argument("item '" + item_id + "' is not in the model"));
    return ok_object(
        scored(similar_items(model_.item_factors, static_cast<std::uint32_t>(item), static_cast<std::size_t>(std::max(n, 0)))));
  }

  // {ok, value: Float32Array(factors)}; ids unknown to the model are ignored.
  val fold_in(const val& item_ids, const val& values) {
    std::vector<std::uint32_t> items;
    std::vector<float> kept;
    known_items(item_ids, values, items, kept);
    Result<std::vector<float>> x = fold_in_user(model_.item_factors, model_.options, items, kept);
    if (!x) return status_object(x.status());
    return ok_object(copy_out(x->data(), x->size()));
  }

  val recommend_vector(const val& user_vector, int n, const val& exclude_ids) {
    std::vector<float> x = copy_floats_in(user_vector);
    if (x.size() != model_.item_factors.cols) {
      return status_object(Status::invalid_argument("the user vector has " + std::to_string(x.size()) +
                                                    " values; the model has " + std::to_string(factors()) + " factors"));
    }
    std::vector<std::uint32_t> exclude;
    for (const std::string& id : strings_in(exclude_ids)) {
      const int i = item_index_.find(model_.item_ids, id);
      if (i >= 0) exclude.push_back(static_cast<std::uint32_t>(i));
    }
    return ok_object(scored(alsrec::recommend_vector(x.data(), model_.item_factors, static_cast<std::size_t>(std::max(n, 0)), exclude)));
  }

  val explain_item(const val& item_ids, const val& values, const std::string& item_id, int n) {
    const int item = item_index_.find(model_.item_ids, item_id);
    if (item < 0) return status_object(Status::invalid_argument("item '" + item_id + "' is not in the model"));
    std::vector<std::uint32_t> items;
    std::vector<float> kept;
    known_items(item_ids, values, items, kept);
    Result<std::vector<Contribution>> parts = explain(model_.item_factors, model_.options, items, kept,
                                                      static_cast<std::uint32_t>(item), static_cast<std::size_t>(std::max(n, 0)));
    if (!parts) return status_object(parts.status());
    val out = val::array();
    for (std::size_t k = 0; k < parts->size(); ++k) out.set(k, scored_entry((*parts)[k].index, (*parts)[k].score));
    return ok_object(out);
  }

  val item_factors() const { return copy_out(model_.item_factors.data.data(), model_.item_factors.data.size()); }
  val user_factors() const { return copy_out(model_.user_factors.data.data(), model_.user_factors.data.size()); }

  val save() const {
    const std::vector<std::uint8_t> bytes = serialize_model(model_);
    return copy_out(bytes.data(), bytes.size());
  }

 private:
  void set_model(AlsModel model) {
    model_ = std::move(model);
    user_index_ = IdIndex();
    item_index_ = IdIndex();
  }

  void known_items(const val& item_ids, const val& values, std::vector<std::uint32_t>& items,
                   std::vector<float>& kept) {
    const std::vector<std::string> ids = strings_in(item_ids);
    const std::vector<float> v = copy_floats_in(values);
    for (std::size_t k = 0; k < ids.size() && k < v.size(); ++k) {
      const int i = item_index_.find(model_.item_ids, ids[k]);
      if (i < 0) continue;
      items.push_back(static_cast<std::uint32_t>(i));
      kept.push_back(v[k]);
    }
  }

  val scored_entry(std::uint32_t index, float score) const {
    val entry = val::object();
    entry.set("itemId", model_.item_ids[index]);
    entry.set("index", index);
    entry.set("score", score);
    return entry;
  }

  val scored(const std::vector<ScoredItem>& list) const {
    val out = val::array();
    for (std::size_t k = 0; k < list.size(); ++k) out.set(k, scored_entry(list[k].index, list[k].score));
    return out;
  }

  AlsModel model_;
  IdIndex user_index_, item_index_;
};

}  // namespace

// The d-doubling search (core tune()) on the train part of `split`: {ok, value: {trials, best, params,
// budgetExhausted, seconds, objective, fitInteractions, validationInteractions}}. on_progress(progress) is called
// after every trial; returning false cancels (code kCancelled). options: {k, budgetSeconds, maxTrials, objective,
// weights, lambdas, exponents, ladder} (JS-checked).
val tune_dataset(const DatasetHandle& dataset, const val& params, const std::string& split, double split_seed,
                 const val& options, const val& on_progress) {
  TuneOptions to;
  Status st = als_options_from(params, to.base);
  if (!st) return status_object(st);
  Result<SplitSpec> spec = parse_split(split);
  if (!spec) return status_object(spec.status());
  if (spec->kind == SplitKind::kNone)
    return status_object(Status::invalid_argument("tune needs a split such as 'temporal:0.2' (got 'none')"));
  to.validation = *spec;
  if (present(options, "k")) to.k = options["k"].as<int>();
  if (present(options, "budgetSeconds")) to.budget_seconds = options["budgetSeconds"].as<double>();
  if (present(options, "maxTrials")) to.max_trials = options["maxTrials"].as<int>();
  if (present(options, "objective")) {
    Result<TuneObjective> o = parse_tune_objective(options["objective"].as<std::string>());
    if (!o) return status_object(o.status());
    to.objective = *o;
  }
  if (present(options, "weights")) to.weights = floats_from(options["weights"]);
  if (present(options, "lambdas")) to.lambdas = floats_from(options["lambdas"]);
  if (present(options, "exponents")) to.exponents = floats_from(options["exponents"]);
  if (present(options, "ladder"))
    for (float f : floats_from(options["ladder"])) to.factors.push_back(static_cast<int>(f));
  const Dataset& data = dataset.data();
  if (data.size() == 0) return status_object(Status::invalid_argument("the dataset has no interactions"));
  const SplitResult parts = split_dataset(data, *spec, static_cast<std::uint64_t>(split_seed));
  const bool report = !on_progress.isNull() && !on_progress.isUndefined();
  Result<TuneResult> r = tune(data, parts.train, to, [&](const TuneProgress& p) {
    if (!report) return true;
    val progress = val::object();
    progress.set("trialsDone", p.trials_done);
    progress.set("stage", p.stage);
    progress.set("stages", p.stages);
    progress.set("elapsed", p.elapsed);
    progress.set("budget", p.budget);
    progress.set("last", trial_object(*p.last));
    progress.set("best", trial_object(*p.best));
    return !on_progress(progress).strictlyEquals(val(false));
  });
  if (!r) return status_object(r.status());
  val trials = val::array();
  for (std::size_t i = 0; i < r->trials.size(); ++i) trials.set(i, trial_object(r->trials[i]));
  val out = val::object();
  out.set("trials", trials);
  out.set("best", static_cast<double>(r->best));
  out.set("params", params_object(r->best_options));
  out.set("budgetExhausted", r->budget_exhausted);
  out.set("seconds", r->seconds);
  out.set("objective", std::string(to.base.confidence == ConfidenceMode::kExplicit ? "rmse"
                                                                                   : tune_objective_name(to.objective)));
  out.set("fitInteractions", static_cast<double>(r->fit_interactions));
  out.set("validationInteractions", static_cast<double>(r->validation_interactions));
  return ok_object(out);
}

EMSCRIPTEN_BINDINGS(alsrec) {
  using namespace emscripten;
  function("version", &version_string);
  function("hasSimd", &has_simd);
  function("threadCount", &thread_count);
  function("defaultParams", &default_params);
  function("modeParams", &mode_params);
  function("tune", &tune_dataset);
  function("sniffFormat", &sniff);
  function("loadItems", &load_items);
  function("preview", &preview);

  class_<DatasetHandle>("DatasetHandle")
      .constructor<>()
      .function("begin", &DatasetHandle::begin)
      .function("feed", &DatasetHandle::feed)
      .function("finish", &DatasetHandle::finish)
      .function("generate", &DatasetHandle::generate)
      .function("summary", &DatasetHandle::summary)
      .function("userIds", &DatasetHandle::user_ids)
      .function("itemIds", &DatasetHandle::item_ids)
      .function("userItems", &DatasetHandle::user_items)
      .function("userCounts", &DatasetHandle::user_counts)
      .function("itemCounts", &DatasetHandle::item_counts);

  class_<TrainerHandle>("TrainerHandle")
      .constructor<>()
      .function("init", &TrainerHandle::init)
      .function("step", &TrainerHandle::step)
      .function("iteration", &TrainerHandle::iteration)
      .function("iterations", &TrainerHandle::iterations)
      .function("done", &TrainerHandle::done)
      .function("hasTest", &TrainerHandle::has_test)
      .function("params", &TrainerHandle::params)
      .function("evaluate", &TrainerHandle::evaluate)
      .function("evaluateSample", &TrainerHandle::evaluate_sample)
      .function("popularity", &TrainerHandle::popularity);

  class_<ModelHandle>("ModelHandle")
      .constructor<>()
      .function("load", &ModelHandle::load)
      .function("fromTrainer", &ModelHandle::from_trainer)
      .function("attachSeen", &ModelHandle::attach_seen)
      .function("factors", &ModelHandle::factors)
      .function("numUsers", &ModelHandle::num_users)
      .function("numItems", &ModelHandle::num_items)
      .function("hasSeen", &ModelHandle::has_seen)
      .function("params", &ModelHandle::params)
      .function("info", &ModelHandle::info)
      .function("userIds", &ModelHandle::user_ids)
      .function("itemIds", &ModelHandle::item_ids)
      .function("recommend", &ModelHandle::recommend)
      .function("recommendAll", &ModelHandle::recommend_all_users)
      .function("similar", &ModelHandle::similar)
      .function("foldIn", &ModelHandle::fold_in)
      .function("recommendVector", &ModelHandle::recommend_vector)
      .function("explain", &ModelHandle::explain_item)
      .function("itemFactors", &ModelHandle::item_factors)
      .function("userFactors", &ModelHandle::user_factors)
      .function("save", &ModelHandle::save);
}
