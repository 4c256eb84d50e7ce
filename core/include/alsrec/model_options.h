// Model options: what a caller sets (ModelChoices), the one table of parameters and limits every surface uses,
// and the one place defaults are decided from the data (data_defaults) and merged with given values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/profile.h"
#include "alsrec/status.h"

namespace alsrec {

// ---------------------------------------------------------------------------------------------- options

// What a caller said about the model. Every unset field is decided from the data (data_defaults).
struct ModelChoices {
  std::optional<ConfidenceMode> confidence;
  std::optional<ValueTransform> values;
  std::optional<int> factors;
  std::optional<float> regularization;
  std::optional<float> alpha;
  std::optional<float> epsilon;
  std::optional<float> unobserved_weight;
  std::optional<float> reg_exponent;
  std::optional<float> popularity_exponent;
  std::optional<int> iterations;
  std::optional<SolverKind> solver;     // unset ("auto"): default_solver of the other options
  std::optional<int> cg_steps;
  std::optional<int> block_size;
  std::optional<int> threads;
  std::optional<std::uint64_t> seed;
  std::optional<bool> biases;
};

// One row per model parameter: its CLI flag, its JS key, its limits and help. The CLI's flags, the bindings'
// conversion, AlsOptions::validate's limits and the page's form all come from this table.
struct ParameterInfo {
  const char* flag;      // "regularization" (the CLI adds "--")
  const char* js;        // "regularization" (JS API, camelCase)
  double min, max;       // inclusive limits (enums: 0)
  bool integer;
  const char* help;
};
const std::vector<ParameterInfo>& model_parameters();
// The values a parameter that is not a number accepts, as set_choice reads them: the confidence modes, value
// transforms and solvers by name (read off the core's own enums, so a new one appears here without an edit);
// "false", "true" for a switch (biases); empty for a number.
std::vector<std::string> parameter_choices(const ParameterInfo& parameter);
// Sets one choice from text ("0.01", "ials", "true"), checking it against the table; the name is the flag or the
// JS key. kInvalidArgument names the parameter, the value and the limits.
Status set_choice(ModelChoices& choices, const std::string& name, const std::string& value);
// The current value of a parameter of `options` as text (for JSON and the page).
std::string option_text(const AlsOptions& options, const std::string& name);

struct ResolvedOptions {
  AlsOptions options;
  // Each decision taken from the data, in words ("values log: the values are counts (…)"); empty when the caller
  // set everything.
  std::vector<std::string> notes;
  // notes[values_note] says why the value transform was chosen (−1: it was given); a search that changes the
  // transform drops that note.
  int values_note = -1;
};

// A fixed iALS starting point with no data behind it (confidence ials, raw values, 128 factors, α₀ 3, λ 0.0033,
// ν 1, 16 iterations, CG): the defaults before they were decided from the data, kept for tests and benchmarks that
// want one known model. AlsOptions' member defaults stay `implicit`'s model.
AlsOptions recommended_options();
// The starting point per confidence mode, before the data is looked at: ials → recommended_options(); explicit →
// ALS-WR with biases (values raw, ν 1, λ 0.1, biases on); the other modes → AlsOptions{} (`implicit`'s model).
// data_defaults refines it from the data.
AlsOptions mode_defaults(ConfidenceMode mode);

// The mean observed value after the transform (1 for binary): iALS's observed weight is alpha·v, so α₀ (the
// weight of every unobserved pair) is stated relative to it.
double mean_observed_weight(const ValueProfile& values, ValueTransform transform, float epsilon);

// Defaults derived from the data's shape and value kind for a confidence mode (see bench/study/README.md for the
// study behind the formulas).
AlsOptions data_defaults(const DataProfile& profile, ConfidenceMode mode);
// The one rule for iterations past a model's d (every place that grows d uses it): at `factors` ≥ twice
// `reference_factors`, half of `reference_iterations` (at least 1), else all of them. At 256 and 512 factors 8
// iterations score within ~1% of 16 on every data set of the study, and the fit's pair work (~d per pair and
// iteration) stays the reference model's (bench/study/README.md, "Factors and iterations").
int iterations_for_factors(int reference_iterations, int reference_factors, int factors);
// The iALS iteration count for `factors`: iterations_for_factors(16, 128, factors), so 16, and 8 from 256.
int ials_default_iterations(int factors);
// data_defaults for the chosen (or default) mode, overridden by every given value, then validated. A given value
// is never replaced; a default that depends on another given value follows it (λ follows the mode and α₀; iALS's
// iterations follow the factors).
Result<ResolvedOptions> resolve_options(const ModelChoices& given, const DataProfile& profile);

}  // namespace alsrec
