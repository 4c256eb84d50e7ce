// The model file (format in model_io.h), written and read byte by byte in little-endian order — never by dumping
// structs — so a file written natively loads in the browser and vice versa.
//
// Version 1 layout in full (model_io.h lists the first 80 header bytes; readers skip header bytes they do not know):
//
//   "ALSR" | u32 version | u32 header_bytes |
//   header (88 bytes): u32 users, u32 items, u32 factors, u32 confidence, u32 values, u32 solver, u32 cg_steps,
//          u32 iterations, u32 iterations_done, f32 regularization, f32 alpha, f32 epsilon, f32 unobserved_weight,
//          f32 reg_exponent, u64 seed, u64 dataset_fingerprint, f64 final_loss, f32 init_scale, u32 flags,
//          f32 popularity_exponent (92-byte headers, written only when it is not 0; shorter ones: 0) |
//          (flags bit 0: biases; the factor count then includes the 2 bias columns of baselines.h) |
//   user ids | item ids (each: u32 byte length + UTF-8 bytes) |
//   user factors | item factors (f32, row-major) |
//   seen matrix: u32 rows (0 = absent, else = users), u32 cols, u64 nnz, u32 row_sizes[rows], u32 indices[nnz],
//          f32 values[nnz] |
//   version 2 only: f32 item_weights[items] (AlsModel::item_weights: a model with a popularity exponent; a model
//          without them is written as version 1, which every earlier reader loads) |
//   u32 crc32 of every byte before it.
//
// Reading streams (model_io.h): magic, version and header size first, refusing at once what cannot be a model of
// this version; then the structure in file order, every declared size checked against the bytes left before
// anything is allocated for it, while the CRC runs over every byte. A problem found on the way is only reported
// once the whole file has been checksummed: with a good checksum it is the writer's fault ("inconsistent ..."),
// with a bad one the file was damaged, and the structure read so far tells a short file ("truncated (expected N
// bytes, got M)") from a corrupted one ("checksum mismatch").
#include "alsrec/model_io.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

// Factors, seen indices and values move between the file and memory as whole arrays: the file is little-endian,
// and so is every host alsrec targets (x86-64, arm64, wasm).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the model file's arrays are copied as little-endian");

