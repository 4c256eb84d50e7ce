// `--distributed`: train as one rank of `mpirun -np N alsrec train|evaluate --distributed …` (Open MPI).
//
// Every rank reads the whole ratings file (so user and item ids map to the same rows everywhere), then owns one
// contiguous range of users and one of items (AlsTrainer::partition_rows: balanced by k + nonzeros per row). Per
// half-iteration, for side S against the fixed side O:
//     G = allreduce_sum(YᵀY over my rows of O)        k² floats
//     solve my rows of S with the core's row solver    (AlsTrainer::solve_rows)
//     allgatherv my new rows of S                      every rank ends with all of S
// Rank 0 computes the loss, draws progress, writes the model and prints. A failure on any rank prints that rank's
// message and ends the whole job (MPI_Abort) with the command's usual exit code, so no rank waits forever.
// Without ALSREC_HAVE_MPI every entry point reports that this build has no MPI.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "alsrec/alsrec.h"

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

struct ExchangeStats {
  int ranks = 1;
  // The bytes every rank receives in one iteration, summed over ranks: per half-iteration each rank receives the
  // reduced k×k Gramian (4k² bytes) and the other ranks' new rows of that side (4k per row), so
  //     N · 8k² + (N − 1) · (users + items) · 4k      (the payload; MPI's own framing is not counted)
  // and with exact Gramians (N − 1)·(user blocks + item blocks)·4k² in place of N · 8k².
  std::uint64_t bytes_per_iteration = 0;
  double seconds_per_iteration = 0;  // wall time on rank 0, including the loss when compute_loss is on
  double communication_seconds_per_iteration = 0;  // of which in the allreduces and allgathers (rank 0)
};

// Runs the trainer's remaining iterations across the ranks (all ranks call it with identical trainers); progress is
// called on rank 0 only. On return every rank holds the full factors; a non-ok Status is the same on every rank
// only for failures every rank sees (a failed solve on one rank aborts the job instead).
// `command` names the command in an abort message. exact (`--exact-gramian`): instead of the allreduce, gather the
// Gramian of every 2048-row block (AlsTrainer::block_gramians) and sum them in block order, as one process does:
// the factors are then bit-identical to one process's, for (blocks − own blocks)·4k² bytes per rank and half-step
// instead of 4k² (about k/2048 of the factor rows' traffic: 6% at k = 128).
Status fit(const std::string& command, AlsTrainer& trainer, bool exact, ExchangeStats& stats,
           const ProgressCallback& progress = nullptr);

// --distributed and --exact-gramian, as `train` and `evaluate` take them.
struct Flags {
  bool distributed = false;
  bool exact_gramian = false;
};
void add_flags(CLI::App& app, Flags& flags, const std::string& command);

// How a command reports a failure: in a distributed run every rank must end (the others may wait in a collective),
// so it aborts the job; otherwise the usual `fail`. start_run() also starts MPI for a distributed run; a failure to
// start is reported through `started`.
using FailureHandler = std::function<int(const Status&)>;
FailureHandler start_run(const Flags& flags, const std::string& command, Status& started);

// The exchange figures added to a command's JSON in a distributed run (nothing otherwise).
void add_exchange_json(nlohmann::ordered_json& j, const Flags& flags, const ExchangeStats& stats);

}  // namespace alsrec::cli::distributed
