// Id → dense index (id_index.h).
#include "alsrec/id_index.h"

namespace alsrec {

IdIndex::IdIndex(const std::vector<std::string>& ids) {
  map_.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) map_.emplace(ids[i], static_cast<std::uint32_t>(i));
}

int IdIndex::find(const std::string& id) const {
  const auto it = map_.find(id);
  return it == map_.end() ? -1 : static_cast<int>(it->second);
}

}  // namespace alsrec
