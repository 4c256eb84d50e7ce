// A small fixed pool: parallel_for over a fixed list of tasks (row chunks), each task run by exactly one thread.
// Compiled down to an inline loop when ALSREC_HAVE_THREADS is not defined (the single-threaded wasm build).
//
// Determinism: callers partition work by the data only (never by the thread count) and give every task its own
// output, so results do not depend on how many threads ran them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace alsrec {

class ThreadPool {
 public:
  // `threads` counts the calling thread too; clamped to >= 1 (and to 1 in builds without threads).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  // Calls task(t, thread) for every t in [0, tasks) exactly once; `thread` is in [0, size()) and indexes the caller's
  // per-thread scratch. Blocks until all tasks are done. Not re-entrant.
  void run(std::size_t tasks, const std::function<void(std::size_t task, int thread)>& task);

 private:
  struct Shared;
  int size_ = 1;
  std::unique_ptr<Shared> shared_;
};

// Contiguous row ranges [first, last) whose costs (cost(r) per row) are roughly equal. The partition depends only on
// the costs and `max_chunks`, never on the thread count.
std::vector<std::pair<std::uint32_t, std::uint32_t>> balanced_chunks(
    std::uint32_t rows, const std::function<double(std::uint32_t)>& cost, std::size_t max_chunks = 64);

}  // namespace alsrec
