// `--distributed`: train as one rank of `mpirun -np N alsrec train|evaluate --distributed …` (Open MPI).
//
// Data: each rank reads only its byte range of the input (or of a directory of part files) and the ranks agree on
// every id's index (shard_input.h). Interactions then go to their user's home rank (duplicates, the split), and
// from there, as train rows, to the rank that solves their user and to the rank that solves their item: rank r
// owns one contiguous range of users and one of items (shard::partition_rows: balanced by k + nonzeros per
// row) and holds only those rows (shard::create, alsrec/als_shard.h). Every rating is held twice, as in Spark's ALS.
//
// Per half-iteration, for side S against the fixed side O:
//     G = OᵀO over all rows of O: with --gramian exact (the default with allgather) every 2048-row block's
//         Gramian is gathered and they are added in one process's order, so the factors are bit-identical to
//         one process's; with sum (the default with blocks) allreduce_sum(OᵀO over my rows of O), k² floats,
//         whose summation order differs from one process's in the last bits (CG amplifies that: see README)
//     solve my rows of S with the core's row solver    (shard::solve_rows)
//     exchange my new rows of S:
//       allgather  every rank receives every other rank's rows            (N − 1)·|S|·4k bytes per rank
//       blocks     each row goes only to the ranks whose rows of O rate it (Spark's in/out blocks): per rank,
//                  the rows of S its own rows of O reference, less its own
// The loss is summed across ranks (shard::partial_loss). Rank 0 draws progress, writes the model and prints.
// A failure on any rank prints that rank's message and ends the whole job (MPI_Abort) with the command's usual
// exit code, so no rank waits forever. Without ALSREC_HAVE_MPI every entry point reports that this build has no MPI.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "alsrec/alsrec.h"
#include "alsrec/baselines.h"
#include "comm.h"
#include "shard_input.h"

namespace alsrec::cli::distributed {

bool available();  // built with MPI
// Initialises MPI once (idempotent). kInvalidArgument when this build has no MPI.
Status start();
int rank();   // 0 without MPI
int ranks();  // 1 without MPI
// Prints "alsrec <command>: error (rank r of N): <message>" to stderr and aborts every rank with exit_code_for(status).
[[noreturn]] void abort_job(const std::string& command, const Status& status);
// Finalises MPI (after the last collective) and returns `code`, for `return distributed::finish(code);`.
int finish(int code);

enum class Exchange { kAllgather, kBlocks };

// --distributed, --exchange and --gramian, as `train` and `evaluate` take them.
struct Flags {
  bool distributed = false;
  std::string exchange = "allgather";
  std::string gramian = "auto";  // exact | sum | auto (exact with allgather, sum with blocks)
  bool exact_gramian() const { return gramian == "exact" || (gramian == "auto" && exchange == "allgather"); }
};
void add_flags(CLI::App& app, Flags& flags, const std::string& command);

// How a command reports a failure: in a distributed run every rank must end (the others may wait in a collective),
// so it aborts the job; otherwise the usual `fail`. start_run() also starts MPI for a distributed run; a failure to
// start is reported through `started`.
using FailureHandler = std::function<int(const Status&)>;
FailureHandler start_run(const Flags& flags, const std::string& command, Status& started);

struct ExchangeStats {
  int ranks = 1;
  std::string exchange = "allgather";
  // Payload bytes received per iteration, summed over ranks: the Gramian allreduces and the factor rows (the
  // loss's few scalars and MPI's own framing not counted). With allgather that is
  //     N · 8k² + (N − 1) · (users + items) · 4k
  // with --gramian sum, and with exact Gramians (N − 1)·(user blocks + item blocks)·4k² in place of N · 8k².
  std::uint64_t bytes_per_iteration = 0;
  std::uint64_t setup_bytes = 0;        // reading: ids, the shuffles of interactions (summed over ranks)
  std::uint64_t input_bytes_read = 0;   // by rank 0
  double seconds_per_iteration = 0;     // wall time on rank 0, including the loss when compute_loss is on
  double communication_seconds_per_iteration = 0;  // of which in the exchanges (rank 0; waiting included)
  double load_seconds = 0;              // read, map ids, shuffle, build the rows (rank 0)
};

// This rank's part of a distributed training job.
struct Shard {
  ShardedDataset data;                                  // every id and the totals (home rows released)
  std::vector<std::uint32_t> user_bounds, item_bounds;  // N + 1 boundaries: rank r solves [b[r], b[r+1])
  CsrMatrix user_rows, item_rows;                       // train rows of my users / my items (full shape)
  CsrMatrix test_rows;                                  // test rows of my users (evaluate; empty otherwise)
  std::vector<std::uint32_t> user_sizes, item_sizes;    // train nonzeros of every user / item (all ranks)
  std::uint64_t train_interactions = 0, test_interactions = 0;  // over all ranks
  DataProfile profile;                                  // of the train part, the same on every rank
};

// Collective: reads the input and builds this rank's rows (split per user with `split` when given).
// Fills stats' load_seconds, setup_bytes and input_bytes_read.
Result<Shard> load_shard(Comm& comm, const std::string& input, const FormatOptions& format, int factors,
                         const SplitSpec* split, std::uint64_t seed, ExchangeStats& stats);

// The trained factors and what the commands report about them.
struct Trained {
  Factors user_factors, item_factors;  // full on every rank; with the bias columns when options.biases
  int iterations_done = 0;
  double final_loss = 0;
  BiasModel biases;                    // options.biases only
};

// Collective: trains on the shard (bias terms first when options.biases) and leaves the full factors on every
// rank. progress is called on rank 0 only.
Status fit(const std::string& command, Comm& comm, Shard& shard, const AlsOptions& options, const Flags& flags,
           Trained& out, ExchangeStats& stats, const ProgressCallback& progress = nullptr);

// Collective: the whole train matrix (users × items) on rank 0, for the model file; empty elsewhere.
CsrMatrix gather_train(Comm& comm, const Shard& shard);

// Collective: ranking metrics (and, for explicit models, rating errors and the rating baselines) of the whole
// test set, equal to one process's up to float summation order; the same on every rank.
struct Evaluation {
  RankingMetrics model, popularity;
  bool has_rating_errors = false;
  RatingErrors rating, global_mean, bias;
};
Evaluation evaluate(Comm& comm, const Shard& shard, const Trained& trained, const AlsOptions& options, int k);

// Collective: the profile of the train part (shape from the global counts, value kind from a sample of every
// rank's train values), identical on every rank, so the options resolve alike everywhere (load_shard calls it).
DataProfile global_profile(Comm& comm, const Dataset& home, const std::vector<std::uint32_t>& train,
                           const std::vector<std::uint32_t>& user_sizes, const std::vector<std::uint32_t>& item_sizes);

// The exchange figures added to a command's JSON in a distributed run (nothing otherwise).
void add_exchange_json(nlohmann::ordered_json& j, const Flags& flags, const ExchangeStats& stats);

}  // namespace alsrec::cli::distributed
