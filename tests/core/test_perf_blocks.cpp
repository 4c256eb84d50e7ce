// The performance paths of the trainer (issue 4) keep its guarantees: block CG (rows solved in lockstep) and the
// Gramian summed over fixed blocks of 2048 rows give the same bits on 1 and 2 threads, also when a side has more
// rows than one Gramian block, and CG with many steps still reaches the exact solution there.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "alsrec/als.h"

using namespace alsrec;

namespace {

// 2500 users (two Gramian blocks on the item half's fixed side) × 40 items, 3 distinct items per user, values 1..5.
CsrMatrix tall_matrix() {
  CsrMatrix m;
  m.rows = 2500;
  m.cols = 40;
  m.indptr.push_back(0);
  for (std::uint32_t u = 0; u < m.rows; ++u) {
    std::uint32_t items[3] = {(u * 7) % 40, (u * 7 + 13) % 40, (u * 7 + 29) % 40};  // distinct: offsets 0, 13, 29
    std::sort(items, items + 3);
    for (std::uint32_t i : items) {
      m.indices.push_back(i);
      m.data.push_back(static_cast<float>(1 + (u + i) % 5));
    }
    m.indptr.push_back(m.indices.size());
  }
  return m;
}

std::unique_ptr<AlsTrainer> fitted(const AlsOptions& o) {
  auto t = AlsTrainer::create(tall_matrix(), o);
  REQUIRE(t.is_ok());
  REQUIRE((*t)->fit().is_ok());
  return std::move(*t);
}

float max_abs_diff(const Factors& a, const Factors& b) {
  float d = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) d = std::max(d, std::fabs(a.data[i] - b.data[i]));
  return d;
}

}  // namespace

TEST_CASE("block CG on more rows than one Gramian block matches the exact solve", "[als][perf]") {
  AlsOptions o;
  o.factors = 6;
  o.iterations = 2;
  o.threads = 1;
  o.confidence = ConfidenceMode::kHu;
  o.values = ValueTransform::kRaw;
  o.solver = SolverKind::kCholesky;
  const auto exact = fitted(o);
  o.solver = SolverKind::kConjugateGradient;
  o.cg_steps = 40;
  const auto cg = fitted(o);
  CHECK(max_abs_diff(exact->user_factors(), cg->user_factors()) < 1e-4f);
  CHECK(max_abs_diff(exact->item_factors(), cg->item_factors()) < 1e-4f);
}

#ifdef ALSREC_HAVE_THREADS
TEST_CASE("block CG and the blocked Gramian give the same bits on 1 and 2 threads", "[als][perf]") {
  for (ConfidenceMode mode : {ConfidenceMode::kImplicit, ConfidenceMode::kHu}) {
    AlsOptions o;
    o.factors = 8;
    o.iterations = 2;
    o.confidence = mode;
    o.values = mode == ConfidenceMode::kHu ? ValueTransform::kRaw : ValueTransform::kBinary;
    o.threads = 1;
    const auto one = fitted(o);
    o.threads = 2;
    const auto two = fitted(o);
    INFO("mode " << confidence_mode_name(mode));
    const Factors& x = one->user_factors();
    CHECK(std::any_of(x.data.begin(), x.data.end(), [](float v) { return v != 0.0f; }));
    CHECK(std::memcmp(x.data.data(), two->user_factors().data.data(), x.data.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(one->item_factors().data.data(), two->item_factors().data.data(),
                      one->item_factors().data.size() * sizeof(float)) == 0);
  }
}
#endif
