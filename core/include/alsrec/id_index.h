// Ids to dense indices for many lookups: a hash map built once from an id list. The bindings look ids up one at a
// time from JS (recommend, similar, fold-in) and seen_matrix matches a whole data set's ids to a model's; a single
// lookup (AlsModel::find_user, the CLI's recommend) needs no index and scans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace alsrec {

class IdIndex {
 public:
  IdIndex() = default;
  explicit IdIndex(const std::vector<std::string>& ids);  // a repeated id keeps its first index
  int find(const std::string& id) const;                  // -1 if absent
  std::size_t size() const { return map_.size(); }

 private:
  std::unordered_map<std::string, std::uint32_t> map_;
};

}  // namespace alsrec