namespace alsrec {
namespace {

constexpr char kMagic[4] = {'A', 'L', 'S', 'R'};
constexpr std::uint32_t kHeaderBytesV1Min = 80;  // up to final_loss
constexpr std::uint32_t kHeaderBytesV1Scale = 84; // + init_scale
constexpr std::uint32_t kHeaderBytesV1 = 88;     // + flags (bit 0: bias columns, see baselines.h)
constexpr std::uint32_t kHeaderBytesOmega = 92;  // + popularity_exponent
constexpr std::uint32_t kFlagBiases = 1u;
constexpr std::size_t kPrefixBytes = 12;         // magic, version, header_bytes
constexpr std::size_t kCrcBytes = 4;
constexpr std::uint32_t kMaxFactors = 1u << 16;  // far above AlsOptions' limit; only guards the size arithmetic

// ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib) ----
// Slicing by 8: table[k][b] is the CRC of byte b followed by k zero bytes, so 8 input bytes fold into the CRC with
// 8 independent lookups (about 4x the byte-at-a-time loop; a 1 GB model is checksummed in well under a second).

using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;
constexpr CrcTables make_crc_tables() {
  CrcTables t{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][n] = c;
  }
  for (std::uint32_t n = 0; n < 256; ++n)
    for (std::size_t k = 1; k < 8; ++k) t[k][n] = (t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xFFu];
  return t;
}
constexpr CrcTables kCrc = make_crc_tables();

// ---- enum <-> file codes (explicit, so reordering an enum cannot change the format) ----

std::uint32_t confidence_code(ConfidenceMode m) {
  switch (m) {
    case ConfidenceMode::kImplicit: return 0;
    case ConfidenceMode::kHu: return 1;
    case ConfidenceMode::kLog: return 2;
    case ConfidenceMode::kIals: return 3;
    case ConfidenceMode::kExplicit: return 4;
  }
  return 0;
}
bool confidence_from_code(std::uint32_t c, ConfidenceMode& m) {
  static constexpr ConfidenceMode kModes[] = {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog,
                                              ConfidenceMode::kIals, ConfidenceMode::kExplicit};
  if (c >= 5) return false;
  m = kModes[c];
  return true;
}
std::uint32_t values_code(ValueTransform v) {
  switch (v) {
    case ValueTransform::kRaw: return 0;
    case ValueTransform::kBinary: return 1;
    case ValueTransform::kLog: return 2;
  }
  return 0;
}
bool values_from_code(std::uint32_t c, ValueTransform& v) {
  static constexpr ValueTransform kTransforms[] = {ValueTransform::kRaw, ValueTransform::kBinary, ValueTransform::kLog};
  if (c > 2) return false;
  v = kTransforms[c];
  return true;
}
constexpr SolverKind kSolverCodes[] = {SolverKind::kConjugateGradient, SolverKind::kCholesky, SolverKind::kSubspace,
                                       SolverKind::kWoodbury};
std::uint32_t solver_code(SolverKind s) {
  for (std::uint32_t c = 0; c < std::size(kSolverCodes); ++c)
    if (kSolverCodes[c] == s) return c;
  return 0;
}
bool solver_from_code(std::uint32_t c, SolverKind& s) {  // (a subspace model's block size is not stored)
  if (c >= std::size(kSolverCodes)) return false;
  s = kSolverCodes[c];
  return true;
}

// ---- writing ----

// Buffers up to kModelChunkBytes, runs the CRC over what it hands to the sink, and appends the CRC at the end.
class ChunkWriter {
 public:
  explicit ChunkWriter(const ByteSink& sink) : sink_(sink) { buffer_.reserve(kModelChunkBytes); }
  void u32(std::uint32_t v) {
    std::uint8_t b[4];
    for (int k = 0; k < 4; ++k) b[k] = static_cast<std::uint8_t>(v >> (8 * k));
    bytes(b, 4);
  }
  void u64(std::uint64_t v) {
    std::uint8_t b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(v >> (8 * k));
    bytes(b, 8);
  }
  void f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (n > 0 && status_.is_ok()) {
      const std::size_t take = std::min(n, kModelChunkBytes - buffer_.size());
      buffer_.insert(buffer_.end(), p, p + take);
      p += take;
      n -= take;
      if (buffer_.size() == kModelChunkBytes) flush();
    }
  }
  void str(const std::string& s) { bytes(s.data(), s.size()); }
  // Writes the CRC of everything before it; returns the first error of the sink.
  Status finish() {
    flush();
    const std::uint32_t crc = crc_;
    u32(crc);
    flush();
    return status_;
  }

