// Safe output files (see output_file.h).
#include "output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>

namespace alsrec::cli {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;
constexpr const char* kTempTag = ".alsrec-tmp.";

// ---- temporary files removed on SIGINT / SIGTERM / SIGHUP / SIGPIPE ----
// The handler may only make async-signal-safe calls: it walks a fixed table (directory fd + file name) with
// unlinkat, restores the signal's previous disposition and raises it again, so the process ends as it would have.

struct Slot {
  volatile sig_atomic_t used = 0;
  int dir_fd = -1;
  char name[NAME_MAX + 1] = {};
};
Slot g_slots[16];
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};  // (SIGPIPE: results piped to a reader that quit)
constexpr int kSignalCount = static_cast<int>(std::size(kSignals));
struct sigaction g_previous[kSignalCount];

extern "C" void remove_temps_and_resignal(int sig) {
  for (Slot& s : g_slots)
    if (s.used) unlinkat(s.dir_fd, s.name, 0);
  for (int k = 0; k < kSignalCount; ++k)
    if (kSignals[k] == sig) sigaction(sig, &g_previous[k], nullptr);
  raise(sig);  // delivered when this handler returns
}

void install_signal_cleanup() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  struct sigaction action {};
  action.sa_handler = remove_temps_and_resignal;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) sigaddset(&action.sa_mask, sig);
  for (int k = 0; k < kSignalCount; ++k) {
    sigaction(kSignals[k], nullptr, &g_previous[k]);
    // A signal the caller chose to ignore (nohup, a background job) stays ignored.
    if (g_previous[k].sa_handler != SIG_IGN) sigaction(kSignals[k], &action, nullptr);
  }
}

int register_temp(int dir_fd, const std::string& name) {
  install_signal_cleanup();
  for (int k = 0; k < static_cast<int>(std::size(g_slots)); ++k) {
    Slot& s = g_slots[k];
    if (s.used) continue;
    s.dir_fd = dir_fd;
    std::snprintf(s.name, sizeof s.name, "%s", name.c_str());
    s.used = 1;
    return k;
  }
  return -1;  // more open outputs than slots: still removed on errors and at exit, not on a signal
}

void unregister_temp(int& slot) {
  if (slot >= 0) g_slots[slot].used = 0;
  slot = -1;
}

// ---- names ----

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  std::string h(host);
  std::replace(h.begin(), h.end(), '/', '_');
  return h;
}

// ".<name>.alsrec-tmp." for `name`, shortened so the whole temporary name fits in NAME_MAX.
std::string temp_prefix(const std::string& name, const std::string& host) {
  const std::size_t fixed = 1 + std::strlen(kTempTag) + host.size() + 1 + 10 + 1 + 16;
  const std::size_t room = NAME_MAX > fixed ? NAME_MAX - fixed : 0;
  return "." + name.substr(0, std::min(name.size(), room)) + kTempTag;
}

std::string random_hex() {
  std::uint64_t bits = 0;
  if (getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    std::random_device device;
    bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return hex;
}

// Removes "<prefix><host>.<pid>.<hex>" files of this host whose process is gone, owned by this user: temporary
// files of runs killed by SIGKILL or a crash. Anything else is left alone.
int remove_stale_temps(int dir_fd, const std::string& prefix, const std::string& host) {
  const int fd = dup(dir_fd);
  if (fd < 0) return 0;
  DIR* dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return 0;
  }
  int removed = 0;
  const std::string mine = prefix + host + ".";
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.compare(0, mine.size(), mine) != 0) continue;
    const std::string rest = name.substr(mine.size());  // "<pid>.<16 hex>"
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || rest.size() - dot - 1 != 16) continue;
    const std::string pid_text = rest.substr(0, dot);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
      continue;
    if (unlinkat(dir_fd, name.c_str(), 0) == 0) ++removed;
  }
  closedir(dir);
  return removed;
}

