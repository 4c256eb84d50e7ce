// The top-level `alsrec` app (commands.h).
#include <string>

#include "alsrec/version.h"
#include "commands.h"

namespace alsrec::cli {

CommandLine::CommandLine()
    : app{"alsrec " + std::string(alsrec::version()) +
          ": collaborative filtering with alternating least squares.\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input or a file that cannot be read or written, 3 numerical or internal "
          "failure."} {
  app.set_version_flag("--version", alsrec::version(), "Print the version and exit");
  app.require_subcommand(1, 1);
  app.fallthrough(false);
  commands = {
      add_inspect_command(app),   add_train_command(app),   add_evaluate_command(app),
      add_recommend_command(app), add_similar_command(app), add_generate_command(app),
      add_bench_command(app),     add_tune_command(app),    add_explain_command(app),
      add_compare_models_command(app),
  };
}

}  // namespace alsrec::cli