 private:
  void flush() {
    if (buffer_.empty() || !status_.is_ok()) return;
    crc_ = crc32(buffer_.data(), buffer_.size(), crc_);
    status_ = sink_(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  const ByteSink& sink_;
  std::vector<std::uint8_t> buffer_;
  std::uint32_t crc_ = 0;
  Status status_;
};

std::uint32_t clamp_u32(long long v) {
  return v < 0 ? 0u : v > 0xFFFFFFFFll ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

// ---- reading ----

// Pulls the source through a buffer in order, checksumming every byte before the last 4 (which it keeps as the
// stored CRC). Callers check remaining() before each read; a source that ends early (the file shrank while being
// read) or fails leaves a sticky error and reads as zeros.
class StreamReader {
 public:
  explicit StreamReader(ByteSource& source)
      : source_(source), size_(source.size()), body_(size_ >= kCrcBytes ? size_ - kCrcBytes : 0),
        buffer_(static_cast<std::size_t>(std::min<std::uint64_t>(size_, kModelChunkBytes))) {}
  std::uint64_t size() const { return size_; }
  std::uint64_t position() const { return pos_; }
  std::uint64_t remaining() const { return size_ - pos_; }
  const Status& error() const { return error_; }

  void read(void* out, std::size_t n) {
    auto* o = static_cast<std::uint8_t*>(out);
    while (n > 0) {
      if (at_ == filled_ && !fill()) {
        std::memset(o, 0, n);
        return;
      }
      const std::size_t take = std::min(n, filled_ - at_);
      std::memcpy(o, buffer_.data() + at_, take);
      at_ += take;
      pos_ += take;
      o += take;
      n -= take;
    }
  }
  void skip(std::uint64_t n) {
    while (n > 0) {
      if (at_ == filled_ && !fill()) return;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, filled_ - at_));
      at_ += take;
      pos_ += take;
      n -= take;
    }
  }
  std::uint32_t u32() {
    std::uint8_t b[4];
    read(b, 4);
    return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
           static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  }
  std::uint64_t u64() {
    const std::uint64_t low = u32();
    return low | static_cast<std::uint64_t>(u32()) << 32;
  }
  float f32() {
    const std::uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  double f64() {
    const std::uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  // Reads the rest of the source, so crc_matches() covers every byte.
  void drain() { skip(remaining()); }
  // After drain(): whether the stored CRC is that of the bytes before it.
  bool crc_matches() const { return error_.is_ok() && pos_ == size_ && size_ >= kCrcBytes && crc_ == stored_crc(); }

 private:
  std::uint32_t stored_crc() const {
    return static_cast<std::uint32_t>(tail_[0]) | static_cast<std::uint32_t>(tail_[1]) << 8 |
           static_cast<std::uint32_t>(tail_[2]) << 16 | static_cast<std::uint32_t>(tail_[3]) << 24;
  }
  bool fill() {
    if (!error_.is_ok() || pos_ >= size_) return false;
    at_ = filled_ = 0;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), size_ - pos_));
    std::size_t got = 0;
    Status st = source_.read(buffer_.data(), want, got);
    if (st.is_ok() && got == 0)
      st = Status::io_error("the file ended at byte " + std::to_string(pos_) + " of " + std::to_string(size_) +
                            " (did it change while being read?)");
    if (!st.is_ok()) {
      error_ = st;
      return false;
    }
    // The bytes at [pos_, pos_ + got): the body part feeds the CRC, the last 4 bytes of the file are the stored CRC.
    const std::uint64_t body_end = std::min<std::uint64_t>(pos_ + got, body_);
    if (body_end > pos_) crc_ = crc32(buffer_.data(), static_cast<std::size_t>(body_end - pos_), crc_);
    for (std::uint64_t at = std::max(pos_, body_); at < pos_ + got; ++at)
      tail_[at - body_] = buffer_[static_cast<std::size_t>(at - pos_)];
    filled_ = got;
    return true;
  }

  ByteSource& source_;
  const std::uint64_t size_, body_;
  std::vector<std::uint8_t> buffer_;
  std::size_t at_ = 0, filled_ = 0;
  std::uint64_t pos_ = 0;
  std::uint32_t crc_ = 0;
  std::uint8_t tail_[4] = {0, 0, 0, 0};
  Status error_;
};

bool finite_bits(float v) {
  std::uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return (bits & 0x7F800000u) != 0x7F800000u;
}

// Reads the structure after the 12-byte prefix. Two kinds of problem: `impossible` sizes stop the walk (with the
// smallest file size consistent with what was read, to tell truncation from damage); other inconsistencies are
// `deferred` (the first one kept) and the walk goes on without storing anything more. Either is reported only
// after the checksum has been checked (see the top of this file).
class ModelParser {
 public:
  ModelParser(StreamReader& in, const std::string& name, const ModelSelection& keep, std::uint32_t version,
              std::uint32_t header_bytes)
      : in_(in), name_(name), keep_(keep), version_(version), header_bytes_(header_bytes) {}

