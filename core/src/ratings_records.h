// Record splitter shared by the ratings and items readers: one call cuts one record (a logical line, which
// may span physical lines inside RFC 4180 quotes) into fields, in place, without allocating.
//
// Rules: LF, CRLF and lone CR end a record; a field that starts with '"' (after optional blanks) is quoted,
// runs to the matching '"', and may contain delimiters, line ends and doubled quotes ("" -> "). A quote
// anywhere else is an ordinary character. Unquoted fields are trimmed of blanks (spaces, and tabs when the
// delimiter is not a tab).
// That is RFC 4180 for comma and semicolon files. Tab, bar, double-colon and whitespace files (MovieLens .dat,
// u.item, Last.fm's .dat) are not written with CSV quoting and hold names such as `"Weird Al" Yankovic`: there a
// quoted field must close on its own line right before a delimiter or line end, else the field is plain text,
// quotes and all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text_scan.h"

namespace alsrec {

enum class DelimKind { kChar, kDoubleColon, kWhitespace };

struct Delimiter {
  DelimKind kind = DelimKind::kChar;
  char ch = ',';
  // Whether quotes follow RFC 4180 strictly (comma, semicolon): see the rules above.
  bool csv_quoting() const { return kind == DelimKind::kChar && (ch == ',' || ch == ';'); }
};

struct Field {
  const char* ptr = nullptr;
  std::uint32_t len = 0;
  bool quoted = false;
  bool has_doubled_quotes = false;  // needs unescaping ("" -> ")
  std::string_view view() const { return {ptr, len}; }
};

enum class RecordStatus {
  kRecord,      // a complete record; *next points past its line end
  kIncomplete,  // the data ends inside the record and more may come: keep the bytes and retry later
};

struct RecordInfo {
  std::uint32_t extra_lines = 0;   // physical line ends inside quoted fields
  bool malformed_quote = false;    // text after a closing quote, or a quote never closed at end of input
  bool ended_with_cr = false;      // the record ended with a lone CR at the end of the data (LF may follow)
};

// Unescape a quoted field's doubled quotes into out (cleared first).
inline void unescape_field(const Field& f, std::string& out) {
  out.clear();
  for (std::uint32_t i = 0; i < f.len; ++i) {
    out.push_back(f.ptr[i]);
    if (f.ptr[i] == '"' && i + 1 < f.len && f.ptr[i + 1] == '"') ++i;
  }
}

class RecordSplitter {
 public:
  explicit RecordSplitter(Delimiter d = {}) : delim_(d) {}
  const Delimiter& delimiter() const { return delim_; }

  // Splits the record starting at p (p < end). At eof, the end of the data also ends the record.
  RecordStatus split(const char* p, const char* end, bool eof, std::vector<Field>& fields, const char** next,
                     RecordInfo& info) const {
    fields.clear();
    info = RecordInfo{};
    switch (delim_.kind) {
      case DelimKind::kChar: return split_impl<DelimKind::kChar>(p, end, eof, fields, next, info);
      case DelimKind::kDoubleColon: return split_impl<DelimKind::kDoubleColon>(p, end, eof, fields, next, info);
      case DelimKind::kWhitespace: return split_impl<DelimKind::kWhitespace>(p, end, eof, fields, next, info);
    }
    return RecordStatus::kIncomplete;
  }

  // A record with no content: no fields, or one empty unquoted field.
  static bool is_blank(const std::vector<Field>& fields) {
    return fields.empty() || (fields.size() == 1 && fields[0].len == 0 && !fields[0].quoted);
  }

 private:
  bool is_trim_char(char c) const {
    return c == ' ' || (c == '\t' && !(delim_.kind == DelimKind::kChar && delim_.ch == '\t'));
  }

  // Consumes the line end at q (q < end, *q is '\n' or '\r'); returns the position after it.
  static const char* consume_line_end(const char* q, const char* end, RecordInfo& info) {
    if (*q == '\r') {
      if (q + 1 < end) return q[1] == '\n' ? q + 2 : q + 1;
      info.ended_with_cr = true;  // cannot see whether an LF follows: the caller skips a leading LF next time
      return q + 1;
    }
    return q + 1;
  }

