// The ALS trainer: alternating row solves of the weighted normal equations in als.h (the state and the half-steps
// in trainer_impl.h; the solvers behind detail::RowSolver in solver_*.cpp).
#include "trainer_impl.h"  // first: includes Eigen (see solver_eigen.h)

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "alsrec/baselines.h"

namespace alsrec {
namespace detail {

// The work chunks of a side: up to 256 row ranges of about equal solve cost. A row costs ~k² (the k×k part of the
// solve) plus ~k per nonzero; measured in units of k.
Chunks work_chunks(const std::vector<std::uint32_t>& sizes, int factors) {
  const double row_base = static_cast<double>(factors);
  return balanced_chunks(
      static_cast<std::uint32_t>(sizes.size()), [&](std::uint32_t r) { return row_base + static_cast<double>(sizes[r]); },
      256);
}

Chunks clip_chunks(const Chunks& chunks, std::uint32_t begin, std::uint32_t end) {
  Chunks out;
  for (const auto& [first, last] : chunks) {
    const std::uint32_t a = std::max(first, begin), b = std::min(last, end);
    if (a < b) out.emplace_back(a, b);
  }
  return out;
}

Status check_matrix(const CsrMatrix& m, const MatrixNames& what) {
  const std::string name = what.matrix;
  if (m.indptr.size() != static_cast<std::size_t>(m.rows) + 1 || m.indptr.front() != 0 ||
      m.indptr.back() != m.indices.size() || m.data.size() != m.indices.size())
    return Status::invalid_argument(name + " is malformed: indptr must have rows+1 entries from 0 to nnz, "
                                    "and indices and data nnz entries each");
  for (std::uint32_t r = 0; r < m.rows; ++r)
    if (m.indptr[r + 1] < m.indptr[r])
      return Status::invalid_argument(name + " is malformed: indptr decreases at row " + std::to_string(r));
  for (std::uint32_t r = 0; r < m.rows; ++r) {
    for (std::uint64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      if (m.indices[e] >= m.cols)
        return Status::invalid_argument(name + ": row " + std::to_string(r) + " has column " +
                                        std::to_string(m.indices[e]) + " >= " + std::to_string(m.cols) + " columns");
      if (!std::isfinite(m.data[e]))
        return Status::bad_input(name + ": the value at " + what.row + " " + std::to_string(r) + ", " + what.col +
                                 " " + std::to_string(m.indices[e]) + " is not a finite number");
    }
  }
  return Status::ok();
}

}  // namespace detail


AlsTrainer::AlsTrainer() = default;
AlsTrainer::~AlsTrainer() = default;

namespace detail {
Result<std::unique_ptr<AlsTrainer>> TrainerAccess::create(CsrMatrix user_rows, std::optional<ShardRows> shard,
                                                          const AlsOptions& options) {
  std::unique_ptr<AlsTrainer> trainer(new AlsTrainer());
  trainer->impl_ =
      std::make_unique<AlsTrainer::Impl>(options, options.threads == 0 ? hardware_threads() : options.threads);
  ALSREC_RETURN_IF_ERROR(trainer->impl_->setup(std::move(user_rows), std::move(shard)));
  return trainer;
}
}  // namespace detail

Result<std::unique_ptr<AlsTrainer>> AlsTrainer::create(CsrMatrix user_items, const AlsOptions& options) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(detail::check_matrix(user_items, detail::kUserItems));
  return detail::TrainerAccess::create(std::move(user_items), std::nullopt, options);
}

Status AlsTrainer::step() { return impl_->step(); }

Status AlsTrainer::fit(const ProgressCallback& progress) {
  Impl& im = *impl_;
  while (im.iteration < im.opt.iterations) {
    ALSREC_RETURN_IF_ERROR(im.step());
    if (progress) {
      TrainProgress p;
      p.iteration = im.iteration;
      p.iterations = im.opt.iterations;
      p.loss = im.opt.compute_loss ? im.last_loss : std::numeric_limits<double>::quiet_NaN();
      p.seconds = im.last_seconds;
      p.elapsed = im.elapsed;
      if (!progress(p))
        return Status::cancelled("training cancelled after iteration " + std::to_string(im.iteration));
    }
  }
  return Status::ok();
}

Status AlsTrainer::resolve_users() {
  Impl& im = *impl_;
  if (!im.failed.is_ok()) return im.failed;
  ALSREC_RETURN_IF_ERROR(im.solve_users());
  if (!im.factors_finite()) return im.diverged();
  return Status::ok();
}

int AlsTrainer::iteration() const { return impl_->iteration; }
double AlsTrainer::last_loss() const { return impl_->last_loss; }
double AlsTrainer::compute_loss() const { return impl_->loss(); }
const AlsOptions& AlsTrainer::options() const { return impl_->opt; }
const TrainTimings& AlsTrainer::timings() const { return impl_->timings; }
const Factors& AlsTrainer::user_factors() const { return impl_->x; }
const Factors& AlsTrainer::item_factors() const { return impl_->y; }
Factors& AlsTrainer::mutable_user_factors() { return impl_->x; }
Factors& AlsTrainer::mutable_item_factors() {
  impl_->next_wg_valid = false;  // the caller may change them
  return impl_->y;
}
const CsrMatrix& AlsTrainer::user_items() const { return impl_->users.m; }

CsrMatrix AlsTrainer::take_user_items() {
  impl_->failed = Status::internal("the trainer's matrix was taken (take_user_items)");
  return std::move(impl_->users.m);
}

TrainerMemory AlsTrainer::memory() const {
  const Impl& im = *impl_;
  TrainerMemory m;
  for (const SideData* s : {&im.users, &im.items}) {
    m.indices += s->m.indices.capacity() * sizeof(std::uint32_t);
    m.offsets += s->m.indptr.capacity() * sizeof(std::uint64_t);
    m.values += s->m.data.capacity() * sizeof(float);
    m.weights += s->weights.bytes();
    m.rows += s->lambda.capacity() * sizeof(float) + s->sizes.capacity() * sizeof(std::uint32_t) +
              s->chunks.capacity() * sizeof(s->chunks[0]);
  }
  m.factors = (im.x.data.capacity() + im.y.data.capacity()) * sizeof(float);
  for (const auto& sc : im.scratch) m.scratch += sc.bytes();
  m.scratch += static_cast<std::uint64_t>(im.wg.size() + im.next_wg.size()) * sizeof(float);
  for (const auto& g : im.gramian_partials) m.scratch += static_cast<std::uint64_t>(g.size()) * sizeof(float);
  return m;
}

// ---------------------------------------------------------------------------------------------- model

namespace {
int find_id(const std::vector<std::string>& ids, const std::string& id) {
  const auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? -1 : static_cast<int>(it - ids.begin());
}
}  // namespace

int AlsModel::find_user(const std::string& id) const { return find_id(user_ids, id); }
int AlsModel::find_item(const std::string& id) const { return find_id(item_ids, id); }

}  // namespace alsrec