  AlsModel model;
  ModelShape shape;
  Status problem;               // the first problem found (kBadInput), impossible or deferred
  std::uint64_t expected = 0;   // with an impossible size: the smallest consistent file size (0 = unknown)
  bool expected_exact = false;

  void parse() {
    if (header() && ids() && factors()) seen();
    if (problem.is_ok() && version_ >= 2) item_weights();
    if (problem.is_ok() && in_.remaining() != kCrcBytes) {
      impossible("inconsistent sizes: " + std::to_string(in_.remaining() - kCrcBytes) +
                 " unexpected bytes before the checksum");
    }
  }

 private:
  bool storing() const { return problem.is_ok(); }
  std::uint64_t weight_bytes() const { return version_ >= 2 ? 4ull * shape.items : 0; }

  // Version 2's item weights: exactly one positive finite float per item before the checksum.
  void item_weights() {
    if (in_.remaining() != weight_bytes() + kCrcBytes) {
      impossible("inconsistent sizes: the item weights do not match the file length",
                 in_.position() + weight_bytes() + kCrcBytes, true);
      return;
    }
    model.item_weights.resize(shape.items);
    in_.read(model.item_weights.data(), weight_bytes());
    for (std::uint32_t i = 0; i < shape.items; ++i)
      if (!finite_bits(model.item_weights[i]) || !(model.item_weights[i] > 0.0f)) {
        defer("inconsistent item weights: item " + std::to_string(i) + " has a weight that is not a positive number");
        break;
      }
  }
  void defer(const std::string& why) {
    if (problem.is_ok()) problem = Status::bad_input(name_ + ": " + why);
  }
  bool impossible(const std::string& why, std::uint64_t smallest = 0, bool exact = false) {
    defer(why);
    expected = smallest;
    expected_exact = exact;
    return false;
  }
  std::uint64_t factor_bytes() const {
    return 4ull * shape.factors * (static_cast<std::uint64_t>(shape.users) + shape.items);
  }

  bool header() {
    shape.users = in_.u32();
    shape.items = in_.u32();
    shape.factors = in_.u32();
    AlsOptions& o = model.options;
    const std::uint32_t confidence = in_.u32(), values = in_.u32(), solver = in_.u32();
    if (!confidence_from_code(confidence, o.confidence))
      defer("inconsistent header: unknown confidence mode " + std::to_string(confidence));
    if (!values_from_code(values, o.values))
      defer("inconsistent header: unknown value transform " + std::to_string(values));
    if (!solver_from_code(solver, o.solver)) defer("inconsistent header: unknown solver " + std::to_string(solver));
    o.cg_steps = static_cast<int>(std::min<std::uint32_t>(in_.u32(), std::numeric_limits<int>::max()));
    o.iterations = static_cast<int>(std::min<std::uint32_t>(in_.u32(), std::numeric_limits<int>::max()));
    model.iterations_done = static_cast<int>(std::min<std::uint32_t>(in_.u32(), std::numeric_limits<int>::max()));
    o.regularization = in_.f32();
    o.alpha = in_.f32();
    o.epsilon = in_.f32();
    o.unobserved_weight = in_.f32();
    o.reg_exponent = in_.f32();
    o.seed = in_.u64();
    model.dataset_fingerprint = in_.u64();
    model.final_loss = in_.f64();
    if (header_bytes_ >= kHeaderBytesV1Scale) o.init_scale = in_.f32();
    if (header_bytes_ >= kHeaderBytesV1) o.biases = (in_.u32() & kFlagBiases) != 0;
    if (header_bytes_ >= kHeaderBytesOmega) o.popularity_exponent = in_.f32();
    in_.skip(kPrefixBytes + header_bytes_ - in_.position());  // header fields from a newer writer
    if (shape.factors == 0 || shape.factors > kMaxFactors)
      return impossible("inconsistent header: " + std::to_string(shape.factors) + " factors");
    // A biased model's factors carry 2 bias columns after the latent ones (readers without the flag still predict
    // correctly: the dot product includes the biases).
    const std::uint32_t bias_columns = o.biases ? 2u : 0u;
    if (shape.factors <= bias_columns) defer("inconsistent header: bias columns without latent factors");
    else o.factors = static_cast<int>(shape.factors - bias_columns);
    if (const Status st = o.validate(); !st.is_ok()) defer("inconsistent header: " + st.message());
    return true;
  }

