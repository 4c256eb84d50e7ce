// The model file: bit-exact round trip, CRC-32, refusal of damaged files with the message that says why, and
// streaming reads and writes in bounded memory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#if !defined(__EMSCRIPTEN__)
#include <sys/resource.h>
#endif

#include "alsrec/model_io.h"

using namespace alsrec;

namespace {

const std::string kName = "model.alsr";

AlsModel sample_model(bool with_seen = true) {
  AlsModel m;
  m.options.factors = 3;
  m.options.regularization = 0.25f;
  m.options.alpha = 40.0f;
  m.options.confidence = ConfidenceMode::kIals;
  m.options.values = ValueTransform::kRaw;
  m.options.epsilon = 0.5f;
  m.options.unobserved_weight = 0.125f;
  m.options.reg_exponent = 1.0f;
  m.options.iterations = 17;
  m.options.solver = SolverKind::kCholesky;
  m.options.cg_steps = 4;
  m.options.seed = 0xDEADBEEFCAFEF00Dull;
  m.options.init_scale = 0.05f;
  m.user_ids = {"alice", "Zoë", "42"};
  m.item_ids = {"The Matrix (1999)", "m,2", "", "\xE6\x97\xA5\xE6\x9C\xAC"};
  m.user_factors = Factors(3, 3);
  m.item_factors = Factors(4, 3);
  // Values whose bits must survive: negative zero, a subnormal, the largest float, an irrational-ish fraction.
  const float special[] = {-0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                           0.1f, -1.0f / 3.0f, 1e-30f};
  // (Finite only: a model with a non-finite factor is refused.)
  for (std::size_t i = 0; i < m.user_factors.data.size(); ++i)
    m.user_factors.data[i] = i % 6 == 2 ? special[2] : special[i % 6] * static_cast<float>(i + 1);
  for (std::size_t i = 0; i < m.item_factors.data.size(); ++i) m.item_factors.data[i] = special[(i + 3) % 6] - i;
  if (with_seen) {  // 3 users × 4 items: {0, 2}, {}, {1, 2, 3}
    m.seen.rows = 3;
    m.seen.cols = 4;
    m.seen.indptr = {0, 2, 2, 5};
    m.seen.indices = {0, 2, 1, 2, 3};
    m.seen.data = {5.0f, 3.5f, 1.0f, 2.0f, 4.0f};
  }
  m.dataset_fingerprint = 0x0123456789ABCDEFull;
  m.iterations_done = 17;
  m.final_loss = 0.123456789012345;
  return m;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string load_error(const std::vector<std::uint8_t>& bytes) {
  auto r = deserialize_model(bytes.data(), bytes.size(), kName);
  if (r.is_ok()) return "<loaded>";
  CHECK(r.status().code() == StatusCode::kBadInput);
  return r.status().message();
}

void put_u32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) b[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
}
void reseal(std::vector<std::uint8_t>& b) { put_u32(b, b.size() - 4, crc32(b.data(), b.size() - 4)); }

}  // namespace

TEST_CASE("crc32 is the IEEE/zlib CRC", "[model_io]") {
  const std::string check = "123456789";
  const auto* p = reinterpret_cast<const std::uint8_t*>(check.data());
  CHECK(crc32(p, check.size()) == 0xCBF43926u);  // the standard check value
  CHECK(crc32(p, 0) == 0u);
  CHECK(crc32(p + 4, 5, crc32(p, 4)) == 0xCBF43926u);  // continuation, as zlib's crc32(crc, buf, len)
}

