// MPI driver for AlsTrainer's partial_gramian / solve_rows / complete_iteration (see distributed.h).
#include "distributed.h"

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "cli_common.h"

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
  std::cerr << "alsrec " << command << ": error (rank " << rank() << " of " << ranks() << "): " << status.message()
            << std::endl;
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

namespace {

// One half-iteration: solve my rows of `side` against the full factors of the other side, then share them.
Status half_step(AlsTrainer& t, AlsTrainer::Side side, const std::vector<std::uint32_t>& mine,
                 const std::vector<std::uint32_t>& other_rows, std::vector<float>& partial, std::vector<float>& g,
                 MPI_Datatype row_type, bool exact, MPI_Datatype block_type, double& communication_seconds) {
  const int me = rank(), n = ranks();
  const AlsTrainer::Side other = side == AlsTrainer::Side::kUsers ? AlsTrainer::Side::kItems : AlsTrainer::Side::kUsers;
  auto t0 = std::chrono::steady_clock::now();
  if (!exact) {  // G = Σ_ranks (my rows' YᵀY): MPI's summation order
    ALSREC_RETURN_IF_ERROR(t.partial_gramian(other, other_rows[me], other_rows[me + 1], partial.data()));
    t0 = std::chrono::steady_clock::now();
    MPI_Allreduce(partial.data(), g.data(), static_cast<int>(g.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  } else {  // every 2048-row block's Gramian gathered, then summed in block order as one process does
    const int blocks = static_cast<int>(t.gramian_blocks(other));
    std::vector<int> counts(n), displs(n);
    for (int r = 0; r < n; ++r) {
      displs[r] = r * blocks / n;
      counts[r] = (r + 1) * blocks / n - displs[r];
    }
    partial.resize(static_cast<std::size_t>(blocks) * g.size());
    ALSREC_RETURN_IF_ERROR(t.block_gramians(other, static_cast<std::uint32_t>(displs[me]),
                                            static_cast<std::uint32_t>(displs[me] + counts[me]),
                                            partial.data() + static_cast<std::size_t>(displs[me]) * g.size()));
    t0 = std::chrono::steady_clock::now();
    MPI_Allgatherv(MPI_IN_PLACE, 0, block_type, partial.data(), counts.data(), displs.data(), block_type,
                   MPI_COMM_WORLD);
    std::copy(partial.begin(), partial.begin() + static_cast<std::ptrdiff_t>(g.size()), g.begin());
    for (int b = 1; b < blocks; ++b)
      for (std::size_t j = 0; j < g.size(); ++j) g[j] += partial[static_cast<std::size_t>(b) * g.size() + j];
  }
  communication_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ALSREC_RETURN_IF_ERROR(t.solve_rows(side, mine[me], mine[me + 1], g.data()));
  std::vector<int> counts(n), displs(n);  // in rows (row_type = k floats), so int counts reach 2³¹ rows
  for (int r = 0; r < n; ++r) {
    counts[r] = static_cast<int>(mine[r + 1] - mine[r]);
    displs[r] = static_cast<int>(mine[r]);
  }
  Factors& f = side == AlsTrainer::Side::kUsers ? t.mutable_user_factors() : t.mutable_item_factors();
  t0 = std::chrono::steady_clock::now();
  MPI_Allgatherv(MPI_IN_PLACE, 0, row_type, f.data.data(), counts.data(), displs.data(), row_type, MPI_COMM_WORLD);
  communication_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return Status::ok();
}

}  // namespace

Status fit(const std::string& command, AlsTrainer& t, bool exact, ExchangeStats& stats,
           const ProgressCallback& progress) {
  const int n = ranks(), me = rank();
  const int k = t.options().factors;
  const auto users = t.partition_rows(AlsTrainer::Side::kUsers, n);
  const auto items = t.partition_rows(AlsTrainer::Side::kItems, n);
  stats.ranks = n;
  const std::uint64_t kk = static_cast<std::uint64_t>(k) * k;
  const std::uint64_t gramians = exact ? static_cast<std::uint64_t>(n - 1) *
                                             (t.gramian_blocks(AlsTrainer::Side::kUsers) +
                                              t.gramian_blocks(AlsTrainer::Side::kItems)) * 4 * kk
                                       : static_cast<std::uint64_t>(n) * 8 * kk;
  stats.bytes_per_iteration = gramians + static_cast<std::uint64_t>(n - 1) * (users.back() + items.back()) * 4 * k;

  MPI_Datatype row_type;
  MPI_Type_contiguous(k, MPI_FLOAT, &row_type);
  MPI_Type_commit(&row_type);
  MPI_Datatype block_type;
  MPI_Type_contiguous(k * k, MPI_FLOAT, &block_type);
  MPI_Type_commit(&block_type);
  std::vector<float> partial(kk), g(kk);
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  double communication = 0;  // (waiting for the slowest rank included)
  Status st;
  while (st.is_ok() && t.iteration() < t.options().iterations) {
    const auto t0 = std::chrono::steady_clock::now();
    st = half_step(t, AlsTrainer::Side::kUsers, users, items, partial, g, row_type, exact, block_type, communication);
    if (!st.is_ok()) abort_job(command, st);  // the others are in a collective: only MPI_Abort frees them
    st = half_step(t, AlsTrainer::Side::kItems, items, users, partial, g, row_type, exact, block_type, communication);
    if (!st.is_ok()) abort_job(command, st);
    st = t.complete_iteration(me == 0);  // every rank holds the same factors: one loss is enough
    ++done;
    if (st.is_ok() && me == 0 && progress) {
      TrainProgress p;
      p.iteration = t.iteration();
      p.iterations = t.options().iterations;
      p.loss = t.last_loss();
      p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      p.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress(p);  // (no cancelling a job every rank is in)
    }
  }
  MPI_Type_free(&row_type);
  MPI_Type_free(&block_type);
  if (done > 0) {
    stats.seconds_per_iteration =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / done;
    stats.communication_seconds_per_iteration = communication / done;
  }
  return st;
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
Status fit(const std::string&, AlsTrainer&, bool, ExchangeStats&, const ProgressCallback&) { return start(); }

#endif

void add_flags(CLI::App& app, Flags& flags, const std::string& command) {
  app.add_flag("--distributed", flags.distributed,
               "Run as one rank of `mpirun -np N alsrec " + command + " --distributed ...` (builds with MPI; rank 0 " +
                   "writes and prints)");
  app.add_flag("--exact-gramian", flags.exact_gramian,
               "With --distributed: gather per-block Gramians and sum them in one process's order (bit-identical "
               "factors; slightly more traffic)");
}

FailureHandler start_run(const Flags& flags, const std::string& command, Status& started) {
  started = flags.distributed ? start() : Status::ok();
  if (!flags.distributed) return [command](const Status& status) { return fail(command, status); };
  return [command](const Status& status) -> int { abort_job(command, status); };
}

void add_exchange_json(nlohmann::ordered_json& j, const Flags& flags, const ExchangeStats& stats) {
  if (!flags.distributed) return;
  j["ranks"] = stats.ranks;
  j["exact_gramian"] = flags.exact_gramian;
  j["bytes_exchanged_per_iteration"] = stats.bytes_per_iteration;
  j["seconds_per_iteration"] = stats.seconds_per_iteration;
  j["communication_seconds_per_iteration"] = stats.communication_seconds_per_iteration;
}

}  // namespace alsrec::cli::distributed