  // The smallest file still possible while the id tables are read: every id left takes its 4-byte length, then
  // the factors, an empty seen matrix and the CRC.
  std::uint64_t smallest_after_ids(std::uint64_t ids_left) const {
    return in_.position() + 4 * ids_left + factor_bytes() + 16 + kCrcBytes;
  }

  bool ids() {
    const std::uint64_t total = static_cast<std::uint64_t>(shape.users) + shape.items;
    // Every id takes at least its 4-byte length: refuse impossible counts before allocating for them.
    if (smallest_after_ids(total) > in_.size())
      return impossible("inconsistent sizes: " + std::to_string(shape.users) + " users and " +
                            std::to_string(shape.items) + " items cannot fit in the file",
                        smallest_after_ids(total));
    const bool all_users = keep_.users == ModelSelection::Users::kAll;
    if (all_users) model.user_ids.reserve(shape.users);
    model.item_ids.reserve(shape.items);
    std::string id;
    for (std::uint64_t n = 0; n < total; ++n) {
      const bool user = n < shape.users;
      const std::uint32_t len = in_.u32();
      if (len > in_.remaining() || smallest_after_ids(total - n - 1) + len > in_.size())
        return impossible(std::string("inconsistent sizes: the ") + (user ? "user" : "item") +
                              " id table runs past the end",
                          smallest_after_ids(total - n - 1) + len);
      id.resize(len);
      in_.read(id.data(), len);
      if (!storing()) continue;
      if (!user) model.item_ids.push_back(id);
      else if (all_users) model.user_ids.push_back(id);
      else if (keep_.users == ModelSelection::Users::kOne && kept_user_ < 0 && id == keep_.user) {
        kept_user_ = static_cast<std::int64_t>(n);
        model.user_ids.push_back(id);
      }
    }
    return true;
  }

  // One side's factor rows; `keep(r)` says which rows to store (in order). Every value is checked for finiteness.
  template <typename Keep>
  void factor_rows(std::uint32_t rows, const char* side, Factors& out, std::uint32_t kept_rows, Keep&& keep) {
    const std::uint32_t k = shape.factors;
    if (storing()) out = Factors(kept_rows, k);
    std::vector<float> scratch(k);
    std::uint32_t next = 0;
    for (std::uint32_t r = 0; r < rows; ++r) {
      float* row = storing() && keep(r) ? out.row(next++) : scratch.data();
      in_.read(row, 4ull * k);
      for (std::uint32_t c = 0; c < k; ++c) {
        if (!finite_bits(row[c])) {
          defer(std::string("inconsistent factors: ") + side + " row " + std::to_string(r) +
                " holds a non-finite value");
          break;
        }
      }
    }
  }

  bool factors() {
    if (factor_bytes() + 16 + kCrcBytes > in_.remaining())
      return impossible("inconsistent sizes: the factors run past the end",
                        in_.position() + factor_bytes() + 16 + kCrcBytes);
    const bool all = keep_.users == ModelSelection::Users::kAll;
    const std::uint32_t kept = all ? shape.users : kept_user_ >= 0 ? 1u : 0u;
    factor_rows(shape.users, "user", model.user_factors, kept,
                [&](std::uint32_t r) { return all || static_cast<std::int64_t>(r) == kept_user_; });
    factor_rows(shape.items, "item", model.item_factors, shape.items, [](std::uint32_t) { return true; });
    return true;
  }