TEST_CASE("model round trip is bit-exact", "[model_io]") {
  const AlsModel m = sample_model();
  const std::vector<std::uint8_t> bytes = serialize_model(m);
  REQUIRE(bytes.size() > 16);
  CHECK(std::memcmp(bytes.data(), "ALSR", 4) == 0);
  CHECK(bytes[4] == 1);  // version 1, little-endian
  CHECK(bytes[5] == 0);

  auto r = deserialize_model(bytes.data(), bytes.size(), kName);
  REQUIRE(r.is_ok());
  const AlsModel& back = *r;
  CHECK(back.user_ids == m.user_ids);
  CHECK(back.item_ids == m.item_ids);
  CHECK(back.user_factors.rows == 3);
  CHECK(back.user_factors.cols == 3);
  CHECK(back.item_factors.rows == 4);
  CHECK(same_bits(back.user_factors.data, m.user_factors.data));
  CHECK(same_bits(back.item_factors.data, m.item_factors.data));
  CHECK(back.options.factors == 3);
  CHECK(back.options.regularization == 0.25f);
  CHECK(back.options.alpha == 40.0f);
  CHECK(back.options.confidence == ConfidenceMode::kIals);
  CHECK(back.options.values == ValueTransform::kRaw);
  CHECK(back.options.epsilon == 0.5f);
  CHECK(back.options.unobserved_weight == 0.125f);
  CHECK(back.options.reg_exponent == 1.0f);
  CHECK(back.options.iterations == 17);
  CHECK(back.options.solver == SolverKind::kCholesky);
  CHECK(back.options.cg_steps == 4);
  CHECK(back.options.seed == 0xDEADBEEFCAFEF00Dull);
  CHECK(back.options.init_scale == 0.05f);
  CHECK(back.dataset_fingerprint == 0x0123456789ABCDEFull);
  CHECK(back.iterations_done == 17);
  CHECK(back.final_loss == m.final_loss);
  CHECK(back.seen.rows == 3);
  CHECK(back.seen.cols == 4);
  CHECK(back.seen.indptr == m.seen.indptr);
  CHECK(back.seen.indices == m.seen.indices);
  CHECK(same_bits(back.seen.data, m.seen.data));
  // Writing what was read gives the same bytes.
  CHECK(serialize_model(back) == bytes);
}

TEST_CASE("a model without seen items round-trips with an empty seen matrix", "[model_io]") {
  const AlsModel m = sample_model(false);
  const auto bytes = serialize_model(m);
  auto r = deserialize_model(bytes.data(), bytes.size(), kName);
  REQUIRE(r.is_ok());
  CHECK(r->seen.rows == 0);
  CHECK(r->seen.nnz() == 0);
  CHECK(same_bits(r->item_factors.data, m.item_factors.data));
}

TEST_CASE("truncated model files are refused at every length", "[model_io]") {
  const auto bytes = serialize_model(sample_model());
  const std::size_t n = bytes.size();
  CHECK(load_error({}) == "model.alsr: empty file, not an alsrec model");
  // Cut inside the factors, the seen matrix or the checksum: the expected size is known exactly.
  CHECK(load_error({bytes.begin(), bytes.end() - 1}) ==
        "model.alsr: truncated (expected " + std::to_string(n) + " bytes, got " + std::to_string(n - 1) + ")");
  CHECK(load_error({bytes.begin(), bytes.end() - 4}) ==
        "model.alsr: truncated (expected " + std::to_string(n) + " bytes, got " + std::to_string(n - 4) + ")");
  CHECK(load_error({bytes.begin(), bytes.end() - 30}) ==
        "model.alsr: truncated (expected " + std::to_string(n) + " bytes, got " + std::to_string(n - 30) + ")");
  // Every shorter length is refused as truncated (a lower bound where the id tables are cut).
  for (std::size_t len = 1; len < n; ++len) {
    INFO("length " << len);
    CHECK(load_error({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)}).find("truncated (expected") !=
          std::string::npos);
  }
  CHECK(load_error({bytes.begin(), bytes.begin() + 2}) ==
        "model.alsr: truncated (expected at least 112 bytes, got 2)");  // 12 prefix + 80 header + 16 seen + 4 crc
}

