// The distributed training job (see distributed.h): MPI start-up and failure handling, and the collective steps
// written against Comm (comm.h), which is MPI_COMM_WORLD in a run under mpirun.
#include "distributed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "alsrec/als_shard.h"
#include "cli_common.h"
#include "output_file.h"

#ifdef ALSREC_HAVE_MPI
#include <mpi.h>
#endif

namespace alsrec::cli::distributed {

#ifdef ALSREC_HAVE_MPI

bool available() { return true; }

Status start() {
  int started = 0;
  MPI_Initialized(&started);
  if (!started && MPI_Init(nullptr, nullptr) != MPI_SUCCESS)
    return Status::internal("MPI_Init failed: run under mpirun");
  return Status::ok();
}

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int ranks() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void abort_job(const std::string& command, const Status& status) {
  // One write: mpirun relays each rank's stderr in the chunks written and prints its own MPI_ABORT banner between them
  // (seen in CI: "alsrec " alone, the banner, then "train: error ...").
  write_stderr_line("alsrec " + command + ": error (rank " + std::to_string(rank()) + " of " + std::to_string(ranks()) +
                    "): " + status.message());
  remove_temp_files();  // MPI_Abort ends the process without unwinding (the other ranks die of SIGTERM: handled)
  MPI_Abort(MPI_COMM_WORLD, exit_code_for(status));
  std::exit(exit_code_for(status));  // not reached: MPI_Abort ends this process too
}

int finish(int code) {
  int started = 0, finalized = 0;
  MPI_Initialized(&started);
  MPI_Finalized(&finalized);
  if (started && !finalized) MPI_Finalize();
  return code;
}

#else  // no MPI in this build

bool available() { return false; }
Status start() {
  return Status::invalid_argument("--distributed needs a build with MPI (cmake -DALSREC_MPI=ON with Open MPI installed)");
}
int rank() { return 0; }
int ranks() { return 1; }
void abort_job(const std::string& command, const Status& status) { std::exit(fail(command, status)); }
int finish(int code) { return code; }

#endif

void add_flags(CLI::App& app, Flags& flags, const std::string& command) {
  app.add_flag("--distributed", flags.distributed,
               "Run as one rank of `mpirun -np N alsrec " + command + " --distributed ...` (builds with MPI): each " +
                   "rank reads its share of --input (a file or a directory of part files); rank 0 writes and prints");
  app.add_option("--exchange", flags.exchange,
                 "With --distributed: how new factor rows reach the other ranks: allgather (every rank gets every "
                 "row) | blocks (Spark-style: only the ranks whose rows rate it)")
      ->capture_default_str()
      ->check(CLI::IsMember({"allgather", "blocks"}));
  app.add_option("--gramian", flags.gramian,
                 "With --distributed: exact (gather every 2048-row block's Gramian and add them in one process's "
                 "order: factors bit-identical to one process's, ~k/2048 more traffic; needs allgather) | sum (an "
                 "allreduce of each rank's part) | auto (exact with allgather, sum with blocks)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "exact", "sum"}));
}

namespace {

// Until the first collective of the job (load_shard's), a failure is usually every rank's (the same flags, the same
// missing input): the ranks settle it there, so only the lowest failing rank prints it. Later failures are handled
// where they happen (settled, or ended at once by the one rank that met them).
bool setup_settled = false;

void settle_setup(const std::string& command, const Status& status) {
  if (setup_settled) return;
  setup_settled = true;
  const auto comm = mpi_comm();
  if (!comm) return;
  const Status mine = settle(*comm, status);
  if (!mine.is_ok()) abort_job(command, mine);  // this rank reports (the others wait in settle)
}

}  // namespace

FailureHandler start_run(const Flags& flags, const std::string& command, Status& started) {
  started = flags.distributed ? start() : Status::ok();
  if (!flags.distributed) return [command](const Status& status) { return fail(command, status); };
  if (started.is_ok() && flags.gramian == "exact" && flags.exchange == "blocks")
    settle_setup(command, Status::invalid_argument(
                              "--gramian exact needs --exchange allgather (every rank must hold every row)"));
  return [command](const Status& status) -> int {
    settle_setup(command, status);
    abort_job(command, status);
  };
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The rank whose range of `bounds` holds row r.
int owner(const std::vector<std::uint32_t>& bounds, std::uint32_t r) {
  return static_cast<int>(std::upper_bound(bounds.begin() + 1, bounds.end() - 1, r) - (bounds.begin() + 1));
}

struct Entry {  // an interaction on its way to the rank that solves its user or its item
  std::uint32_t user, item;
  float value;
  std::uint32_t kind;  // kTrainUser, kTrainItem, kTest
};
enum : std::uint32_t { kTrainUser, kTrainItem, kTest };

}  // namespace

Result<Shard> load_shard(Comm& comm, const std::string& input, const FormatOptions& format, int factors,
                         const SplitSpec* split, std::uint64_t seed, ExchangeStats& stats) {
  settle_setup("", Status::ok());  // the job's first collective: a rank that failed setting up reports it
  const int n = comm.size();
  const auto start = Clock::now();
  const std::uint64_t received_before = comm.received_bytes;
  Shard s;
  auto data = load_sharded(comm, input, format);
  if (!data) return data.status();
  s.data = std::move(*data);
  const Dataset& home = s.data.home;
  const auto users = static_cast<std::uint32_t>(home.num_users()), items = static_cast<std::uint32_t>(home.num_items());

  // The split is per user, and home holds each of its users' rows in file order: one process's split.
  SplitResult parts;
  if (split) {
    parts = split_dataset(home, *split, seed);
  } else {
    parts.train.resize(home.size());
    for (std::size_t i = 0; i < home.size(); ++i) parts.train[i] = static_cast<std::uint32_t>(i);
  }
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(users) + items + 2, 0);
  for (std::uint32_t i : parts.train) ++sizes[home.users[i]], ++sizes[users + home.items[i]];
  sizes[users + items] = parts.train.size();
  sizes[users + items + 1] = parts.test.size();
  comm.sum(sizes.data(), sizes.size());
  s.user_sizes.assign(sizes.begin(), sizes.begin() + users);
  s.item_sizes.assign(sizes.begin() + users, sizes.begin() + users + items);
  s.train_interactions = sizes[users + items];
  s.test_interactions = sizes[users + items + 1];
  sizes = {};
  s.profile = global_profile(comm, home, parts.train, s.user_sizes, s.item_sizes);
  s.user_bounds = shard::partition_rows(s.user_sizes, factors, n);
  s.item_bounds = shard::partition_rows(s.item_sizes, factors, n);

  // Each train interaction to its user's solver and its item's solver; each test one to its user's solver.
  const std::size_t train = parts.train.size();
  const auto entry = [&](std::size_t i) {  // i < 2·train: train interaction i/2 for its user (even i) or item
    if (i < 2 * train) {
      const std::uint32_t k = parts.train[i / 2];
      return Entry{home.users[k], home.items[k], home.values[k], i % 2 == 0 ? kTrainUser : kTrainItem};
    }
    const std::uint32_t k = parts.test[i - 2 * train];
    return Entry{home.users[k], home.items[k], home.values[k], kTest};
  };
  Buffer<Entry> mine = route<Entry>(
      comm, 2 * train + parts.test.size(),
      [&](std::size_t i) {
        const Entry e = entry(i);
        return e.kind == kTrainItem ? owner(s.item_bounds, e.item) : owner(s.user_bounds, e.user);
      },
      entry);
  parts = {};
  // The home rows are in the entries now: keep only the ids (the split's counts are in the totals above).
  Dataset& held = s.data.home;
  std::vector<std::uint32_t>().swap(held.users), std::vector<std::uint32_t>().swap(held.items);
  std::vector<float>().swap(held.values);
  std::vector<std::int64_t>().swap(held.timestamps);
  std::vector<std::uint32_t> rows[3], cols[3];
  std::vector<float> values[3];
  for (const Entry& e : mine) {
    rows[e.kind].push_back(e.kind == kTrainItem ? e.item : e.user);
    cols[e.kind].push_back(e.kind == kTrainItem ? e.user : e.item);
    values[e.kind].push_back(e.value);
  }
  Buffer<Entry>().swap(mine);
  s.user_rows = csr_from_triplets(users, items, rows[kTrainUser], cols[kTrainUser], values[kTrainUser]);
  s.item_rows = csr_from_triplets(items, users, rows[kTrainItem], cols[kTrainItem], values[kTrainItem]);
  if (split) s.test_rows = csr_from_triplets(users, items, rows[kTest], cols[kTest], values[kTest]);
  std::uint64_t setup = comm.received_bytes - received_before;
  comm.sum(&setup, 1);
  stats.setup_bytes = setup;
  stats.input_bytes_read = s.data.bytes_read;
  stats.load_seconds = seconds_since(start);
  return s;
}

namespace {

// Bias terms fitted across ranks with fit_biases' arithmetic (baselines.h): an item's sum runs over its row in
// user order, as one process's user-major pass adds to it; every b is computed by the rank owning its row and
// shared with a sum in which the other ranks add zeros.
BiasModel fit_biases_across(Comm& comm, const Shard& s, const BiasOptions& options) {
  const CsrMatrix& ur = s.user_rows;
  const CsrMatrix& ir = s.item_rows;
  double mean[2] = {0, static_cast<double>(ur.nnz())};
  for (float v : ur.data) mean[0] += static_cast<double>(v);
  comm.sum(mean, 2);
  BiasModel m;
  m.global_mean = mean[1] > 0 ? mean[0] / mean[1] : 0.0;
  m.user.assign(ur.rows, 0.0f);
  m.item.assign(ur.cols, 0.0f);
  if (mean[1] == 0) return m;
  const int me = comm.rank();
  const double mu = m.global_mean;
  // b_r = Σ_{c ∈ row r} (v − μ − b_c) / (λ + |row r|) over my rows of one side, given the other side's biases.
  const auto pass = [&](const CsrMatrix& rows, const std::vector<std::uint32_t>& bounds, float lambda,
                        const std::vector<float>& other, std::vector<float>& out) {
    std::fill(out.begin(), out.end(), 0.0f);
    for (std::uint32_t r = bounds[me]; r < bounds[me + 1]; ++r) {
      double sum = 0;
      for (std::uint64_t e = rows.indptr[r]; e < rows.indptr[r + 1]; ++e)
        sum += static_cast<double>(rows.data[e]) - mu - static_cast<double>(other[rows.indices[e]]);
      const double denominator = static_cast<double>(lambda) + rows.row_size(r);
      out[r] = denominator > 0 ? static_cast<float>(sum / denominator) : 0.0f;
    }
    comm.sum(out.data(), out.size());
  };
  for (int it = 0; it < options.iterations; ++it) {
    pass(ir, s.item_bounds, options.item_regularization, m.user, m.item);
    pass(ur, s.user_bounds, options.user_regularization, m.item, m.user);
  }
  return m;
}

// Spark-style routes for one side S: which of my new rows of S each rank needs (the rows its own rows of the
// other side rate), and which rows of S I receive from each rank.
struct Routes {
  std::vector<std::vector<std::uint32_t>> send, receive;
};

Routes plan_routes(Comm& comm, const CsrMatrix& other_rows, const std::vector<std::uint32_t>& other_bounds,
                   const std::vector<std::uint32_t>& bounds, std::uint32_t rows) {
  const int n = comm.size(), me = comm.rank();
  std::vector<std::uint8_t> needed(rows, 0);
  for (std::uint32_t r = other_bounds[me]; r < other_bounds[me + 1]; ++r)
    for (std::uint64_t e = other_rows.indptr[r]; e < other_rows.indptr[r + 1]; ++e) needed[other_rows.indices[e]] = 1;
  Routes routes;
  routes.receive.resize(static_cast<std::size_t>(n));
  for (std::uint32_t r = 0; r < rows; ++r)
    if (needed[r] && !(r >= bounds[me] && r < bounds[me + 1])) routes.receive[owner(bounds, r)].push_back(r);
  std::vector<Bytes> to(static_cast<std::size_t>(n));
  for (int q = 0; q < n; ++q) put_vector(to[q], routes.receive[q]);
  for (const Bytes& b : comm.alltoall(to)) routes.send.push_back(Reader(b).get_vector<std::uint32_t>());
  return routes;
}

void exchange_blocks(Comm& comm, const Routes& routes, Factors& f) {
  const std::size_t row_bytes = f.cols * sizeof(float);
  std::vector<std::uint64_t> counts;
  std::size_t total = 0;
  for (const auto& rows : routes.send) counts.push_back(rows.size()), total += rows.size();
  std::vector<float> send(total * f.cols), got;
  float* at = send.data();
  for (const auto& rows : routes.send)
    for (std::uint32_t r : rows) at = std::copy(f.row(r), f.row(r) + f.cols, at);
  comm.alltoall(send.data(), counts, row_bytes, [&](std::uint64_t n) -> void* {
    got.resize(n * f.cols);
    return got.data();
  });
  const float* from = got.data();
  for (const auto& rows : routes.receive)
    for (std::uint32_t r : rows) {
      std::copy(from, from + f.cols, f.row(r));
      from += f.cols;
    }
}

void allgather_side(Comm& comm, const std::vector<std::uint32_t>& bounds, Factors& f) {
  std::vector<std::uint32_t> displs(bounds.begin(), bounds.end() - 1), counts(displs.size());
  for (std::size_t r = 0; r < counts.size(); ++r) counts[r] = bounds[r + 1] - bounds[r];
  comm.allgather_rows(f.data.data(), f.cols, displs, counts);
}

// G = Σ over all rows of `side` of f fᵀ: my rows' part summed across ranks, or (exact) every 2048-row block's
// Gramian gathered and added in block order, as one process adds them.
Status gramian(Comm& comm, AlsTrainer& t, shard::Side side, const std::vector<std::uint32_t>& bounds, bool exact,
               std::vector<float>& g) {
  const int n = comm.size(), me = comm.rank();
  const std::size_t kk = g.size();
  if (!exact) {
    ALSREC_RETURN_IF_ERROR(shard::partial_gramian(t, side, bounds[me], bounds[me + 1], g.data()));
    comm.sum(g.data(), kk);
    return Status::ok();
  }
  const auto blocks = shard::gramian_blocks(t, side);
  const auto first = static_cast<std::uint32_t>(std::uint64_t{blocks} * me / n);
  const auto last = static_cast<std::uint32_t>(std::uint64_t{blocks} * (me + 1) / n);
  std::vector<float> mine((last - first) * kk);
  ALSREC_RETURN_IF_ERROR(shard::block_gramians(t, side, first, last, mine.data()));
  Bytes packed(mine.size() * sizeof(float));
  if (!mine.empty()) std::memcpy(packed.data(), mine.data(), packed.size());
  std::vector<float> all;
  for (const Bytes& b : comm.allgather(packed)) {
    const std::size_t at = all.size();
    all.resize(at + b.size() / sizeof(float));
    if (!b.empty()) std::memcpy(all.data() + at, b.data(), b.size());
  }
  std::copy(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kk), g.begin());
  for (std::size_t b = 1; b < blocks; ++b)
    for (std::size_t j = 0; j < kk; ++j) g[j] += all[b * kk + j];
  return Status::ok();
}

}  // namespace

