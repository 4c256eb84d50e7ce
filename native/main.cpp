// alsrec: the command-line face of the core library.
#include <exception>
#include <iostream>
#include <new>
#include <vector>

#include "cli_common.h"
#include "commands.h"

int main(int argc, char** argv) {
  using namespace alsrec::cli;
  CLI::App app{"alsrec " + std::string(alsrec::version()) +
               ": collaborative filtering with alternating least squares.\n"
               "Exit codes: 0 ok, 1 usage, 2 bad input, 3 numerical or internal failure."};
  app.set_version_flag("--version", alsrec::version(), "Print the version and exit");
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  std::vector<Command> commands = {
      add_inspect_command(app),   add_train_command(app),   add_evaluate_command(app),
      add_recommend_command(app), add_similar_command(app), add_generate_command(app),
      add_bench_command(app),
      add_tune_command(app),      add_explain_command(app), add_compare_models_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
  } catch (const std::bad_alloc&) {
    std::cerr << "alsrec: error: out of memory\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "alsrec: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitUsage;
}