// ---- checks ----

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// The input (a file, or a directory's part files) that is the file (dev, ino), if any.
std::string input_matching(const std::vector<std::string>& inputs, dev_t dev, ino_t ino) {
  for (const std::string& input : inputs) {
    struct stat st {};
    if (stat(input.c_str(), &st) != 0) continue;
    if (st.st_dev == dev && st.st_ino == ino) return input;
    if (!S_ISDIR(st.st_mode)) continue;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(input, ec)) {
      struct stat part {};
      if (stat(entry.path().c_str(), &part) == 0 && part.st_dev == dev && part.st_ino == ino)
        return entry.path().string();
    }
  }
  return "";
}

// The outputs open in this process (directory + name), so one command cannot write one file twice.
struct OpenOutput {
  dev_t dev;
  ino_t ino;
  std::string name, path;
};
std::vector<OpenOutput> g_open_outputs;

}  // namespace

Status OutputFile::error(const std::string& what, int err) const {
  const std::string where = to_stdout() ? "standard output" : path_;
  return Status::io_error(where + ": " + what + (err ? std::string(" (") + std::strerror(err) + ")" : "") +
                          (to_stdout() ? "" : "; nothing was replaced"));
}

Result<std::unique_ptr<OutputFile>> OutputFile::open(const std::string& path, const std::vector<std::string>& inputs) {
  std::unique_ptr<OutputFile> out(new OutputFile());
  out->path_ = path;
  if (path.empty()) return Status::invalid_argument("the output path is empty (use - for standard output)");
  if (path == "-") {
    out->stdout_ = true;
    return out;
  }
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  out->name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto refuse = [&](const std::string& why) {
    return Status::io_error(path + ": " + why + "; alsrec replaces only regular files (use - for standard output)");
  };
  if (out->name_.empty() || out->name_ == "." || out->name_ == "..") return refuse("is a directory");

  out->dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (out->dir_fd_ < 0) return out->error("cannot write into directory " + dir, errno);
  struct stat dir_st {};
  fstat(out->dir_fd_, &dir_st);
  out->dir_dev_ = dir_st.st_dev;
  out->dir_ino_ = dir_st.st_ino;
  for (const OpenOutput& o : g_open_outputs)
    if (o.dev == out->dir_dev_ && o.ino == out->dir_ino_ && o.name == out->name_)
      return Status::invalid_argument(path + ": is also the command's other output " + o.path);

  struct stat st {};
  if (fstatat(out->dir_fd_, out->name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode)) return refuse(std::string("is ") + kind_of(st.st_mode));
    const std::string input = input_matching(inputs, st.st_dev, st.st_ino);
    if (!input.empty())
      return Status::invalid_argument(path + ": is the same file as the input " + input +
                                      " (writing it would replace what is being read)");
  } else if (errno != ENOENT) {
    return out->error("cannot check the existing file", errno);
  }
  const mode_t mask = umask(0);  // a new file: 0666 & ~umask, as the shell's > would make it
  umask(mask);
  out->mode_ = 0666 & ~mask;

  // The temporary file: an unguessable name, created (never opened if present) without following links.
  const std::string host = host_name();
  const std::string prefix = temp_prefix(out->name_, host);
  int err = 0;
  for (int attempt = 0; attempt < 16 && out->fd_ < 0; ++attempt) {
    out->temp_ = prefix + host + "." + std::to_string(getpid()) + "." + random_hex();
    out->fd_ = openat(out->dir_fd_, out->temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    err = errno;
    if (out->fd_ < 0 && err != EEXIST) break;
  }
  if (out->fd_ < 0)
    return out->error("cannot create a file in " + dir + " (alsrec writes a new file next to the old one, then "
                      "renames it)", err);
  out->slot_ = register_temp(out->dir_fd_, out->temp_);
  g_open_outputs.push_back({out->dir_dev_, out->dir_ino_, out->name_, path});
  out->listed_ = true;
  if (const int n = remove_stale_temps(out->dir_fd_, prefix, host); n > 0)
    std::cerr << "alsrec: removed " << n << " temporary file" << (n == 1 ? "" : "s") << " of an earlier run of "
              << path << " that was killed\n";
  out->buffer_.reserve(kBufferBytes);
  return out;
}

