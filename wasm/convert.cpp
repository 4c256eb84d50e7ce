// Conversions between plain JS objects and the core's types (convert.h).
#include "convert.h"

#include <cstdio>
#include <cstdlib>

namespace alsrec::wasm {

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

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}


// ---- conversions: formats ----------------------------------------------------------------------------------

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

// ---- conversions: model parameters (the core's table) ------------------------------------------------------

// {name (JS key), flag, min, max, integer, choices, help} for every row of model_parameters().
val parameters() {
  val out = val::array();
  std::size_t i = 0;
  for (const ParameterInfo& p : model_parameters()) {
    val row = val::object();
    row.set("name", std::string(p.js));
    row.set("flag", std::string(p.flag));
    row.set("min", p.min);
    row.set("max", p.max);
    row.set("integer", p.integer);
    row.set("choices", string_array(parameter_choices(p)));
    row.set("help", std::string(p.help));
    out.set(i++, row);
  }
  return out;
}

// Every key of `params` through set_choice, its value as text (String(v) in JS: 0.1 → "0.1", true → "true").
Result<ModelChoices> model_choices_from(const val& params) {
  ModelChoices choices;
  if (params.isUndefined() || params.isNull()) return choices;
  const val keys = val::global("Object").call<val>("keys", params);
  const val to_text = val::global("String");
  const std::size_t n = keys["length"].as<std::size_t>();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string key = keys[i].as<std::string>();
    const val v = params[key];
    if (v.isUndefined() || v.isNull()) continue;
    ALSREC_RETURN_IF_ERROR(set_choice(choices, key, to_text(v).as<std::string>()));
  }
  return choices;
}

// The options as {jsKey: value}: choices as names, the switch as a boolean, numbers as the shortest decimal that
// reads back as the same float (option_text), so 0.1f is 0.1 in JS.
val params_object(const AlsOptions& o) {
  val out = val::object();
  for (const ParameterInfo& p : model_parameters()) {
    const std::string text = option_text(o, p.flag);
    const std::vector<std::string> choices = parameter_choices(p);
    if (choices == std::vector<std::string>{"false", "true"}) out.set(p.js, text == "true");
    else if (!choices.empty()) out.set(p.js, text);
    else out.set(p.js, std::strtod(text.c_str(), nullptr));
  }
  return out;
}

// ---- conversions: profile, metrics, search, evaluation -----------------------------------------------------

val profile_object(const DataProfile& p, const std::vector<ValueBin>* histogram) {
  const ValueProfile& v = p.values;
  val values = val::object();
  values.set("kind", std::string(value_kind_name(v.kind)));
  values.set("description", std::string(value_kind_description(v.kind)));
  values.set("evidence", v.evidence);
  values.set("min", v.min);
  values.set("max", v.max);
  values.set("mean", v.mean);
  values.set("median", v.median);
  values.set("p99", v.p99);
  values.set("distinct", number(v.distinct));
  values.set("integers", v.integers);
  values.set("step", v.step);
  values.set("zeroWeight", v.zero_weight);
  if (histogram) {
    val bins = val::array();
    for (std::size_t i = 0; i < histogram->size(); ++i) {
      val bin = val::object();
      bin.set("low", (*histogram)[i].low);
      bin.set("high", (*histogram)[i].high);
      bin.set("count", number((*histogram)[i].count));
      bins.set(i, bin);
    }
    values.set("histogram", bins);
  }
  val out = val::object();
  out.set("values", values);
  out.set("users", number(p.users));
  out.set("items", number(p.items));
  out.set("interactions", number(p.interactions));
  out.set("density", p.density);
  out.set("meanPerUser", p.mean_per_user);
  out.set("medianPerUser", p.median_per_user);
  out.set("meanPerItem", p.mean_per_item);
  out.set("medianPerItem", p.median_per_item);
  out.set("topItemShare", p.top_item_share);
  out.set("hasTimestamps", p.has_timestamps);
  return out;
}

val metrics_object(const RankingMetrics& m) {
  val out = val::object();
  out.set("k", m.k);
  out.set("users", number(m.users));
  out.set("recall", m.recall);
  out.set("precision", m.precision);
  out.set("ndcg", m.ndcg);
  out.set("map", m.map);
  out.set("hitRate", m.hit_rate);
  out.set("auc", m.auc);
  out.set("coverage", m.coverage);
  return out;
}

