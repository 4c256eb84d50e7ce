// The model file (format in model_io.h), written and read byte by byte in little-endian order — never by dumping
// structs — so a file written natively loads in the browser and vice versa.
//
// Version 1 layout in full (model_io.h lists the first 80 header bytes; readers skip header bytes they do not know):
//
//   "ALSR" | u32 version | u32 header_bytes |
//   header (88 bytes): u32 users, u32 items, u32 factors, u32 confidence, u32 values, u32 solver, u32 cg_steps,
//          u32 iterations, u32 iterations_done, f32 regularization, f32 alpha, f32 epsilon, f32 unobserved_weight,
//          f32 reg_exponent, u64 seed, u64 dataset_fingerprint, f64 final_loss, f32 init_scale, u32 flags |
//          (flags bit 0: biases; the factor count then includes the 2 bias columns of baselines.h) |
//   user ids | item ids (each: u32 byte length + UTF-8 bytes) |
//   user factors | item factors (f32, row-major) |
//   seen matrix: u32 rows (0 = absent, else = users), u32 cols, u64 nnz, u32 row_sizes[rows], u32 indices[nnz],
//          f32 values[nnz] |
//   u32 crc32 of every byte before it.
//
// Reading: magic, then version, then the checksum; only when the checksum fails do we look at the structure to
// tell a short file ("truncated (expected N bytes, got M)") from a corrupted one ("checksum mismatch").
#include "alsrec/model_io.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace alsrec {
namespace {

constexpr char kMagic[4] = {'A', 'L', 'S', 'R'};
constexpr std::uint32_t kHeaderBytesV1Min = 80;  // up to final_loss
constexpr std::uint32_t kHeaderBytesV1Scale = 84; // + init_scale
constexpr std::uint32_t kHeaderBytesV1 = 88;     // + flags (bit 0: bias columns, see baselines.h)
constexpr std::uint32_t kFlagBiases = 1u;
constexpr std::size_t kPrefixBytes = 12;         // magic, version, header_bytes
constexpr std::size_t kCrcBytes = 4;
constexpr std::uint32_t kMaxFactors = 1u << 16;  // far above AlsOptions' limit; only guards the size arithmetic

// ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib) ----

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

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
std::uint32_t solver_code(SolverKind s) { return s == SolverKind::kCholesky ? 1 : s == SolverKind::kSubspace ? 2 : 0; }
bool solver_from_code(std::uint32_t c, SolverKind& s) {  // (a subspace model's block size is not stored)
  if (c > 2) return false;
  s = c == 2 ? SolverKind::kSubspace : c == 1 ? SolverKind::kCholesky : SolverKind::kConjugateGradient;
  return true;
}

// ---- writing ----

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u32(std::uint32_t v) {
    for (int b = 0; b < 4; ++b) out_.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
  }
  void u64(std::uint64_t v) {
    for (int b = 0; b < 8; ++b) out_.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
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
  void bytes(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); }

 private:
  std::vector<std::uint8_t>& out_;
};

