// What train, evaluate and tune share on top of the core's Experiment: the search flags (--auto, --budget, …),
// building the ExperimentSpec from flags, running the search and the fit with progress on stderr, and the JSON
// of the profile, the search and the evaluation.
#pragma once

#include <string>

#include "cli_common.h"

namespace alsrec::cli {

// --auto, --budget, --max-trials, --objective, --no-screen
struct SearchFlags {
  bool auto_search = false;
  double budget = 60;
  int max_trials = 0;
  std::string objective = "ndcg";
  bool no_screen = false;
};
// `always_auto`: the command is the search itself (tune), so --auto is not offered.
void add_search_flags(CLI::App& app, SearchFlags& flags, bool always_auto = false);

// The spec from the flags: model choices, split, k, baselines ("popularity,ease"), the search.
Result<ExperimentSpec> experiment_spec(const ModelFlags& model, const SearchFlags& search, const SplitSpec& split,
                                       int k, const std::string& baselines);

// Runs the search (a line per trial on stderr when it is a terminal, or always with `verbose`) and the fit
// (a progress bar), labelled with `command`.
Status run_experiment(Experiment& experiment, const std::string& command, bool verbose = false);

json profile_json(const DataProfile& profile);   // "values" (kind, evidence, …) and the shape
json search_json(const SearchResult& result, const SearchOptions& options, const SplitSpec& validation);
json trial_json(const SearchTrial& trial);
std::string trial_line(const SearchTrial& trial);  // "ials binary d=64 alpha0=0.3 lambda=0.005 nu=1 it=10"
// The evaluation: metrics, baseline.*, rating errors (explicit), with the keys `evaluate` always printed.
void add_report_json(json& j, const EvaluationReport& report);

}  // namespace alsrec::cli