Status fit(const std::string& command, Comm& comm, Shard& s, const AlsOptions& options, const Flags& flags,
           Trained& out, ExchangeStats& stats, const ProgressCallback& progress) {
  const int n = comm.size(), me = comm.rank();
  const bool blocks = flags.exchange == "blocks";
  stats.ranks = n;
  stats.exchange = blocks ? "blocks" : "allgather";
  CsrMatrix user_rows = s.user_rows, item_rows = s.item_rows;
  if (options.biases) {  // explicit ALS on the residuals of the bias terms (baselines.h)
    out.biases = fit_biases_across(comm, s, BiasOptions{});
    for (std::uint32_t u = s.user_bounds[me]; u < s.user_bounds[me + 1]; ++u)
      for (std::uint64_t e = user_rows.indptr[u]; e < user_rows.indptr[u + 1]; ++e)
        user_rows.data[e] = static_cast<float>(static_cast<double>(user_rows.data[e]) -
                                               out.biases.predict(u, user_rows.indices[e]));
    for (std::uint32_t i = s.item_bounds[me]; i < s.item_bounds[me + 1]; ++i)
      for (std::uint64_t e = item_rows.indptr[i]; e < item_rows.indptr[i + 1]; ++e)
        item_rows.data[e] = static_cast<float>(static_cast<double>(item_rows.data[e]) -
                                               out.biases.predict(item_rows.indices[e], i));
  }
  auto created = shard::create(std::move(user_rows), std::move(item_rows), s.user_sizes, s.item_sizes,
                                          options);
  // (A value whose confidence is not finite is met by the ranks holding its user and its item: settled.)
  ALSREC_RETURN_IF_ERROR(settle(comm, created ? Status::ok() : created.status()));
  AlsTrainer& t = **created;
  using Side = shard::Side;
  Routes user_routes, item_routes;
  if (blocks) {
    user_routes = plan_routes(comm, s.item_rows, s.item_bounds, s.user_bounds, t.user_factors().rows);
    item_routes = plan_routes(comm, s.user_rows, s.user_bounds, s.item_bounds, t.item_factors().rows);
  }
  const std::size_t kk = static_cast<std::size_t>(options.factors) * options.factors;
  std::vector<float> g(kk);
  const auto start = Clock::now();
  const std::uint64_t received_before = comm.received_bytes;
  std::uint64_t loss_bytes = 0;
  double communication = 0;
  int done = 0;
  // One half-iteration: solve my rows of `side` against the other side's factors, then share them.
  const auto half = [&](Side side, Side other, const std::vector<std::uint32_t>& bounds,
                        const std::vector<std::uint32_t>& other_bounds, const Routes& routes) -> Status {
    auto t0 = Clock::now();
    ALSREC_RETURN_IF_ERROR(gramian(comm, t, other, other_bounds, flags.exact_gramian(), g));
    communication += seconds_since(t0);
    ALSREC_RETURN_IF_ERROR(shard::solve_rows(t, side, bounds[me], bounds[me + 1], g.data()));
    Factors& f = side == Side::kUsers ? t.mutable_user_factors() : t.mutable_item_factors();
    t0 = Clock::now();
    if (blocks) exchange_blocks(comm, routes, f);
    else allgather_side(comm, bounds, f);
    communication += seconds_since(t0);
    return Status::ok();
  };
  while (t.iteration() < options.iterations) {
    const auto t0 = Clock::now();
    Status st = half(Side::kUsers, Side::kItems, s.user_bounds, s.item_bounds, user_routes);
    if (st.is_ok()) st = half(Side::kItems, Side::kUsers, s.item_bounds, s.user_bounds, item_routes);
    // A failed solve is this rank's alone (the others wait in an exchange): end the job here.
    if (!st.is_ok()) abort_job(command, st);
    // Factors gone non-finite may be seen by every rank: settled, so it is reported once.
    st = settle(comm, shard::complete_iteration(t, false));
    if (!st.is_ok()) abort_job(command, st);
    ++done;
    double loss = std::nan("");
    if (options.compute_loss) {  // Σ over ranks of their rows' share of the objective, ÷ nnz
      const std::uint64_t before = comm.received_bytes;
      Status gs = shard::partial_gramian(t, Side::kItems, s.item_bounds[me], s.item_bounds[me + 1], g.data());
      comm.sum(g.data(), kk);
      auto part = gs.is_ok() ? shard::partial_loss(t, s.user_bounds[me], s.user_bounds[me + 1], s.item_bounds[me],
                                              s.item_bounds[me + 1], g.data())
                             : Result<double>(gs);
      if (!part) abort_job(command, part.status());
      double total = *part;
      comm.sum(&total, 1);
      loss = total / static_cast<double>(std::max<std::uint64_t>(s.train_interactions, 1));
      loss_bytes += comm.received_bytes - before;
      if (!std::isfinite(loss)) {  // the same sum on every rank: rank 0 reports it, the others wait in settle
        const Status diverged = Status::numerical("training diverged at iteration " + std::to_string(t.iteration()) +
                                                  "; lower alpha or raise regularization");
        return settle(comm, diverged);
      }
    }
    out.final_loss = loss;
    if (me == 0 && progress) {
      TrainProgress p;
      p.iteration = t.iteration();
      p.iterations = options.iterations;
      p.loss = loss;
      p.seconds = seconds_since(t0);
      p.elapsed = seconds_since(start);
      progress(p);  // (no cancelling a job every rank is in)
    }
  }
  std::uint64_t exchanged = comm.received_bytes - received_before - loss_bytes;
  const double seconds = seconds_since(start);
  if (blocks) {  // every rank ends with the full factors (the model, the metrics)
    allgather_side(comm, s.user_bounds, t.mutable_user_factors());
    allgather_side(comm, s.item_bounds, t.mutable_item_factors());
  }
  comm.sum(&exchanged, 1);
  if (done > 0) {
    stats.bytes_per_iteration = exchanged / static_cast<std::uint64_t>(done);
    stats.seconds_per_iteration = seconds / done;
    stats.communication_seconds_per_iteration = communication / done;
  }
  out.iterations_done = t.iteration();
  out.user_factors = t.user_factors();
  out.item_factors = t.item_factors();
  if (options.biases) append_bias_columns(out.biases, out.user_factors, out.item_factors);
  return Status::ok();
}

