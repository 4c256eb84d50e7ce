// Conversions between plain JS objects (emscripten::val) and the core's types, for the embind handles in
// bindings.cpp. Nothing here decides anything: the core's parsers, tables and checks do (set_choice for model
// parameters, parse_split, parse_baselines, SearchOptions::validate).
//
// Conventions: a fallible call returns {ok: true, value?} or {ok: false, code: <StatusCode as int>, message}
// (status_object / ok_object); arrays go out as copies, never live heap views (memory growth detaches them).
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/alsrec.h"

namespace alsrec::wasm {

using emscripten::val;

// ---- plain-object plumbing
val status_object(const Status& status);
val ok_object(const val& value);
val ok_object();
bool present(const val& object, const char* key);                // set and neither undefined nor null
void copy_bytes_in(const val& bytes, std::vector<char>& out);      // one TypedArray.set into the heap
std::vector<float> copy_floats_in(const val& array);
template <typename T>
val copy_out(const T* data, std::size_t n) {                       // a copy (slice) of heap memory
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}
val string_array(const std::vector<std::string>& strings);
std::vector<std::string> strings_in(const val& array);
std::string hex64(std::uint64_t v);
inline double number(std::uint64_t v) { return static_cast<double>(v); }

// ---- formats
Status format_options_from(const val& options, FormatOptions& format);
val format_object(const DetectedFormat& format);
val item_infos(const std::vector<ItemInfo>& items);

// ---- model parameters: the core's table (model_options.h)
val parameters();                                              // [{name, flag, min, max, integer, choices, help}]
Result<ModelChoices> model_choices_from(const val& params);    // every key through set_choice
val params_object(const AlsOptions& options);                  // {jsKey: value}

// ---- what the core reports
val profile_object(const DataProfile& profile, const std::vector<ValueBin>* histogram = nullptr);
val metrics_object(const RankingMetrics& metrics);
val trial_object(const SearchTrial& trial);
val search_result_object(const SearchResult& result);
val evaluation_object(const EvaluationReport& report);

// ---- the experiment's spec: {split, k, search, budgetSeconds, maxTrials, objective, baselines, easeMaxBytes}
Status spec_from(const val& options, ExperimentSpec& spec);

}  // namespace alsrec::wasm
