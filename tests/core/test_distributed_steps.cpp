// AlsTrainer's building blocks for multi-process training (partition_rows, partial_gramian, solve_rows,
// complete_iteration), driven here by N trainers in one process standing in for N MPI ranks: the allreduce is a
// sum of the partial Gramians in rank order and the allgather a copy of each rank's rows into every trainer.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/model_options.h"
#include "alsrec/als_shard.h"

#include "fixtures.h"

using namespace alsrec;
using alsrec::test::max_abs_diff;
using Side = shard::Side;

namespace {

// 300 users × 200 items, ~8% dense, raw values 1..5 from a small LCG (no <random> distributions).
CsrMatrix sample_matrix() {
  return test::lcg_matrix(12345, 300, 200, [](std::uint32_t u, std::uint32_t) { return static_cast<int>(8 + u % 7); });
}

std::unique_ptr<AlsTrainer> make(const CsrMatrix& m, const AlsOptions& o) {
  auto t = AlsTrainer::create(m, o);
  REQUIRE(t.is_ok());
  return std::move(t.value());
}

// One half-iteration of `side` on every "rank".
void half_step(std::vector<std::unique_ptr<AlsTrainer>>& ranks, Side side, const std::vector<std::uint32_t>& mine,
               const std::vector<std::uint32_t>& other_bounds, int k, bool exact) {
  const Side other = side == Side::kUsers ? Side::kItems : Side::kUsers;
  std::vector<float> g(static_cast<std::size_t>(k) * k, 0.0f), part(g.size());
  if (!exact) {
    for (std::size_t r = 0; r < ranks.size(); ++r) {  // the allreduce, in rank order
      REQUIRE(shard::partial_gramian(*ranks[r], other, other_bounds[r], other_bounds[r + 1], part.data()).is_ok());
      for (std::size_t j = 0; j < g.size(); ++j) g[j] = r == 0 ? part[j] : g[j] + part[j];
    }
  } else {  // block Gramians: rank r computes blocks [r·B/N, (r+1)·B/N); gathered, then summed in block order
    const std::uint32_t blocks = shard::gramian_blocks(*ranks[0], other), n = static_cast<std::uint32_t>(ranks.size());
    std::vector<float> all(static_cast<std::size_t>(blocks) * g.size());
    for (std::uint32_t r = 0; r < n; ++r) {
      const std::uint32_t first = r * blocks / n, last = (r + 1) * blocks / n;
      REQUIRE(shard::block_gramians(*ranks[r], other, first, last, all.data() + first * g.size()).is_ok());
    }
    for (std::uint32_t b = 0; b < blocks; ++b)
      for (std::size_t j = 0; j < g.size(); ++j) g[j] = b == 0 ? all[j] : g[j] + all[b * g.size() + j];
  }
  for (std::size_t r = 0; r < ranks.size(); ++r)
    REQUIRE(shard::solve_rows(*ranks[r], side, mine[r], mine[r + 1], g.data()).is_ok());
  for (std::size_t r = 0; r < ranks.size(); ++r)  // the allgather: rank r's rows into every other trainer
    for (std::size_t q = 0; q < ranks.size(); ++q) {
      if (q == r) continue;
      Factors& dst = side == Side::kUsers ? ranks[q]->mutable_user_factors() : ranks[q]->mutable_item_factors();
      const Factors& src = side == Side::kUsers ? ranks[r]->user_factors() : ranks[r]->item_factors();
      std::memcpy(dst.row(mine[r]), src.row(mine[r]), sizeof(float) * (mine[r + 1] - mine[r]) * src.cols);
    }
}


}  // namespace

TEST_CASE("partition_rows: contiguous ranges covering every row, balanced by cost", "[als][distributed]") {
  AlsOptions o;
  o.factors = 4;
  auto t = make(sample_matrix(), o);
  for (int parts : {1, 2, 3, 4}) {
    const auto b = shard::partition_rows(*t, Side::kUsers, parts);
    REQUIRE(b.size() == static_cast<std::size_t>(parts) + 1);
    CHECK(b.front() == 0);
    CHECK(b.back() == 300);
    for (int p = 0; p < parts; ++p) CHECK(b[p] <= b[p + 1]);
  }
  // 300 users, nonzeros rising with u % 7 only (so roughly uniform): two halves split near row 150, within the
  // granularity of the trainer's chunks (300 rows / up to 256 chunks: 1-2 rows each).
  const auto halves = shard::partition_rows(*t, Side::kUsers, 2);
  CHECK(halves[1] >= 140);
  CHECK(halves[1] <= 160);
}

