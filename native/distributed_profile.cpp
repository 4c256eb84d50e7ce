// The data profile of a distributed run, the same on every rank: the shape from the global counts, the value kind
// from an evenly spaced sample of every rank's home values gathered to all (profile_values of the same sample
// gives every rank the same kind), so resolve_options decides as one process would on most data.
#include "distributed.h"

namespace alsrec::cli::distributed {

DataProfile global_profile(Comm& comm, const ShardedDataset& data) {
  constexpr std::size_t kSamplePerRank = 1 << 16;
  const std::vector<float>& mine = data.home.values;
  std::vector<float> sample;
  const std::size_t take = std::min(mine.size(), kSamplePerRank);
  for (std::size_t j = 0; j < take; ++j) sample.push_back(mine[j * mine.size() / take]);
  Bytes out;
  put_vector(out, sample);
  std::vector<float> all;
  for (const Bytes& part : comm.allgather(out)) {
    Reader in(part);
    const std::vector<float> values = in.get_vector<float>();
    all.insert(all.end(), values.begin(), values.end());
  }
  DataProfile p;
  p.users = data.home.num_users();
  p.items = data.home.num_items();
  p.interactions = data.interactions;
  p.has_timestamps = data.home.has_timestamps;
  const double cells = static_cast<double>(p.users) * static_cast<double>(p.items);
  p.density = cells > 0 ? static_cast<double>(p.interactions) / cells : 0.0;
  p.mean_per_user = p.users ? static_cast<double>(p.interactions) / static_cast<double>(p.users) : 0.0;
  p.mean_per_item = p.items ? static_cast<double>(p.interactions) / static_cast<double>(p.items) : 0.0;
  p.values = profile_values(all, data.home.has_ratings);
  return p;
}

}  // namespace alsrec::cli::distributed
