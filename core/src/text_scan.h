// Small, allocation-free text helpers for the readers: trimming, UTF-8 validation, Latin-1 -> UTF-8,
// number parsing and a fast byte hash. Header-only so the hot loop inlines them.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

// Full std::from_chars for double (GCC >= 11). Emscripten 3.1.6's libc++ only has the integer overloads:
// there we fall back to strtod on a NUL-terminated copy (the C locale is the only one in wasm).
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
#define ALSREC_HAVE_FLOAT_FROM_CHARS 1
#else
#define ALSREC_HAVE_FLOAT_FROM_CHARS 0
#endif

#include "random.h"

namespace alsrec {
namespace text {

inline bool is_blank_char(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (is_blank_char(s[b]) || s[b] == '\f' || s[b] == '\v')) ++b;
  while (e > b && (is_blank_char(s[e - 1]) || s[e - 1] == '\f' || s[e - 1] == '\v')) --e;
  return s.substr(b, e - b);
}

inline bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Length of the valid UTF-8 prefix of s. With allow_truncated_tail, a multi-byte sequence cut off by the end of
// s counts as valid (the sniff window may end inside a character).
inline std::size_t utf8_valid_prefix(std::string_view s, bool allow_truncated_tail) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) { ++i; continue; }
    std::size_t len;
    unsigned min_cp;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min_cp = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min_cp = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min_cp = 0x10000; }
    else return i;
    if (i + len > n) {
      // Every present continuation byte must still be valid for the tail to count as "just truncated".
      for (std::size_t k = i + 1; k < n; ++k)
        if ((p[k] & 0xC0) != 0x80) return i;
      return allow_truncated_tail ? n : i;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;  // overlong / out of range
    i += len;
  }
  return n;
}

inline bool is_valid_utf8(std::string_view s) { return utf8_valid_prefix(s, false) == s.size(); }

// Latin-1 (ISO-8859-1) bytes -> UTF-8: every byte >= 0x80 is the code point of the same value.
inline void append_latin1_as_utf8(std::string_view s, std::string& out) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

// 64-bit hash of a short byte string: 8 bytes at a time, multiply-xorshift mixing (wyhash-like quality is
// not needed; ids are short and the table stores the full hash).
using rnd::mix64;  // the splitmix64 finaliser (random.h)

inline std::uint64_t hash_bytes(const char* p, std::size_t n) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x100000001b3ULL * 0x9E3779B1ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);  // n < 8; memcpy of 0 bytes is fine
  h ^= w;
  return mix64(h);
}

// --- numbers ---------------------------------------------------------------------------------------------

// Exact powers of ten representable in a double (10^0 .. 10^22).
inline double exact_pow10(int k) {
  static const double kPow[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return kPow[k];
}

// Fast path for plain decimals ("4", "3.5", "-0.25"): at most 15 significant digits, so the integer mantissa m
// is exact and m / 10^k is one correctly rounded division (Clinger's fast path) - the same answer strtod gives.
// Returns false when s is not of that simple shape; the caller then uses the general parser.
inline bool parse_simple_decimal(std::string_view s, double& out) {
  std::size_t i = 0, n = s.size();
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; ++i; }
  std::uint64_t m = 0;
  int digits = 0, frac = 0;
  bool any = false;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    m = m * 10 + static_cast<unsigned>(s[i] - '0');
    if (m != 0) ++digits;
    any = true;
    ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      m = m * 10 + static_cast<unsigned>(s[i] - '0');
      if (m != 0) ++digits;
      ++frac;
      any = true;
      ++i;
    }
  }
  if (!any || i != n || digits > 15 || frac > 22) return false;
  double v = static_cast<double>(m);
  if (frac) v /= exact_pow10(frac);
  out = neg ? -v : v;
  return true;
}

// General floating-point parse of the whole of s (accepts exponents, "nan", "inf"). False if s is not a number.
inline bool parse_double(std::string_view s, double& out) {
  if (parse_simple_decimal(s, out)) return true;
  if (s.empty()) return false;
  if (s[0] == '+') s.remove_prefix(1);  // from_chars does not take '+'
  if (s.empty() || s[0] == '+') return false;
#if ALSREC_HAVE_FLOAT_FROM_CHARS
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {  // e.g. 1e999: report as infinite, the caller rejects it
    out = (s[0] == '-') ? -HUGE_VAL : HUGE_VAL;
    return r.ptr == s.data() + s.size();
  }
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
#else
  // strtod needs a NUL-terminated string and would accept leading spaces and hex floats: reject those first.
  if (s.size() >= 64) return false;
  if (is_blank_char(s[0])) return false;
  for (char c : s)
    if (c == 'x' || c == 'X') return false;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  out = std::strtod(buf, &end);
  return end == buf + s.size();
#endif
}

inline bool parse_int64(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Lower-case ASCII with '_', '-', '.', and spaces removed: "User_ID" -> "userid", "Book-Rating" -> "bookrating".
inline std::string normalize_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '_' || c == '-' || c == ' ' || c == '.' || c == '\t') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

inline bool looks_numeric(std::string_view s) {
  double v;
  return parse_double(trim(s), v);
}

}  // namespace text
}  // namespace alsrec