  template <DelimKind K>
  RecordStatus split_impl(const char* p, const char* end, bool eof, std::vector<Field>& fields, const char** next,
                          RecordInfo& info) const {
    const char dc = delim_.ch;
    const bool csv = delim_.csv_quoting();
    const char* q = p;
    for (;;) {
      // Leading blanks of a field (for whitespace-delimited data this also skips the separator run).
      while (q < end && is_trim_char(*q)) ++q;
      if (K == DelimKind::kWhitespace) {
        if (q == end) {
          if (!eof) return RecordStatus::kIncomplete;
          *next = q;
          return RecordStatus::kRecord;
        }
        if (*q == '\n' || *q == '\r') {
          *next = consume_line_end(q, end, info);
          return RecordStatus::kRecord;
        }
      }
      Field f;
      const char* const field_start = q;
      const std::uint32_t lines_before = info.extra_lines;
      bool literal = false;  // a quote that does not quote the field (non-CSV dialects): read it as plain text
      if (q < end && *q == '"') {
        // Quoted field: scan to the closing quote, counting line ends inside it.
        const char* s = ++q;
        bool closed = false;
        while (q < end) {
          char c = *q;
          if (c == '"') {
            if (q + 1 < end && q[1] == '"') { f.has_doubled_quotes = true; q += 2; continue; }
            if (q + 1 == end && !eof) return RecordStatus::kIncomplete;  // could be the first half of ""
            closed = true;
            break;
          }
          if (!csv && (c == '\n' || c == '\r')) break;  // not closed on its line: plain text
          if (c == '\n') ++info.extra_lines;
          else if (c == '\r' && !(q + 1 < end && q[1] == '\n')) {
            if (q + 1 == end && !eof) return RecordStatus::kIncomplete;  // CR or CRLF? decide with more data
            ++info.extra_lines;
          }
          ++q;
        }
        if (!closed && !csv && (q < end || eof)) {
          literal = true;
        } else if (!closed) {
          if (!eof) return RecordStatus::kIncomplete;
          info.malformed_quote = true;  // unterminated at end of input: take the rest as the field
          f.ptr = s;
          f.len = static_cast<std::uint32_t>(q - s);
          f.quoted = true;
          fields.push_back(f);
          *next = q;
          return RecordStatus::kRecord;
        }
        if (!literal) {
          f.ptr = s;
          f.len = static_cast<std::uint32_t>(q - s);
          f.quoted = true;
          const char* after = ++q;  // past the closing quote
          while (q < end && is_trim_char(*q)) ++q;
          const bool field_ends = q == end || at_boundary<K>(q, end, dc) || (K == DelimKind::kWhitespace && q != after);
          if (!field_ends && !csv) {
            literal = true;  // `"Weird Al" Yankovic`: text after the closing quote
          } else if (!field_ends) {
            // Anything but a delimiter or line end after the closing quote is malformed; skip to the next boundary.
            while (q < end && !at_boundary<K>(q, end, dc)) {
              info.malformed_quote = true;
              ++q;
            }
          }
        }
        if (literal) {
          f = Field{};
          info.extra_lines = lines_before;
          q = field_start;
        }
      }
      if (!f.quoted) {
        const char* s = q;
        while (q < end && !at_boundary<K>(q, end, dc)) {
          if (K == DelimKind::kWhitespace && (*q == ' ' || *q == '\t')) break;
          ++q;
        }
        const char* e = q;
        while (e > s && is_trim_char(e[-1])) --e;
        f.ptr = s;
        f.len = static_cast<std::uint32_t>(e - s);
      }
      fields.push_back(f);
      if (q == end) {
        if (!eof) return RecordStatus::kIncomplete;
        *next = q;
        return RecordStatus::kRecord;
      }
      char c = *q;
      if (c == '\n' || c == '\r') {
        *next = consume_line_end(q, end, info);
        return RecordStatus::kRecord;
      }
      // At a delimiter.
      if (K == DelimKind::kChar) ++q;
      else if (K == DelimKind::kDoubleColon) q += 2;
      // kWhitespace: the blank run is skipped at the top of the loop.
    }
  }

  template <DelimKind K>
  static bool at_boundary(const char* q, const char* end, char dc) {
    char c = *q;
    if (c == '\n' || c == '\r') return true;
    if (K == DelimKind::kChar) return c == dc;
    if (K == DelimKind::kDoubleColon) return c == ':' && q + 1 < end && q[1] == ':';
    return false;
  }

  Delimiter delim_;
};

}  // namespace alsrec