CsrMatrix gather_train(Comm& comm, const Shard& s) {
  const int me = comm.rank();
  const CsrMatrix& m = s.user_rows;
  const std::uint64_t first = m.indptr[s.user_bounds[me]], end = m.indptr[s.user_bounds[me + 1]];
  std::uint32_t u = s.user_bounds[me];
  const Buffer<Entry> all = route<Entry>(
      comm, end - first, [](std::size_t) { return 0; },
      [&](std::size_t i) {  // called in order of i in each pass: walk the rows alongside
        const std::uint64_t e = first + i;
        if (i == 0) u = s.user_bounds[me];
        while (m.indptr[u + 1] <= e) ++u;
        return Entry{u, m.indices[e], m.data[e], 0};
      });
  if (me != 0) return CsrMatrix{};
  std::vector<std::uint32_t> r(all.size()), c(all.size());
  std::vector<float> v(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) r[k] = all[k].user, c[k] = all[k].item, v[k] = all[k].value;
  return csr_from_triplets(m.rows, m.cols, r, c, v);
}

namespace {

// Averages over disjoint user sets, weighted by their evaluated users; coverage from the union of top-K items.
RankingMetrics combine(Comm& comm, const RankingMetrics& mine, const std::vector<std::uint8_t>& recommended) {
  const double w = static_cast<double>(mine.users);
  double sums[7] = {w, mine.recall * w, mine.precision * w, mine.ndcg * w, mine.map * w, mine.hit_rate * w,
                    mine.auc * w};
  comm.sum(sums, 7);
  std::vector<std::uint64_t> union_(recommended.begin(), recommended.end());
  comm.sum(union_.data(), union_.size());
  RankingMetrics m = mine;
  m.users = static_cast<std::size_t>(sums[0]);
  const double users = std::max(sums[0], 1.0);
  m.recall = sums[1] / users, m.precision = sums[2] / users, m.ndcg = sums[3] / users;
  m.map = sums[4] / users, m.hit_rate = sums[5] / users, m.auc = sums[6] / users;
  const auto covered = std::count_if(union_.begin(), union_.end(), [](std::uint64_t x) { return x > 0; });
  m.coverage = union_.empty() ? 0.0 : static_cast<double>(covered) / static_cast<double>(union_.size());
  return m;
}

RatingErrors combine(Comm& comm, const RatingErrors& e) {
  const double c = static_cast<double>(e.count);
  double sums[3] = {c, e.rmse * e.rmse * c, e.mae * c};
  comm.sum(sums, 3);
  RatingErrors out;
  out.count = static_cast<std::size_t>(sums[0]);
  if (sums[0] > 0) out.rmse = std::sqrt(sums[1] / sums[0]), out.mae = sums[2] / sums[0];
  return out;
}

}  // namespace

