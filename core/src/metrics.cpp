// Ranking metrics at K and the popularity baseline (formulas in metrics.h).
//
// The evaluation engine works on blocks of users and tiles of items: a tile scorer fills a (users × tile items) score
// matrix — one GEMM for factor models — and each user's part is ranked on its own, carrying its top-K heap, candidate
// count and AUC counts from tile to tile. Tiles keep a block at ≤ 2M scores (8 MB) with up to 1024 users whatever the
// catalogue: with whole rows a 340k-item catalogue allowed 6 users per block, and the GEMM repacked the whole item
// matrix every 6 users (3.5 min to evaluate a Book-Crossing-sized file). The AUC needs each positive's score before the
// tiles are scanned, so a tiling scorer also scores single (user, item) pairs; one that cannot (a per-user score
// function) gets one tile, the whole catalogue. Per-user results land in per-user slots and are summed in user order
// afterwards, so the averages do not depend on the number of threads.
// The popularity baseline ranks every user by one score vector: it walks a global order instead of scoring.
// GCC 12 with -march=native on AVX-512 reports a false -Wmaybe-uninitialized inside Eigen's float GEMM packing
// (_mm512_undefined_ps in ptranspose). Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "alsrec/metrics.h"

#include "score_tiles.h"  // Eigen through solver_eigen.h
#include "solver_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "thread_pool.h"

