// Model parameters, their limits, and data-derived defaults (model_options.h).
#include "alsrec/model_options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace alsrec {

namespace {

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- parameters

const std::vector<ParameterInfo>& model_parameters() {
  constexpr double kFloatMax = 3.4028234663852886e38;  // FLT_MAX: the options are floats
  constexpr double kTiny = 1.1754943508222875e-38;     // FLT_MIN: the smallest normal float above 0
  static const std::vector<ParameterInfo> table = {
      {"confidence", "confidence", 0, 0, false,
       "implicit (c=alpha*v, unobserved 1: the `implicit` library's model) | hu (c=1+alpha*v) | "
       "log (c=1+alpha*log(1+v/eps)) | ials (Rendle 2022: unobserved weight, --reg-exponent) | "
       "explicit (ALS-WR on the ratings)"},
      {"values", "values", 0, 0, false,
       "Interaction values: binary (every pair counts 1) | raw (the value column) | log (log(1+v/epsilon), for counts)"},
      {"factors", "factors", 1, 1024, true, "Latent factors per user/item"},
      // λ, alpha, epsilon and α₀: any finite float in range (AlsOptions::validate), alpha and epsilon above 0.
      {"regularization", "regularization", 0, kFloatMax, false, "L2 regularization lambda"},
      {"alpha", "alpha", kTiny, kFloatMax, false, "Confidence scale: c = alpha*value (implicit) or 1+alpha*value (hu)"},
      {"epsilon", "epsilon", kTiny, kFloatMax, false, "epsilon of the log confidence and the log value transform"},
      {"unobserved-weight", "unobservedWeight", 0, kFloatMax, false, "ials: weight alpha0 of unobserved pairs"},
      {"reg-exponent", "regExponent", 0, 4, false, "nu: lambda_u = lambda*(|I_u| + alpha0*|I|)^nu (0 = constant lambda)"},
      {"popularity-exponent", "popularityExponent", 0, 2, false,
       "ials: omega, unobserved pairs of item i weigh alpha0*c_i with c_i proportional to (n_i+1)^omega over the "
       "items' training counts n_i (eALS; 0 = uniform)"},
      {"iterations", "iterations", 1, 100000, true, "ALS iterations"},
      {"solver", "solver", 0, 0, false,
       "auto (the faster for the model and factors: cg, woodbury from 256 to 511 factors, subspace from 1024, "
       "from 256 when no pair is weighted) | "
       "cg (conjugate gradient, warm-started) | cholesky (exact) | subspace (iALS++: exact solves of block-size "
       "coordinates at a time, one sweep per row) | woodbury (from 256 factors, rows with few pairs solved exactly "
       "in the eigenbasis of the Gramian, the others by CG)"},
      {"cg-steps", "cgSteps", 1, 1000, true, "Conjugate-gradient steps per row and half-iteration"},
      {"block-size", "blockSize", 1, 1024, true, "subspace: coordinates per block (capped at factors)"},
      {"threads", "threads", 0, 1024, true, "Worker threads (0 = all cores)"},
      {"seed", "seed", 0, 9007199254740991.0, true, "Random seed (initial factors, random splits)"},
      {"biases", "biases", 0, 1, false, "explicit: global mean + user/item bias terms (needs --values raw)"},
  };
  return table;
}

namespace {

const ParameterInfo* find_parameter(const std::string& name) {
  for (const ParameterInfo& p : model_parameters())
    if (name == p.flag || name == p.js) return &p;
  return nullptr;
}

Result<double> parse_number(const ParameterInfo& p, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    return Status::invalid_argument(std::string(p.flag) + ": '" + text + "' is not a number");
  if (p.integer && std::nearbyint(v) != v)
    return Status::invalid_argument(std::string(p.flag) + " must be a whole number, got " + text);
  if (v < p.min || v > p.max)
    return Status::invalid_argument(std::string(p.flag) + " must be " + num(p.min) + ".." + num(p.max) + ", got " +
                                    text);
  return v;
}

}  // namespace

Status set_choice(ModelChoices& c, const std::string& name, const std::string& value) {
  const ParameterInfo* p = find_parameter(name);
  if (!p) return Status::invalid_argument("unknown model parameter '" + name + "'");
  const std::string flag = p->flag;
  if (flag == "confidence") {
    auto m = parse_confidence_mode(value);
    if (!m) return m.status();
    c.confidence = *m;
  } else if (flag == "values") {
    auto v = parse_value_transform(value);
    if (!v) return v.status();
    c.values = *v;
  } else if (flag == "solver") {
    if (value == "auto") {  // decided with the other options (default_solver), as when unset
      c.solver.reset();
      return Status::ok();
    }
    auto s = parse_solver(value);
    if (!s) return Status::invalid_argument("unknown solver '" + value + "' (expected auto, cg, cholesky, subspace or woodbury)");
    c.solver = *s;
  } else if (flag == "biases") {
    if (value == "true" || value == "1") c.biases = true;
    else if (value == "false" || value == "0") c.biases = false;
    else return Status::invalid_argument("biases must be true or false, got '" + value + "'");
  } else {
    auto v = parse_number(*p, value);
    if (!v) return v.status();
    const double x = *v;
    if (flag == "factors") c.factors = static_cast<int>(x);
    else if (flag == "regularization") c.regularization = static_cast<float>(x);
    else if (flag == "alpha") c.alpha = static_cast<float>(x);
    else if (flag == "epsilon") c.epsilon = static_cast<float>(x);
    else if (flag == "unobserved-weight") c.unobserved_weight = static_cast<float>(x);
    else if (flag == "reg-exponent") c.reg_exponent = static_cast<float>(x);
    else if (flag == "popularity-exponent") c.popularity_exponent = static_cast<float>(x);
    else if (flag == "iterations") c.iterations = static_cast<int>(x);
    else if (flag == "cg-steps") c.cg_steps = static_cast<int>(x);
    else if (flag == "block-size") c.block_size = static_cast<int>(x);
    else if (flag == "threads") c.threads = static_cast<int>(x);
    else if (flag == "seed") c.seed = static_cast<std::uint64_t>(x);
  }
  return Status::ok();
}

std::string option_text(const AlsOptions& o, const std::string& name) {
  const ParameterInfo* p = find_parameter(name);
  if (!p) return "";
  const std::string flag = p->flag;
  char text[32];
  const auto f = [&](double v) {
    std::snprintf(text, sizeof text, "%.7g", v);
    return std::string(text);
  };
  if (flag == "confidence") return confidence_mode_name(o.confidence);
  if (flag == "values") return value_transform_name(o.values);
  if (flag == "solver") return solver_name(o.solver);
  if (flag == "biases") return o.biases ? "true" : "false";
  if (flag == "factors") return std::to_string(o.factors);
  if (flag == "regularization") return f(o.regularization);
  if (flag == "alpha") return f(o.alpha);
  if (flag == "epsilon") return f(o.epsilon);
  if (flag == "unobserved-weight") return f(o.unobserved_weight);
  if (flag == "reg-exponent") return f(o.reg_exponent);
  if (flag == "popularity-exponent") return f(o.popularity_exponent);
  if (flag == "iterations") return std::to_string(o.iterations);
  if (flag == "cg-steps") return std::to_string(o.cg_steps);
  if (flag == "block-size") return std::to_string(o.block_size);
  if (flag == "threads") return std::to_string(o.threads);
  if (flag == "seed") return std::to_string(o.seed);
  return "";
}

// ---------------------------------------------------------------------------------------------- defaults

AlsOptions recommended_options() {
  AlsOptions o;
  o.confidence = ConfidenceMode::kIals;
  o.values = ValueTransform::kRaw;
  o.factors = 128;
  o.unobserved_weight = 3.0f;
  o.regularization = 0.0033f;
  o.reg_exponent = 1.0f;
  o.iterations = 16;
  o.solver = SolverKind::kConjugateGradient;
  return o;
}

AlsOptions mode_defaults(ConfidenceMode mode) {
  if (mode == ConfidenceMode::kIals) return recommended_options();
  AlsOptions o;  // `implicit`'s model
  o.confidence = mode;
  if (mode == ConfidenceMode::kExplicit) {  // ALS-WR (λ·|I_u|) on the ratings, with bias terms
    o.values = ValueTransform::kRaw;
    o.reg_exponent = 1.0f;
    o.biases = true;
  }
  return o;
}

namespace {
double significant(double v, int digits) {
  if (!(v > 0) || !std::isfinite(v)) return v;
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(v))));
  return std::round(v * scale) / scale;
}
}  // namespace

