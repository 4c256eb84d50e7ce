// Every file a command writes goes through OutputFile: a file is replaced only by a complete new version, or the
// output is standard output ("-").
//
// open(), when the command starts and before any work:
//   - refuses a path that is a directory, a FIFO, a device, a socket or a symbolic link (only regular files are
//     replaced; "-" is how to write to standard output), and one that is the same file (device and inode) as an
//     input or as another output of the command;
//   - creates the temporary file next to the target, ".<name>.alsrec-tmp.<host>.<pid>.<16 random hex digits>", with
//     O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600: nothing planted at a guessable name can redirect the write, and a
//     directory that cannot take the file is reported before hours of training, not after;
//   - removes temporary files of earlier runs that provably died (same name pattern and host, owned by this user,
//     their pid no longer running): what a SIGKILL, a crash or a power loss left behind.
// commit() writes the rest, gives the file the target's permissions (a new file: 0666 & ~umask), fsyncs it, renames
// it over the target and fsyncs the directory, so after it returns the new file survives a crash. Destroying an
// uncommitted OutputFile removes its temporary file, and SIGINT, SIGTERM, SIGHUP or SIGPIPE remove every open one
// before the process dies of the signal. Every failure (disk full, permission, I/O error, standard output closed or
// full) is a kIoError naming the path or "standard output": the command exits 2 and the old file is untouched.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alsrec/csv.h"
#include "alsrec/model_io.h"
#include "alsrec/status.h"

namespace alsrec::cli {

class OutputFile {
 public:
  // `inputs`: files or directories (their part files) the command reads, refused as the output.
  static Result<std::unique_ptr<OutputFile>> open(const std::string& path, const std::vector<std::string>& inputs = {});
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }
  bool to_stdout() const { return stdout_; }
  std::uint64_t bytes_written() const { return written_; }

  // Appends bytes (buffered); the first error is kept, later writes are dropped, and commit() reports it.
  void write(const void* data, std::size_t size);
  TextSink text_sink();
  ByteSink byte_sink();
  Status commit();

 private:
  OutputFile() = default;
  void flush();
  void write_through(const char* data, std::size_t size);  // to the file descriptor, retrying short writes
  Status error(const std::string& what, int err) const;

  std::string path_, temp_;
  bool stdout_ = false;
  int fd_ = -1;                 // the temporary file, until commit() closes it
  int dir_fd_ = -1;             // the target's directory (openat / renameat / fsync)
  int slot_ = -1;               // in the signal-cleanup registry
  mode_t mode_ = 0;             // of a new file; an existing target's is taken at commit()
  dev_t dir_dev_ = 0;
  ino_t dir_ino_ = 0;
  std::string name_;            // the target's file name in its directory
  std::vector<char> buffer_;
  std::uint64_t written_ = 0;
  int errno_ = 0;               // first write error
  bool committed_ = false;
  bool listed_ = false;         // in the process's list of open outputs
};

// Removes every uncommitted temporary file now, for a process about to end without unwinding (MPI_Abort).
void remove_temp_files();

// Standard output, which a command's results also reach through std::cout and printf: flushes it and reports a
// write error ("standard output: write failed (...)", kIoError) that would otherwise be lost at exit.
Status flush_stdout();

}  // namespace alsrec::cli