namespace alsrec {
namespace {

// Fills out[j·(end − begin) + (i − begin)] with the score of item i for users[j], j < count, begin ≤ i < end.
// `thread` (< the evaluation's thread count) lets the scorer keep per-thread scratch.
using TileScorer = std::function<void(int thread, const std::uint32_t* users, std::size_t count, std::uint32_t begin,
                                      std::uint32_t end, float* out)>;
// The score of one (user, item) pair as the tile scorer gives it (up to rounding: only the AUC reads it).
using PairScorer = std::function<float(std::uint32_t user, std::uint32_t item)>;

using detail::kBlockScores;
using detail::kBlockUsers;
using detail::kTileItems;
using detail::TileProduct;

using detail::TopN;

const float kLowest = -std::numeric_limits<float>::infinity();

struct UserOutcome {
  UserMetrics ranking;
  double auc = 0;
  bool has_auc = false;
  std::uint32_t listed = 0;  // items in the user's top K (fewer when it has fewer candidates)
};

// One user's ranking state, carried across the item tiles.
struct UserState {
  std::vector<std::uint32_t> positives;  // test items not in train, each once
  std::vector<float> positive_scores;    // their scores, sorted (NaN → −∞)
  TopN top;                              // the top K so far (ties: lower index)
  std::uint64_t candidates = 0;          // items not in train
  std::uint64_t above = 0, tied = 0;     // AUC counts over the negatives seen so far
};

// Per-thread scratch, allocated once per thread.
struct Scratch {
  std::vector<std::uint8_t> in_train;  // items × flag, cleared after each use
  std::vector<std::uint8_t> in_test;
  std::vector<float> block_scores;
  std::vector<UserState> users;
};

// Up to this many positives the AUC counts by linear scans: a pass over a tile (≤ 2048 scores) costs ~128 vector
// compares per positive, a binary search ~log₂ P branchy steps per score; by that count (an estimate, not a
// measured crossover) the linear scans stay cheaper past 100 positives.
constexpr std::size_t kLinearPositives = 128;

// For the AUC, over the negatives n of scores[0..width) (flags 0 in both): Σ #{p : s_p > s_n} and Σ #{p : s_p = s_n}
// for the sorted positives' scores. A few positives (the usual case) take one branch-free pass over the tile each,
// which vectorises; many take a binary search per negative.
std::pair<std::uint64_t, std::uint64_t> positives_above(const float* scores, std::uint32_t width,
                                                        const std::uint8_t* in_train, const std::uint8_t* in_test,
                                                        const std::vector<float>& positive) {
  std::uint64_t above = 0, tied = 0;
  if (positive.size() <= kLinearPositives) {
    for (const float p : positive) {
      std::uint32_t a = 0, t = 0;  // per positive: fewer than 2³² items
      for (std::uint32_t i = 0; i < width; ++i) {
        const std::uint32_t negative = (in_train[i] | in_test[i]) == 0;
        a += negative & static_cast<std::uint32_t>(p > scores[i]);
        t += negative & static_cast<std::uint32_t>(p == scores[i]);
      }
      above += a;
      tied += t;
    }
    return {above, tied};
  }
  const auto pb = positive.begin(), pe = positive.end();
  for (std::uint32_t i = 0; i < width; ++i) {
    if (in_train[i] || in_test[i]) continue;
    const auto range = std::equal_range(pb, pe, scores[i]);
    above += static_cast<std::uint64_t>(pe - range.second);
    tied += static_cast<std::uint64_t>(range.second - range.first);
  }
  return {above, tied};
}

struct RowSpan {
  const std::uint32_t* begin;
  const std::uint32_t* end;
};
RowSpan row_of(const CsrMatrix& m, std::uint32_t r) {
  return {m.indices.data() + m.indptr[r], m.indices.data() + m.indptr[r + 1]};
}

// Starts a user: resets the state and lists the positives (test items in range, not in train, each once).
void begin_user(const CsrMatrix& train, const CsrMatrix& test, std::uint32_t user, std::uint32_t items, std::size_t k,
                UserState& u, Scratch& s) {
  u.positives.clear();
  u.positive_scores.clear();
  u.top.reset(k);
  u.candidates = u.above = u.tied = 0;
  const RowSpan tr = row_of(train, user), te = row_of(test, user);
  for (auto p = tr.begin; p != tr.end; ++p)
    if (*p < items) s.in_train[*p] = 1;
  for (auto p = te.begin; p != te.end; ++p)
    if (*p < items && !s.in_train[*p] && !s.in_test[*p]) {
      s.in_test[*p] = 1;
      u.positives.push_back(*p);
    }
  for (auto p = tr.begin; p != tr.end; ++p)
    if (*p < items) s.in_train[*p] = 0;
  for (const std::uint32_t p : u.positives) s.in_test[p] = 0;
}

void set_positive_scores(UserState& u, const std::function<float(std::uint32_t item)>& score) {
  u.positive_scores.clear();
  for (const std::uint32_t p : u.positives) {
    const float x = score(p);
    u.positive_scores.push_back(std::isnan(x) ? kLowest : x);
  }
  std::sort(u.positive_scores.begin(), u.positive_scores.end());
}

// Ranks one user's scores of items [begin, begin + width) into its state.
void rank_tile(float* scores, std::uint32_t begin, std::uint32_t width, const CsrMatrix& train, std::uint32_t user,
               UserState& u, Scratch& s) {
  const std::uint32_t end = begin + width;
  const RowSpan tr = row_of(train, user);
  std::uint8_t* in_train = s.in_train.data() + begin;  // locals: the flags are chars, which alias everything
  std::uint8_t* in_test = s.in_test.data() + begin;
  std::uint32_t train_here = 0;  // distinct train items in the tile
  for (auto p = tr.begin; p != tr.end; ++p)
    if (*p >= begin && *p < end && !in_train[*p - begin]) {
      in_train[*p - begin] = 1;
      ++train_here;
    }
  for (const std::uint32_t p : u.positives)
    if (p >= begin && p < end) in_test[p - begin] = 1;
  const std::uint64_t candidates = width - train_here;

  // A NaN would break the strict weak order: it ranks last.
  for (std::uint32_t i = 0; i < width; ++i)
    if (std::isnan(scores[i])) scores[i] = kLowest;

  detail::offer_tile(u.top, scores, begin, width, in_train);  // the top K of the candidates
  u.candidates += candidates;
  if (!u.positive_scores.empty()) {
    const auto [above, tied] = positives_above(scores, width, in_train, in_test, u.positive_scores);
    u.above += above;
    u.tied += tied;
  }

  for (auto p = tr.begin; p != tr.end; ++p)
    if (*p >= begin && *p < end) in_train[*p - begin] = 0;
  for (const std::uint32_t p : u.positives)
    if (p >= begin && p < end) in_test[p - begin] = 0;
}

// Ends a user: its top-K (sorted) into top_out, and its metrics.
UserOutcome finish_user(UserState& u, const CsrMatrix& test, std::uint32_t user, int k, std::uint32_t* top_out) {
  const std::vector<ScoredItem> best = u.top.take_sorted();
  std::vector<std::uint32_t> ranked(best.size());
  for (std::size_t r = 0; r < best.size(); ++r) ranked[r] = top_out[r] = best[r].index;
  const RowSpan te = row_of(test, user);
  UserOutcome outcome;
  outcome.listed = static_cast<std::uint32_t>(ranked.size());
  outcome.ranking = score_ranking(ranked, std::vector<std::uint32_t>(te.begin, te.end), k);
  // AUC = Σ_{negatives n} (#{p : s_p > s_n} + ½ #{p : s_p = s_n}) / (P·N).
  const std::uint64_t positives = u.positives.size();
  const std::uint64_t negatives = u.candidates - positives;
  if (positives > 0 && negatives > 0) {
    outcome.auc = (static_cast<double>(u.above) + 0.5 * static_cast<double>(u.tied)) /
                  (static_cast<double>(positives) * static_cast<double>(negatives));
    outcome.has_auc = true;
  }
  return outcome;
}

int resolve_threads(int threads) { return threads > 0 ? threads : hardware_threads(); }

// The users evaluated: with ≥ 1 train and ≥ 1 test item (none when the matrices are malformed).
std::vector<std::uint32_t> evaluated_users(const CsrMatrix& train, const CsrMatrix& test) {
  std::vector<std::uint32_t> evaluated;
  const std::uint32_t rows = std::min(train.rows, test.rows);
  if (train.indptr.size() < static_cast<std::size_t>(rows) + 1 || test.indptr.size() < static_cast<std::size_t>(rows) + 1)
    return evaluated;
  for (std::uint32_t u = 0; u < rows; ++u)
    if (train.row_size(u) > 0 && test.row_size(u) > 0) evaluated.push_back(u);
  return evaluated;
}

// The users to evaluate, with recommended_out (optional) cleared to the catalogue; none when nothing can be ranked.
std::vector<std::uint32_t> start_evaluation(const CsrMatrix& train, const CsrMatrix& test,
                                            std::vector<std::uint8_t>* recommended_out) {
  if (recommended_out) recommended_out->assign(train.cols, 0);
  if (train.cols == 0) return {};
  return evaluated_users(train, test);
}

RankingMetrics empty_metrics(int k) {
  RankingMetrics metrics;
  metrics.k = k;
  return metrics;
}

// Averages the per-user outcomes in user order; recommended_out (optional) receives the coverage numerator's item
// flags (see metrics.h).
RankingMetrics combine_outcomes(int k, std::uint32_t items, const std::vector<UserOutcome>& outcomes,
                                const std::vector<std::uint32_t>& top, std::vector<std::uint8_t>* recommended_out) {
  RankingMetrics metrics = empty_metrics(k);
  const std::size_t kk = static_cast<std::size_t>(std::max(k, 0));
  std::vector<std::uint8_t> recommended(items, 0);
  std::size_t auc_users = 0;
  for (std::size_t slot = 0; slot < outcomes.size(); ++slot) {
    const UserOutcome& o = outcomes[slot];
    metrics.recall += o.ranking.recall;
    metrics.precision += o.ranking.precision;
    metrics.ndcg += o.ranking.ndcg;
    metrics.map += o.ranking.map;
    metrics.hit_rate += o.ranking.hit_rate;
    if (o.has_auc) {
      metrics.auc += o.auc;
      ++auc_users;
    }
    for (std::uint32_t r = 0; r < o.listed; ++r) recommended[top[slot * kk + r]] = 1;
  }
  const double n = static_cast<double>(outcomes.size());
  metrics.users = outcomes.size();
  metrics.recall /= n;
  metrics.precision /= n;
  metrics.ndcg /= n;
  metrics.map /= n;
  metrics.hit_rate /= n;
  metrics.auc = auc_users > 0 ? metrics.auc / static_cast<double>(auc_users) : 0.0;
  std::size_t distinct = 0;
  for (std::uint8_t r : recommended) distinct += r;
  metrics.coverage = static_cast<double>(distinct) / static_cast<double>(items);
  if (recommended_out) *recommended_out = std::move(recommended);
  return metrics;
}

// The block engine over the users with train and test items: run() ranks the next blocks of users into per-user
// slots, finish() sums the slots in user order, so a run in several steps gives the bits of a run in one.
// pair empty: one tile, the whole catalogue.
class BlockEvaluation {
 public:
  BlockEvaluation(const CsrMatrix& train, const CsrMatrix& test, int k, TileScorer scorer, PairScorer pair,
                  int threads)
      : train_(train), test_(test), k_(k), scorer_(std::move(scorer)), pair_(std::move(pair)),
        threads_(resolve_threads(threads)), evaluated_(start_evaluation(train, test, nullptr)) {
    const std::uint32_t items = train.cols;
    // Tiles of equal width (≤ 2048 items when the scorer can tile), blocks of ≤ 1024 users and ≤ 2M scores.
    // Up to one tile's width the positives' scores are read from the tile, not scored again.
    tiled_ = pair_ && items > kTileItems;
    tile_ = tiled_ ? detail::tile_width(items) : std::max<std::uint32_t>(items, 1);
    // The blocks depend on the shape only, never on the thread count or the steps: the GEMM's rounding of a user's
    // scores depends on its column within the block (Eigen's kernel takes a block's last columns another way: 2–6
    // of a 2002-item tile's scores differ by the block's width), and a near-tie can go either way.
    block_ = std::max<std::size_t>(1, std::min(kBlockUsers, kBlockScores / tile_));
    blocks_ = (evaluated_.size() + block_ - 1) / block_;
    kk_ = static_cast<std::size_t>(std::max(k, 0));
    outcomes_.resize(evaluated_.size());
    top_.assign(evaluated_.size() * kk_, 0);
  }