double mean_observed_weight(const ValueProfile& v, ValueTransform t, float epsilon) {
  switch (t) {
    case ValueTransform::kBinary: return 1.0;
    case ValueTransform::kLog: return std::log1p(std::max(0.0, v.mean) / epsilon);  // ≈ (Jensen: ≥ the true mean)
    case ValueTransform::kRaw: break;
  }
  if (v.kind == ValueKind::kNone || v.kind == ValueKind::kBinary) return v.kind == ValueKind::kBinary ? v.min : 1.0;
  return std::max(1e-6, v.mean);
}

AlsOptions data_defaults(const DataProfile& profile, ConfidenceMode mode) {
  AlsOptions o = mode_defaults(mode);
  // The value transform follows what the values are (profile.h), in every implicit mode: counts are log-scaled,
  // interactions count 1, stars (and zero_implicit's ratings, with 0 given the lowest rating's weight) as given.
  // Explicit ALS models the ratings themselves.
  if (mode != ConfidenceMode::kExplicit) {
    switch (profile.values.kind) {
      case ValueKind::kCounts: o.values = ValueTransform::kLog; break;
      case ValueKind::kNone:
      case ValueKind::kBinary: o.values = ValueTransform::kBinary; break;
      default: o.values = ValueTransform::kRaw; break;
    }
  }
  if (mode == ConfidenceMode::kIals) {
    // α₀ rises with how many interactions a user has (bench/study/README.md: ~0.003–0.03 for libraries of
    // 20–40 items per user such as citeulike and goodbooks' to-read lists, 0.3–1 for MovieLens-like raters with
    // 100+), but the spread at equal shape is wide, so this is only the centre of the default screen's decades.
    // Stated in units of the mean observed weight.
    const double n = std::max(1.0, profile.mean_per_user);
    const double a0 = std::clamp(0.01 * std::pow(n / 20.0, 1.5), 0.001, 1.0);
    // Three significant digits: a readable default, and one that the last bits of a mean summed in another order
    // (the ranks of a distributed run) cannot change.
    o.unobserved_weight = static_cast<float>(significant(a0 * mean_observed_weight(profile.values, o.values, o.epsilon), 3));
    o.regularization = 0.005f;
    o.reg_exponent = 1.0f;
    o.factors = 128;
    o.iterations = ials_default_iterations(o.factors);
  }
  return o;
}

