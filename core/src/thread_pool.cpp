#include "thread_pool.h"

#include <algorithm>
#include <atomic>

#ifdef ALSREC_HAVE_THREADS
#include <condition_variable>
#include <mutex>
#include <thread>
#endif

namespace alsrec {

#ifdef ALSREC_HAVE_THREADS

// Workers sleep on `wake` until `generation` changes, then pull task numbers from `next` until none are left.
// run() returns only after every worker has finished the current generation, so no worker can miss one.
struct ThreadPool::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::uint64_t generation = 0;
  int busy = 0;
  bool stop = false;
  const std::function<void(std::size_t, int)>* task = nullptr;
  std::size_t tasks = 0;
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;

  void drain(int thread) {
    for (;;) {
      const std::size_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) return;
      (*task)(t, thread);
    }
  }

  void worker_loop(int thread) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      drain(thread);
      std::lock_guard<std::mutex> lock(mutex);
      if (--busy == 0) done.notify_one();
    }
  }
};

ThreadPool::ThreadPool(int threads) : size_(std::max(1, threads)), shared_(std::make_unique<Shared>()) {
  for (int t = 1; t < size_; ++t) shared_->workers.emplace_back([this, t] { shared_->worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stop = true;
  }
  shared_->wake.notify_all();
  for (auto& w : shared_->workers) w.join();
}

void ThreadPool::run(std::size_t tasks, const std::function<void(std::size_t, int)>& task) {
  if (size_ == 1 || tasks <= 1) {
    for (std::size_t t = 0; t < tasks; ++t) task(t, 0);
    return;
  }
  Shared& s = *shared_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.task = &task;
    s.tasks = tasks;
    s.next.store(0, std::memory_order_relaxed);
    s.busy = static_cast<int>(s.workers.size());
    ++s.generation;
  }
  s.wake.notify_all();
  s.drain(0);
  std::unique_lock<std::mutex> lock(s.mutex);
  s.done.wait(lock, [&] { return s.busy == 0; });
  s.task = nullptr;
}

#else  // no threads: everything runs inline on the caller

struct ThreadPool::Shared {};

ThreadPool::ThreadPool(int /*threads*/) : size_(1) {}
ThreadPool::~ThreadPool() = default;

void ThreadPool::run(std::size_t tasks, const std::function<void(std::size_t, int)>& task) {
  for (std::size_t t = 0; t < tasks; ++t) task(t, 0);
}

#endif

std::vector<std::pair<std::uint32_t, std::uint32_t>> balanced_chunks(
    std::uint32_t rows, const std::function<double(std::uint32_t)>& cost, std::size_t max_chunks) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> chunks;
  if (rows == 0) return chunks;
  max_chunks = std::max<std::size_t>(1, std::min<std::size_t>(max_chunks, rows));
  double total = 0;
  for (std::uint32_t r = 0; r < rows; ++r) total += cost(r);
  const double target = total / static_cast<double>(max_chunks);
  std::uint32_t first = 0;
  double acc = 0;
  for (std::uint32_t r = 0; r < rows; ++r) {
    acc += cost(r);
    if (acc >= target && chunks.size() + 1 < max_chunks) {
      chunks.emplace_back(first, r + 1);
      first = r + 1;
      acc = 0;
    }
  }
  if (first < rows) chunks.emplace_back(first, rows);
  return chunks;
}

}  // namespace alsrec