  std::size_t users() const { return evaluated_.size(); }
  std::size_t users_done() const { return std::min(next_ * block_, evaluated_.size()); }
  bool done() const { return next_ >= blocks_; }

  // Ranks the next blocks covering at least max_users more users (at least one block), or all that are left.
  void run(std::size_t max_users) {
    if (done()) return;
    const std::size_t count = std::min(blocks_ - next_, std::max<std::size_t>(1, (max_users + block_ - 1) / block_));
    const std::size_t first_block = next_;
    ThreadPool pool(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads_), count)));
    if (scratch_.size() < static_cast<std::size_t>(pool.size())) scratch_.resize(static_cast<std::size_t>(pool.size()));
    pool.run(count, [&](std::size_t b, int thread) { rank_block(first_block + b, thread); });
    next_ += count;
  }

  RankingMetrics finish(std::vector<std::uint8_t>* recommended_out) const {
    if (recommended_out) recommended_out->assign(train_.cols, 0);
    if (evaluated_.empty()) return empty_metrics(k_);
    return combine_outcomes(k_, train_.cols, outcomes_, top_, recommended_out);
  }

 private:
  void rank_block(std::size_t b, int thread) {
    const std::uint32_t items = train_.cols;
    Scratch& s = scratch_[static_cast<std::size_t>(thread)];
    if (s.in_train.size() != items) {
      s.in_train.assign(items, 0);
      s.in_test.assign(items, 0);
    }
    const std::size_t first = b * block_;
    const std::size_t count = std::min(block_, evaluated_.size() - first);
    const std::uint32_t* users = evaluated_.data() + first;
    if (s.users.size() < count) s.users.resize(count);
    for (std::size_t j = 0; j < count; ++j) {
      begin_user(train_, test_, users[j], items, kk_, s.users[j], s);
      if (tiled_) set_positive_scores(s.users[j], [&](std::uint32_t item) { return pair_(users[j], item); });
    }
    s.block_scores.resize(count * tile_);
    for (std::uint32_t begin = 0; begin < items; begin += tile_) {
      const std::uint32_t width = std::min(tile_, items - begin);
      scorer_(thread, users, count, begin, begin + width, s.block_scores.data());
      for (std::size_t j = 0; j < count; ++j) {
        float* scores = s.block_scores.data() + j * width;
        if (!tiled_) set_positive_scores(s.users[j], [&](std::uint32_t item) { return scores[item]; });
        rank_tile(scores, begin, width, train_, users[j], s.users[j], s);
      }
    }
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t slot = first + j;
      outcomes_[slot] = finish_user(s.users[j], test_, users[j], k_, top_.data() + slot * kk_);
    }
  }

  const CsrMatrix& train_;
  const CsrMatrix& test_;
  int k_;
  TileScorer scorer_;
  PairScorer pair_;
  int threads_;
  std::vector<std::uint32_t> evaluated_;
  bool tiled_ = false;
  std::uint32_t tile_ = 1;
  std::size_t block_ = 1, blocks_ = 0, next_ = 0, kk_ = 0;
  std::vector<UserOutcome> outcomes_;
  std::vector<std::uint32_t> top_;
  std::vector<Scratch> scratch_;  // per pool thread, kept across run()s
};