val trial_object(const SearchTrial& t) {
  val out = val::object();
  out.set("stage", t.stage);
  out.set("params", params_object(t.options));
  out.set("objective", t.objective);
  out.set("recall", t.recall);
  out.set("ndcg", t.ndcg);
  out.set("rmse", t.rmse);
  out.set("seconds", t.seconds);
  out.set("failed", t.failed);
  return out;
}

val search_result_object(const SearchResult& r) {
  val trials = val::array();
  for (std::size_t i = 0; i < r.trials.size(); ++i) trials.set(i, trial_object(r.trials[i]));
  val out = val::object();
  out.set("trials", trials);
  out.set("best", number(r.best));
  out.set("chosen", params_object(r.chosen));
  out.set("higherIsBetter", r.higher_is_better);
  out.set("budgetExhausted", r.budget_exhausted);
  out.set("seconds", r.seconds);
  out.set("fitInteractions", number(r.fit_interactions));
  out.set("validationInteractions", number(r.validation_interactions));
  out.set("notes", string_array(r.notes));
  return out;
}

namespace {

val rating_errors_object(const RatingErrors& e) {
  val out = val::object();
  out.set("count", number(e.count));
  out.set("rmse", e.rmse);
  out.set("mae", e.mae);
  return out;
}

}  // namespace

// {model, baselines: {popularity: metrics, ease: metrics + {lambda, seconds} | {error}}, ratingErrors?, seconds}
val evaluation_object(const EvaluationReport& r) {
  val baselines = val::object();
  for (const BaselineResult& b : r.baselines) {
    val entry = val::object();
    if (!b.status.is_ok()) {
      entry.set("error", b.status.message());
    } else {
      entry = metrics_object(b.metrics);
      if (b.baseline == Baseline::kEase) entry.set("lambda", b.lambda);
    }
    entry.set("seconds", b.seconds);
    baselines.set(baseline_name(b.baseline), entry);
  }
  val out = val::object();
  out.set("model", metrics_object(r.model));
  out.set("baselines", baselines);
  if (r.has_rating_errors) {
    val errors = val::object();
    errors.set("model", rating_errors_object(r.rating));
    errors.set("globalMean", rating_errors_object(r.global_mean));
    errors.set("bias", rating_errors_object(r.bias));
    out.set("ratingErrors", errors);
  }
  out.set("seconds", r.seconds);
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

namespace {

Result<ExperimentSpec::Search> parse_search(const std::string& s) {
  if (s == "screen") return ExperimentSpec::Search::kScreen;
  if (s == "auto") return ExperimentSpec::Search::kAuto;
  if (s == "none") return ExperimentSpec::Search::kNone;
  return Status::invalid_argument("unknown search '" + s + "' (expected screen, auto or none)");
}

}  // namespace

// JS-checked types; the core checks the values.
Status spec_from(const val& o, ExperimentSpec& spec) {
  if (present(o, "split")) {
    Result<SplitSpec> split = parse_split(o["split"].as<std::string>());
    if (!split) return split.status();
    spec.split = *split;
  }
  if (present(o, "k")) spec.k = o["k"].as<int>();
  if (present(o, "search")) {
    auto search = parse_search(o["search"].as<std::string>());
    if (!search) return search.status();
    spec.search = *search;
  }
  SearchOptions& so = spec.search_options;
  if (present(o, "budgetSeconds")) so.budget_seconds = o["budgetSeconds"].as<double>();
  if (present(o, "maxTrials")) so.max_trials = o["maxTrials"].as<int>();
  if (present(o, "objective")) {
    Result<TuneObjective> objective = parse_tune_objective(o["objective"].as<std::string>());
    if (!objective) return objective.status();
    so.objective = *objective;
  }
  if (present(o, "baselines")) {
    auto baselines = parse_baselines(o["baselines"].as<std::string>());
    if (!baselines) return baselines.status();
    spec.baselines = *baselines;
  }
  if (present(o, "easeMaxBytes")) spec.ease_max_bytes = static_cast<std::uint64_t>(o["easeMaxBytes"].as<double>());
  return so.validate();
}

}  // namespace alsrec::wasm
