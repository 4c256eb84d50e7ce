// embind registrations: thin handles over the core objects (Dataset, Experiment, AlsModel), for wasm/alsrec_api.js
// (the friendly layer); the conversions to and from plain JS objects are convert.h's. No decision is made here: the
// options are resolved, split, searched, fitted, packaged and evaluated by the core's Experiment (experiment.h).
//
// Conventions (the JS layer relies on them):
// - Nothing here throws. Every fallible call returns a plain object {ok: true, value?} or
//   {ok: false, code: <StatusCode as int>, message}; alsrec_api.js turns the latter into an AlsrecError.
// - Model parameters arrive as {jsKey: value} and go through the core's set_choice one by one (model_options.h):
//   the core's table is the one list of names and limits; parameters() hands it to JS.
// - Bytes come in as Uint8Array and are copied into the heap with one TypedArray.set; arrays go out as a copy
//   (slice of a heap view), never a live view, since memory growth detaches views.
// - Handles are created empty by their constructor and filled by an init method returning a status, so a
//   failure never leaves JS holding a half-made object it cannot tell apart.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alsrec/alsrec.h"
#include "alsrec/id_index.h"
#include "convert.h"

namespace {

using emscripten::val;
using namespace alsrec;
using namespace alsrec::wasm;

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

double ease_bytes(double items) { return number(ease_memory_bytes(static_cast<std::uint32_t>(items))); }

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
    out.set("rows", number(d.rows));
    out.set("interactions", number(d.size()));
    out.set("users", number(d.num_users()));
    out.set("items", number(d.num_items()));
    out.set("skipped", number(d.skipped));
    val examples = val::array();
    for (std::size_t i = 0; i < d.skipped_examples.size(); ++i) {
      val row = val::object();
      row.set("line", number(d.skipped_examples[i].line));
      row.set("reason", d.skipped_examples[i].reason);
      examples.set(i, row);
    }
    out.set("skippedExamples", examples);
    out.set("filtered", number(d.filtered));
    out.set("duplicatesMerged", number(d.duplicates_merged));
    out.set("hasRatings", d.has_ratings);
    out.set("hasTimestamps", d.has_timestamps);
    const double cells = number(d.num_users()) * number(d.num_items());
    out.set("density", cells > 0 ? number(d.size()) / cells : 0.0);
    out.set("format", format_object(d.format));
    out.set("fingerprint", hex64(d.fingerprint()));
    return out;
  }

  // The data's profile (profile.h: the value kind with its evidence, the shape) with the values binned.
  val profile() {
    const std::vector<ValueBin> histogram = value_histogram(data_.values, data_profile().values);
    return profile_object(data_profile(), &histogram);
  }

  // The options the data gets for `params` (the rest decided from its profile) and why, before any screen:
  // {ok, value: {params, notes}}.
  val resolve(const val& params) {
    Result<ModelChoices> choices = model_choices_from(params);
    if (!choices) return status_object(choices.status());
    Result<ResolvedOptions> r = resolve_options(*choices, data_profile());
    if (!r) return status_object(r.status());
    val out = val::object();
    out.set("params", params_object(r->options));
    out.set("notes", string_array(r->notes));
    return ok_object(out);
  }

  val user_ids() const { return string_array(data_.user_ids); }
  val item_ids() const { return string_array(data_.item_ids); }

  // Interactions per user / per item (Uint32Array aligned with userIds() / itemIds()).
  val user_counts() const { return counts(data_.users, data_.num_users()); }
  val item_counts() const { return counts(data_.items, data_.num_items()); }

  // {ok, value: [{itemId, value, timestamp}]} in file order.
  val user_items(const std::string& user_id) {
    if (!user_index_) user_index_.emplace(data_.user_ids);
    const int user = user_index_->find(user_id);
    if (user < 0) return status_object(Status::invalid_argument("user '" + user_id + "' is not in the dataset"));
    if (!by_user_) by_user_ = rows_by_user(data_);
    val out = val::array();
    std::size_t k = 0;
    for (std::uint64_t j = by_user_->offsets[user]; j < by_user_->offsets[user + 1]; ++j) {
      const std::uint32_t i = by_user_->rows[j];
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
    user_index_.reset();
    by_user_.reset();
    profile_.reset();
  }

  const DataProfile& data_profile() {  // computed once: the page asks again as the form changes
    if (!profile_) profile_ = profile_dataset(data_);
    return *profile_;
  }

  static val counts(const std::vector<std::uint32_t>& index, std::size_t n) {
    std::vector<std::uint32_t> c(n, 0);
    for (std::uint32_t i : index) ++c[i];
    return copy_out(c.data(), c.size());
  }

  Dataset data_;
  std::unique_ptr<RatingsReader> reader_;
  std::vector<char> chunk_;
  std::optional<IdIndex> user_index_;  // built on first use
  std::optional<UserRows> by_user_;
  std::optional<DataProfile> profile_;
};