RankingMetrics evaluate_blocks(const CsrMatrix& train, const CsrMatrix& test, int k, TileScorer scorer,
                               PairScorer pair, int threads, std::vector<std::uint8_t>* recommended_out) {
  BlockEvaluation e(train, test, k, std::move(scorer), std::move(pair), threads);
  e.run(e.users());  // every block
  return e.finish(recommended_out);
}

// Every user ranked by the same scores (no NaN): the top-K walks one global order, skipping the user's train items,
// and the AUC counts come from sorted score lists in O((train + test) log items) per user. Equal to evaluate_blocks
// on the same scores, to the bit.
RankingMetrics evaluate_static(const CsrMatrix& train, const CsrMatrix& test, int k, const std::vector<float>& scores,
                               std::vector<std::uint8_t>* recommended_out) {
  const std::uint32_t items = train.cols;
  const std::vector<std::uint32_t> evaluated = start_evaluation(train, test, recommended_out);
  if (evaluated.empty()) return empty_metrics(k);
  const std::size_t kk = static_cast<std::size_t>(std::max(k, 0));

  std::vector<std::uint32_t> order(items);
  for (std::uint32_t i = 0; i < items; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return detail::better({a, scores[a]}, {b, scores[b]}); });
  std::vector<float> ascending(scores.begin(), scores.begin() + items);
  std::sort(ascending.begin(), ascending.end());
  // #{items i in `sorted` with s_i < x} and #{… = x}.
  const auto below_and_equal = [](const std::vector<float>& sorted, float x) {
    const auto range = std::equal_range(sorted.begin(), sorted.end(), x);
    return std::pair<std::uint64_t, std::uint64_t>(range.first - sorted.begin(), range.second - range.first);
  };

  std::vector<UserOutcome> outcomes(evaluated.size());
  std::vector<std::uint32_t> top(evaluated.size() * kk, 0);
  Scratch s;
  s.in_train.assign(items, 0);
  s.in_test.assign(items, 0);
  UserState u;
  std::vector<float> train_scores;
  for (std::size_t slot = 0; slot < evaluated.size(); ++slot) {
    const std::uint32_t user = evaluated[slot];
    begin_user(train, test, user, items, kk, u, s);
    set_positive_scores(u, [&](std::uint32_t item) { return scores[item]; });
    const RowSpan tr = row_of(train, user);
    train_scores.clear();
    for (auto p = tr.begin; p != tr.end; ++p)
      if (*p < items && !s.in_train[*p]) {
        s.in_train[*p] = 1;
        train_scores.push_back(scores[*p]);
      }
    std::sort(train_scores.begin(), train_scores.end());
    u.candidates = items - train_scores.size();
    for (std::uint32_t r = 0, taken = 0; r < items && taken < kk; ++r)
      if (!s.in_train[order[r]]) {
        u.top.offer(order[r], scores[order[r]]);
        ++taken;
      }
    // Σ_p #{negatives n : s_n < s_p} (and = s_p): all items, less the train items and the positives.
    for (const float p : u.positive_scores) {
      const auto [all_below, all_equal] = below_and_equal(ascending, p);
      const auto [train_below, train_equal] = below_and_equal(train_scores, p);
      const auto [positive_below, positive_equal] = below_and_equal(u.positive_scores, p);
      u.above += all_below - train_below - positive_below;
      u.tied += all_equal - train_equal - positive_equal;
    }
    for (auto p = tr.begin; p != tr.end; ++p)
      if (*p < items) s.in_train[*p] = 0;
    outcomes[slot] = finish_user(u, test, user, k, top.data() + slot * kk);
  }
  return combine_outcomes(k, items, outcomes, top, recommended_out);
}

}  // namespace

