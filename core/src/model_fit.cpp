// One fit with or without bias terms, and the shared pipeline pieces (model_fit.h).
#include "alsrec/model_fit.h"

#include <optional>
#include <tuple>

#include "alsrec/baselines.h"
#include "alsrec/id_index.h"

namespace alsrec {

// ---------------------------------------------------------------------------------------------- one fit

struct ModelFit::Impl {
  std::unique_ptr<AlsTrainer> trainer;
  std::optional<BiasModel> biases;
  CsrMatrix original;  // a biased fit's train matrix (its trainer holds the residuals)
};

ModelFit::ModelFit() : impl_(std::make_unique<Impl>()) {}
ModelFit::~ModelFit() = default;

Result<std::unique_ptr<ModelFit>> ModelFit::create(CsrMatrix train, const AlsOptions& options) {
  std::unique_ptr<ModelFit> f(new ModelFit());
  Impl& im = *f->impl_;
  if (options.biases) {
    ALSREC_RETURN_IF_ERROR(options.validate());
    if (options.confidence != ConfidenceMode::kExplicit || options.values != ValueTransform::kRaw)
      return Status::invalid_argument("bias terms need the explicit confidence mode with raw values (they model ratings)");
    if (options.factors + kBiasColumns > 1024)
      return Status::invalid_argument("bias terms add " + std::to_string(kBiasColumns) +
                                      " columns: factors must be at most " + std::to_string(1024 - kBiasColumns));
    im.biases = fit_biases(train);
    auto t = AlsTrainer::create(bias_residuals(*im.biases, train), options);
    if (!t) return t.status();
    im.trainer = std::move(*t);
    im.original = std::move(train);
  } else {
    auto t = AlsTrainer::create(std::move(train), options);
    if (!t) return t.status();
    im.trainer = std::move(*t);
  }
  return f;
}

const CsrMatrix& ModelFit::train() const { return impl_->biases ? impl_->original : impl_->trainer->user_items(); }

AlsModel ModelFit::take_model(std::vector<std::string> user_ids, std::vector<std::string> item_ids,
                              std::uint64_t fingerprint) {
  Impl& im = *impl_;
  AlsTrainer& t = *im.trainer;
  Factors x, y;
  if (im.biases) {
    std::tie(x, y) = factors();
  } else {
    x = std::move(t.mutable_user_factors());
    y = std::move(t.mutable_item_factors());
  }
  CsrMatrix seen = im.biases ? std::move(im.original) : t.take_user_items();
  return package_model(t.options(), std::move(user_ids), std::move(item_ids), std::move(x), std::move(y),
                       std::move(seen), fingerprint, t.iteration(), t.last_loss());
}

Status ModelFit::step() { return impl_->trainer->step(); }
Status ModelFit::fit(const ProgressCallback& progress) { return impl_->trainer->fit(progress); }
int ModelFit::iteration() const { return impl_->trainer->iteration(); }
bool ModelFit::done() const { return iteration() >= options().iterations; }
double ModelFit::last_loss() const { return impl_->trainer->last_loss(); }
const AlsOptions& ModelFit::options() const { return impl_->trainer->options(); }
const BiasModel* ModelFit::biases() const { return impl_->biases ? &*impl_->biases : nullptr; }

const Factors& ModelFit::own_user_factors() const { return impl_->trainer->user_factors(); }
const Factors& ModelFit::own_item_factors() const { return impl_->trainer->item_factors(); }

std::pair<Factors, Factors> ModelFit::factors() const {
  Factors x = impl_->trainer->user_factors(), y = impl_->trainer->item_factors();
  if (impl_->biases) append_bias_columns(*impl_->biases, x, y);
  return {std::move(x), std::move(y)};
}

AlsModel package_model(const AlsOptions& options, std::vector<std::string> user_ids, std::vector<std::string> item_ids,
                       Factors user_factors, Factors item_factors, CsrMatrix seen, std::uint64_t fingerprint,
                       int iterations_done, double final_loss) {
  AlsModel m;
  m.options = options;
  m.user_ids = std::move(user_ids);
  m.item_ids = std::move(item_ids);
  m.user_factors = std::move(user_factors);
  m.item_factors = std::move(item_factors);
  m.seen = std::move(seen);
  if (options.popularity_exponent != 0.0f && m.seen.rows > 0) {  // the trainer's c_i: from the same counts
    std::vector<std::uint32_t> counts(m.seen.cols, 0);
    for (std::uint32_t i : m.seen.indices) ++counts[i];
    m.item_weights = popularity_weights(counts, options.popularity_exponent);
  }
  m.dataset_fingerprint = fingerprint;
  m.iterations_done = iterations_done;
  m.final_loss = final_loss;
  return m;
}

CsrMatrix seen_matrix(const AlsModel& model, const Dataset& data) {
  const IdIndex users(model.user_ids), items(model.item_ids);
  std::vector<int> user_of(data.num_users()), item_of(data.num_items());
  for (std::size_t u = 0; u < data.num_users(); ++u) user_of[u] = users.find(data.user_ids[u]);
  for (std::size_t i = 0; i < data.num_items(); ++i) item_of[i] = items.find(data.item_ids[i]);
  std::vector<std::uint32_t> rows, cols;
  for (std::size_t k = 0; k < data.size(); ++k) {
    const int u = user_of[data.users[k]], i = item_of[data.items[k]];
    if (u < 0 || i < 0) continue;
    rows.push_back(static_cast<std::uint32_t>(u));
    cols.push_back(static_cast<std::uint32_t>(i));
  }
  // csr_from_triplets sums repeated pairs; a data set holds each (user, item) once, so every entry stays 1.
  return csr_from_triplets(static_cast<std::uint32_t>(model.user_ids.size()),
                           static_cast<std::uint32_t>(model.item_ids.size()), rows, cols,
                           std::vector<float>(rows.size(), 1.0f));
}

namespace {

// zero_implicit data: a 0 is an interaction, weighted as the lowest rating (profile.h), never as nothing.
void give_zeros_their_weight(CsrMatrix& m, const DataProfile& profile) {
  if (profile.values.kind != ValueKind::kZeroImplicit) return;
  const float w = static_cast<float>(profile.values.zero_weight);
  for (float& v : m.data)
    if (v == 0.0f) v = w;
}

}  // namespace

Status check_dataset(const Dataset& data) {
  if (data.items.size() != data.users.size() || data.values.size() != data.users.size())
    return Status::bad_input("dataset is inconsistent: users, items and values must have one entry per interaction");
  for (std::size_t i = 0; i < data.users.size(); ++i)
    if (data.users[i] >= data.num_users() || data.items[i] >= data.num_items())
      return Status::bad_input("dataset is inconsistent: interaction " + std::to_string(i) +
                               " refers to a user or item index without an id");
  return Status::ok();
}

Result<AlsModel> train_model(const Dataset& data, const AlsOptions& options, const ProgressCallback& progress,
                             const std::vector<std::uint32_t>* subset) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_dataset(data));
  auto fit = ModelFit::create(build_user_item_matrix(data, subset), options);
  if (!fit) return fit.status();
  ALSREC_RETURN_IF_ERROR((*fit)->fit(progress));
  return (*fit)->take_model(data.user_ids, data.item_ids, data.fingerprint());
}

