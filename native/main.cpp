// alsrec: the command-line face of the core library.
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "cli_common.h"
#include "commands.h"
#include "output_file.h"

int main(int argc, char** argv) {
  using namespace alsrec::cli;
#if defined(__GLIBC__)
  // Blocks of 1 MiB and more (matrices, factors, columns of the data) are mapped and unmapped on their own: freed,
  // they go back to the system at once instead of staying in the heap under glibc's growing mmap threshold, so a
  // search's scratch never adds to the fit's peak memory (bench/README.md, memory).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // A fixed threshold also fixes the trim threshold at 128 KiB: the heap's top was handed back and faulted in again
  // around every smaller temporary (Eigen's packing buffers, per-row scratch), a sixth of goodbooks' evaluate in
  // page faults. 8 MiB of slack at the top stops that churn without raising the 10M fit's peak (bench/README.md).
  mallopt(M_TOP_PAD, 8 << 20);
#endif
  // Results to a file or pipe leave in one write at the end where they fit in 1 MiB, so a failing write (a full
  // disk) is seen by flush_stdout with its errno rather than midway with none. A terminal stays line-buffered.
  static char stdout_buffer[1 << 20];
  if (!::isatty(STDOUT_FILENO)) std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  CommandLine line;
  try {
    line.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = line.app.exit(e);  // --help and --version end here too (code 0)
    if (code == 0 && !flush_stdout().is_ok()) return fail(line.app.get_name(), flush_stdout());
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    for (const Command& command : line.commands) {
      if (!command.app->parsed()) continue;
      const int code = command.run();
      // Results printed to standard output are lost silently if it is full or closed: report that as a failure.
      // (A command that failed has said why already.)
      const alsrec::Status flushed = flush_stdout();
      if (code == kExitOk && !flushed.is_ok()) return fail(command.app->get_name(), flushed);
      return code;
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
