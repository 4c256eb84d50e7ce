// Fuzz target: the command line's parser. The input is argv, NUL-separated, parsed by the very app `alsrec` runs
// (commands.h CommandLine); no command is run. A parse either succeeds or raises CLI11's ParseError (usage, --help,
// --version); anything else (another exception, a crash, UB) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "commands.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"alsrec"};
  std::string current;
  for (std::size_t k = 0; k < size && args.size() < 64; ++k) {
    if (data[k] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[k]));
    }
  }
  if (!current.empty()) args.push_back(current);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  alsrec::cli::CommandLine line;
  try {
    line.app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0;
  }
  int parsed = 0;
  for (const auto& command : line.commands) parsed += command.app->parsed() ? 1 : 0;
  FUZZ_CHECK(parsed == 1);  // exactly one command per run
  return 0;
}
