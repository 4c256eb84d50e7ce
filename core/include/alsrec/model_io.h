// The model file, shared by the CLI and the browser. Little-endian throughout:
//
//   "ALSR" | u32 version | u32 header_bytes | header | user id table | item id table | user factors | item factors | u32 crc32
//
// header: u32 users, u32 items, u32 factors, u32 confidence, u32 values, u32 solver, u32 cg_steps, u32 iterations,
//         u32 iterations_done, f32 regularization, f32 alpha, f32 epsilon, f32 unobserved_weight, f32 reg_exponent,
//         u64 seed, u64 dataset_fingerprint, f64 final_loss  (readers skip header bytes they do not know)
// id table: for each id, u32 byte length + UTF-8 bytes.  factors: float32 row-major.
// crc32 (IEEE, as zlib) over every byte before it.
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
