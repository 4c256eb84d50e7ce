// AlsOptions: the names of its choices, parsing them back, and the one range check (validate).
#include "solver_eigen.h"  // first: see there
#include "alsrec/als.h"
#include "solver_row.h"

#include "pair_weights.h"

#include <algorithm>
#include <cmath>
#include <string>

#ifdef ALSREC_HAVE_THREADS
#include <thread>
#endif

namespace alsrec {

const char* confidence_mode_name(ConfidenceMode m) {
  switch (m) {
    case ConfidenceMode::kImplicit: return "implicit";
    case ConfidenceMode::kHu: return "hu";
    case ConfidenceMode::kLog: return "log";
    case ConfidenceMode::kIals: return "ials";
    case ConfidenceMode::kExplicit: return "explicit";
  }
  return "unknown";
}

Result<ConfidenceMode> parse_confidence_mode(const std::string& s) {
  for (ConfidenceMode m : {ConfidenceMode::kImplicit, ConfidenceMode::kHu, ConfidenceMode::kLog, ConfidenceMode::kIals,
                           ConfidenceMode::kExplicit})
    if (s == confidence_mode_name(m)) return m;
  return Status::invalid_argument("unknown confidence mode '" + s + "' (expected implicit, hu, log, ials or explicit)");
}

const char* value_transform_name(ValueTransform v) {
  switch (v) {
    case ValueTransform::kRaw: return "raw";
    case ValueTransform::kBinary: return "binary";
    case ValueTransform::kLog: return "log";
  }
  return "unknown";
}

Result<ValueTransform> parse_value_transform(const std::string& s) {
  if (s == "raw") return ValueTransform::kRaw;
  if (s == "binary") return ValueTransform::kBinary;
  if (s == "log") return ValueTransform::kLog;
  return Status::invalid_argument("unknown value transform '" + s + "' (expected raw, binary or log)");
}

const char* solver_name(SolverKind s) {
  switch (s) {
    case SolverKind::kConjugateGradient: return "cg";
    case SolverKind::kCholesky: return "cholesky";
    case SolverKind::kSubspace: return "subspace";
    case SolverKind::kWoodbury: return "woodbury";
  }
  return "unknown";
}

Result<SolverKind> parse_solver(const std::string& s) {
  if (s == "cg") return SolverKind::kConjugateGradient;
  if (s == "cholesky") return SolverKind::kCholesky;
  if (s == "subspace") return SolverKind::kSubspace;
  if (s == "woodbury") return SolverKind::kWoodbury;
  return Status::invalid_argument("unknown solver '" + s + "' (expected cg, cholesky, subspace or woodbury)");
}

namespace {
// Without weighted pairs every row's matrix is w₀G + λI and the subspace solver's exact sweep is as fast as CG from
// 256 factors (ML-1M shape and ml-latest-small, bench/README.md "Solver choice"). With weighted pairs it is no faster
// than CG's family at 512 since CG's block products left Eigen's GEMM, and 1.2–1.4× faster per iteration at 1024
// (bench/README.md, "Block products").
constexpr int kSubspaceFrom = 256, kWeightedSubspaceFrom = 1024;
// The Woodbury solver's range ends here: at 512 and 1024 its exact short rows scored 1–2% below CG's three steps on
// test (bench/README.md, "Woodbury").
constexpr int kWoodburyBelow = 512;

// CG's family: the Woodbury solver from kWoodburyFrom to kWoodburyBelow factors (CG itself on the sides where its
// rotation does not pay), CG outside. Natively the two are even in speed since CG's block products left Eigen's GEMM
// ("Block products"); in wasm, whose CG kept its loops, Woodbury took the page's 256-factor fit from 2.4 to 1.6 s.
SolverKind cg_family(int factors) {
  return factors >= detail::kWoodburyFrom && factors < kWoodburyBelow ? SolverKind::kWoodbury
                                                                       : SolverKind::kConjugateGradient;
}
}  // namespace

SolverKind default_solver(const AlsOptions& o) {
  const bool unweighted = o.values == ValueTransform::kBinary && detail::ConfidenceModel(o).weight(1.0f).a == 0.0f;
  if (o.factors >= (unweighted ? kSubspaceFrom : kWeightedSubspaceFrom)) return SolverKind::kSubspace;
  return cg_family(o.factors);
}

SolverKind searched_solver(int factors, SolverKind start) {
  if (start != SolverKind::kConjugateGradient && start != SolverKind::kWoodbury) return start;
  return cg_family(factors);
}

Result<SolverKind> parse_solver(const std::string& s, const AlsOptions& options) {
  if (s == "auto") return default_solver(options);
  auto parsed = parse_solver(s);
  if (!parsed.is_ok())
    return Status::invalid_argument("unknown solver '" + s + "' (expected auto, cg, cholesky, subspace or woodbury)");
  return parsed;
}

namespace {

std::string num(double v) {
  std::string s = std::to_string(v);  // "0.100000" -> "0.1"
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

bool valid_enum(ConfidenceMode m) { return static_cast<int>(m) >= 0 && static_cast<int>(m) <= 4; }
bool valid_enum(ValueTransform v) { return static_cast<int>(v) >= 0 && static_cast<int>(v) <= 2; }
bool valid_enum(SolverKind s) { return static_cast<int>(s) >= 0 && static_cast<int>(s) <= 3; }

}  // namespace

Status AlsOptions::validate() const {
  auto bad = [](const std::string& m) { return Status::invalid_argument(m); };
  if (factors < 1 || factors > 1024) return bad("factors must be 1..1024, got " + std::to_string(factors));
  if (!std::isfinite(regularization) || regularization < 0)
    return bad("regularization must be a finite number >= 0, got " + num(regularization));
  if (!std::isfinite(alpha) || alpha <= 0) return bad("alpha must be a finite number > 0, got " + num(alpha));
  if (!valid_enum(confidence)) return bad("confidence mode is not one of implicit, hu, log, ials, explicit");
  if (!valid_enum(values)) return bad("value transform is not one of raw, binary, log");
  if (!valid_enum(solver)) return bad("solver is not one of cg, cholesky, subspace, woodbury");
  if (!std::isfinite(epsilon) || epsilon <= 0) return bad("epsilon must be a finite number > 0, got " + num(epsilon));
  if (!std::isfinite(unobserved_weight) || unobserved_weight < 0)
    return bad("unobserved weight must be a finite number >= 0, got " + num(unobserved_weight));
  if (!std::isfinite(reg_exponent) || reg_exponent < 0 || reg_exponent > 4)
    return bad("regularization exponent must be 0..4, got " + num(reg_exponent));
  if (!std::isfinite(popularity_exponent) || popularity_exponent < 0 || popularity_exponent > 2)
    return bad("popularity exponent must be 0..2, got " + num(popularity_exponent));
  if (popularity_exponent != 0.0f && confidence != ConfidenceMode::kIals)
    return bad("a popularity exponent weighs the unobserved pairs of the ials confidence mode; it needs confidence ials");
  if (iterations < 0 || iterations > 100000) return bad("iterations must be 0..100000, got " + std::to_string(iterations));
  if (cg_steps < 1 || cg_steps > 1000) return bad("cg steps must be 1..1000, got " + std::to_string(cg_steps));
  if (block_size < 1 || block_size > 1024)
    return bad("block size must be 1..1024, got " + std::to_string(block_size));
  if (threads < 0 || threads > 1024) return bad("threads must be 0..1024 (0 = all), got " + std::to_string(threads));
  if (!std::isfinite(init_scale) || init_scale <= 0)
    return bad("init scale must be a finite number > 0, got " + num(init_scale));
  if (biases && (confidence != ConfidenceMode::kExplicit || values != ValueTransform::kRaw))
    return bad("bias terms need the explicit confidence mode with raw values (they model ratings)");
  return Status::ok();
}

std::vector<float> popularity_weights(const std::vector<std::uint32_t>& counts, float exponent) {
  if (exponent == 0.0f || counts.empty()) return {};
  std::vector<double> w(counts.size());
  double sum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    w[i] = std::pow(static_cast<double>(counts[i]) + 1.0, static_cast<double>(exponent));
    sum += w[i];
  }
  const double mean = sum / static_cast<double>(counts.size());
  std::vector<float> out(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) out[i] = static_cast<float>(w[i] / mean);
  return out;
}

int hardware_threads() {
#ifdef ALSREC_HAVE_THREADS
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 1024u));
#else
  return 1;
#endif
}

}  // namespace alsrec
