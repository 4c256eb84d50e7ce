// Ranking metrics at K and the popularity baseline (formulas in metrics.h).
//
// The evaluation engine works on blocks of users: a block scorer fills a (users × items) score matrix — one GEMM for
// factor models — and each user's row is then ranked on its own. Per-user results land in per-user slots and are
// summed in user order afterwards, so the averages do not depend on the number of threads.
// GCC 12 with -march=native on AVX-512 reports a false -Wmaybe-uninitialized inside Eigen's float GEMM packing
// (_mm512_undefined_ps in ptranspose). Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "alsrec/metrics.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "thread_pool.h"

namespace alsrec {
namespace {

// Fills out[j·items + i] with the score of item i for users[j], j < count.
using BlockScorer = std::function<void(const std::uint32_t* users, std::size_t count, float* out)>;

// Strict "ranks ahead of": higher score, ties broken by lower index (deterministic).
struct RankedAhead {
  const float* scores;
  bool operator()(std::uint32_t a, std::uint32_t b) const {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  }
};

struct UserOutcome {
  UserMetrics ranking;
  double auc = 0;
  bool has_auc = false;
};

// Per-thread scratch, allocated once per thread.
struct Scratch {
  std::vector<std::uint8_t> in_train;  // items × flag, cleared after each user
  std::vector<std::uint8_t> in_test;
  std::vector<std::uint32_t> heap;
  std::vector<float> positive_scores;
  std::vector<float> block_scores;
};

constexpr std::size_t kLinearPositives = 16;  // up to this many positives the AUC counts by linear scans

// For the AUC: over the negatives n (neither in train nor in test), Σ #{p : s_p > s_n} and Σ #{p : s_p = s_n} for
// the positives' scores p (s.positive_scores, sorted). A few positives (the usual case) take one branch-free pass
// over the items each, which vectorises; many take a binary search per negative.
std::pair<std::uint64_t, std::uint64_t> positives_above(const float* scores, std::uint32_t items, const Scratch& s) {
  const std::uint8_t* in_train = s.in_train.data();
  const std::uint8_t* in_test = s.in_test.data();
  const std::vector<float>& positive = s.positive_scores;
  std::uint64_t above = 0, tied = 0;
  if (positive.size() <= kLinearPositives) {
    for (const float p : positive) {
      std::uint32_t a = 0, t = 0;  // per positive: fewer than 2³² items
      for (std::uint32_t i = 0; i < items; ++i) {
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
  for (std::uint32_t i = 0; i < items; ++i) {
    if (in_train[i] || in_test[i]) continue;
    const auto range = std::equal_range(pb, pe, scores[i]);
    above += static_cast<std::uint64_t>(pe - range.second);
    tied += static_cast<std::uint64_t>(range.second - range.first);
  }
  return {above, tied};
}

// Ranks one user's scores: top-K of the items not in train, and the AUC of test items against the other candidates.
UserOutcome rank_user(float* scores, std::uint32_t items, const CsrMatrix& train, const CsrMatrix& test,
                      std::uint32_t user, int k, std::uint32_t* top_out, Scratch& s) {
  const std::uint32_t* train_begin = train.indices.data() + train.indptr[user];
  const std::uint32_t* train_end = train.indices.data() + train.indptr[user + 1];
  const std::uint32_t* test_begin = test.indices.data() + test.indptr[user];
  const std::uint32_t* test_end = test.indices.data() + test.indptr[user + 1];
  for (auto p = train_begin; p != train_end; ++p)
    if (*p < items) s.in_train[*p] = 1;
  for (auto p = test_begin; p != test_end; ++p)
    if (*p < items) s.in_test[*p] = 1;

  // A NaN would break the strict weak order: it ranks last.
  const float lowest = -std::numeric_limits<float>::infinity();
  for (std::uint32_t i = 0; i < items; ++i)
    if (std::isnan(scores[i])) scores[i] = lowest;

  // The positives (test items not in train, each once: its flag goes 1 → 2), their scores sorted for the AUC.
  s.positive_scores.clear();
  for (auto p = test_begin; p != test_end; ++p)
    if (*p < items && !s.in_train[*p] && s.in_test[*p] == 1) {
      s.in_test[*p] = 2;
      s.positive_scores.push_back(scores[*p]);
    }
  std::sort(s.positive_scores.begin(), s.positive_scores.end());
  const std::uint64_t positives = s.positive_scores.size();

  // Top-K of the candidates (the items not in train) by a bounded heap whose front is the weakest kept item.
  // Scanning in index order, an equal score never displaces an earlier, lower index, so only a score above the
  // front's enters (the order RankedAhead sorts by).
  const RankedAhead ahead{scores};
  const std::size_t want = static_cast<std::size_t>(std::max(k, 0));
  s.heap.clear();
  float weakest = lowest;  // the front's score once the heap is full
  std::uint64_t candidates = 0;
  const std::uint8_t* in_train = s.in_train.data();  // locals: the flags are chars, which alias everything
  for (std::uint32_t i = 0; i < items; ++i) {
    if (in_train[i]) continue;
    ++candidates;
    if (want == 0) continue;
    const float x = scores[i];
    if (s.heap.size() < want) {
      s.heap.push_back(i);
      std::push_heap(s.heap.begin(), s.heap.end(), ahead);
      if (s.heap.size() == want) weakest = scores[s.heap.front()];
    } else if (x > weakest) {
      std::pop_heap(s.heap.begin(), s.heap.end(), ahead);
      s.heap.back() = i;
      std::push_heap(s.heap.begin(), s.heap.end(), ahead);
      weakest = scores[s.heap.front()];
    }
  }
  std::sort(s.heap.begin(), s.heap.end(), ahead);
  std::copy(s.heap.begin(), s.heap.end(), top_out);

  UserOutcome outcome;
  outcome.ranking = score_ranking(s.heap, std::vector<std::uint32_t>(test_begin, test_end), k);
  // AUC = Σ_{negatives n} (#{p : s_p > s_n} + ½ #{p : s_p = s_n}) / (P·N).
  const std::uint64_t negatives = candidates - positives;
  if (positives > 0 && negatives > 0) {
    const auto [above, tied] = positives_above(scores, items, s);
    outcome.auc = (static_cast<double>(above) + 0.5 * static_cast<double>(tied)) /
                  (static_cast<double>(positives) * static_cast<double>(negatives));
    outcome.has_auc = true;
  }

  for (auto p = train_begin; p != train_end; ++p)
    if (*p < items) s.in_train[*p] = 0;
  for (auto p = test_begin; p != test_end; ++p)
    if (*p < items) s.in_test[*p] = 0;
  return outcome;
}

int resolve_threads(int threads) { return threads > 0 ? threads : hardware_threads(); }

// recommended_out (optional) receives the coverage numerator's item flags (see metrics.h).
RankingMetrics evaluate_blocks(const CsrMatrix& train, const CsrMatrix& test, int k, const BlockScorer& scorer,
                               int threads, std::vector<std::uint8_t>* recommended_out) {
  RankingMetrics metrics;
  metrics.k = k;
  const std::uint32_t items = train.cols;
  if (recommended_out) recommended_out->assign(items, 0);
  const std::uint32_t rows = std::min(train.rows, test.rows);
  if (train.indptr.size() < static_cast<std::size_t>(rows) + 1 || test.indptr.size() < static_cast<std::size_t>(rows) + 1)
    return metrics;

  std::vector<std::uint32_t> evaluated;
  for (std::uint32_t u = 0; u < rows; ++u)
    if (train.row_size(u) > 0 && test.row_size(u) > 0) evaluated.push_back(u);
  if (evaluated.empty() || items == 0) return metrics;

  // Blocks of up to 256 users, with at most ~2M scores (8 MB) per block.
  const std::size_t block = std::max<std::size_t>(1, std::min<std::size_t>(256, (std::size_t{1} << 21) / items));
  const std::size_t blocks = (evaluated.size() + block - 1) / block;
  const std::size_t kk = static_cast<std::size_t>(std::max(k, 0));

  std::vector<UserOutcome> outcomes(evaluated.size());
  std::vector<std::uint32_t> top(evaluated.size() * kk, 0);
  std::vector<std::uint32_t> top_size(evaluated.size(), 0);

  ThreadPool pool(static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(resolve_threads(threads)), blocks)));
  std::vector<Scratch> scratch(static_cast<std::size_t>(pool.size()));
  pool.run(blocks, [&](std::size_t b, int thread) {
    Scratch& s = scratch[static_cast<std::size_t>(thread)];
    if (s.in_train.size() != items) {
      s.in_train.assign(items, 0);
      s.in_test.assign(items, 0);
    }
    const std::size_t first = b * block;
    const std::size_t count = std::min(block, evaluated.size() - first);
    s.block_scores.resize(count * items);
    scorer(evaluated.data() + first, count, s.block_scores.data());
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t slot = first + j;
      outcomes[slot] = rank_user(s.block_scores.data() + j * items, items, train, test, evaluated[slot], k,
                                 top.data() + slot * kk, s);
      top_size[slot] = static_cast<std::uint32_t>(std::min<std::size_t>(kk, s.heap.size()));
    }
  });

  std::vector<std::uint8_t> recommended(items, 0);
  std::size_t auc_users = 0;
  for (std::size_t slot = 0; slot < evaluated.size(); ++slot) {
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
    for (std::uint32_t r = 0; r < top_size[slot]; ++r) recommended[top[slot * kk + r]] = 1;
  }
  const double n = static_cast<double>(evaluated.size());
  metrics.users = evaluated.size();
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
      [&](const std::uint32_t* users, std::size_t count, float* out) {
        for (std::size_t j = 0; j < count; ++j) score(users[j], out + j * items);
      },
      threads, recommended);
}

RankingMetrics evaluate_model(const Factors& user_factors, const Factors& item_factors, const CsrMatrix& train,
                              const CsrMatrix& test, int k, int threads, std::vector<std::uint8_t>* recommended) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const std::uint32_t items = train.cols;
  const std::uint32_t f = user_factors.cols;
  // Users or items without a factor row (or mismatched widths: a caller bug) score 0 rather than read out of bounds.
  const bool consistent = item_factors.cols == f && item_factors.rows >= items;
  const Eigen::Map<const RowMajor> y(item_factors.data.data(), consistent ? items : 0, consistent ? f : 0);
  return evaluate_blocks(
      train, test, k,
      [&](const std::uint32_t* users, std::size_t count, float* out) {
        Eigen::Map<RowMajor> scores(out, static_cast<Eigen::Index>(count), items);
        if (!consistent) {
          scores.setZero();
          return;
        }
        RowMajor x(static_cast<Eigen::Index>(count), f);
        for (std::size_t j = 0; j < count; ++j) {
          if (users[j] < user_factors.rows)
            x.row(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::RowVectorXf>(user_factors.row(users[j]), f);
          else
            x.row(static_cast<Eigen::Index>(j)).setZero();
        }
        scores.noalias() = x * y.transpose();
      },
      threads, recommended);
}

RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k, int threads) {
  std::vector<std::uint32_t> counts(train.cols, 0);
  for (std::uint32_t i : train.indices)
    if (i < train.cols) ++counts[i];
  return evaluate_popularity(train, test, k, counts, threads);
}

RankingMetrics evaluate_popularity(const CsrMatrix& train, const CsrMatrix& test, int k,
                                   const std::vector<std::uint32_t>& item_counts, int threads,
                                   std::vector<std::uint8_t>* recommended) {
  const std::uint32_t items = train.cols;
  std::vector<float> scores(items, 0.0f);  // an item beyond item_counts has no known interactions: 0
  for (std::uint32_t i = 0; i < items && i < item_counts.size(); ++i) scores[i] = static_cast<float>(item_counts[i]);
  return evaluate_blocks(
      train, test, k,
      [&](const std::uint32_t*, std::size_t count, float* out) {
        for (std::size_t j = 0; j < count; ++j) std::copy(scores.begin(), scores.end(), out + j * items);
      },
      threads, recommended);
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
