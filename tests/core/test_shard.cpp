// Shards: shard::create holds only its own user and item rows, with λ, chunks and partitions from the
// global row sizes. N shards in one test stand in for N MPI ranks (allreduce = a sum of partial Gramians in rank
// order, allgather = copying each rank's new rows into every other trainer) and must reproduce one trainer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "alsrec/als.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_options.h"
#include "alsrec/als_shard.h"

#include "fixtures.h"

using namespace alsrec;
using Side = shard::Side;

namespace {

constexpr std::uint32_t kUsers = 200, kItems = 140;

// kUsers × kItems, 3..17% dense by user, ratings 1..5 from an LCG; every 40th user and the last item have no
// interactions (empty rows must stay empty on every shard).
CsrMatrix shard_fixture() {
  return test::lcg_matrix(2024, kUsers, kItems, [](std::uint32_t u, std::uint32_t i) {
    return u % 40 == 0 || i + 1 == kItems ? -1 : static_cast<int>(3 + u % 15);
  });
}

std::vector<std::uint32_t> sizes_of(const CsrMatrix& m) {
  std::vector<std::uint32_t> out(m.rows);
  for (std::uint32_t r = 0; r < m.rows; ++r) out[r] = m.row_size(r);
  return out;
}

double max_abs_diff(const Factors& a, const Factors& b) {
  REQUIRE(a.data.size() == b.data.size());
  double d = 0;
  for (std::size_t j = 0; j < a.data.size(); ++j) d = std::max(d, std::fabs(double(a.data[j]) - b.data[j]));
  return d;
}

double max_abs(const Factors& a) {
  double m = 0;
  for (float v : a.data) m = std::max(m, std::fabs(double(v)));
  return m;
}

struct Shards {
  std::vector<std::unique_ptr<AlsTrainer>> ranks;
  std::vector<std::uint32_t> user_bounds, item_bounds;
  int k = 0;

  // n ranks, each a shard holding only its rows (or, with full_copies, a trainer on the whole matrix: the protocol
  // the shards replace).
  Shards(const CsrMatrix& m, const AlsOptions& o, int n, bool full_copies = false) : k(o.factors) {
    const CsrMatrix t = m.transpose();
    const auto user_sizes = sizes_of(m), item_sizes = sizes_of(t);
    user_bounds = shard::partition_rows(user_sizes, o.factors, n);  // known before any rank holds its rows
    item_bounds = shard::partition_rows(item_sizes, o.factors, n);
    for (int p = 0; p < n; ++p) {
      auto r = full_copies ? AlsTrainer::create(m, o)
                           : shard::create(test::keep_rows(m, user_bounds[p], user_bounds[p + 1]),
                                                      test::keep_rows(t, item_bounds[p], item_bounds[p + 1]), user_sizes,
                                                      item_sizes, o);
      INFO(r.status().to_string());
      REQUIRE(r.is_ok());
      ranks.push_back(std::move(r.value()));
    }
  }

  // G = Σ over ranks of partial_gramian(side, the rank's rows), summed in rank order.
  std::vector<float> gramian(Side side) {
    const auto& b = side == Side::kUsers ? user_bounds : item_bounds;
    std::vector<float> g(static_cast<std::size_t>(k) * k, 0.0f), part(g.size());
    for (std::size_t p = 0; p < ranks.size(); ++p) {
      REQUIRE(shard::partial_gramian(*ranks[p], side, b[p], b[p + 1], part.data()).is_ok());
      for (std::size_t j = 0; j < g.size(); ++j) g[j] = p == 0 ? part[j] : g[j] + part[j];
    }
    return g;
  }