Evaluation evaluate(Comm& comm, const Shard& s, const Trained& trained, const AlsOptions& options, int k) {
  Evaluation out;
  std::vector<std::uint8_t> recommended;
  out.model = combine(comm, evaluate_model(trained.user_factors, trained.item_factors, s.user_rows, s.test_rows, k,
                                           options.threads, &recommended),
                      recommended);
  out.popularity = combine(
      comm, evaluate_popularity(s.user_rows, s.test_rows, k, s.item_sizes, options.threads, &recommended), recommended);
  if (options.confidence == ConfidenceMode::kExplicit) {
    out.has_rating_errors = true;
    out.rating = combine(comm, rating_errors(trained.user_factors, trained.item_factors, s.test_rows));
    // The bias baseline is the model's own bias terms when it has them (the same fit on the same rows).
    const BiasModel biases = options.biases ? trained.biases : fit_biases_across(comm, s, BiasOptions{});
    BiasModel mean = biases;  // μ alone
    std::fill(mean.user.begin(), mean.user.end(), 0.0f);
    std::fill(mean.item.begin(), mean.item.end(), 0.0f);
    out.global_mean = combine(comm, baseline_errors(mean, s.test_rows));
    out.bias = combine(comm, baseline_errors(biases, s.test_rows));
  }
  return out;
}

void add_exchange_json(nlohmann::ordered_json& j, const Flags& flags, const ExchangeStats& stats) {
  if (!flags.distributed) return;
  j["ranks"] = stats.ranks;
  j["exchange"] = stats.exchange;
  j["gramian"] = flags.exact_gramian() ? "exact" : "sum";
  j["bytes_exchanged_per_iteration"] = stats.bytes_per_iteration;
  j["setup_bytes_exchanged"] = stats.setup_bytes;
  j["input_bytes_read_by_rank0"] = stats.input_bytes_read;
  j["load_seconds"] = stats.load_seconds;
  j["seconds_per_iteration"] = stats.seconds_per_iteration;
  j["communication_seconds_per_iteration"] = stats.communication_seconds_per_iteration;
}

}  // namespace alsrec::cli::distributed
