// The experiment layer (experiment.h): options resolved once, split, fit with or without bias terms, packaged,
// evaluated against the baselines.
#include "alsrec/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "alsrec/baselines.h"
#include "alsrec/auto_search.h"

namespace alsrec {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }


}  // namespace

const char* baseline_name(Baseline b) { return b == Baseline::kEase ? "ease" : "popularity"; }

Result<std::vector<Baseline>> parse_baselines(const std::string& list) {
  std::vector<Baseline> out;
  if (list == "none" || list.empty()) return out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    Baseline b;
    if (name == "popularity") b = Baseline::kPopularity;
    else if (name == "ease") b = Baseline::kEase;
    else return Status::invalid_argument("unknown baseline '" + name + "' (expected popularity, ease or none)");
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- the experiment

struct Experiment::Impl {
  ExperimentSpec spec;
  DataProfile profile;
  ResolvedOptions resolved;
  std::vector<std::string> user_ids, item_ids;
  std::uint64_t fingerprint = 0;
  CsrMatrix train, test;
  bool has_test = false;
  std::optional<std::pair<CsrMatrix, CsrMatrix>> validation;  // (fit, held out), carved from the train part
  std::unique_ptr<AutoSearch> search;                          // spec.search, until it is done
  std::optional<SearchResult> search_result;
  std::unique_ptr<ModelFit> fit;  // created by the first step()/fit()
  double fit_seconds = 0;
  Status failed;
  mutable std::optional<std::pair<std::size_t, CsrMatrix>> sampled_test;  // (max_users, matrix) cache
  // evaluation_step()'s evaluation of the factors after `evaluation_iteration` iterations (scoring a biased fit's
  // factors with their bias columns, copied here; else the trainer's own). Destroyed before what it refers to.
  std::optional<std::pair<Factors, Factors>> evaluation_factors;
  std::unique_ptr<ModelEvaluation> evaluation;
  int evaluation_iteration = -1;

  bool keep_validation = false;  // the EASE baseline chooses its λ on it after the search
  bool model_taken = false;

  // The fit owns the train matrix from its start (ModelFit::train() gives it back): one copy, never two.
  Status start_fit() {
    if (fit) return Status::ok();
    auto f = ModelFit::create(std::move(train), resolved.options);
    if (!f) return f.status();
    fit = std::move(*f);
    return Status::ok();
  }
  const CsrMatrix& train_matrix() const { return fit ? fit->train() : train; }

  // evaluation_step()'s evaluation, when it is of the current factors (null otherwise).
  ModelEvaluation* current_evaluation() const {
    return evaluation && fit && evaluation_iteration == fit->iteration() ? evaluation.get() : nullptr;
  }
  // fn(user factors, item factors) as they predict: evaluation_step()'s copy of a biased fit's when it is current,
  // else ModelFit::with_factors (the trainer's own, or a fresh copy with the bias columns).
  template <typename Fn>
  auto with_factors(Fn&& fn) const {
    if (evaluation_factors && evaluation_iteration == fit->iteration())
      return fn(evaluation_factors->first, evaluation_factors->second);
    return fit->with_factors(fn);
  }
};

Experiment::Experiment() : impl_(std::make_unique<Impl>()) {}
Experiment::~Experiment() = default;

namespace {

// The validation split: the train part's interactions split again per user, exactly as the test split was made.
// Beyond max_interactions an evenly spaced sample of the users keeps the search's fits (and its memory) small:
// user u is kept when ⌊(u+1)f⌋ > ⌊uf⌋, f = max_interactions / interactions.
std::pair<CsrMatrix, CsrMatrix> validation_matrices(const Dataset& data, const std::vector<std::uint32_t>* train_part,
                                                    const SplitSpec& split, std::uint64_t seed,
                                                    const DataProfile& profile, std::size_t max_interactions) {
  const std::size_t n = train_part ? train_part->size() : data.size();
  const std::vector<std::uint32_t>* part = train_part;
  std::vector<std::uint32_t> sampled;
  if (n > max_interactions) {
    const double f = static_cast<double>(max_interactions) / static_cast<double>(n);
    const auto index = [&](std::size_t j) { return train_part ? (*train_part)[j] : static_cast<std::uint32_t>(j); };
    const auto kept = [&](std::size_t j) {
      const double u = data.users[index(j)];
      return std::floor((u + 1) * f) > std::floor(u * f);
    };
    std::size_t count = 0;
    for (std::size_t j = 0; j < n; ++j) count += kept(j);
    sampled.reserve(count);  // exactly: no second copy while it grows
    for (std::size_t j = 0; j < n; ++j)
      if (kept(j)) sampled.push_back(index(j));
    part = &sampled;
  }
  const SplitResult inner = split_dataset(data, split, seed, part);
  sampled = {};
  return {training_matrix(data, &inner.train, profile), training_matrix(data, &inner.test, profile)};
}

}  // namespace

Result<std::unique_ptr<Experiment>> Experiment::create(const Dataset& data, const ExperimentSpec& spec) {
  return build(data, spec, nullptr);
}

Result<std::unique_ptr<Experiment>> Experiment::create(Dataset&& data, const ExperimentSpec& spec) {
  // With a test split the train part is a subset: the matrices are built from the data, which is then released.
  Dataset owned = std::move(data);
  return build(owned, spec, spec.split.kind == SplitKind::kNone ? &owned : nullptr);
}

// `consume`, when given, is `data` itself, owned by the caller and released as the train matrix is built.
Result<std::unique_ptr<Experiment>> Experiment::build(const Dataset& data, const ExperimentSpec& spec,
                                                      Dataset* consume) {
  if (data.size() == 0) return Status::bad_input("the data set has no interactions");
  if (spec.k < 1) return Status::invalid_argument("k must be at least 1, got " + std::to_string(spec.k));
  ALSREC_RETURN_IF_ERROR(spec.search_options.validate());
  std::unique_ptr<Experiment> e(new Experiment());
  Impl& im = *e->impl_;
  im.spec = spec;
  // The seed splits the data, so it is known before the options: the given one or the default.
  const std::uint64_t seed = spec.model.seed.value_or(AlsOptions{}.seed);
  SplitResult parts;
  if (spec.split.kind != SplitKind::kNone) {
    parts = split_dataset(data, spec.split, seed);
    im.has_test = true;
  }
  const std::vector<std::uint32_t>* train_part = im.has_test ? &parts.train : nullptr;
  // The defaults are decided from the train part only: nothing of the test part may shape the model.
  im.profile = profile_dataset(data, train_part);
  auto resolved = resolve_options(spec.model, im.profile);
  if (!resolved) return resolved.status();
  im.resolved = std::move(*resolved);
  im.fingerprint = data.fingerprint();
  const bool ease = std::find(spec.baselines.begin(), spec.baselines.end(), Baseline::kEase) != spec.baselines.end();
  // The screen (α₀ and λ, the popularity exponent, then its dimension probe) runs only for iALS with α₀ or λ left
  // to the data.
  const bool screen = spec.search == ExperimentSpec::Search::kScreen &&
                      im.resolved.options.confidence == ConfidenceMode::kIals &&
                      (!spec.model.unobserved_weight || !spec.model.regularization);
  const bool search = screen || spec.search == ExperimentSpec::Search::kAuto;
  im.keep_validation = ease && im.has_test;
  if (search || im.keep_validation)
    im.validation.emplace(validation_matrices(data, train_part, validation_split(spec.split, data.has_timestamps),
                                              seed, im.profile, spec.search_options.max_fit_interactions));
  // The validation part first, then the full matrices: a consumed data set is released as its matrix is built.
  if (im.has_test) im.test = training_matrix(data, &parts.test, im.profile);
  if (consume) {
    im.train = training_matrix(std::move(*consume), im.profile);
    im.user_ids = std::move(consume->user_ids);
    im.item_ids = std::move(consume->item_ids);
  } else {
    im.train = training_matrix(data, train_part, im.profile);
    im.user_ids = data.user_ids;
    im.item_ids = data.item_ids;
  }
  parts = {};
  if (search) {
    SearchOptions so = spec.search_options;
    so.quick = !(spec.search == ExperimentSpec::Search::kAuto);
    so.k = spec.k;
    auto s = AutoSearch::create(im.validation->first, im.validation->second, im.profile, spec.model,
                                im.resolved.options, so);
    if (s) {
      im.search = std::move(*s);
    } else if (screen && s.status().code() == StatusCode::kBadInput) {
      // Too little data to hold any out: the defaults stay as the data's shape gave them, and the notes say so.
      im.resolved.notes.push_back("no screen of alpha0 and lambda: " + s.status().message());
      if (!im.keep_validation) im.validation.reset();
    } else {
      return s.status();
    }
  }
  return e;
}

const DataProfile& Experiment::profile() const { return impl_->profile; }
const ResolvedOptions& Experiment::resolved() const { return impl_->resolved; }
const ExperimentSpec& Experiment::spec() const { return impl_->spec; }
bool Experiment::has_test() const { return impl_->has_test; }
const CsrMatrix& Experiment::train() const { return impl_->train_matrix(); }
const CsrMatrix& Experiment::test() const { return impl_->test; }
std::uint64_t Experiment::train_interactions() const { return impl_->train_matrix().nnz(); }
std::uint64_t Experiment::test_interactions() const { return impl_->test.nnz(); }
const CsrMatrix* Experiment::validation_fit() const { return impl_->validation ? &impl_->validation->first : nullptr; }
const CsrMatrix* Experiment::validation() const { return impl_->validation ? &impl_->validation->second : nullptr; }

SplitSpec validation_split(const SplitSpec& test_split, bool has_timestamps) {
  if (test_split.kind != SplitKind::kNone) return test_split;
  SplitSpec s;
  s.kind = has_timestamps ? SplitKind::kTemporal : SplitKind::kRandom;
  s.fraction = 0.2;
  return s;
}

bool Experiment::searching() const { return impl_->search != nullptr; }

Status Experiment::search_step() {
  Impl& im = *impl_;
  if (!im.search) return Status::ok();
  ALSREC_RETURN_IF_ERROR(im.search->step());
  if (im.search->done()) {
    im.search_result = im.search->result();
    im.search.reset();
    if (!im.keep_validation) im.validation.reset();
    // A note on the values the search changed would be stale: the search's own notes say what it chose.
    std::vector<std::string> notes;
    const bool values_changed = im.search_result->chosen.values != im.resolved.options.values;
    int values_note = -1;
    for (std::size_t i = 0; i < im.resolved.notes.size(); ++i) {
      const bool about_values = static_cast<int>(i) == im.resolved.values_note;
      if (about_values && values_changed) continue;
      if (about_values) values_note = static_cast<int>(notes.size());
      notes.push_back(im.resolved.notes[i]);
    }
    for (const std::string& n : im.search_result->notes) notes.push_back(n);
    ALSREC_RETURN_IF_ERROR(use_options(im.search_result->chosen, std::move(notes)));
    im.resolved.values_note = values_note;
  }
  return Status::ok();
}

Status Experiment::search(const SearchCallback& progress) {
  Impl& im = *impl_;
  while (im.search) {
    const int before = search_progress().trials_done;
    ALSREC_RETURN_IF_ERROR(search_step());
    const SearchProgress p = search_progress();
    if (progress && p.trials_done > before && !progress(p))
      return Status::cancelled("search cancelled after " + std::to_string(p.trials_done) + " trials");
  }
  return Status::ok();
}

SearchProgress Experiment::search_progress() const {
  const Impl& im = *impl_;
  SearchProgress p;
  const SearchResult* r = im.search ? &im.search->result() : search_result();
  if (!r || r->trials.empty()) return p;
  p.trials_done = static_cast<int>(r->trials.size());
  p.elapsed = im.search ? im.search->elapsed() : r->seconds;
  p.budget = im.search ? im.search->budget() : spec().search_options.budget_seconds;
  p.last = &r->trials.back();
  p.best = &r->trials[r->best];
  return p;
}

const SearchResult* Experiment::search_result() const {
  return impl_->search_result ? &*impl_->search_result : nullptr;
}

Status Experiment::use_options(const AlsOptions& options, std::vector<std::string> notes) {
  if (impl_->fit) return Status::invalid_argument("the options cannot change once fitting has started");
  ALSREC_RETURN_IF_ERROR(options.validate());
  impl_->resolved.options = options;
  impl_->resolved.notes = std::move(notes);
  impl_->resolved.values_note = -1;  // the caller's notes: which one is about the values is not known
  return Status::ok();
}

Status Experiment::step() {
  Impl& im = *impl_;
  ALSREC_RETURN_IF_ERROR(im.failed);
  if (fitted()) return Status::invalid_argument("training is already complete");
  if (im.search) return Status::invalid_argument("the search has not finished: run search() first");
  if (im.model_taken) return Status::invalid_argument("the model was taken: the experiment is finished");
  const auto t0 = Clock::now();
  Status st = im.start_fit();
  if (st.is_ok()) st = im.fit->step();
  im.fit_seconds += seconds_since(t0);
  if (!st.is_ok()) im.failed = st;
  return st;
}

Status Experiment::fit(const ProgressCallback& progress) {
  Impl& im = *impl_;
  ALSREC_RETURN_IF_ERROR(im.failed);
  if (im.search) return Status::invalid_argument("the search has not finished: run search() first");
  if (im.model_taken) return Status::invalid_argument("the model was taken: the experiment is finished");
  const auto t0 = Clock::now();
  Status st = im.start_fit();
  if (st.is_ok()) st = im.fit->fit(progress);
  im.fit_seconds += seconds_since(t0);
  if (!st.is_ok() && st.code() != StatusCode::kCancelled) im.failed = st;
  return st;
}

bool Experiment::fitted() const { return iteration() >= impl_->resolved.options.iterations; }
int Experiment::iteration() const { return impl_->fit ? impl_->fit->iteration() : 0; }
double Experiment::last_loss() const {
  return impl_->fit ? impl_->fit->last_loss() : std::numeric_limits<double>::quiet_NaN();
}
double Experiment::fit_seconds() const { return impl_->fit_seconds; }

Result<RankingMetrics> Experiment::test_metrics(std::size_t max_users) const {
  const Impl& im = *impl_;
  if (!im.has_test) return Status::invalid_argument("there is no test split to score (split none)");
  if (!im.fit || im.model_taken) return Status::invalid_argument("nothing is fitted yet");
  const CsrMatrix& train = im.fit->train();
  if (max_users > 0 && (!im.sampled_test || im.sampled_test->first != max_users))
    im.sampled_test.emplace(max_users, sample_users(train, im.test, max_users));
  const CsrMatrix& test = max_users == 0 ? im.test : im.sampled_test->second;
  return im.with_factors([&](const Factors& x, const Factors& y) {
    return evaluate_model(x, y, train, test, im.spec.k, im.resolved.options.threads);
  });
}

Status Experiment::evaluation_step(std::size_t max_users) {
  Impl& im = *impl_;
  if (!im.has_test) return Status::invalid_argument("there is no test split to evaluate (split none)");
  if (!im.fit || im.model_taken) return Status::invalid_argument("nothing is fitted yet");
  if (!im.current_evaluation()) {  // the first step, or the factors moved since
    im.evaluation.reset();
    im.evaluation_factors.reset();
    im.evaluation_iteration = iteration();
    if (im.fit->biases()) im.evaluation_factors = im.fit->factors();  // kept: the evaluation refers to them
    im.with_factors([&](const Factors& x, const Factors& y) {
      im.evaluation = std::make_unique<ModelEvaluation>(x, y, im.fit->train(), im.test, im.spec.k,
                                                        im.resolved.options.threads);
    });
  }
  im.evaluation->step(std::max<std::size_t>(max_users, 1));
  return Status::ok();
}

EvaluationProgress Experiment::evaluation_progress() const {
  const Impl& im = *impl_;
  EvaluationProgress p;
  if (const ModelEvaluation* e = im.current_evaluation()) {
    p.users_done = e->users_done();
    p.users = e->users();
  }
  return p;
}

Result<EvaluationReport> Experiment::evaluate() const {
  const Impl& im = *impl_;
  if (!im.has_test) return Status::invalid_argument("there is no test split to evaluate (split none)");
  if (!im.fit || im.model_taken) return Status::invalid_argument("nothing is fitted yet");
  const auto t0 = Clock::now();
  const AlsOptions& o = im.resolved.options;
  const CsrMatrix& train = im.fit->train();
  EvaluationReport r;
  const bool explicit_model = o.confidence == ConfidenceMode::kExplicit;
  ModelEvaluation* stepped = im.current_evaluation();  // evaluation_step() began it: it ranks the rest
  im.with_factors([&](const Factors& x, const Factors& y) {
    r.model = stepped ? stepped->result() : evaluate_model(x, y, train, im.test, im.spec.k, o.threads);
    if (explicit_model) r.rating = rating_errors(x, y, im.test);
  });
  for (Baseline b : im.spec.baselines) {
    const auto tb = Clock::now();
    BaselineResult br;
    br.baseline = b;
    if (b == Baseline::kPopularity) {
      br.metrics = evaluate_popularity(train, im.test, im.spec.k, o.threads);
    } else {
      // λ is chosen on the validation split of the train part, then EASE is fitted on the whole train part.
      EaseOptions eo;
      eo.max_bytes = im.spec.ease_max_bytes;
      eo.threads = o.threads;
      br.status = check_ease_fits(train.cols, eo.max_bytes);
      if (br.status.is_ok()) {
        auto chosen = select_ease_lambda(im.validation->first, im.validation->second, eo, im.spec.k);
        if (chosen) {
          eo.lambda = chosen->model.lambda;
          br.lambda = eo.lambda;
          auto model = fit_ease(train, eo);
          if (model) br.metrics = evaluate_ease(*model, train, im.test, im.spec.k, o.threads);
          else br.status = model.status();
        } else {
          br.status = chosen.status();
        }
      }
    }
    br.seconds = seconds_since(tb);
    r.baselines.push_back(std::move(br));
  }
  if (explicit_model) {
    r.has_rating_errors = true;
    const BiasModel bias = im.fit->biases() ? *im.fit->biases() : fit_biases(train);
    BiasModel mean = bias;
    std::fill(mean.user.begin(), mean.user.end(), 0.0f);
    std::fill(mean.item.begin(), mean.item.end(), 0.0f);
    r.global_mean = baseline_errors(mean, im.test);
    r.bias = baseline_errors(bias, im.test);
  }
  r.seconds = seconds_since(t0);
  return r;
}

Result<AlsModel> Experiment::model() const {
  const Impl& im = *impl_;
  if (!im.fit || im.model_taken) return Status::invalid_argument("nothing is fitted yet");
  auto [x, y] = im.fit->factors();
  return package_model(im.resolved.options, im.user_ids, im.item_ids, std::move(x), std::move(y), im.fit->train(),
                       im.fingerprint, im.fit->iteration(), im.fit->last_loss());
}

Result<AlsModel> Experiment::take_model() {
  Impl& im = *impl_;
  if (!im.fit || im.model_taken) return Status::invalid_argument("nothing is fitted yet");
  im.model_taken = true;
  im.sampled_test.reset();
  im.evaluation.reset();
  im.evaluation_factors.reset();
  return im.fit->take_model(std::move(im.user_ids), std::move(im.item_ids), im.fingerprint);
}

}  // namespace alsrec