  void half_step(Side side) {
    const Side other = side == Side::kUsers ? Side::kItems : Side::kUsers;
    const auto& mine = side == Side::kUsers ? user_bounds : item_bounds;
    const std::vector<float> g = gramian(other);
    for (std::size_t p = 0; p < ranks.size(); ++p) REQUIRE(shard::solve_rows(*ranks[p], side, mine[p], mine[p + 1], g.data()).is_ok());
    for (std::size_t p = 0; p < ranks.size(); ++p)  // the allgather
      for (std::size_t q = 0; q < ranks.size(); ++q) {
        if (q == p) continue;
        Factors& dst = side == Side::kUsers ? ranks[q]->mutable_user_factors() : ranks[q]->mutable_item_factors();
        const Factors& src = side == Side::kUsers ? ranks[p]->user_factors() : ranks[p]->item_factors();
        std::memcpy(dst.row(mine[p]), src.row(mine[p]), sizeof(float) * (mine[p + 1] - mine[p]) * src.cols);
      }
  }

  void iterate() {
    half_step(Side::kUsers);
    half_step(Side::kItems);
    for (auto& r : ranks) REQUIRE(shard::complete_iteration(*r, false).is_ok());
  }

  // Σ partial_loss / Σ partial_nnz, with G_Y allreduced as in training.
  double loss() {
    const std::vector<float> gy = gramian(Side::kItems);
    double total = 0;
    std::uint64_t nnz = 0;
    for (std::size_t p = 0; p < ranks.size(); ++p) {
      auto part = shard::partial_loss(*ranks[p], user_bounds[p], user_bounds[p + 1], item_bounds[p], item_bounds[p + 1],
                                         gy.data());
      REQUIRE(part.is_ok());
      total += part.value();
      nnz += shard::partial_nnz(*ranks[p], user_bounds[p], user_bounds[p + 1]);
    }
    return total / static_cast<double>(nnz);
  }
};

AlsOptions ials_options(SolverKind solver) {
  AlsOptions o = recommended_options();  // ials, raw values, α₀ 3, ν 1
  o.factors = 12;
  o.solver = solver;
  o.threads = 1;
  return o;
}

AlsOptions explicit_options(SolverKind solver) {
  AlsOptions o = mode_defaults(ConfidenceMode::kExplicit);  // w₀ = 0, raw values, ν 1
  o.biases = false;  // the trainer never reads it; train_model would
  o.factors = 8;
  o.solver = solver;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("partition_rows from row sizes equals the trainer's own partition", "[als][distributed]") {
  const CsrMatrix m = shard_fixture();
  for (int k : {1, 8, 64}) {
    AlsOptions o;
    o.factors = k;
    o.threads = 1;
    auto t = AlsTrainer::create(m, o);
    REQUIRE(t.is_ok());
    const auto user_sizes = sizes_of(m), item_sizes = sizes_of(m.transpose());
    for (int parts = 1; parts <= 5; ++parts) {
      INFO("k " << k << ", " << parts << " parts");
      const auto users = shard::partition_rows(user_sizes, k, parts);
      const auto items = shard::partition_rows(item_sizes, k, parts);
      CHECK(users == shard::partition_rows(**t, Side::kUsers, parts));
      CHECK(items == shard::partition_rows(**t, Side::kItems, parts));
      REQUIRE(users.size() == static_cast<std::size_t>(parts) + 1);
      CHECK(users.front() == 0);
      CHECK(users.back() == kUsers);
      CHECK(items.back() == kItems);
      CHECK(std::is_sorted(users.begin(), users.end()));
    }
  }
  // A shard's own partition is the global one, although it holds only some rows.
  AlsOptions o;
  o.factors = 8;
  const CsrMatrix t = m.transpose();
  auto held = shard::create(test::keep_rows(m, 0, 100), test::keep_rows(t, 0, 0), sizes_of(m), sizes_of(t), o);
  REQUIRE(held.is_ok());
  for (int parts = 1; parts <= 5; ++parts) {
    CHECK(shard::partition_rows(**held, Side::kUsers, parts) == shard::partition_rows(sizes_of(m), 8, parts));
    CHECK(shard::partition_rows(**held, Side::kItems, parts) == shard::partition_rows(sizes_of(t), 8, parts));
  }
  // Popularity-weighted unobserved pairs are single-process for now: a shard refuses them by name.
  AlsOptions weighted = o;
  weighted.confidence = ConfidenceMode::kIals;
  weighted.unobserved_weight = 0.1f;
  weighted.popularity_exponent = 0.5f;
  auto refused = shard::create(test::keep_rows(m, 0, 100), test::keep_rows(t, 0, 0), sizes_of(m), sizes_of(t), weighted);
  CHECK(refused.status().message().find("popularity exponent is not supported in distributed training") !=
        std::string::npos);
  // Degenerate inputs: no rows gives {0, 0}; parts < 1 counts as 1.
  CHECK(shard::partition_rows({}, 8, 1) == std::vector<std::uint32_t>{0, 0});
  CHECK(shard::partition_rows({3, 4}, 8, 0) == std::vector<std::uint32_t>{0, 2});
}

namespace {

// The key property, for one confidence mode with both solvers and N ∈ {1, 2, 3} ranks.
void check_shards_reproduce_one_trainer(bool is_explicit) {
  // Three comparisons per (mode, solver, N ∈ {1, 2, 3}):
  //  - N shards against N full-data trainers driven by the same exchanges: bit-identical (holding only one's own
  //    rows changes no arithmetic: λ, chunks and row blocks come from the global sizes);
  //  - against one trainer's step(): with N = 1 bit-identical; with N > 1 only the Gramian's summation order
  //    differs. Measured max |Δ| / max |factor| after 3 iterations (N = 2, 3): ials Cholesky 1.9e-6 (tolerance
  //    2e-5); ials CG 1.1e-3 (tolerance 1e-2: 3 CG steps on the early, ill-conditioned systems amplify the float
  //    rounding of G about a thousandfold; the same happens with full-data trainers, see the first comparison);
  //    explicit 0 (w₀ = 0: no Gramian enters the solve, so the ranks' arithmetic is step()'s exactly);
  //  - Σ partial_loss / Σ partial_nnz against step()'s last_loss(): measured ≤ 4.7e-7 relative (tolerance 1e-5).
  const CsrMatrix m = shard_fixture();
  const int iterations = 3;
  for (SolverKind solver : {SolverKind::kCholesky, SolverKind::kConjugateGradient}) {
    const AlsOptions o = is_explicit ? explicit_options(solver) : ials_options(solver);
    auto single = AlsTrainer::create(m, o);
    REQUIRE(single.is_ok());
    for (int it = 0; it < iterations; ++it) REQUIRE((*single)->step().is_ok());
    const double expected_loss = (*single)->last_loss();
    REQUIRE(std::isfinite(expected_loss));
    const double user_scale = max_abs((*single)->user_factors()), item_scale = max_abs((*single)->item_factors());
    REQUIRE(user_scale > 0.1);
    REQUIRE(item_scale > 0.1);
    const double tolerance = is_explicit ? 0.0 : solver == SolverKind::kCholesky ? 2e-5 : 1e-2;
    for (int n : {1, 2, 3}) {
      INFO((is_explicit ? "explicit" : "ials") << ", " << solver_name(solver) << ", " << n << " shards");
      Shards shards(m, o, n), copies(m, o, n, true);
      for (int p = 0; p < n; ++p) {  // each rank really holds only its rows
        const std::uint64_t held = shards.ranks[p]->user_items().nnz();
        CHECK(held == shard::partial_nnz(*shards.ranks[p], shards.user_bounds[p], shards.user_bounds[p + 1]));
        if (n > 1) CHECK(held < m.nnz());
      }
      for (int it = 0; it < iterations; ++it) {
        shards.iterate();
        copies.iterate();
      }
      CHECK(shards.ranks[0]->iteration() == iterations);
      for (int p = 0; p < n; ++p) {  // every rank ends with the full factors of the full-data protocol
        CHECK(max_abs_diff(shards.ranks[p]->user_factors(), copies.ranks[0]->user_factors()) == 0.0);
        CHECK(max_abs_diff(shards.ranks[p]->item_factors(), copies.ranks[0]->item_factors()) == 0.0);
      }
      const double loss = shards.loss();
      CHECK(loss == copies.loss());
      const double user_diff = max_abs_diff(shards.ranks[0]->user_factors(), (*single)->user_factors());
      const double item_diff = max_abs_diff(shards.ranks[n - 1]->item_factors(), (*single)->item_factors());
      if (n == 1) {
        CHECK(user_diff == 0.0);
        CHECK(item_diff == 0.0);
      } else {
        CHECK(user_diff <= tolerance * user_scale);
        CHECK(item_diff <= tolerance * item_scale);
      }
      CHECK(loss == Approx(expected_loss).epsilon(1e-5));
    }
  }
}

}  // namespace

TEST_CASE("shards holding only their rows reproduce one trainer: ials (w₀ = 3)", "[als][distributed]") {
  check_shards_reproduce_one_trainer(false);
}

TEST_CASE("shards holding only their rows reproduce one trainer: explicit (w₀ = 0)", "[als][distributed]") {
  check_shards_reproduce_one_trainer(true);
}

TEST_CASE("partial_loss over ranges adds up to compute_loss on one trainer", "[als][distributed]") {
  // On a trainer holding everything, any cover of both sides by ranges gives the whole objective.
  const CsrMatrix m = shard_fixture();
  const AlsOptions o = ials_options(SolverKind::kCholesky);
  auto t = AlsTrainer::create(m, o);
  REQUIRE(t.is_ok());
  REQUIRE((*t)->step().is_ok());
  std::vector<float> gy(144);
  REQUIRE(shard::partial_gramian(**t, Side::kItems, 0, kItems, gy.data()).is_ok());
  auto whole = shard::partial_loss(**t, 0, kUsers, 0, kItems, gy.data());
  REQUIRE(whole.is_ok());
  CHECK(shard::partial_nnz(**t, 0, kUsers) == m.nnz());
  // compute_loss() takes the w₀ term as tr(G_X G_Y) from float Gramians, partial_loss user by user in double:
  // measured 2.5e-9 relative apart.
  CHECK(whole.value() / static_cast<double>(m.nnz()) == Approx((*t)->compute_loss()).epsilon(1e-7));
  // Users cut at 70 and 170, items at 33 (unrelated cuts: a rank's ranges need not match).
  auto a = shard::partial_loss(**t, 0, 70, 0, 33, gy.data());
  auto b = shard::partial_loss(**t, 70, 170, 33, kItems, gy.data());
  auto c = shard::partial_loss(**t, 170, kUsers, kItems, kItems, gy.data());
  REQUIRE((a.is_ok() && b.is_ok() && c.is_ok()));
  CHECK(a.value() + b.value() + c.value() == Approx(whole.value()).epsilon(1e-12));
  CHECK(shard::partial_nnz(**t, 0, 70) + shard::partial_nnz(**t, 70, 170) + shard::partial_nnz(**t, 170, kUsers) == m.nnz());
  // Empty ranges contribute nothing; bad ranges and a missing Gramian (w₀ = 3 here) are refused.
  auto none = shard::partial_loss(**t, 5, 5, 7, 7, gy.data());
  REQUIRE(none.is_ok());
  CHECK(none.value() == 0.0);
  CHECK(shard::partial_loss(**t, 0, kUsers + 1, 0, kItems, gy.data()).status().code() == StatusCode::kInvalidArgument);
  CHECK(shard::partial_loss(**t, 10, 5, 0, kItems, gy.data()).status().code() == StatusCode::kInvalidArgument);
  CHECK(shard::partial_loss(**t, 0, kUsers, 0, kItems + 1, gy.data()).status().code() == StatusCode::kInvalidArgument);
  CHECK(shard::partial_loss(**t, 0, kUsers, 0, kItems, nullptr).status().code() == StatusCode::kInvalidArgument);
  CHECK(shard::partial_nnz(**t, 170, 999) == shard::partial_nnz(**t, 170, kUsers));  // clamped, not out of bounds

  // On a shard, a user range reaching rows it does not hold is refused (it would silently miss their terms).
  const CsrMatrix tr = m.transpose();
  auto held = shard::create(test::keep_rows(m, 0, 120), test::keep_rows(tr, 0, 80), sizes_of(m), sizes_of(tr), o);
  REQUIRE(held.is_ok());
  CHECK(shard::partial_loss(**held, 0, 120, 0, 80, gy.data()).is_ok());
  auto beyond = shard::partial_loss(**held, 0, 130, 0, 80, gy.data());
  REQUIRE_FALSE(beyond.is_ok());
  CHECK(beyond.status().code() == StatusCode::kInvalidArgument);
  CHECK(beyond.status().message().find("user 121 is not held") != std::string::npos);  // 120 is empty (120 % 40 = 0)
}

TEST_CASE("create_shard refuses inconsistent shapes and incomplete rows", "[als][distributed]") {
  const CsrMatrix m = shard_fixture();
  const CsrMatrix t = m.transpose();
  const auto us = sizes_of(m), is = sizes_of(t);
  AlsOptions o;
  o.factors = 4;
  auto code = [&](CsrMatrix u, CsrMatrix i, const std::vector<std::uint32_t>& usz,
                  const std::vector<std::uint32_t>& isz) {
    auto r = shard::create(std::move(u), std::move(i), usz, isz, o);
    return r.is_ok() ? StatusCode::kOk : r.status().code();
  };
  REQUIRE(code(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), us, is) == StatusCode::kOk);

  SECTION("a held row whose size disagrees with its global size") {
    // Users 1 and 2 are held (rows 0..99) and nonempty; moving one count from 2 to 1 keeps the totals equal.
    REQUIRE(us[1] > 0);
    REQUIRE(us[2] > 0);
    auto wrong = us;
    ++wrong[1];
    --wrong[2];
    auto r = shard::create(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), wrong, is, o);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(r.status().message().find("user 1 is held with " + std::to_string(us[1]) + " nonzeros but has " +
                                    std::to_string(us[1] + 1)) != std::string::npos);
    // The same counts on rows this shard does not hold are accepted (only held rows can be checked) ...
    CHECK(code(test::keep_rows(m, 100, kUsers), test::keep_rows(t, 50, kItems), wrong, is) == StatusCode::kOk);
    // ... and an item row held incompletely (one nonzero dropped) is refused.
    CsrMatrix partial = test::keep_rows(t, 50, kItems);
    const std::uint64_t cut = partial.indptr[51];  // drop item 50's last nonzero
    partial.indices.erase(partial.indices.begin() + static_cast<std::ptrdiff_t>(cut - 1));
    partial.data.erase(partial.data.begin() + static_cast<std::ptrdiff_t>(cut - 1));
    for (std::uint32_t r2 = 51; r2 <= partial.rows; ++r2) --partial.indptr[r2];
    CHECK(code(test::keep_rows(m, 0, 100), partial, us, is) == StatusCode::kInvalidArgument);
  }
  SECTION("totals that disagree between the sides") {
    auto more = us;
    ++more[0];
    CHECK(code(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), more, is) == StatusCode::kInvalidArgument);
  }
  SECTION("mismatched shapes") {
    auto longer = us;
    longer.push_back(0);
    CHECK(code(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), longer, is) == StatusCode::kInvalidArgument);
    CHECK(code(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), us, std::vector<std::uint32_t>(is.begin(), is.end() - 1)) ==
          StatusCode::kInvalidArgument);
    CsrMatrix narrow = test::keep_rows(t, 50, kItems);
    narrow.cols = kUsers - 1;  // items × users must have a column per user
    CHECK(code(test::keep_rows(m, 0, 100), narrow, us, is) == StatusCode::kInvalidArgument);
    // Both matrices the same orientation (users × items twice).
    CHECK(code(test::keep_rows(m, 0, 100), test::keep_rows(m, 100, kUsers), us, is) == StatusCode::kInvalidArgument);
  }
  SECTION("malformed matrices and options") {
    CsrMatrix broken = test::keep_rows(t, 50, kItems);
    broken.indptr.pop_back();
    auto r = shard::create(test::keep_rows(m, 0, 100), broken, us, is, o);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().rfind("item-user matrix is malformed", 0) == 0);
    AlsOptions bad = o;
    bad.factors = 0;
    CHECK(shard::create(test::keep_rows(m, 0, 100), test::keep_rows(t, 50, kItems), us, is, bad).status().code() ==
          StatusCode::kInvalidArgument);
  }
}
