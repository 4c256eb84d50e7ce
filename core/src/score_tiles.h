// Scores of blocks of users against tiles of items, and the bounded top-n they feed, shared by the ranking metrics
// (metrics.cpp) and recommendation (recommend.cpp): at most kBlockScores scores per block (8 MB), so a large catalogue is cut into
// tiles of ≤ kTileItems items instead of shrinking the block to a few users (which made the GEMM repack the whole
// item matrix every few users: 3.5 min to evaluate a 340k-item catalogue).
#pragma once

#include "solver_simd.h"  // first: Eigen through solver_eigen.h

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/recommend.h"

namespace alsrec {
namespace detail {

constexpr std::size_t kBlockScores = std::size_t{1} << 21;  // scores per block: 8 MB
constexpr std::size_t kBlockUsers = 1024;
constexpr std::uint32_t kTileItems = static_cast<std::uint32_t>(kBlockScores / kBlockUsers);  // 2048

// The width of equal tiles of ≤ kTileItems covering `items` (all of them when they fit in one).
inline std::uint32_t tile_width(std::uint32_t items) {
  const std::uint32_t tiles = std::max<std::uint32_t>(1, (items + kTileItems - 1) / kTileItems);
  return (items + tiles - 1) / tiles;
}

// The ranking order everywhere: higher score first, then lower index.
inline bool better(const ScoredItem& x, const ScoredItem& y) {
  return x.score > y.score || (x.score == y.score && x.index < y.index);
}

// Keeps the best n candidates in a heap whose front is the worst kept one. NaN scores are never kept.
class TopN {
 public:
  explicit TopN(std::size_t n = 0) : n_(n) { heap_.reserve(n); }
  void reset() { heap_.clear(); }
  void reset(std::size_t n) {
    n_ = n;
    heap_.clear();
  }
  void offer(std::uint32_t index, float score) {
    if (n_ == 0 || std::isnan(score)) return;
    const ScoredItem c{index, score};
    if (heap_.size() < n_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (better(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  // Once full, a score not above the worst kept one's cannot enter from a higher index than every kept one.
  bool full() const { return n_ > 0 && heap_.size() == n_; }
  float worst_score() const { return heap_.front().score; }
  std::vector<ScoredItem> take_sorted() {
    std::sort_heap(heap_.begin(), heap_.end(), better);  // ascending under `better`: best first
    std::vector<ScoredItem> out(heap_.begin(), heap_.end());
    heap_.clear();
    return out;
  }

 private:
  std::size_t n_;
  std::vector<ScoredItem> heap_;
};

// Offers the items begin + i (i < width, skip[i] == 0) with scores[i] to `top`. Tiles must come in index order,
// so an equal score never displaces an earlier, lower index. Once the heap is full, a chunk of 32 scores none of
// which beats its worst is passed over on one branch-free compare (an integer OR, which vectorises without
// -ffast-math): most chunks are.
inline void offer_tile(TopN& top, const float* scores, std::uint32_t begin, std::uint32_t width,
                       const std::uint8_t* skip) {
  constexpr std::uint32_t kChunk = 32;
  for (std::uint32_t i = 0; i < width; i += kChunk) {
    const std::uint32_t stop = std::min(width, i + kChunk);
    if (stop - i == kChunk && top.full()) {
      const float worst = top.worst_score();
      std::uint32_t beats = 0;
      for (std::uint32_t c = 0; c < kChunk; ++c) beats |= static_cast<std::uint32_t>(scores[i + c] > worst);
      if (beats == 0) continue;
    }
    for (std::uint32_t c = i; c < stop; ++c)
      if (!skip[c]) top.offer(begin + c, scores[c]);
  }
}

// One thread's scores of a block of users against a tile of items, scoresᵀ (tile × users, column-major, i.e. the
// row-major users × tile block) = Y_tile · Xᵀ, with its buffers kept from call to call.
// Natively: Eigen's GEMM kernel with its packing buffers kept. Eigen's product expression allocates them on every
// call, and the CLI maps blocks of 1 MiB and more on their own (native/main.cpp): a fresh, page-faulting mapping per
// tile cost a third of the evaluation on a 340k-item catalogue.
// In wasm Eigen has no SIMD path (EIGEN_VECTORIZE stays undefined with -msimd128) and its GEMM runs scalar: the tile
// is transposed into a panel (factors × items) and multiplied by the register-tiled SIMD128 kernel.
class TileProduct {
 public:
  TileProduct(Eigen::Index max_items, Eigen::Index max_users, Eigen::Index factors)
#if defined(EIGEN_VECTORIZE)
      : blocking_(max_items, max_users, std::max<Eigen::Index>(factors, 1), 1, true),
#else
      : panel_(static_cast<std::size_t>(max_items * factors)),
#endif
        users_(static_cast<std::size_t>(max_users * factors)),
        factors_(factors) {
#if defined(EIGEN_VECTORIZE)
    blocking_.allocateAll();  // else the kernel allocates its packing buffers on every call
#endif
  }

  // out[j·(end − begin) + (i − begin)] = x_{users[j]} · y_i; users without a factor row score 0.
  void run(const Factors& x, const Factors& y, const std::uint32_t* users, std::size_t count, std::uint32_t begin,
           std::uint32_t end, float* out) {
    const Eigen::Index f = factors_, width = end - begin, n = static_cast<Eigen::Index>(count);
    for (std::size_t j = 0; j < count; ++j) {
      float* row = users_.data() + static_cast<std::ptrdiff_t>(j) * f;
      if (users[j] < x.rows) std::copy(x.row(users[j]), x.row(users[j]) + f, row);
      else std::fill(row, row + f, 0.0f);
    }
    if (f == 0) {
      std::fill(out, out + width * n, 0.0f);
      return;
    }
#if defined(EIGEN_VECTORIZE)
    std::fill(out, out + width * n, 0.0f);  // the kernel accumulates
    Gemm::run(width, n, f, y.row(begin), f, users_.data(), f, out, 1, width, 1.0f, blocking_);
#else
    for (Eigen::Index i = 0; i < width; ++i) {  // panel column l = factor l of the tile's items
      const float* yi = y.row(begin + static_cast<std::uint32_t>(i));
      for (Eigen::Index l = 0; l < f; ++l) panel_[static_cast<std::size_t>(l * width + i)] = yi[l];
    }
    detail::simd::multiply_panel(panel_.data(), width, f, users_.data(), out, n);
#endif
  }

 private:
#if defined(EIGEN_VECTORIZE)
  using Gemm = Eigen::internal::general_matrix_matrix_product<Eigen::Index, float, Eigen::RowMajor, false, float,
                                                              Eigen::ColMajor, false, Eigen::ColMajor, 1>;
  Eigen::internal::gemm_blocking_space<Eigen::ColMajor, float, float, Eigen::Dynamic, Eigen::Dynamic, Eigen::Dynamic,
                                       1, false>
      blocking_;
#else
  std::vector<float> panel_;  // the tile's item factors, factors × items (column l: factor l)
#endif
  std::vector<float> users_;  // the block's user factors, row-major (Xᵀ column-major)
  Eigen::Index factors_;
};

}  // namespace detail
}  // namespace alsrec
