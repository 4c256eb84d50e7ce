// Id interning: string id -> dense index in order of first appearance. An open-addressing table (linear
// probing, load <= 1/2) over the id vector itself, looked up by string_view, so a known id costs one hash and
// one compare and never allocates. Each slot keeps the id's first 8 bytes and its length, so ids of up to 8
// bytes are matched inside the table without touching the id strings. Two caches sit in front of it: the
// last id (runs of the same user), and a direct-mapped array for canonical small integers ("0", "42", not
// "042"), the usual MovieLens ids, whose 4-byte entries stay in cache where the table would not.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "text_scan.h"

namespace alsrec {

class IdInterner {
 public:
  explicit IdInterner(std::vector<std::string>& ids) : ids_(ids) { rehash(1024); }

  // Index of id, adding it if new. Callers keep the count below 2^32 - 1.
  std::uint32_t intern(std::string_view id) {
    if (last_index_ != kNone && id.size() == last_.size() && std::memcmp(id.data(), last_.data(), id.size()) == 0)
      return last_index_;
    const std::uint32_t number = small_integer(id);
    std::uint32_t index;
    if (number < direct_.size() && direct_[number] != kNone) {
      index = direct_[number];
    } else {
      index = lookup_or_add(id);
      if (number != kNone) remember_direct(number, index);
    }
    last_.assign(id.data(), id.size());
    last_index_ = index;
    return index;
  }

  std::size_t size() const { return ids_.size(); }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  struct Slot {
    std::uint64_t prefix = 0;          // first 8 bytes of the id, zero padded
    std::uint32_t tag = 0;             // high hash bits << 8 | min(length, 255)
    std::uint32_t index_plus_one = 0;  // 0 = empty
  };

  // Value of a canonical decimal of at most 7 digits, else kNone.
  static std::uint32_t small_integer(std::string_view id) {
    const std::size_t n = id.size();
    if (n == 0 || n > 7 || (id[0] == '0' && n > 1)) return kNone;
    std::uint32_t v = 0;
    for (char c : id) {
      if (c < '0' || c > '9') return kNone;
      v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return v;
  }

  // Grows the direct array only while it stays dense enough (<= 16 slots per id + 64Ki), so a file of
  // sparse large numbers does not allocate megabytes of empty entries.
  void remember_direct(std::uint32_t number, std::uint32_t index) {
    if (number >= direct_.size()) {
      const std::size_t limit = 16 * ids_.size() + 65536;
      if (number >= limit) return;
      std::size_t grown = direct_.size() < 1024 ? 1024 : direct_.size();
      while (grown <= number) grown *= 2;
      direct_.resize(grown < limit ? grown : limit, kNone);
    }
    direct_[number] = index;
  }

  static std::uint64_t prefix_of(std::string_view id) {
    std::uint64_t p = 0;
    std::memcpy(&p, id.data(), id.size() < 8 ? id.size() : 8);
    return p;
  }
  static std::uint32_t tag_of(std::uint64_t h, std::size_t len) {
    return static_cast<std::uint32_t>((h >> 40) << 8) | static_cast<std::uint32_t>(len < 255 ? len : 255);
  }

  std::uint32_t lookup_or_add(std::string_view id) {
    const std::uint64_t h = text::hash_bytes(id.data(), id.size());
    const std::uint32_t tag = tag_of(h, id.size());
    const std::uint64_t prefix = prefix_of(id);
    std::size_t pos = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      const Slot& s = slots_[pos];
      if (s.index_plus_one == 0) break;
      if (s.tag == tag && s.prefix == prefix) {
        if (id.size() <= 8) return s.index_plus_one - 1;  // length (in the tag) and all bytes matched
        const std::string& known = ids_[s.index_plus_one - 1];
        if (known.size() == id.size() && std::memcmp(known.data(), id.data(), id.size()) == 0)
          return s.index_plus_one - 1;
      }
      pos = (pos + 1) & mask_;
    }
    const auto index = static_cast<std::uint32_t>(ids_.size());
    ids_.emplace_back(id);
    slots_[pos] = Slot{prefix, tag, index + 1};
    if (ids_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return index;
  }

  void rehash(std::size_t capacity) {
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      const std::string_view id = ids_[i];
      const std::uint64_t h = text::hash_bytes(id.data(), id.size());
      std::size_t pos = static_cast<std::size_t>(h) & mask_;
      while (slots_[pos].index_plus_one != 0) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{prefix_of(id), tag_of(h, id.size()), static_cast<std::uint32_t>(i + 1)};
    }
  }

  std::vector<std::string>& ids_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<std::uint32_t> direct_;  // small integer id -> index, kNone if unknown
  std::string last_;
  std::uint32_t last_index_ = kNone;
};

}  // namespace alsrec