  void seen() {
    const std::uint32_t rows = in_.u32(), cols = in_.u32();
    const std::uint64_t nnz = in_.u64();
    if (rows == 0 && cols == 0 && nnz == 0) return;
    if (rows != shape.users || cols != shape.items) {
      impossible("inconsistent sizes: seen matrix is " + std::to_string(rows) + "×" + std::to_string(cols) + " for " +
                 std::to_string(shape.users) + " users and " + std::to_string(shape.items) + " items");
      return;
    }
    const bool plausible = nnz <= static_cast<std::uint64_t>(rows) * cols && nnz < (1ull << 56);
    const std::uint64_t smallest = plausible ? in_.position() + 4ull * rows + 8 * nnz + weight_bytes() + kCrcBytes : 0;
    if (nnz > (in_.remaining() - kCrcBytes) / 8 || smallest != in_.size()) {
      impossible("inconsistent sizes: the seen matrix does not match the file length", plausible ? smallest : 0,
                 plausible);
      return;
    }
    const bool all = keep_.users == ModelSelection::Users::kAll;
    const bool store = keep_.seen && keep_.users != ModelSelection::Users::kNone;
    // Row sizes (4 bytes a user, as in the file) locate the kept rows and bound each row's checks.
    std::vector<std::uint32_t> sizes(rows);
    std::uint64_t total = 0;
    for (std::uint32_t& s : sizes) total += s = in_.u32();
    if (total != nnz) {
      defer("inconsistent sizes: seen row sizes do not add up to its nonzeros");
      return;
    }
    CsrMatrix& m = model.seen;
    const auto kept = [&](std::uint32_t r) { return all || static_cast<std::int64_t>(r) == kept_user_; };
    if (store && storing()) {
      m.rows = all ? rows : kept_user_ >= 0 ? 1u : 0u;
      m.cols = cols;
      m.indptr.assign(static_cast<std::size_t>(m.rows) + 1, 0);
      for (std::uint32_t r = 0, at = 0; r < rows; ++r)
        if (kept(r)) ++at, m.indptr[at] = m.indptr[at - 1] + sizes[r];
      m.indices.resize(static_cast<std::size_t>(m.indptr.back()));
      m.data.resize(static_cast<std::size_t>(m.indptr.back()));
    }
    // Indices, then values, row by row: a kept row goes straight into the matrix, the others through scratch.
    const auto rows_of = [&](auto* kept_into, auto&& valid, const char* problem) {
      std::vector<std::remove_pointer_t<decltype(kept_into)>> scratch;
      std::uint64_t at = 0;
      for (std::uint32_t r = 0; r < rows; ++r) {
        auto* out = kept_into + at;
        if (store && storing() && kept(r)) {
          at += sizes[r];
        } else {
          scratch.resize(sizes[r]);
          out = scratch.data();
        }
        in_.read(out, 4ull * sizes[r]);
        for (std::uint32_t j = 0; j < sizes[r]; ++j)
          if (!valid(out, j)) {
            defer("inconsistent seen matrix: row " + std::to_string(r) + problem);
            break;
          }
      }
    };
    rows_of(
        m.indices.data(),
        [&](const std::uint32_t* i, std::uint32_t j) { return i[j] < cols && (j == 0 || i[j] > i[j - 1]); },
        " has unsorted or out-of-range items");
    rows_of(
        m.data.data(), [](const float* v, std::uint32_t j) { return finite_bits(v[j]); }, " holds a non-finite value");
  }