TEST_CASE("corrupted model files are refused", "[model_io]") {
  const auto bytes = serialize_model(sample_model());
  SECTION("a flipped byte in the factors fails the checksum") {
    auto bad = bytes;
    bad[bytes.size() - 80] ^= 0x01;  // before the seen matrix (16 + 4·3 + 8·5 bytes) and the checksum
    CHECK(load_error(bad) == "model.alsr: checksum mismatch (file corrupted)");
  }
  SECTION("a flipped byte in the seen matrix's count fails the checksum, not 'truncated'") {
    auto bad = bytes;
    bad[bytes.size() - 4 - 40 - 12 - 8 + 4] ^= 0x01;  // high half of the u64 nnz

    CHECK(load_error(bad) == "model.alsr: checksum mismatch (file corrupted)");
  }
  SECTION("a flipped byte in the checksum itself") {
    auto bad = bytes;
    bad.back() ^= 0x80;
    CHECK(load_error(bad) == "model.alsr: checksum mismatch (file corrupted)");
  }
  SECTION("bad magic") {
    auto bad = bytes;
    bad[0] = 'X';
    CHECK(load_error(bad) == "model.alsr: not an alsrec model file (bad magic)");
    const std::string text = "userId,itemId,rating\n1,2,3\n";
    CHECK(load_error({text.begin(), text.end()}) == "model.alsr: not an alsrec model file (bad magic)");
  }
  SECTION("a newer format version") {
    auto bad = bytes;
    put_u32(bad, 4, 7);
    reseal(bad);
    CHECK(load_error(bad) == "model.alsr: model format version 7 is newer than this alsrec supports (2)");
  }
  SECTION("intact checksum but inconsistent counts") {
    auto bad = bytes;
    put_u32(bad, 12, 4);  // users 3 -> 4: the id tables and factors no longer fit the file
    reseal(bad);
    CHECK(load_error(bad).find("model.alsr: inconsistent") == 0);
    auto bad_enum = bytes;
    put_u32(bad_enum, 24, 9);  // confidence mode 9 does not exist
    reseal(bad_enum);
    CHECK(load_error(bad_enum) == "model.alsr: inconsistent header: unknown confidence mode 9");
  }
  SECTION("every single-byte corruption is refused, never a crash") {
    for (std::size_t at = 0; at < bytes.size(); ++at) {
      auto bad = bytes;
      bad[at] ^= 0x5A;
      INFO("byte " << at);
      CHECK(load_error(bad) != "<loaded>");
    }
  }
}

TEST_CASE("unknown trailing header bytes from a newer writer are skipped", "[model_io]") {
  const AlsModel m = sample_model();
  const auto bytes = serialize_model(m);
  const std::uint32_t header_bytes = bytes[8] | bytes[9] << 8 | bytes[10] << 16 | static_cast<std::uint32_t>(bytes[11]) << 24;
  REQUIRE(header_bytes == 88);  // no popularity exponent: the header as before it existed
  std::vector<std::uint8_t> longer(bytes.begin(), bytes.begin() + 12 + header_bytes);
  for (int k = 0; k < 4; ++k) longer.push_back(0);  // f32 popularity_exponent 0, the field after the flags
  for (int k = 0; k < 8; ++k) longer.push_back(static_cast<std::uint8_t>(0xA0 + k));  // a future field
  longer.insert(longer.end(), bytes.begin() + 12 + header_bytes, bytes.end());
  put_u32(longer, 8, header_bytes + 12);
  reseal(longer);
  auto r = deserialize_model(longer.data(), longer.size(), kName);
  REQUIRE(r.is_ok());
  CHECK(r->user_ids == m.user_ids);
  CHECK(same_bits(r->item_factors.data, m.item_factors.data));
  CHECK(r->options.init_scale == m.options.init_scale);
}

// ---- streaming, bounded reads and writes ----

