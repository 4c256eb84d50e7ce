// One function per command: each adds its subcommand (flags bound to state it owns) and returns how to run it.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace alsrec::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the process exit code
};

Command add_inspect_command(CLI::App& parent);
Command add_train_command(CLI::App& parent);
Command add_evaluate_command(CLI::App& parent);
Command add_recommend_command(CLI::App& parent);
Command add_similar_command(CLI::App& parent);
Command add_generate_command(CLI::App& parent);
Command add_bench_command(CLI::App& parent);
Command add_tune_command(CLI::App& parent);
Command add_explain_command(CLI::App& parent);
Command add_compare_models_command(CLI::App& parent);  // hidden: for the distributed tests

// The whole command line: the top-level app with every command added (main parses and runs it; the argument fuzzer
// in tests/fuzz parses with it).
struct CommandLine {
  CommandLine();
  CLI::App app;
  std::vector<Command> commands;
};

}  // namespace alsrec::cli