UserMetrics score_ranking(const std::vector<std::uint32_t>& ranked, const std::vector<std::uint32_t>& test_items,
                          int k) {
  UserMetrics m;
  if (test_items.empty() || k <= 0) return m;
  std::vector<std::uint32_t> truth(test_items);
  std::sort(truth.begin(), truth.end());
  truth.erase(std::unique(truth.begin(), truth.end()), truth.end());

  const std::size_t kk = static_cast<std::size_t>(k);
  const std::size_t depth = std::min(kk, ranked.size());
  double hits = 0, dcg = 0, precision_sum = 0;
  for (std::size_t r = 0; r < depth; ++r) {
    if (!std::binary_search(truth.begin(), truth.end(), ranked[r])) continue;
    hits += 1;
    dcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
    precision_sum += hits / static_cast<double>(r + 1);
  }
  const std::size_t ideal_hits = std::min(kk, test_items.size());
  double idcg = 0;
  for (std::size_t r = 0; r < ideal_hits; ++r) idcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);

  m.recall = hits / static_cast<double>(test_items.size());
  m.precision = hits / static_cast<double>(kk);
  m.ndcg = dcg / idcg;
  m.map = precision_sum / static_cast<double>(ideal_hits);
  m.hit_rate = hits > 0 ? 1.0 : 0.0;
  return m;
}