// ---- ExperimentHandle --------------------------------------------------------------------------------------

class ExperimentHandle {
 public:
  val init(const DatasetHandle& dataset, const val& params, const val& options) {
    ExperimentSpec spec;
    Result<ModelChoices> choices = model_choices_from(params);
    if (!choices) return status_object(choices.status());
    spec.model = *choices;
    Status st = spec_from(options, spec);
    if (!st) return status_object(st);
    auto e = Experiment::create(dataset.data(), spec);
    if (!e) return status_object(e.status());
    e_ = std::move(*e);
    return ok_object();
  }

  bool searching() const { return e_->searching(); }

  // One trial: {ok, value: {trialsDone, elapsed, budget, last, best, done}} (last/best null before the first).
  val search_step() {
    Status st = e_->search_step();
    if (!st) return status_object(st);
    const SearchProgress p = e_->search_progress();
    val out = val::object();
    out.set("trialsDone", p.trials_done);
    out.set("elapsed", p.elapsed);
    out.set("budget", p.budget);
    out.set("last", p.last ? trial_object(*p.last) : val::null());
    out.set("best", p.best ? trial_object(*p.best) : val::null());
    out.set("done", !e_->searching());
    return ok_object(out);
  }

  val search_result() const {
    const SearchResult* r = e_->search_result();
    return r ? search_result_object(*r) : val::null();
  }

  // One iteration: {ok, value: {iteration, iterations, loss, seconds, elapsed, done}}.
  val step() {
    const double before = e_->fit_seconds();
    Status st = e_->step();
    if (!st) return status_object(st);
    val out = val::object();
    out.set("iteration", e_->iteration());
    out.set("iterations", iterations());
    out.set("loss", e_->last_loss());
    out.set("seconds", e_->fit_seconds() - before);
    out.set("elapsed", e_->fit_seconds());
    out.set("done", e_->fitted());
    return ok_object(out);
  }

  int iteration() const { return e_->iteration(); }
  int iterations() const { return e_->options().iterations; }
  bool done() const { return e_->fitted(); }
  bool has_test() const { return e_->has_test(); }
  double train_interactions() const { return number(e_->train_interactions()); }
  double test_interactions() const { return number(e_->test_interactions()); }
  val params() const { return params_object(e_->options()); }
  val notes() const { return string_array(e_->resolved().notes); }
  val profile() const { return profile_object(e_->profile()); }

  val test_metrics(int max_users) const {
    auto m = e_->test_metrics(static_cast<std::size_t>(std::max(max_users, 0)));
    if (!m) return status_object(m.status());
    return ok_object(metrics_object(*m));
  }

  // At least maxUsers more test users ranked (whole blocks): {ok, value: {usersDone, users, done}}; evaluate() then
  // does the rest.
  val evaluate_step(int max_users) {
    Status st = e_->evaluation_step(static_cast<std::size_t>(std::max(max_users, 1)));
    if (!st) return status_object(st);
    const EvaluationProgress p = e_->evaluation_progress();
    val out = val::object();
    out.set("usersDone", number(p.users_done));
    out.set("users", number(p.users));
    out.set("done", p.users_done >= p.users);
    return ok_object(out);
  }

  val evaluate() const {
    auto r = e_->evaluate();
    if (!r) return status_object(r.status());
    return ok_object(evaluation_object(*r));
  }

  Result<AlsModel> model() const { return e_->model(); }

 private:
  std::unique_ptr<Experiment> e_;
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

  // The experiment's current factors, packaged by the core (its train interactions become the seen items).
  val from_experiment(const ExperimentHandle& experiment) {
    Result<AlsModel> model = experiment.model();
    if (!model) return status_object(model.status());
    set_model(std::move(*model));
    return ok_object();
  }

