// Id interning: string id -> dense index in order of first appearance. An open-addressing table of
// (hash, index) pairs over the id vector itself, looked up by string_view, so a known id costs one hash and
// one compare and never allocates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text_scan.h"

namespace alsrec {

class IdInterner {
 public:
  explicit IdInterner(std::vector<std::string>& ids) : ids_(ids) { rehash(1024); }

  // Index of id, adding it if new. The table holds at most 2^32 - 1 ids; callers check size() before.
  std::uint32_t intern(std::string_view id) {
    const std::uint64_t h = text::hash_bytes(id.data(), id.size());
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t pos = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      Slot& s = slots_[pos];
      if (s.index_plus_one == 0) break;
      if (s.tag == tag) {
        const std::string& known = ids_[s.index_plus_one - 1];
        if (known.size() == id.size() && std::char_traits<char>::compare(known.data(), id.data(), id.size()) == 0)
          return s.index_plus_one - 1;
      }
      pos = (pos + 1) & mask_;
    }
    const auto index = static_cast<std::uint32_t>(ids_.size());
    ids_.emplace_back(id);
    slots_[pos] = Slot{tag, index + 1};
    if (ids_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);  // load factor <= 1/2
    return index;
  }

  std::size_t size() const { return ids_.size(); }

 private:
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t index_plus_one = 0;  // 0 = empty
  };

  void rehash(std::size_t capacity) {
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      const std::uint64_t h = text::hash_bytes(ids_[i].data(), ids_[i].size());
      std::size_t pos = static_cast<std::size_t>(h) & mask_;
      while (slots_[pos].index_plus_one != 0) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(i + 1)};
    }
  }

  std::vector<std::string>& ids_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace alsrec
