// The model file: bit-exact round trip, CRC-32, and refusal of damaged files with the message that says why.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

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
    CHECK(load_error(bad) == "model.alsr: model format version 7 is newer than this alsrec supports (1)");
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
  std::vector<std::uint8_t> longer(bytes.begin(), bytes.begin() + 12 + header_bytes);
  for (int k = 0; k < 8; ++k) longer.push_back(static_cast<std::uint8_t>(0xA0 + k));  // a future field
  longer.insert(longer.end(), bytes.begin() + 12 + header_bytes, bytes.end());
  put_u32(longer, 8, header_bytes + 8);
  reseal(longer);
  auto r = deserialize_model(longer.data(), longer.size(), kName);
  REQUIRE(r.is_ok());
  CHECK(r->user_ids == m.user_ids);
  CHECK(same_bits(r->item_factors.data, m.item_factors.data));
  CHECK(r->options.init_scale == m.options.init_scale);
}
