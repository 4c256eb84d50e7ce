// The model file, shared by the CLI and the browser. Little-endian throughout:
//
//   "ALSR" | u32 version | u32 header_bytes | header (counts, hyperparameters, dataset fingerprint, flags) |
//   user id table | item id table | user factors | item factors (float32, row-major) |
//   seen matrix (the training interactions; may be empty) | u32 crc32 (IEEE, as zlib) over every byte before it
//
// The byte-exact layout is documented at the top of core/src/model_io.cpp. Readers skip header bytes they do not
// know, so a newer writer can extend the header without a version bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/status.h"

namespace alsrec {

constexpr std::uint32_t kModelFormatVersion = 1;

std::vector<std::uint8_t> serialize_model(const AlsModel& model);
// Refuses a wrong magic, a newer version, a short file, inconsistent sizes or a bad checksum, saying which.
Result<AlsModel> deserialize_model(const std::uint8_t* data, std::size_t size, const std::string& source_name);

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace alsrec
