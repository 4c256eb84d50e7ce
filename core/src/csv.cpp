// CSV writing (alsrec/csv.h).
#include "alsrec/csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace alsrec {
namespace {
constexpr std::size_t kChunkBytes = 64 * 1024;

bool needs_quotes(std::string_view s) { return s.find_first_of(",\"\r\n") != std::string_view::npos; }

void append_field(std::string& out, std::string_view s) {
  if (!needs_quotes(s)) {
    out.append(s.data(), s.size());
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}
}  // namespace

CsvWriter::CsvWriter(TextSink sink) : sink_(std::move(sink)) { buffer_.reserve(kChunkBytes + 1024); }
CsvWriter::~CsvWriter() { flush(); }

void CsvWriter::put(char c) {
  buffer_.push_back(c);
  if (buffer_.size() >= kChunkBytes) flush();
}

void CsvWriter::raw(std::string_view s) {
  buffer_.append(s.data(), s.size());
  if (buffer_.size() >= kChunkBytes) flush();
}

void CsvWriter::field(std::string_view s) {
  append_field(buffer_, s);
  if (buffer_.size() >= kChunkBytes) flush();
}

void CsvWriter::integer(long long v) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, v);
  raw(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
}

void CsvWriter::integer(unsigned long long v) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, v);
  raw(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
}

void CsvWriter::number(float v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e9f) return integer(static_cast<long long>(v));
  char text[48];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, static_cast<double>(v));
    if (static_cast<float>(std::strtod(text, nullptr)) == v) break;
  }
  raw(text);
}

void CsvWriter::number(double v, int digits) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  raw(text);
}

void CsvWriter::flush() {
  if (!buffer_.empty() && sink_) sink_(buffer_.data(), buffer_.size());
  buffer_.clear();
}

std::string csv_field(std::string_view s) {
  std::string out;
  append_field(out, s);
  return out;
}

}  // namespace alsrec