RankingMetrics evaluate_ranking(const CsrMatrix& train, const CsrMatrix& test, int k, const ScoreFunction& score,
                                int threads, std::vector<std::uint8_t>* recommended) {
  const std::uint32_t items = train.cols;
  return evaluate_blocks(
      train, test, k,
      [&](int, const std::uint32_t* users, std::size_t count, std::uint32_t, std::uint32_t, float* out) {
        for (std::size_t j = 0; j < count; ++j) score(users[j], out + j * items);
      },
      PairScorer(), threads, recommended);
}

struct ModelEvaluation::Impl {
  const Factors& x;
  const Factors& y;
  const std::uint32_t f;
  // Users or items without a factor row (or mismatched widths: a caller bug) score 0 rather than read out of bounds.
  const bool consistent;
  std::vector<std::unique_ptr<TileProduct>> products;  // per thread, kept across steps
  BlockEvaluation blocks;

  Impl(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train, const CsrMatrix& test, int k,
       int threads)
      : x(user_factors), y(item_factors), f(x.cols), consistent(f > 0 && y.cols == f && y.rows >= train.cols),
        products(static_cast<std::size_t>(resolve_threads(threads))),
        blocks(train, test, k,
               [this, items = train.cols](int thread, const std::uint32_t* users, std::size_t count,
                                          std::uint32_t begin, std::uint32_t end, float* out) {
                 if (!consistent) {
                   std::fill(out, out + count * (end - begin), 0.0f);
                   return;
                 }
                 std::unique_ptr<TileProduct>& product = products[static_cast<std::size_t>(thread)];
                 if (!product) product = std::make_unique<TileProduct>(std::min(items, kTileItems), kBlockUsers, f);
                 product->run(x, y, users, count, begin, end, out);
               },
               [this](std::uint32_t user, std::uint32_t item) {
                 return consistent && user < x.rows ? detail::kernels::dot(x.row(user), y.row(item), f) : 0.0f;
               },
               threads) {}
};

