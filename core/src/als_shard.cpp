// The building blocks of als_shard.h: a trainer holding some rows, partial sums, and solving a range of rows.
#include "trainer_impl.h"  // first: includes Eigen (see solver_eigen.h)

#include <algorithm>
#include <string>
#include <tuple>

namespace alsrec {
namespace shard {

using detail::TrainerAccess;
using Impl = TrainerAccess::Impl;

namespace {

// A shard's matrices against the global row sizes: the shapes agree, both sides count the same nonzeros in all,
// and every row held (nonempty) is complete.
Status check_shard(const CsrMatrix& user_rows, const CsrMatrix& item_rows, const std::vector<std::uint32_t>& user_sizes,
                   const std::vector<std::uint32_t>& item_sizes) {
  auto bad = [](const std::string& m) { return Status::invalid_argument("shard: " + m); };
  if (user_rows.rows != user_sizes.size() || item_rows.cols != user_sizes.size())
    return bad("the user rows (" + std::to_string(user_rows.rows) + "), the item rows' columns (" +
               std::to_string(item_rows.cols) + ") and the user sizes (" + std::to_string(user_sizes.size()) +
               ") must all count the users");
  if (item_rows.rows != item_sizes.size() || user_rows.cols != item_sizes.size())
    return bad("the item rows (" + std::to_string(item_rows.rows) + "), the user rows' columns (" +
               std::to_string(user_rows.cols) + ") and the item sizes (" + std::to_string(item_sizes.size()) +
               ") must all count the items");
  std::uint64_t user_total = 0, item_total = 0;
  for (std::uint32_t s : user_sizes) user_total += s;
  for (std::uint32_t s : item_sizes) item_total += s;
  if (user_total != item_total)
    return bad("the user sizes add up to " + std::to_string(user_total) + " nonzeros but the item sizes to " +
               std::to_string(item_total));
  for (const auto& [m, sizes, name] : {std::tuple{&user_rows, &user_sizes, "user"},
                                       std::tuple{&item_rows, &item_sizes, "item"}})
    for (std::uint32_t r = 0; r < m->rows; ++r)
      if (m->row_size(r) != 0 && m->row_size(r) != (*sizes)[r])
        return bad(std::string(name) + " " + std::to_string(r) + " is held with " + std::to_string(m->row_size(r)) +
                   " nonzeros but has " + std::to_string((*sizes)[r]) + " in all (a held row must be complete)");
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<AlsTrainer>> create(CsrMatrix user_rows, CsrMatrix item_rows,
                                           const std::vector<std::uint32_t>& user_sizes,
                                           const std::vector<std::uint32_t>& item_sizes, const AlsOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_matrix(user_rows, detail::kUserItems));
  ALSREC_RETURN_IF_ERROR(check_matrix(item_rows, detail::kItemUsers));
  ALSREC_RETURN_IF_ERROR(check_shard(user_rows, item_rows, user_sizes, item_sizes));
  return TrainerAccess::create(std::move(user_rows), TrainerAccess::ShardRows{std::move(item_rows), user_sizes, item_sizes},
                               options);
}

std::vector<std::uint32_t> partition_rows(const AlsTrainer& trainer, Side side, int parts) {
  const Impl& im = TrainerAccess::impl(trainer);
  return partition_rows(im.side_of(side).sizes, im.opt.factors, parts);
}

std::vector<std::uint32_t> partition_rows(const std::vector<std::uint32_t>& row_sizes, int factors, int parts) {
  parts = std::max(parts, 1);
  const Chunks chunks = work_chunks(row_sizes, factors);
  const auto rows = static_cast<std::uint32_t>(row_sizes.size());
  // Cumulative cost at each chunk's end; part p ends at the first chunk boundary reaching p/parts of the total.
  const double row_base = static_cast<double>(factors);
  std::vector<double> cumulative(chunks.size());
  double total = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto [first, last] = chunks[c];
    double nonzeros = 0;
    for (std::uint32_t r = first; r < last; ++r) nonzeros += static_cast<double>(row_sizes[r]);
    total += row_base * (last - first) + nonzeros;
    cumulative[c] = total;
  }
  std::vector<std::uint32_t> bounds{0};
  std::size_t c = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = total * p / parts;
    while (c < chunks.size() && cumulative[c] < target) ++c;
    bounds.push_back(c < chunks.size() ? std::max(bounds.back(), chunks[c].second) : rows);
  }
  bounds.push_back(rows);
  return bounds;
}

Result<double> partial_loss(const AlsTrainer& trainer, std::uint32_t user_begin, std::uint32_t user_end,
                            std::uint32_t item_begin, std::uint32_t item_end, const float* item_gramian) {
  const Impl& im = TrainerAccess::impl(trainer);
  ALSREC_RETURN_IF_ERROR(im.check_range(Side::kUsers, user_begin, user_end));
  ALSREC_RETURN_IF_ERROR(im.check_range(Side::kItems, item_begin, item_end));
  if (im.w0 != 0.0f && item_gramian == nullptr)
    return Status::invalid_argument("partial_loss needs the item Gramian when the unobserved weight is not 0");
  for (std::uint32_t u = user_begin; u < user_end; ++u)
    if (im.users.m.row_size(u) != im.users.sizes[u])
      return Status::invalid_argument("partial_loss: user " + std::to_string(u) + " is not held by this trainer");
  // The w₀ term user by user, in double: unlike loss()'s tr(G_X G_Y) it needs no Gramian of the user range, and
  // the parts of any cover of the users add up to the same total (to double rounding).
  Eigen::MatrixXd wg;
  if (im.w0 != 0.0f) {
    const auto k = static_cast<Eigen::Index>(im.opt.factors);
    wg = Eigen::Map<const Eigen::MatrixXf>(item_gramian, k, k).cast<double>() * static_cast<double>(im.w0);
  }
  const Chunks chunks = clip_chunks(im.users.chunks, user_begin, user_end);
  return im.observed_terms(chunks, true, im.w0 != 0.0f ? &wg : nullptr) + im.item_terms(item_begin, item_end);
}

std::uint64_t partial_nnz(const AlsTrainer& trainer, std::uint32_t user_begin, std::uint32_t user_end) {
  const CsrMatrix& m = TrainerAccess::impl(trainer).users.m;
  user_end = std::min(user_end, m.rows);
  user_begin = std::min(user_begin, user_end);
  return m.indptr[user_end] - m.indptr[user_begin];
}

Status partial_gramian(AlsTrainer& trainer, Side side, std::uint32_t begin, std::uint32_t end, float* out) {
  Impl& im = TrainerAccess::impl(trainer);
  ALSREC_RETURN_IF_ERROR(im.check_range(side, begin, end));
  const auto t0 = Clock::now();
  const Factors& f = im.factors_of(side);
  const auto k = static_cast<Eigen::Index>(f.cols);
  Eigen::Map<Eigen::MatrixXf> result(out, k, k);
  if (begin == end) {
    result.setZero();
  } else {
    Eigen::MatrixXf g;
    detail::gramian_parallel(ConstFactorMap(f.row(begin), end - begin, k), 1.0f, g, im.pool, im.gramian_partials);
    result = g;
  }
  im.timings.gramian += seconds_since(t0);
  return Status::ok();
}

std::uint32_t gramian_blocks(const AlsTrainer& trainer, Side side) {
  const std::uint32_t rows = TrainerAccess::impl(trainer).side_of(side).m.rows;
  return (rows + kGramianBlockRows - 1) / kGramianBlockRows;
}

Status block_gramians(AlsTrainer& trainer, Side side, std::uint32_t first, std::uint32_t last, float* out) {
  static_assert(kGramianBlockRows == detail::kGramianRows, "the blocks step() sums");
  Impl& im = TrainerAccess::impl(trainer);
  if (first > last || last > gramian_blocks(trainer, side))
    return Status::invalid_argument("Gramian blocks [" + std::to_string(first) + ", " + std::to_string(last) +
                                    ") are outside the " + std::to_string(gramian_blocks(trainer, side)) + " blocks");
  const auto t0 = Clock::now();
  const Factors& f = im.factors_of(side);
  const auto k = static_cast<Eigen::Index>(f.cols);
  im.gramian_partials.resize(std::max<std::size_t>(im.gramian_partials.size(), last - first));
  im.pool.run(last - first, [&](std::size_t task, int) {  // each block as gramian_parallel computes it
    const std::uint32_t begin = (first + static_cast<std::uint32_t>(task)) * kGramianBlockRows;
    const std::uint32_t rows = std::min(kGramianBlockRows, f.rows - begin);
    Eigen::MatrixXf& g = im.gramian_partials[task];
    detail::gramian(ConstFactorMap(f.row(begin), rows, k), 1.0f, g);
    Eigen::Map<Eigen::MatrixXf>(out + task * static_cast<std::size_t>(k * k), k, k) = g;
  });
  im.timings.gramian += seconds_since(t0);
  return Status::ok();
}

Status solve_rows(AlsTrainer& trainer, Side side, std::uint32_t begin, std::uint32_t end, const float* gramian) {
  Impl& im = TrainerAccess::impl(trainer);
  if (!im.failed.is_ok()) return im.failed;
  ALSREC_RETURN_IF_ERROR(im.check_range(side, begin, end));
  const auto k = static_cast<Eigen::Index>(im.opt.factors);
  if (im.w0 != 0.0f) im.wg = Eigen::Map<const Eigen::MatrixXf>(gramian, k, k) * im.w0;  // as gramian_parallel scales
  im.next_wg_valid = false;  // the caller's Gramians drive a distributed run
  const Chunks chunks = clip_chunks(im.side_of(side).chunks, begin, end);
  double& seconds = side == Side::kUsers ? im.timings.user_solve : im.timings.item_solve;
  const Status st = im.solve_chunks(im.side_of(side), im.factors_of(side), im.other_factors_of(side), chunks, seconds);
  if (!st.is_ok()) im.failed = st;
  return st;
}

Status complete_iteration(AlsTrainer& trainer, bool with_loss) {
  Impl& im = TrainerAccess::impl(trainer);
  if (!im.failed.is_ok()) return im.failed;
  ++im.iteration;
  Status st = im.factors_finite() ? Status::ok() : im.diverged();
  if (st.is_ok() && im.opt.compute_loss && with_loss) {
    const auto tl = Clock::now();
    im.last_loss = im.step_loss();  // as step(): the item half-step's wg is w₀G_X
    im.timings.loss += seconds_since(tl);
    if (!std::isfinite(im.last_loss)) st = im.diverged();
  }
  if (!st.is_ok()) im.failed = st;
  return st;
}

}  // namespace shard
}  // namespace alsrec