namespace {

// A source of `size` bytes: `prefix`, then `fill` bytes; counts what it served. (A 2 GB file without 2 GB.)
class PatternSource : public ByteSource {
 public:
  PatternSource(std::vector<std::uint8_t> prefix, std::uint64_t size, std::uint8_t fill = 0)
      : prefix_(std::move(prefix)), size_(size), fill_(fill) {}
  std::uint64_t size() const override { return size_; }
  Status read(std::uint8_t* out, std::size_t n, std::size_t& got) override {
    got = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - served));
    for (std::size_t k = 0; k < got; ++k) out[k] = served + k < prefix_.size() ? prefix_[served + k] : fill_;
    served += got;
    return Status::ok();
  }
  std::uint64_t served = 0;

 private:
  std::vector<std::uint8_t> prefix_;
  std::uint64_t size_;
  std::uint8_t fill_;
};

// A source that claims more bytes than it has (a file cut while being read).
class ShrinkingSource : public ByteSource {
 public:
  ShrinkingSource(const std::vector<std::uint8_t>& bytes, std::size_t cut) : bytes_(bytes), cut_(cut) {}
  std::uint64_t size() const override { return bytes_.size(); }
  Status read(std::uint8_t* out, std::size_t n, std::size_t& got) override {
    got = std::min(n, cut_ - at_);
    std::memcpy(out, bytes_.data() + at_, got);
    at_ += got;
    return Status::ok();
  }

 private:
  const std::vector<std::uint8_t>& bytes_;
  std::size_t cut_, at_ = 0;
};

std::string read_error(ByteSource& source) {
  auto r = read_model(source, kName);
  return r.is_ok() ? "<loaded>" : r.status().message();
}

}  // namespace

TEST_CASE("a model with a non-finite factor or seen value is refused, even with a good checksum", "[model_io]") {
  const auto bytes = serialize_model(sample_model());
  const std::size_t n = bytes.size();
  const std::size_t seen_bytes = 16 + 4 * 3 + 8 * 5;
  const std::size_t item_factors = n - 4 - seen_bytes - 4 * 3 * 4;  // 4 items × 3 factors
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (const float bad : {nan, inf, -inf}) {
    std::uint32_t bits;
    std::memcpy(&bits, &bad, 4);
    auto patched = bytes;
    put_u32(patched, item_factors + 4 * 3 * 2 + 4, bits);  // item 2, factor 1
    reseal(patched);
    CHECK(load_error(patched) == "model.alsr: inconsistent factors: item row 2 holds a non-finite value");
    auto seen = bytes;
    put_u32(seen, n - 4 - 4, bits);  // the last seen value
    reseal(seen);
    CHECK(load_error(seen) == "model.alsr: inconsistent seen matrix: row 2 holds a non-finite value");
  }
}

TEST_CASE("a model is refused from its first bytes: a 2 GB text file is not read to the end", "[model_io]") {
  const std::string csv = "userId,movieId,rating\n1,2,3\n";
  PatternSource text({csv.begin(), csv.end()}, std::uint64_t{2} << 30, 'x');
  CHECK(read_error(text) == "model.alsr: not an alsrec model file (bad magic)");
  CHECK(text.served <= kModelChunkBytes);
  // A header declaring 2^32 - 1 users and items in a 200-byte file: refused before any allocation for them (the
  // declared sizes are compared with the source's size first).
  auto header = serialize_model(sample_model(false));
  put_u32(header, 12, 0xFFFFFFFFu);
  put_u32(header, 16, 0xFFFFFFFFu);
  reseal(header);
  CHECK(load_error(header) == "model.alsr: inconsistent sizes: 4294967295 users and 4294967295 items cannot fit in "
                              "the file");
}

TEST_CASE("a source that ends before its announced size is an I/O error, not a crash", "[model_io]") {
  const auto bytes = serialize_model(sample_model());
  for (std::size_t cut : {std::size_t{2}, std::size_t{12}, bytes.size() / 2, bytes.size() - 1}) {
    ShrinkingSource source(bytes, cut);
    auto r = read_model(source, kName);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kIoError);
    CHECK(r.status().message() == "the file ended at byte " + std::to_string(cut) + " of " +
                                      std::to_string(bytes.size()) + " (did it change while being read?)");
  }
}

