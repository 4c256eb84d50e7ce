// The model file, shared by the CLI and the browser. Little-endian throughout:
//
//   "ALSR" | u32 version | u32 header_bytes | header (counts, hyperparameters, dataset fingerprint, flags) |
//   user id table | item id table | user factors | item factors (float32, row-major) |
//   seen matrix (the training interactions; may be empty) | version 2: item weights (AlsModel::item_weights) |
//   u32 crc32 (IEEE, as zlib) over every byte before it
//
// The byte-exact layout is documented at the top of core/src/model_io.cpp. Readers skip header bytes they do not
// know, so a newer writer can extend the header without a version bump.
//
// Both directions stream: the writer hands out chunks of at most kModelChunkBytes (no second copy of a model in
// memory), and the reader pulls bytes from a ByteSource whose size is known up front, so every size the file
// declares is checked against the bytes actually there before anything is allocated for it. The core never opens
// a file: the CLI passes a source over a file descriptor, the browser one over a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/status.h"

namespace alsrec {

constexpr std::uint32_t kModelFormatVersion = 2;  // 2: with item weights (written only for them)
constexpr std::size_t kModelChunkBytes = 1 << 20;

// Bytes to read, of a size known before the first read.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Reads up to `n` bytes into `out`; sets `got` (0 only at the end). An error is kIoError naming the source.
  virtual Status read(std::uint8_t* out, std::size_t n, std::size_t& got) = 0;
};

// A ByteSource over bytes in memory (not copied).
class MemorySource : public ByteSource {
 public:
  MemorySource(const std::uint8_t* data, std::size_t size) : data_(data), size_(data ? size : 0) {}
  std::uint64_t size() const override { return size_; }
  Status read(std::uint8_t* out, std::size_t n, std::size_t& got) override;

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// Receives the file in order, in chunks of at most kModelChunkBytes; an error stops the writing and is returned.
using ByteSink = std::function<Status(const std::uint8_t* data, std::size_t size)>;

// Which parts of a model to keep while reading it. Everything is still read, checked and checksummed; the rest
// streams past without being stored, so `recommend --user` and `similar` hold the item side and at most one user.
struct ModelSelection {
  enum class Users { kAll, kOne, kNone };
  Users users = Users::kAll;
  std::string user;   // with kOne: the id whose row (factors, seen items) to keep; the model then has that one user
                      // (or none when the id is absent)
  bool seen = true;   // the seen matrix (its rows of the kept users)
};

// Sizes read from a model's header (what a selective read leaves out).
struct ModelShape {
  std::uint32_t users = 0, items = 0, factors = 0;
  std::uint64_t bytes = 0;
};

// Refuses a wrong magic, a newer version, a short file, inconsistent sizes, non-finite factors or a bad checksum,
// saying which (kBadInput, messages prefixed with source_name); a failing source's kIoError is passed on.
Result<AlsModel> read_model(ByteSource& source, const std::string& source_name, const ModelSelection& keep = {},
                            ModelShape* shape = nullptr);
Status write_model(const AlsModel& model, const ByteSink& sink);

// The same on whole buffers.
std::vector<std::uint8_t> serialize_model(const AlsModel& model);
Result<AlsModel> deserialize_model(const std::uint8_t* data, std::size_t size, const std::string& source_name);

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace alsrec