Result<AlsModel> train_model(Dataset&& data, const AlsOptions& options, const ProgressCallback& progress) {
  ALSREC_RETURN_IF_ERROR(options.validate());
  ALSREC_RETURN_IF_ERROR(check_dataset(data));
  const std::uint64_t fingerprint = data.fingerprint();
  auto fit = ModelFit::create(build_user_item_matrix(std::move(data)), options);
  if (!fit) return fit.status();
  ALSREC_RETURN_IF_ERROR((*fit)->fit(progress));
  return (*fit)->take_model(std::move(data.user_ids), std::move(data.item_ids), fingerprint);
}

CsrMatrix training_matrix(Dataset&& data, const DataProfile& profile) {
  CsrMatrix m = build_user_item_matrix(std::move(data));
  give_zeros_their_weight(m, profile);
  return m;
}

CsrMatrix training_matrix(const Dataset& data, const std::vector<std::uint32_t>* subset, const DataProfile& profile) {
  CsrMatrix m = build_user_item_matrix(data, subset);
  give_zeros_their_weight(m, profile);
  return m;
}

// `test` with only an evenly spaced sample of max_users evaluable users kept (the others' rows emptied).
CsrMatrix sample_users(const CsrMatrix& train, const CsrMatrix& test, std::size_t max_users) {
  std::vector<std::uint32_t> evaluable;
  for (std::uint32_t u = 0; u < test.rows && u < train.rows; ++u)
    if (test.row_size(u) > 0 && train.row_size(u) > 0) evaluable.push_back(u);
  if (evaluable.size() <= max_users) return test;
  std::vector<std::uint8_t> keep(test.rows, 0);
  for (std::size_t j = 0; j < max_users; ++j) keep[evaluable[j * evaluable.size() / max_users]] = 1;
  CsrMatrix out;
  out.rows = test.rows;
  out.cols = test.cols;
  out.indptr.assign(1, 0);
  for (std::uint32_t u = 0; u < test.rows; ++u) {
    if (keep[u])
      for (std::uint64_t p = test.indptr[u]; p < test.indptr[u + 1]; ++p) {
        out.indices.push_back(test.indices[p]);
        out.data.push_back(test.data[p]);
      }
    out.indptr.push_back(out.indices.size());
  }
  return out;
}

}  // namespace alsrec
