// Fuzz target: the model loader. The last 4 bytes are replaced by the CRC of the rest, so mutations get past the
// checksum and reach the structure. A file that loads must load the same way for one user and for the item side,
// hold only finite factors, and write back to bytes that load to the same model.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "alsrec/model_io.h"
#include "fuzz_check.h"

using namespace alsrec;

namespace {

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

Result<AlsModel> read(const std::vector<std::uint8_t>& bytes, const ModelSelection& keep = {}) {
  MemorySource source(bytes.data(), bytes.size());
  return read_model(source, "fuzz.alsr", keep);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  if (bytes.size() >= 8) {
    const std::uint32_t crc = crc32(bytes.data(), bytes.size() - 4);
    for (int k = 0; k < 4; ++k) bytes[bytes.size() - 4 + k] = static_cast<std::uint8_t>(crc >> (8 * k));
  }
  const Result<AlsModel> full = read(bytes);
  if (!full.is_ok()) {
    FUZZ_CHECK(!full.status().message().empty());
    FUZZ_CHECK(full.status().code() == StatusCode::kBadInput);
    return 0;
  }
  const AlsModel& m = *full;
  FUZZ_CHECK(m.user_factors.rows == m.user_ids.size() && m.item_factors.rows == m.item_ids.size());
  for (const Factors* f : {&m.user_factors, &m.item_factors})
    for (float v : f->data) FUZZ_CHECK(std::isfinite(v));
  if (m.seen.rows > 0) {
    FUZZ_CHECK(m.seen.rows == m.user_ids.size() && m.seen.cols == m.item_ids.size());
    for (std::uint32_t i : m.seen.indices) FUZZ_CHECK(i < m.seen.cols);
  }

  if (!m.user_ids.empty()) {  // the last user alone: the same row as the full read
    ModelSelection one;
    one.users = ModelSelection::Users::kOne;
    one.user = m.user_ids.back();
    const Result<AlsModel> u = read(bytes, one);
    FUZZ_CHECK(u.is_ok() && u->user_ids.size() == 1 && u->user_factors.rows == 1);
    const int row = m.find_user(one.user);
    FUZZ_CHECK(row >= 0);
    const std::vector<float> expected(m.user_factors.row(static_cast<std::uint32_t>(row)),
                                      m.user_factors.row(static_cast<std::uint32_t>(row)) + m.user_factors.cols);
    FUZZ_CHECK(same_floats(u->user_factors.data, expected));
    FUZZ_CHECK(same_floats(u->item_factors.data, m.item_factors.data));
    if (m.seen.rows > 0) FUZZ_CHECK(u->seen.nnz() == m.seen.row_size(static_cast<std::uint32_t>(row)));
  }
  ModelSelection items;
  items.users = ModelSelection::Users::kNone;
  const Result<AlsModel> i = read(bytes, items);
  FUZZ_CHECK(i.is_ok() && i->user_ids.empty() && same_floats(i->item_factors.data, m.item_factors.data));

  // What loads writes back to a file that loads to the same model.
  const std::vector<std::uint8_t> again = serialize_model(m);
  const Result<AlsModel> back = read(again);
  FUZZ_CHECK(back.is_ok());
  FUZZ_CHECK(back->user_ids == m.user_ids && back->item_ids == m.item_ids);
  FUZZ_CHECK(same_floats(back->user_factors.data, m.user_factors.data));
  FUZZ_CHECK(same_floats(back->item_factors.data, m.item_factors.data));
  FUZZ_CHECK(back->seen.indices == m.seen.indices && same_floats(back->seen.data, m.seen.data));
  FUZZ_CHECK(serialize_model(*back) == again);
  return 0;
}