  // For a model without seen items (or to replace them): the dataset's interactions, matched by ids.
  void attach_seen(const DatasetHandle& dataset) { model_.seen = seen_matrix(model_, dataset.data()); }

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
    const int user = users().find(user_id);
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
    const int item = items().find(item_id);
    if (item < 0) return status_object(Status::invalid_argument("item '" + item_id + "' is not in the model"));
    return ok_object(scored(
        similar_items(model_.item_factors, static_cast<std::uint32_t>(item), static_cast<std::size_t>(std::max(n, 0)))));
  }

  // {ok, value: Float32Array(factors)}; ids unknown to the model are ignored.
  val fold_in(const val& item_ids, const val& values) {
    std::vector<std::uint32_t> known;
    std::vector<float> kept;
    known_items(item_ids, values, known, kept);
    Result<std::vector<float>> x = fold_in_user(model_.item_factors, model_.options, known, kept, model_.item_weights);
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
      const int i = items().find(id);
      if (i >= 0) exclude.push_back(static_cast<std::uint32_t>(i));
    }
    return ok_object(scored(alsrec::recommend_vector(x.data(), model_.item_factors,
                                                     static_cast<std::size_t>(std::max(n, 0)), exclude)));
  }

  val explain_item(const val& item_ids, const val& values, const std::string& item_id, int n) {
    const int item = items().find(item_id);
    if (item < 0) return status_object(Status::invalid_argument("item '" + item_id + "' is not in the model"));
    std::vector<std::uint32_t> known;
    std::vector<float> kept;
    known_items(item_ids, values, known, kept);
    Result<std::vector<Contribution>> parts = explain(model_.item_factors, model_.options, known, kept,
                                                      static_cast<std::uint32_t>(item),
                                                      static_cast<std::size_t>(std::max(n, 0)), model_.item_weights);
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
    user_index_.reset();
    item_index_.reset();
  }

  // Built on first use: ids are looked up one at a time from JS.
  const IdIndex& users() {
    if (!user_index_) user_index_.emplace(model_.user_ids);
    return *user_index_;
  }
  const IdIndex& items() {
    if (!item_index_) item_index_.emplace(model_.item_ids);
    return *item_index_;
  }

  void known_items(const val& item_ids, const val& values, std::vector<std::uint32_t>& known,
                   std::vector<float>& kept) {
    const std::vector<std::string> ids = strings_in(item_ids);
    const std::vector<float> v = copy_floats_in(values);
    for (std::size_t k = 0; k < ids.size() && k < v.size(); ++k) {
      const int i = items().find(ids[k]);
      if (i < 0) continue;
      known.push_back(static_cast<std::uint32_t>(i));
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
  std::optional<IdIndex> user_index_, item_index_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(alsrec) {
  using namespace emscripten;
  function("version", &version_string);
  function("hasSimd", &has_simd);
  function("threadCount", &thread_count);
  function("parameters", &parameters);
  function("easeMemoryBytes", &ease_bytes);
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
      .function("profile", &DatasetHandle::profile)
      .function("resolve", &DatasetHandle::resolve)
      .function("userIds", &DatasetHandle::user_ids)
      .function("itemIds", &DatasetHandle::item_ids)
      .function("userItems", &DatasetHandle::user_items)
      .function("userCounts", &DatasetHandle::user_counts)
      .function("itemCounts", &DatasetHandle::item_counts);

  class_<ExperimentHandle>("ExperimentHandle")
      .constructor<>()
      .function("init", &ExperimentHandle::init)
      .function("searching", &ExperimentHandle::searching)
      .function("searchStep", &ExperimentHandle::search_step)
      .function("searchResult", &ExperimentHandle::search_result)
      .function("step", &ExperimentHandle::step)
      .function("iteration", &ExperimentHandle::iteration)
      .function("iterations", &ExperimentHandle::iterations)
      .function("done", &ExperimentHandle::done)
      .function("hasTest", &ExperimentHandle::has_test)
      .function("trainInteractions", &ExperimentHandle::train_interactions)
      .function("testInteractions", &ExperimentHandle::test_interactions)
      .function("params", &ExperimentHandle::params)
      .function("notes", &ExperimentHandle::notes)
      .function("profile", &ExperimentHandle::profile)
      .function("testMetrics", &ExperimentHandle::test_metrics)
      .function("evaluateStep", &ExperimentHandle::evaluate_step)
      .function("evaluate", &ExperimentHandle::evaluate);

  class_<ModelHandle>("ModelHandle")
      .constructor<>()
      .function("load", &ModelHandle::load)
      .function("fromExperiment", &ModelHandle::from_experiment)
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