int iterations_for_factors(int reference_iterations, int reference_factors, int factors) {
  return factors >= 2 * reference_factors ? std::max(1, reference_iterations / 2) : reference_iterations;
}

int ials_default_iterations(int factors) { return iterations_for_factors(16, 128, factors); }

Result<ResolvedOptions> resolve_options(const ModelChoices& given, const DataProfile& profile) {
  ResolvedOptions r;
  const ConfidenceMode mode = given.confidence.value_or(recommended_options().confidence);
  AlsOptions& o = r.options;
  o = data_defaults(profile, mode);
  if (!given.values && mode != ConfidenceMode::kExplicit) {
    const std::string why = std::string(value_kind_description(profile.values.kind)) + " (" + profile.values.evidence + ")";
    r.values_note = static_cast<int>(r.notes.size());
    r.notes.push_back(std::string("values ") + value_transform_name(o.values) + ": the values are " + why);
  }
  if (given.values) o.values = *given.values;
  if (given.factors) o.factors = *given.factors;
  if (given.regularization) o.regularization = *given.regularization;
  if (given.alpha) o.alpha = *given.alpha;
  if (given.epsilon) o.epsilon = *given.epsilon;
  if (given.unobserved_weight) o.unobserved_weight = *given.unobserved_weight;
  if (given.reg_exponent) o.reg_exponent = *given.reg_exponent;
  if (given.popularity_exponent) o.popularity_exponent = *given.popularity_exponent;
  if (given.iterations) o.iterations = *given.iterations;
  else if (mode == ConfidenceMode::kIals) o.iterations = ials_default_iterations(o.factors);
  if (given.cg_steps) o.cg_steps = *given.cg_steps;
  if (given.block_size) o.block_size = *given.block_size;
  if (given.threads) o.threads = *given.threads;
  if (given.seed) o.seed = *given.seed;
  if (given.biases) o.biases = *given.biases;
  // Bias terms model ratings: a default that only the explicit mode's raw values allow.
  if (!given.biases && o.biases && o.values != ValueTransform::kRaw) o.biases = false;
  // The solver last: the faster one depends on everything else (default_solver).
  o.solver = given.solver ? *given.solver : default_solver(o);
  ALSREC_RETURN_IF_ERROR(o.validate());
  return r;
}

}  // namespace alsrec