OutputFile::~OutputFile() {
  if (!stdout_ && !committed_) {
    if (fd_ >= 0) close(fd_);
    if (!temp_.empty() && dir_fd_ >= 0) unlinkat(dir_fd_, temp_.c_str(), 0);
    unregister_temp(slot_);
  }
  if (listed_)
    g_open_outputs.erase(std::remove_if(g_open_outputs.begin(), g_open_outputs.end(),
                                        [&](const OpenOutput& o) {
                                          return o.dev == dir_dev_ && o.ino == dir_ino_ && o.name == name_;
                                        }),
                         g_open_outputs.end());
  if (dir_fd_ >= 0) close(dir_fd_);
}

void OutputFile::write(const void* data, std::size_t size) {
  if (errno_ != 0 || size == 0) return;
  written_ += size;
  if (stdout_) {
    errno = 0;
    if (std::fwrite(data, 1, size, stdout) != size) errno_ = errno ? errno : EIO;
    return;
  }
  const char* p = static_cast<const char*>(data);
  if (buffer_.size() + size < kBufferBytes) {
    buffer_.insert(buffer_.end(), p, p + size);
    return;
  }
  flush();
  write_through(p, size);
}

void OutputFile::write_through(const char* p, std::size_t size) {
  while (size > 0 && errno_ == 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errno_ = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void OutputFile::flush() {
  write_through(buffer_.data(), buffer_.size());
  buffer_.clear();
}

TextSink OutputFile::text_sink() {
  return [this](const char* data, std::size_t size) { write(data, size); };
}

ByteSink OutputFile::byte_sink() {
  return [this](const std::uint8_t* data, std::size_t size) {
    write(data, size);
    return errno_ == 0 ? Status::ok() : error("write failed", errno_);
  };
}

Status OutputFile::commit() {
  if (committed_) return Status::internal(path_ + ": committed twice");
  if (stdout_) {
    committed_ = true;
    if (errno_ != 0) return error("write failed", errno_);
    return flush_stdout();
  }
  flush();
  if (errno_ != 0) return error("write failed", errno_);
  // The target may have changed since open(): still, only a regular file (or nothing) is replaced, and the new
  // file takes the old one's permissions (0600 until now).
  struct stat st {};
  if (fstatat(dir_fd_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode))
      return Status::io_error(path_ + ": became " + kind_of(st.st_mode) + " while alsrec worked; nothing was replaced");
    mode_ = st.st_mode & 07777;
  }
  if (fchmod(fd_, mode_) != 0) return error("cannot set the file's permissions", errno);
  if (fsync(fd_) != 0) return error("write failed (fsync)", errno);
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return error("write failed (close)", errno);
  if (renameat(dir_fd_, temp_.c_str(), dir_fd_, name_.c_str()) != 0) return error("cannot rename into place", errno);
  committed_ = true;
  unregister_temp(slot_);
  // The rename is durable once the directory is synced (some file systems cannot sync a directory: EINVAL).
  if (fsync(dir_fd_) != 0 && errno != EINVAL)
    return Status::io_error(path_ + ": written, but syncing its directory failed (" + std::strerror(errno) + ")");
  return Status::ok();
}

void remove_temp_files() {
  for (Slot& s : g_slots)
    if (s.used) {
      unlinkat(s.dir_fd, s.name, 0);
      s.used = 0;
    }
}

Status flush_stdout() {
  errno = 0;
  std::cout.flush();  // (synchronised with stdio: this flushes stdout, and may be where the write fails)
  int err = errno;
  const bool flushed = std::fflush(stdout) == 0;
  if (!flushed) err = errno;
  if (flushed && !std::ferror(stdout) && std::cout.good()) return Status::ok();
  return Status::io_error(std::string("standard output: write failed (") +
                          (err ? std::strerror(err) : "an earlier write failed") + ")");
}

}  // namespace alsrec::cli
