// One model fitted on one users × items matrix (with bias terms when asked), and the pieces every pipeline shares:
// the training matrix, user sampling for cheap metrics, and how a fitted model is packaged with its ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/matrix.h"
#include "alsrec/profile.h"
#include "alsrec/ratings.h"
#include "alsrec/status.h"

namespace alsrec {

// ---------------------------------------------------------------------------------------------- one fit

struct BiasModel;

// One options set fitted on one users × items matrix: an AlsTrainer, on the bias residuals when options.biases
// (fitting the bias terms first: the one place that branch lives). Step-wise or to the end.
class ModelFit {
 public:
  // The matrix is taken by value: move it in when the caller needs no copy of its own (train() gives it back).
  static Result<std::unique_ptr<ModelFit>> create(CsrMatrix train, const AlsOptions& options);
  ~ModelFit();
  Status step();
  Status fit(const ProgressCallback& progress = nullptr);  // the remaining iterations
  int iteration() const;
  bool done() const;                 // options.iterations reached
  double last_loss() const;
  const AlsOptions& options() const;
  // The factors as they predict: with the bias columns (baselines.h) appended for a biased model.
  std::pair<Factors, Factors> factors() const;
  // fn(user factors, item factors) as they predict: the trainer's own, not a copy, unless bias columns are appended
  // (a copy of 16 MB of factors cost a search trial 44 ms on goodbooks, mostly page faults). Returns what fn returns.
  template <typename Fn>
  auto with_factors(Fn&& fn) const {
    if (biases()) {
      const auto [x, y] = factors();
      return fn(x, y);
    }
    return fn(own_user_factors(), own_item_factors());
  }
  const BiasModel* biases() const;   // null unless options.biases
  // The matrix fitted, with its own values (a biased fit keeps it beside the residuals it trains on).
  const CsrMatrix& train() const;
  // The model packaged with these ids, moving the factors and the train matrix (as `seen`) out instead of copying
  // them; the fit cannot be used afterwards.
  AlsModel take_model(std::vector<std::string> user_ids, std::vector<std::string> item_ids, std::uint64_t fingerprint);

 private:
  ModelFit();
  const Factors& own_user_factors() const;
  const Factors& own_item_factors() const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Fits `options` on the whole data set (or the `subset` of its interactions) and packages the model: ModelFit on
// training_matrix. The Dataset&& form releases the interactions as the matrix is built and moves the ids into the
// model, so the data and the model are never held in full together.
Result<AlsModel> train_model(const Dataset& data, const AlsOptions& options, const ProgressCallback& progress = nullptr,
                             const std::vector<std::uint32_t>* subset = nullptr);
Result<AlsModel> train_model(Dataset&& data, const AlsOptions& options, const ProgressCallback& progress = nullptr);

// The model packaged from its parts: one place builds an AlsModel (train, the page, the MPI driver).
AlsModel package_model(const AlsOptions& options, std::vector<std::string> user_ids, std::vector<std::string> item_ids,
                       Factors user_factors, Factors item_factors, CsrMatrix seen, std::uint64_t fingerprint,
                       int iterations_done, double final_loss);

// The interactions of `data` whose user and item `model` knows (matched by id; the rest ignored), as a matrix of the
// model's users × items with 1 for each: the seen items of a model file saved without them.
CsrMatrix seen_matrix(const AlsModel& model, const Dataset& data);

// A users × items matrix ready for training: the interactions (or a subset), with each 0 of zero_implicit data given
// its positive weight (profile.values.zero_weight): a 0 there is an interaction, never nothing.
CsrMatrix training_matrix(const Dataset& data, const std::vector<std::uint32_t>* subset, const DataProfile& profile);
// The same from a data set not needed any more: its interactions are released as the matrix is built (the ids stay).
CsrMatrix training_matrix(Dataset&& data, const DataProfile& profile);
// Checks that every interaction refers to a user and an item with an id (kBadInput otherwise).
Status check_dataset(const Dataset& data);

// `test` with the rows of only an evenly spaced sample of max_users users kept (users with train and test rows;
// all of them when there are no more): metrics on a sample, for watching training and for search trials.
CsrMatrix sample_users(const CsrMatrix& train, const CsrMatrix& test, std::size_t max_users);

}  // namespace alsrec