TEST_CASE("partial Gramians sum to YᵀY and bad ranges are refused", "[als][distributed]") {
  AlsOptions o;
  o.factors = 3;
  auto t = make(sample_matrix(), o);
  std::vector<float> a(9), b(9), whole(9);
  REQUIRE(shard::partial_gramian(*t, Side::kItems, 0, 80, a.data()).is_ok());
  REQUIRE(shard::partial_gramian(*t, Side::kItems, 80, 200, b.data()).is_ok());
  REQUIRE(shard::partial_gramian(*t, Side::kItems, 0, 200, whole.data()).is_ok());
  const Factors& y = t->item_factors();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double expect = 0;  // Σ_r y_ri y_rj directly
      for (std::uint32_t r = 0; r < 200; ++r) expect += double(y.row(r)[i]) * y.row(r)[j];
      CHECK(whole[i * 3 + j] == Approx(expect).epsilon(1e-5));
      CHECK(a[i * 3 + j] + b[i * 3 + j] == Approx(expect).epsilon(1e-5));
    }
  CHECK(shard::partial_gramian(*t, Side::kItems, 5, 5, a.data()).is_ok());
  CHECK(a[0] == 0.0f);
  CHECK(shard::partial_gramian(*t, Side::kItems, 10, 201, a.data()).code() == StatusCode::kInvalidArgument);
  CHECK(shard::solve_rows(*t, Side::kUsers, 7, 3, whole.data()).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("N trainers exchanging Gramians and rows reproduce the single trainer", "[als][distributed]") {
  const CsrMatrix m = sample_matrix();
  for (SolverKind solver : {SolverKind::kConjugateGradient, SolverKind::kCholesky, SolverKind::kSubspace}) {
    AlsOptions o = recommended_options();
    o.factors = 8;
    o.iterations = 4;
    o.solver = solver;
    o.threads = 1;
    auto single = make(m, o);
    REQUIRE(single->fit().is_ok());
    for (int n : {1, 2, 3}) {
      std::vector<std::unique_ptr<AlsTrainer>> ranks;
      for (int r = 0; r < n; ++r) ranks.push_back(make(m, o));
      const auto ub = shard::partition_rows(*ranks[0], Side::kUsers, n);
      const auto ib = shard::partition_rows(*ranks[0], Side::kItems, n);
      for (int it = 0; it < o.iterations; ++it) {
        half_step(ranks, Side::kUsers, ub, ib, o.factors, false);
        half_step(ranks, Side::kItems, ib, ub, o.factors, false);
        for (auto& r : ranks) REQUIRE(shard::complete_iteration(*r).is_ok());
      }
      INFO("solver " << solver_name(solver) << ", " << n << " ranks");
      CHECK(ranks[0]->iteration() == 4);
      CHECK(ranks[0]->last_loss() == Approx(single->last_loss()).epsilon(1e-5));
      if (n == 1) {  // one range: step()'s arithmetic exactly
        CHECK(max_abs_diff(ranks[0]->user_factors(), single->user_factors()) == 0.0);
        CHECK(max_abs_diff(ranks[0]->item_factors(), single->item_factors()) == 0.0);
      } else {  // only the Gramian's summation order differs: float rounding (factors are O(0.1..1) here), grown
                // over 4 iterations of 3 CG steps (1.07e-4 for CG on 3 ranks; a wrong shard is off by O(0.1))
        CHECK(max_abs_diff(ranks[0]->user_factors(), single->user_factors()) < 3e-4);
        CHECK(max_abs_diff(ranks[0]->item_factors(), single->item_factors()) < 3e-4);
      }
      for (int r = 1; r < n; ++r) CHECK(max_abs_diff(ranks[r]->user_factors(), ranks[0]->user_factors()) == 0.0);
    }
  }
}

TEST_CASE("with block Gramians summed in step()'s order, N trainers match one bit for bit", "[als][distributed]") {
  // 5000 users × 3000 items (3 and 2 Gramian blocks of 2048 rows), ~60k pairs; factors 4 to stay quick in Debug.
  std::vector<std::uint32_t> r, c;
  std::vector<float> v;
  std::uint64_t s = 99;
  for (std::uint32_t u = 0; u < 5000; ++u)
    for (int e = 0; e < 12; ++e) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      r.push_back(u), c.push_back(static_cast<std::uint32_t>((s >> 33) % 3000)), v.push_back(1.0f + (s >> 62));
    }
  const CsrMatrix m = csr_from_triplets(5000, 3000, r, c, v);
  for (SolverKind solver : {SolverKind::kConjugateGradient, SolverKind::kSubspace}) {
    AlsOptions o = recommended_options();
    o.factors = 4;
    o.iterations = 2;
    o.threads = 1;
    o.solver = solver;
    o.block_size = 3;
    auto single = make(m, o);
    REQUIRE(single->fit().is_ok());
    REQUIRE(shard::gramian_blocks(*single, Side::kUsers) == 3);  // ⌈5000 / 2048⌉
    REQUIRE(shard::gramian_blocks(*single, Side::kItems) == 2);  // ⌈3000 / 2048⌉
    std::vector<float> out(16);
    CHECK(shard::block_gramians(*single, Side::kItems, 1, 3, out.data()).code() == StatusCode::kInvalidArgument);
    for (int n : {2, 3}) {
      std::vector<std::unique_ptr<AlsTrainer>> ranks;
      for (int q = 0; q < n; ++q) ranks.push_back(make(m, o));
      const auto ub = shard::partition_rows(*ranks[0], Side::kUsers, n);
      const auto ib = shard::partition_rows(*ranks[0], Side::kItems, n);
      for (int it = 0; it < o.iterations; ++it) {
        half_step(ranks, Side::kUsers, ub, ib, o.factors, true);
        half_step(ranks, Side::kItems, ib, ub, o.factors, true);
        for (auto& t : ranks) REQUIRE(shard::complete_iteration(*t).is_ok());
      }
      INFO(solver_name(solver) << ", " << n << " ranks");
      CHECK(max_abs_diff(ranks[0]->user_factors(), single->user_factors()) == 0.0);
      CHECK(max_abs_diff(ranks[n - 1]->item_factors(), single->item_factors()) == 0.0);
      CHECK(ranks[0]->last_loss() == single->last_loss());
    }
  }
}