std::uint32_t clamp_u32(long long v) {
  return v < 0 ? 0u : v > 0xFFFFFFFFll ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

// ---- reading ----

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return size_ - pos_; }
  bool has(std::uint64_t n) const { return n <= remaining(); }
  void skip(std::size_t n) { pos_ += n; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= static_cast<std::uint32_t>(data_[pos_ + b]) << (8 * b);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= static_cast<std::uint64_t>(data_[pos_ + b]) << (8 * b);
    pos_ += 8;
    return v;
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
  std::string str(std::size_t n) {
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

struct HeaderCounts {
  std::uint32_t users = 0, items = 0, factors = 0;
};

// The smallest file consistent with what can be read of `data` (exact when only the factors, the seen matrix or the
// checksum are missing; a lower bound when the id tables are cut). Used only to explain a failed checksum.
struct SizeEstimate {
  std::uint64_t bytes = 0;
  bool exact = false;
};
SizeEstimate estimate_size(const std::uint8_t* data, std::size_t size, std::uint32_t header_bytes,
                           const HeaderCounts& h) {
  SizeEstimate e;
  const std::uint64_t factor_bytes = 4ull * h.factors * (static_cast<std::uint64_t>(h.users) + h.items);
  const std::uint64_t tail_min = factor_bytes + 16 + kCrcBytes;  // factors, empty seen header, crc
  std::uint64_t pos = kPrefixBytes + header_bytes;
  const std::uint64_t ids = static_cast<std::uint64_t>(h.users) + h.items;
  for (std::uint64_t n = 0; n < ids; ++n) {
    if (pos + 4 > size) {  // cut inside the id tables: every remaining id needs at least its length
      e.bytes = pos + 4 * (ids - n) + tail_min;
      return e;
    }
    std::uint32_t len = 0;
    for (int b = 0; b < 4; ++b) len |= static_cast<std::uint32_t>(data[pos + b]) << (8 * b);
    pos += 4 + static_cast<std::uint64_t>(len);
  }
  pos += factor_bytes;
  if (pos + 16 > size) {  // the seen matrix's header is cut: its contents are unknown
    e.bytes = pos + 16 + kCrcBytes;
    return e;
  }
  Reader r(data, size);
  r.skip(static_cast<std::size_t>(pos));
  const std::uint64_t rows = r.u32(), cols = r.u32(), nnz = r.u64();
  // A seen header that cannot be right means damage, not a short file: leave it to "checksum mismatch".
  if ((rows != 0 || cols != 0) && (rows != h.users || cols != h.items)) return e;
  if (nnz > rows * cols) return e;
  e.bytes = pos + 16 + 4 * rows + 8 * nnz + kCrcBytes;
  e.exact = true;
  return e;
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<std::uint8_t> serialize_model(const AlsModel& model) {
  // The factor width is the data's; rows follow the id tables (a missing factor row is written as zeros, so the
  // file is always self-consistent).
  const std::uint32_t users = static_cast<std::uint32_t>(model.user_ids.size());
  const std::uint32_t items = static_cast<std::uint32_t>(model.item_ids.size());
  const std::uint32_t factors = model.user_factors.cols > 0 ? model.user_factors.cols : model.item_factors.cols;
  const AlsOptions& o = model.options;
  const bool with_seen = model.seen.rows == users && model.seen.rows > 0 &&
                         model.seen.indptr.size() == static_cast<std::size_t>(users) + 1 &&
                         model.seen.data.size() == model.seen.indices.size();

  std::vector<std::uint8_t> out;
  std::size_t id_bytes = 0;
  for (const auto& id : model.user_ids) id_bytes += 4 + id.size();
  for (const auto& id : model.item_ids) id_bytes += 4 + id.size();
  out.reserve(kPrefixBytes + kHeaderBytesV1 + id_bytes + 4ull * factors * (users + items) + 16 +
              (with_seen ? 4ull * users + 8 * model.seen.nnz() : 0) + kCrcBytes);

  Writer w(out);
  for (char c : kMagic) out.push_back(static_cast<std::uint8_t>(c));
  w.u32(kModelFormatVersion);
  w.u32(kHeaderBytesV1);
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

  for (const auto& id : model.user_ids) {
    w.u32(static_cast<std::uint32_t>(id.size()));
    w.bytes(id);
  }
  for (const auto& id : model.item_ids) {
    w.u32(static_cast<std::uint32_t>(id.size()));
    w.bytes(id);
  }
  const auto write_factors = [&](const Factors& m, std::uint32_t rows) {
    for (std::uint32_t r = 0; r < rows; ++r)
      for (std::uint32_t c = 0; c < factors; ++c)
        w.f32(r < m.rows && c < m.cols ? m.data[static_cast<std::size_t>(r) * m.cols + c] : 0.0f);
  };
  write_factors(model.user_factors, users);
  write_factors(model.item_factors, items);

  if (with_seen) {
    const CsrMatrix& s = model.seen;
    w.u32(s.rows);
    w.u32(s.cols);
    w.u64(s.nnz());
    for (std::uint32_t r = 0; r < s.rows; ++r) w.u32(s.row_size(r));
    for (std::uint32_t i : s.indices) w.u32(i);
    for (float v : s.data) w.f32(v);
  } else {
    w.u32(0);
    w.u32(0);
    w.u64(0);
  }
  w.u32(crc32(out.data(), out.size()));
  return out;
}

Result<AlsModel> deserialize_model(const std::uint8_t* data, std::size_t size, const std::string& source_name) {
  const auto fail = [&](const std::string& why) { return Status::bad_input(source_name + ": " + why); };
  const auto truncated = [&](std::uint64_t expected, bool exact) {
    return fail("truncated (expected " + std::string(exact ? "" : "at least ") + std::to_string(expected) +
                " bytes, got " + std::to_string(size) + ")");
  };
  if (data == nullptr) size = 0;
  const std::size_t magic_seen = size < 4 ? size : 4;
  if (size == 0) return fail("empty file, not an alsrec model");
  if (std::memcmp(data, kMagic, magic_seen) != 0) return fail("not an alsrec model file (bad magic)");
  const std::uint64_t smallest = kPrefixBytes + kHeaderBytesV1Min + 16 + kCrcBytes;
  if (size < kPrefixBytes) return truncated(smallest, false);

  Reader r(data, size);
  r.skip(4);
  const std::uint32_t version = r.u32();
  if (version > kModelFormatVersion)
    return fail("model format version " + std::to_string(version) + " is newer than this alsrec supports (" +
                std::to_string(kModelFormatVersion) + ")");
  if (version == 0) return fail("model format version 0 is not valid (file corrupted)");
  const std::uint32_t header_bytes = r.u32();
  if (header_bytes < kHeaderBytesV1Min)
    return fail("header of " + std::to_string(header_bytes) + " bytes is too short (version 1 needs at least " +
                std::to_string(kHeaderBytesV1Min) + "; file corrupted)");
  if (size < kPrefixBytes + static_cast<std::uint64_t>(header_bytes) + 16 + kCrcBytes)
    return truncated(kPrefixBytes + static_cast<std::uint64_t>(header_bytes) + 16 + kCrcBytes, false);

  HeaderCounts h;
  h.users = r.u32();
  h.items = r.u32();
  h.factors = r.u32();

  // Checksum first: on an intact file every later problem is an inconsistency, not damage in transit.
  const std::size_t body = size - kCrcBytes;
  std::uint32_t stored_crc = 0;
  for (int b = 0; b < 4; ++b) stored_crc |= static_cast<std::uint32_t>(data[body + b]) << (8 * b);
  if (crc32(data, body) != stored_crc) {
    if (h.factors <= kMaxFactors) {
      const SizeEstimate e = estimate_size(data, size, header_bytes, h);
      if (e.bytes > size) return truncated(e.bytes, e.exact);
    }
    return fail("checksum mismatch (file corrupted)");
  }

  AlsModel model;
  AlsOptions& o = model.options;
  const std::uint32_t confidence = r.u32(), values = r.u32(), solver = r.u32();
  if (!confidence_from_code(confidence, o.confidence))
    return fail("inconsistent header: unknown confidence mode " + std::to_string(confidence));
  if (!values_from_code(values, o.values))
    return fail("inconsistent header: unknown value transform " + std::to_string(values));
  if (!solver_from_code(solver, o.solver)) return fail("inconsistent header: unknown solver " + std::to_string(solver));
  o.cg_steps = static_cast<int>(std::min<std::uint32_t>(r.u32(), std::numeric_limits<int>::max()));
  o.iterations = static_cast<int>(std::min<std::uint32_t>(r.u32(), std::numeric_limits<int>::max()));
  model.iterations_done = static_cast<int>(std::min<std::uint32_t>(r.u32(), std::numeric_limits<int>::max()));
  o.regularization = r.f32();
  o.alpha = r.f32();
  o.epsilon = r.f32();
  o.unobserved_weight = r.f32();
  o.reg_exponent = r.f32();
  o.seed = r.u64();
  model.dataset_fingerprint = r.u64();
  model.final_loss = r.f64();
  if (header_bytes >= kHeaderBytesV1Scale) o.init_scale = r.f32();
  if (header_bytes >= kHeaderBytesV1) o.biases = (r.u32() & kFlagBiases) != 0;
  r.skip(kPrefixBytes + header_bytes - r.position());  // header fields from a newer writer
  if (h.factors == 0 || h.factors > kMaxFactors)
    return fail("inconsistent header: " + std::to_string(h.factors) + " factors");
  // A biased model's factors carry 2 bias columns after the latent ones (readers without the flag still predict
  // correctly: the dot product includes the biases).
  const std::uint32_t bias_columns = o.biases ? 2u : 0u;
  if (h.factors <= bias_columns) return fail("inconsistent header: bias columns without latent factors");
  o.factors = static_cast<int>(h.factors - bias_columns);
  if (const Status st = o.validate(); !st.is_ok()) return fail("inconsistent header: " + st.message());

  // Every id takes at least its 4-byte length: refuse impossible counts before allocating for them.
  const std::uint64_t ids = static_cast<std::uint64_t>(h.users) + h.items;
  if (ids * 4 > r.remaining()) return fail("inconsistent sizes: " + std::to_string(h.users) + " users and " +
                                           std::to_string(h.items) + " items cannot fit in the file");
  const auto read_ids = [&](std::uint32_t count, std::vector<std::string>& out, const char* what) -> Status {
    out.reserve(count);
    for (std::uint32_t n = 0; n < count; ++n) {
      if (!r.has(4)) return fail(std::string("inconsistent sizes: the ") + what + " id table runs past the end");
      const std::uint32_t len = r.u32();
      if (!r.has(len)) return fail(std::string("inconsistent sizes: the ") + what + " id table runs past the end");
      out.push_back(r.str(len));
    }
    return Status::ok();
  };
  ALSREC_RETURN_IF_ERROR(read_ids(h.users, model.user_ids, "user"));
  ALSREC_RETURN_IF_ERROR(read_ids(h.items, model.item_ids, "item"));

  const std::uint64_t factor_bytes = 4ull * h.factors * ids;
  if (!r.has(factor_bytes + 16 + kCrcBytes)) return fail("inconsistent sizes: the factors run past the end");
  const auto read_factors = [&](std::uint32_t rows, Factors& m) {
    m = Factors(rows, h.factors);
    for (float& v : m.data) v = r.f32();
  };
  read_factors(h.users, model.user_factors);
  read_factors(h.items, model.item_factors);

  const std::uint32_t seen_rows = r.u32(), seen_cols = r.u32();
  const std::uint64_t nnz = r.u64();
  if (seen_rows != 0 || seen_cols != 0 || nnz != 0) {
    if (seen_rows != h.users || seen_cols != h.items)
      return fail("inconsistent sizes: seen matrix is " + std::to_string(seen_rows) + "×" + std::to_string(seen_cols) +
                  " for " + std::to_string(h.users) + " users and " + std::to_string(h.items) + " items");
    if (nnz > (r.remaining() - kCrcBytes) / 8 || 4ull * seen_rows + 8 * nnz + kCrcBytes != r.remaining())
      return fail("inconsistent sizes: the seen matrix does not match the file length");
    CsrMatrix& s = model.seen;
    s.rows = seen_rows;
    s.cols = seen_cols;
    s.indptr.assign(static_cast<std::size_t>(seen_rows) + 1, 0);
    for (std::uint32_t row = 0; row < seen_rows; ++row) s.indptr[row + 1] = s.indptr[row] + r.u32();
    if (s.indptr.back() != nnz) return fail("inconsistent sizes: seen row sizes do not add up to its nonzeros");
    s.indices.resize(static_cast<std::size_t>(nnz));
    for (auto& i : s.indices) i = r.u32();
    s.data.resize(static_cast<std::size_t>(nnz));
    for (auto& v : s.data) v = r.f32();
    for (std::uint32_t row = 0; row < seen_rows; ++row)
      for (std::uint64_t p = s.indptr[row]; p < s.indptr[row + 1]; ++p)
        if (s.indices[p] >= seen_cols || (p > s.indptr[row] && s.indices[p] <= s.indices[p - 1]))
          return fail("inconsistent seen matrix: row " + std::to_string(row) + " has unsorted or out-of-range items");
  }
  if (r.remaining() != kCrcBytes)
    return fail("inconsistent sizes: " + std::to_string(r.remaining() - kCrcBytes) + " unexpected bytes before the checksum");
  return model;
}

}  // namespace alsrec
