// Building blocks for training across processes (MPI-free; the native CLI's `--distributed` drives them).
//
// A process owning rows [begin, end) of each side runs, for each half-iteration "side S against the fixed side O":
//     G = Σ over processes of partial_gramian(O, its rows of O)     (an allreduce)
//     solve_rows(S, its rows of S, G)                               (the same row solver as AlsTrainer::step())
//     then shares its new rows of S with every other process        (an allgather)
// and complete_iteration() after both halves. With one process owning everything this is step()'s arithmetic
// bit for bit; across processes only the order of the Gramian's sum changes (float rounding).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "alsrec/als.h"

namespace alsrec {
namespace shard {

enum class Side { kUsers, kItems };

// parts + 1 increasing row boundaries (first 0, last the row count) cutting `side` into `parts` contiguous ranges of
// about equal solve cost (k + nonzeros per row). Boundaries fall on the trainer's own work chunks, so a range is
// solved in exactly the row blocks step() uses. parts ≥ 1; a range may be empty when rows are few.
std::vector<std::uint32_t> partition_rows(const AlsTrainer& trainer, Side side, int parts);
// The same boundaries from the rows' nonzero counts alone (what a process knows before it holds the rows):
// partition_rows(trainer, side, parts) == partition_rows(row sizes of side, options.factors, parts).
std::vector<std::uint32_t> partition_rows(const std::vector<std::uint32_t>& row_sizes, int factors, int parts);

// A trainer for one process of a distributed run that holds only its own rows. user_rows (users × items) and
// item_rows (items × users) have the full shape but nonzeros only in the rows this process solves (each such row
// complete); user_sizes / item_sizes give every row's nonzero count over all processes, so λ_u, the work chunks,
// partition_rows and the row blocks of solve_rows are exactly those of one process holding everything. Factors are
// initialised in full, as AlsTrainer::create() does. Then drive it with partial_gramian / solve_rows /
// complete_iteration (with_loss = false) and partial_loss; step(), fit() and compute_loss() see only the rows held.
Result<std::unique_ptr<AlsTrainer>> create(CsrMatrix user_rows, CsrMatrix item_rows,
                                           const std::vector<std::uint32_t>& user_sizes,
                                           const std::vector<std::uint32_t>& item_sizes, const AlsOptions& options);

// This process's share of the objective, not yet divided by nnz: over user rows [user_begin, user_end)
//     Σ_obs (a s² − 2 b s + k) + λ_u‖x_u‖² + w₀ x_uᵀ G_Y x_u       (G_Y = item_gramian, YᵀY over all items)
// plus Σ λ_i‖y_i‖² over item rows [item_begin, item_end). Summed over processes whose ranges cover both sides
// once, and divided by the total nnz, it is compute_loss() of one process (up to float summation order). The
// nonzero count of the rows held is partial_nnz(). item_gramian may be null when w₀ = 0.
Result<double> partial_loss(const AlsTrainer& trainer, std::uint32_t user_begin, std::uint32_t user_end,
                            std::uint32_t item_begin, std::uint32_t item_end, const float* item_gramian);
std::uint64_t partial_nnz(const AlsTrainer& trainer, std::uint32_t user_begin, std::uint32_t user_end);

// out (k×k, symmetric, so row- and column-major alike) = Σ_{r ∈ [begin, end)} f_r f_rᵀ over `side`'s current factors,
// unscaled, summed in the trainer's fixed 2048-row blocks. Empty range → zeros. kInvalidArgument on a bad range.
Status partial_gramian(AlsTrainer& trainer, Side side, std::uint32_t begin, std::uint32_t end, float* out);

// The Gramian exactly as step() sums it, for results bit-identical to one process: step() adds the Gramians of
// fixed blocks of kGramianBlockRows rows in block order, G = B₀ + B₁ + … (float adds, left to right). A process
// computes blocks [first, last) of `side` into out ((last − first) k×k matrices, one after another); once every
// block is gathered, the caller sums them in that order and passes G to solve_rows.
constexpr std::uint32_t kGramianBlockRows = 2048;
std::uint32_t gramian_blocks(const AlsTrainer& trainer, Side side);  // ⌈rows / kGramianBlockRows⌉
Status block_gramians(AlsTrainer& trainer, Side side, std::uint32_t first, std::uint32_t last, float* out);

// Solves rows [begin, end) of `side` against the other side's current factors, with G = YᵀY of those factors
// given (k×k floats); the trainer scales it by w₀ itself. kNumerical on a failed solve, kInvalidArgument on a bad
// range. Rows outside the range are left untouched.
Status solve_rows(AlsTrainer& trainer, Side side, std::uint32_t begin, std::uint32_t end, const float* gramian);

// Ends an iteration driven by solve_rows: counts it, checks the factors are finite and (with compute_loss and
// `with_loss`) computes the loss step() would, which last_loss() then returns.
Status complete_iteration(AlsTrainer& trainer, bool with_loss = true);

}  // namespace shard
}  // namespace alsrec
