// Writing CSV (RFC 4180) in chunks through a sink. Every CSV the tool writes (generated ratings and items, everyone's
// recommendations) goes through CsvWriter, so an id or title holding a comma, a quote or a line break is quoted
// (inner quotes doubled) and reads back as the same string; rows end with LF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace alsrec {

// Receives the text in chunks of about 64 KiB (so 25M rows never form one string).
using TextSink = std::function<void(const char* data, std::size_t size)>;

class CsvWriter {
 public:
  explicit CsvWriter(TextSink sink);
  ~CsvWriter();  // flushes
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // A field, quoted when it holds ',', '"', CR or LF (and then with its quotes doubled).
  void field(std::string_view s);
  void integer(long long v);
  void integer(unsigned long long v);
  // Whole numbers as integers ("4"), others in the shortest form that reads back as the same float ("3.5").
  void number(float v);
  // printf "%.<digits>g" (scores: "%.6g").
  void number(double v, int digits);
  void comma() { put(','); }
  void end_row() { put('\n'); }
  void raw(std::string_view s);  // unquoted text, e.g. a header line
  void flush();

 private:
  void put(char c);
  TextSink sink_;
  std::string buffer_;
};

// The field as CsvWriter writes it (for tests and one-off lines).
std::string csv_field(std::string_view s);

}  // namespace alsrec