  StreamReader& in_;
  const std::string& name_;
  const ModelSelection& keep_;
  const std::uint32_t version_;
  const std::uint32_t header_bytes_;
  std::int64_t kept_user_ = -1;  // with Users::kOne: the kept user's row
};

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  for (; size >= 8; data += 8, size -= 8) {
    const std::uint32_t lo = c ^ (static_cast<std::uint32_t>(data[0]) | static_cast<std::uint32_t>(data[1]) << 8 |
                                  static_cast<std::uint32_t>(data[2]) << 16 |
                                  static_cast<std::uint32_t>(data[3]) << 24);
    c = kCrc[7][lo & 0xFFu] ^ kCrc[6][(lo >> 8) & 0xFFu] ^ kCrc[5][(lo >> 16) & 0xFFu] ^ kCrc[4][lo >> 24] ^
        kCrc[3][data[4]] ^ kCrc[2][data[5]] ^ kCrc[1][data[6]] ^ kCrc[0][data[7]];
  }
  for (; size > 0; ++data, --size) c = kCrc[0][(c ^ *data) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

Status MemorySource::read(std::uint8_t* out, std::size_t n, std::size_t& got) {
  got = std::min(n, size_ - at_);
  if (got > 0) std::memcpy(out, data_ + at_, got);
  at_ += got;
  return Status::ok();
}

Status write_model(const AlsModel& model, const ByteSink& sink) {
  // The factor width is the data's; rows follow the id tables (a missing factor row is written as zeros, so the
  // file is always self-consistent).
  const std::uint32_t users = static_cast<std::uint32_t>(model.user_ids.size());
  const std::uint32_t items = static_cast<std::uint32_t>(model.item_ids.size());
  const std::uint32_t factors = model.user_factors.cols > 0 ? model.user_factors.cols : model.item_factors.cols;
  const AlsOptions& o = model.options;
  const bool with_seen = model.seen.rows == users && model.seen.rows > 0 &&
                         model.seen.indptr.size() == static_cast<std::size_t>(users) + 1 &&
                         model.seen.data.size() == model.seen.indices.size();

  const bool with_weights = !model.item_weights.empty();
  if (with_weights && model.item_weights.size() != items)
    return Status::invalid_argument("the model has " + std::to_string(model.item_weights.size()) +
                                    " item weights for " + std::to_string(items) + " items");
  ChunkWriter w(sink);
  w.bytes(kMagic, 4);
  // A model without ω is written exactly as before it existed (version 1, 88-byte header).
  const bool with_omega = o.popularity_exponent != 0.0f || with_weights;
  w.u32(with_weights ? 2u : 1u);
  w.u32(with_omega ? kHeaderBytesOmega : kHeaderBytesV1);
  w.u32(users);
  w.u32(items);
  w.u32(factors);
  w.u32(confidence_code(o.confidence));
  w.u32(values_code(o.values));
  w.u32(solver_code(o.solver));
  w.u32(clamp_u32(o.cg_steps));
  w.u32(clamp_u32(o.iterations));
  w.u32(clamp_u32(model.iterations_done));
  w.f32(o.regularization);
  w.f32(o.alpha);
  w.f32(o.epsilon);
  w.f32(o.unobserved_weight);
  w.f32(o.reg_exponent);
  w.u64(o.seed);
  w.u64(model.dataset_fingerprint);
  w.f64(model.final_loss);
  w.f32(o.init_scale);
  w.u32(o.biases ? kFlagBiases : 0u);
  if (with_omega) w.f32(o.popularity_exponent);

  for (const auto* ids : {&model.user_ids, &model.item_ids})
    for (const auto& id : *ids) {
      w.u32(static_cast<std::uint32_t>(id.size()));
      w.str(id);
    }
  const auto write_factors = [&](const Factors& m, std::uint32_t rows) {
    for (std::uint32_t r = 0; r < rows; ++r) {
      if (r < m.rows && m.cols == factors) {
        w.bytes(m.row(r), 4ull * factors);  // whole rows as they are in memory (a little-endian host)
        continue;
      }
      for (std::uint32_t c = 0; c < factors; ++c)
        w.f32(r < m.rows && c < m.cols ? m.data[static_cast<std::size_t>(r) * m.cols + c] : 0.0f);
    }
  };
  write_factors(model.user_factors, users);
  write_factors(model.item_factors, items);

  if (with_seen) {
    const CsrMatrix& s = model.seen;
    w.u32(s.rows);
    w.u32(s.cols);
    w.u64(s.nnz());
    for (std::uint32_t r = 0; r < s.rows; ++r) w.u32(s.row_size(r));
    w.bytes(s.indices.data(), 4 * s.indices.size());
    w.bytes(s.data.data(), 4 * s.data.size());
  } else {
    w.u32(0);
    w.u32(0);
    w.u64(0);
  }
  if (with_weights) w.bytes(model.item_weights.data(), 4 * model.item_weights.size());
  return w.finish();
}

std::vector<std::uint8_t> serialize_model(const AlsModel& model) {
  std::vector<std::uint8_t> out;
  write_model(model, [&](const std::uint8_t* data, std::size_t size) {
    out.insert(out.end(), data, data + size);
    return Status::ok();
  });
  return out;
}

Result<AlsModel> read_model(ByteSource& source, const std::string& source_name, const ModelSelection& keep,
                            ModelShape* shape) {
  const auto fail = [&](const std::string& why) { return Status::bad_input(source_name + ": " + why); };
  const std::uint64_t size = source.size();
  const auto truncated = [&](std::uint64_t expected, bool exact) {
    return fail("truncated (expected " + std::string(exact ? "" : "at least ") + std::to_string(expected) +
                " bytes, got " + std::to_string(size) + ")");
  };
  if (size == 0) return fail("empty file, not an alsrec model");
  StreamReader in(source);
  std::uint8_t magic[4] = {0, 0, 0, 0};
  const std::size_t magic_seen = size < 4 ? static_cast<std::size_t>(size) : 4;
  in.read(magic, magic_seen);
  if (!in.error().is_ok()) return in.error();
  if (std::memcmp(magic, kMagic, magic_seen) != 0) return fail("not an alsrec model file (bad magic)");
  const std::uint64_t smallest = kPrefixBytes + kHeaderBytesV1Min + 16 + kCrcBytes;
  if (size < kPrefixBytes) return truncated(smallest, false);
  const std::uint32_t version = in.u32();
  if (version > kModelFormatVersion)
    return fail("model format version " + std::to_string(version) + " is newer than this alsrec supports (" +
                std::to_string(kModelFormatVersion) + ")");
  if (version == 0) return fail("model format version 0 is not valid (file corrupted)");
  const std::uint32_t header_bytes = in.u32();
  if (!in.error().is_ok()) return in.error();
  if (header_bytes < kHeaderBytesV1Min)
    return fail("header of " + std::to_string(header_bytes) + " bytes is too short (version 1 needs at least " +
                std::to_string(kHeaderBytesV1Min) + "; file corrupted)");
  if (size < kPrefixBytes + static_cast<std::uint64_t>(header_bytes) + 16 + kCrcBytes)
    return truncated(kPrefixBytes + static_cast<std::uint64_t>(header_bytes) + 16 + kCrcBytes, false);

  ModelParser parser(in, source_name, keep, version, header_bytes);
  parser.parse();
  in.drain();
  if (!in.error().is_ok()) return in.error();
  if (!in.crc_matches()) {
    if (parser.expected > size) return truncated(parser.expected, parser.expected_exact);
    return fail("checksum mismatch (file corrupted)");
  }
  if (!parser.problem.is_ok()) return parser.problem;
  parser.shape.bytes = size;
  if (shape) *shape = parser.shape;
  return std::move(parser.model);
}

Result<AlsModel> deserialize_model(const std::uint8_t* data, std::size_t size, const std::string& source_name) {
  MemorySource source(data, size);
  return read_model(source, source_name);
}

}  // namespace alsrec