TEST_CASE("read_model keeps only the selected user, with the rows a full read gives", "[model_io]") {
  const AlsModel m = sample_model();
  const auto bytes = serialize_model(m);
  const auto read = [&](ModelSelection keep, ModelShape* shape = nullptr) {
    MemorySource source(bytes.data(), bytes.size());
    auto r = read_model(source, kName, keep, shape);
    REQUIRE(r.is_ok());
    return std::move(r.value());
  };
  ModelSelection one;
  one.users = ModelSelection::Users::kOne;
  one.user = "42";  // user 2: seen items {1, 2, 3}
  ModelShape shape;
  const AlsModel u = read(one, &shape);
  CHECK(shape.users == 3);
  CHECK(shape.items == 4);
  CHECK(shape.factors == 3);
  CHECK(shape.bytes == bytes.size());
  CHECK(u.user_ids == std::vector<std::string>{"42"});
  REQUIRE(u.user_factors.rows == 1);
  CHECK(std::memcmp(u.user_factors.row(0), m.user_factors.row(2), 3 * sizeof(float)) == 0);
  CHECK(same_bits(u.item_factors.data, m.item_factors.data));
  CHECK(u.item_ids == m.item_ids);
  REQUIRE(u.seen.rows == 1);
  CHECK(u.seen.cols == 4);
  CHECK(u.seen.indptr == std::vector<std::uint64_t>{0, 3});
  CHECK(u.seen.indices == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(same_bits(u.seen.data, {1.0f, 2.0f, 4.0f}));

  one.user = "Zoë";  // an empty seen row
  const AlsModel z = read(one);
  CHECK(z.find_user("Zoë") == 0);
  CHECK(z.seen.rows == 1);
  CHECK(z.seen.nnz() == 0);
  one.seen = false;
  CHECK(read(one).seen.rows == 0);

  one.user = "nobody";
  const AlsModel none = read(one);
  CHECK(none.user_ids.empty());
  CHECK(none.user_factors.rows == 0);
  CHECK(none.seen.rows == 0);

  ModelSelection items;
  items.users = ModelSelection::Users::kNone;
  const AlsModel i = read(items);
  CHECK(i.user_ids.empty());
  CHECK(i.user_factors.rows == 0);
  CHECK(same_bits(i.item_factors.data, m.item_factors.data));

  // A damaged file is refused whatever is kept.
  auto bad = bytes;
  bad[40] ^= 1;
  MemorySource source(bad.data(), bad.size());
  CHECK_FALSE(read_model(source, kName, one).is_ok());
}

TEST_CASE("write_model hands out chunks of at most kModelChunkBytes and stops at the sink's first error",
          "[model_io]") {
  AlsModel m = sample_model(false);
  m.user_ids.clear();
  for (int u = 0; u < 3000; ++u) m.user_ids.push_back("user-" + std::to_string(u));
  m.options.factors = 120;
  m.user_factors = Factors(3000, 120);
  m.item_factors = Factors(4, 120);
  for (std::size_t k = 0; k < m.user_factors.data.size(); ++k) m.user_factors.data[k] = static_cast<float>(k % 97);
  std::vector<std::uint8_t> streamed;
  std::size_t largest = 0, calls = 0;
  REQUIRE(write_model(m, [&](const std::uint8_t* data, std::size_t size) {
            largest = std::max(largest, size);
            ++calls;
            streamed.insert(streamed.end(), data, data + size);
            return Status::ok();
          }).is_ok());
  CHECK(streamed == serialize_model(m));
  CHECK(streamed.size() > 1440000);
  CHECK(largest <= kModelChunkBytes);
  CHECK(calls >= 2);

  std::size_t after_error = 0;
  const Status full = write_model(m, [&](const std::uint8_t*, std::size_t) {
    ++after_error;
    return Status::io_error("disk full");
  });
  CHECK(full.message() == "disk full");
  CHECK(after_error == 1);
}

#if !defined(__EMSCRIPTEN__)
namespace {

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A valid model file of `users` × 256 zero factors (one user's factor 5 is 0.5), generated as it is read, with its
// CRC computed on the way: a 32 MiB model without 32 MiB in memory.
class GeneratedModel : public ByteSource {
 public:
  GeneratedModel(std::uint32_t users, std::uint32_t marked) {
    AlsModel skeleton;  // user rows absent: write_model writes them as zeros
    skeleton.options.factors = 256;
    for (std::uint32_t u = 0; u < users; ++u) skeleton.user_ids.push_back(std::to_string(u));
    skeleton.item_ids = {"a", "b"};
    skeleton.item_factors = Factors(2, 256);
    std::size_t head = 12 + 88;
    for (const auto& id : skeleton.user_ids) head += 4 + id.size();
    head += 4 + 4 + 2;
    write_model(skeleton, [&](const std::uint8_t* data, std::size_t n) {
      const std::size_t keep = std::min(n, head - std::min(head, prefix_.size()));
      prefix_.insert(prefix_.end(), data, data + keep);
      size_ += n;
      return Status::ok();
    });
    marked_at_ = head + (static_cast<std::uint64_t>(marked) * 256 + 5) * 4;
  }
  std::uint64_t size() const override { return size_; }
  Status read(std::uint8_t* out, std::size_t n, std::size_t& got) override {
    // Serves at most up to the CRC, then the CRC alone, so each piece is checksummed in one call.
    const std::uint64_t body = size_ - 4;
    got = static_cast<std::size_t>(std::min<std::uint64_t>(n, at_ < body ? body - at_ : size_ - at_));
    if (at_ >= body) {
      for (std::size_t k = 0; k < got; ++k) out[k] = static_cast<std::uint8_t>(crc_ >> (8 * (at_ + k - body)));
      at_ += got;
      return Status::ok();
    }
    std::memset(out, 0, got);
    for (std::uint64_t k = at_; k < std::min<std::uint64_t>(at_ + got, prefix_.size()); ++k)
      out[k - at_] = prefix_[static_cast<std::size_t>(k)];
    if (marked_at_ >= at_ && marked_at_ + 4 <= at_ + got) {
      const float half = 0.5f;
      std::memcpy(out + (marked_at_ - at_), &half, 4);
    }
    crc_ = crc32(out, got, crc_);
    at_ += got;
    return Status::ok();
  }

 private:
  std::vector<std::uint8_t> prefix_;
  std::uint64_t size_ = 0, at_ = 0, marked_at_ = 0;
  std::uint32_t crc_ = 0;
};

}  // namespace

// Memory, not time: reading one user of a 32 MiB model, and writing a 32 MiB model, each raise the process's
// peak RSS by a few MiB, not by the model's size. (ctest runs each case in its own process; in a process whose
// peak is already higher, the growth reads as 0.)
TEST_CASE("one user of a 32 MiB model is read, and a model written, in memory bounded by a chunk",
          "[model_io][memory]") {
  GeneratedModel file(32768, 77);
  REQUIRE(file.size() > (std::uint64_t{32} << 20));
  ModelSelection one;
  one.users = ModelSelection::Users::kOne;
  one.user = "77";
  long before = peak_rss_kib();
  auto r = read_model(file, kName, one);
  CHECK(peak_rss_kib() - before < 8 * 1024);  // every user's factors would take 32 MiB more
  REQUIRE(r.is_ok());
  CHECK(r->user_factors.rows == 1);
  CHECK(r->user_factors.row(0)[5] == 0.5f);

  AlsModel big;
  big.options.factors = 256;
  big.user_ids.assign(32768, "u");
  big.item_ids = {"a", "b"};
  big.user_factors = Factors(32768, 256);
  big.item_factors = Factors(2, 256);
  std::uint64_t sunk = 0;
  before = peak_rss_kib();
  REQUIRE(write_model(big, [&](const std::uint8_t*, std::size_t size) {
            sunk += size;
            return Status::ok();
          }).is_ok());
  CHECK(peak_rss_kib() - before < 8 * 1024);  // a serialized copy would be 32 MiB
  CHECK(sunk > (std::uint64_t{32} << 20));
}
#endif
