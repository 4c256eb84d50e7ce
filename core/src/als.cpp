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
Factors& AlsTrainer::mutable_item_factors() { return impl_->y; }
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
  m.scratch += static_cast<std::uint64_t>(im.wg.size()) * sizeof(float);
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

namespace {

Status check_dataset(const Dataset& data) {
  if (data.items.size() != data.users.size() || data.values.size() != data.users.size())
    return Status::bad_input("dataset is inconsistent: users, items and values must have one entry per interaction");
  for (std::size_t i = 0; i < data.users.size(); ++i)
    if (data.users[i] >= data.num_users() || data.items[i] >= data.num_items())
      return Status::bad_input("dataset is inconsistent: interaction " + std::to_string(i) +
                               " refers to a user or item index without an id");
  return Status::ok();
}

// Trains on `matrix` and packages the model with the ids, taking the trainer's factors and matrix (the model file
// keeps the interactions so `recommend` can leave seen items out) instead of copying them.
Result<AlsModel> fit_and_package(CsrMatrix matrix, const AlsOptions& options, const ProgressCallback& progress,
                                 std::vector<std::string> user_ids, std::vector<std::string> item_ids,
                                 std::uint64_t fingerprint) {
  auto trainer = AlsTrainer::create(std::move(matrix), options);
  if (!trainer.is_ok()) return trainer.status();
  ALSREC_RETURN_IF_ERROR((*trainer)->fit(progress));
  AlsTrainer& t = **trainer;
  AlsModel model;
  model.options = options;
  model.user_ids = std::move(user_ids);
  model.item_ids = std::move(item_ids);
  model.user_factors = std::move(t.mutable_user_factors());
  model.item_factors = std::move(t.mutable_item_factors());
  model.dataset_fingerprint = fingerprint;
  model.iterations_done = t.iteration();
  model.final_loss = t.last_loss();
  model.seen = t.take_user_items();
  return model;
}

}  // namespace

Result<AlsModel> train_model(const Dataset& data, const AlsOptions& options, const ProgressCallback& progress,
                             const std::vector<std::uint32_t>* subset) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_dataset(data));
  if (options.biases) return train_biased_model(data, options, progress, subset);
  return fit_and_package(build_user_item_matrix(data, subset), options, progress, data.user_ids, data.item_ids,
                         data.fingerprint());
}

Result<AlsModel> train_model(Dataset&& data, const AlsOptions& options, const ProgressCallback& progress) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_dataset(data));
  if (options.biases) return train_biased_model(data, options, progress, nullptr);
  const std::uint64_t fingerprint = data.fingerprint();
  CsrMatrix matrix = build_user_item_matrix(std::move(data));
  return fit_and_package(std::move(matrix), options, progress, std::move(data.user_ids), std::move(data.item_ids),
                         fingerprint);
}

}  // namespace alsrec