ModelEvaluation::ModelEvaluation(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train,
                                 const CsrMatrix& test, int k, int threads)
    : impl_(std::make_unique<Impl>(user_factors, item_factors, train, test, k, threads)) {}
ModelEvaluation::~ModelEvaluation() = default;
std::size_t ModelEvaluation::users() const { return impl_->blocks.users(); }
std::size_t ModelEvaluation::users_done() const { return impl_->blocks.users_done(); }
bool ModelEvaluation::done() const { return impl_->blocks.done(); }
void ModelEvaluation::step(std::size_t max_users) { impl_->blocks.run(max_users); }
RankingMetrics ModelEvaluation::result(std::vector<std::uint8_t>* recommended) {
  impl_->blocks.run(impl_->blocks.users());  // every block that is left
  return impl_->blocks.finish(recommended);
}

RankingMetrics evaluate_model(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train,
                              const CsrMatrix& test, int k, int threads, std::vector<std::uint8_t>* recommended) {
  ModelEvaluation e(user_factors, item_factors, train, test, k, threads);
  return e.result(recommended);
}

RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k, int threads) {
  std::vector<std::uint32_t> counts(train.cols, 0);
  for (std::uint32_t i : train.indices)
    if (i < train.cols) ++counts[i];
  return evaluate_popularity(train, test, k, counts, threads);
}

// One score vector for every user: the static ranking needs no scoring and no threads.
RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k,
                                   const std::vector<std::uint32_t>& item_counts, int /*threads*/,
                                   std::vector<std::uint8_t>* recommended) {
  const std::uint32_t items = train.cols;
  std::vector<float> scores(items, 0.0f);  // an item beyond item_counts has no known interactions: 0
  for (std::uint32_t i = 0; i < items && i < item_counts.size(); ++i) scores[i] = static_cast<float>(item_counts[i]);
  return evaluate_static(train, test, k, scores, recommended);
}

RatingErrors rating_errors(const CsrMatrix& test, const RatingPredictor& predict) {
  RatingErrors errors;
  if (test.indptr.size() < static_cast<std::size_t>(test.rows) + 1) return errors;
  double squared = 0, absolute = 0;
  for (std::uint32_t u = 0; u < test.rows; ++u)
    for (std::uint64_t p = test.indptr[u]; p < test.indptr[u + 1]; ++p) {
      const double prediction = predict(u, test.indices[p]);
      if (std::isnan(prediction)) continue;  // the predictor cannot score this pair
      const double error = prediction - static_cast<double>(test.data[p]);
      squared += error * error;
      absolute += std::abs(error);
      ++errors.count;
    }
  if (errors.count > 0) {
    errors.rmse = std::sqrt(squared / static_cast<double>(errors.count));
    errors.mae = absolute / static_cast<double>(errors.count);
  }
  return errors;
}

RatingErrors rating_errors(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& test) {
  if (user_factors.cols != item_factors.cols) return {};
  const std::uint32_t f = user_factors.cols;
  return rating_errors(test, [&](std::uint32_t u, std::uint32_t i) {
    if (u >= user_factors.rows || i >= item_factors.rows) return std::numeric_limits<double>::quiet_NaN();
    const float* x = user_factors.row(u);
    const float* y = item_factors.row(i);
    double prediction = 0;
    for (std::uint32_t c = 0; c < f; ++c) prediction += static_cast<double>(x[c]) * static_cast<double>(y[c]);
    return prediction;
  });
}

}  // namespace alsrec
