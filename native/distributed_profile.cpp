// The data profile of a distributed run, the same on every rank: the shape from the global counts of the train
// part, the mean value summed across ranks, the value kind from an evenly spaced sample of every rank's train values
// gathered to all (profile_values of the same sample gives every rank the same kind). resolve_options then decides
// as one process does whenever the sample holds every value (up to 65,536 per rank), and in practice beyond.
#include <algorithm>

#include "distributed.h"

namespace alsrec::cli::distributed {

DataProfile global_profile(Comm& comm, const Dataset& home, const std::vector<std::uint32_t>& train,
                           const std::vector<std::uint32_t>& user_sizes, const std::vector<std::uint32_t>& item_sizes) {
  constexpr std::size_t kSamplePerRank = 1 << 16;
  std::vector<float> sample;
  const std::size_t take = std::min(train.size(), kSamplePerRank);
  for (std::size_t j = 0; j < take; ++j) sample.push_back(home.values[train[j * train.size() / take]]);
  Bytes out;
  put_vector(out, sample);
  std::vector<float> all;
  for (const Bytes& part : comm.allgather(out)) {
    Reader in(part);
    const std::vector<float> values = in.get_vector<float>();
    all.insert(all.end(), values.begin(), values.end());
  }
  // The mean exactly (summed across ranks), the rest of the value profile from the sample.
  double sums[2] = {0, 0};
  for (std::uint32_t i : train) sums[0] += static_cast<double>(home.values[i]);
  sums[1] = static_cast<double>(train.size());
  comm.sum(sums, 2);

  DataProfile p;
  const auto active = [](const std::vector<std::uint32_t>& c) {
    return static_cast<std::uint64_t>(std::count_if(c.begin(), c.end(), [](std::uint32_t x) { return x > 0; }));
  };
  p.users = home.num_users();
  p.items = home.num_items();
  p.interactions = static_cast<std::uint64_t>(sums[1]);
  p.has_timestamps = home.has_timestamps;
  const std::uint64_t users = active(user_sizes), items = active(item_sizes);
  const double cells = static_cast<double>(users) * static_cast<double>(items);
  p.density = cells > 0 ? static_cast<double>(p.interactions) / cells : 0.0;
  p.mean_per_user = users ? static_cast<double>(p.interactions) / static_cast<double>(users) : 0.0;
  p.mean_per_item = items ? static_cast<double>(p.interactions) / static_cast<double>(items) : 0.0;
  p.values = profile_values(all, home.has_ratings);
  if (sums[1] > 0 && p.values.kind != ValueKind::kNone) p.values.mean = sums[0] / sums[1];
  return p;
}

}  // namespace alsrec::cli::distributed
