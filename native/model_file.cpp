// Reading model files (see model_file.h).
#include "model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace alsrec::cli {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, std::uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  ~FileSource() override { close(fd_); }
  std::uint64_t size() const override { return size_; }
  Status read(std::uint8_t* out, std::size_t n, std::size_t& got) override {
    for (;;) {
      const ssize_t r = ::read(fd_, out, n);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::io_error(path_ + ": read failed (" + std::strerror(errno) + ")");
      got = static_cast<std::size_t>(r);
      return Status::ok();
    }
  }

 private:
  int fd_;
  std::uint64_t size_;
  std::string path_;
};

}  // namespace

Result<AlsModel> load_model_file(const std::string& path, const ModelSelection& keep, ModelShape* shape) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return Status::io_error(path + ": cannot read (" + std::strerror(err) + ")");
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::bad_input(path + ": is " + (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") +
                             " (model files are read from regular files, whose size bounds what is read)");
  }
  FileSource source(fd, static_cast<std::uint64_t>(st.st_size), path);
  return read_model(source, path, keep, shape);
}

}  // namespace alsrec::cli
