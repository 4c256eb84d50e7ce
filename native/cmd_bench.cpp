// alsrec bench: where the time goes, as JSON. Phases: load, build matrices, Gramian, user/item solves, loss,
// recommend-all; achieved GFLOP/s of the solves next to a float32 GEMM measured in the same run.
//
// FLOPs counted per iteration — only arithmetic actually done (k factors, m users, n items, z nonzeros per side,
// z_a of them with a = c − w₀ ≠ 0, s CG steps); the few O(k) vector updates per row and step are left out:
//   right-hand sides: b_u = Σ b_ui y_i, 2k per nonzero and side                          -> 4k·z
//   CG:       (s + 1) products A·v per row: w₀G·v (2k², as one GEMM per block of rows) + Y_uᵀ(a ⊙ Y_u v)
//             (4k per weighted pair)                                                    -> (s+1)·(2k²·(m+n) + 8k·z_a)
//   Cholesky: Σ_u a_ui y_i y_iᵀ on the lower triangle (k(k+1) per weighted pair), a factorisation (k³/3) per row that
//             has weighted pairs (else one shared factor per half-iteration), two triangular solves (2k²) per row
//                                                                     -> 2k(k+1)·z_a + k³/3·rows_a + 2k²·(m+n)
//   Subspace (block size b, one sweep): per row w₀G·x (2k²) and k/b block factorisations and solves (k·b²/3 + 2kb,
//             once per half-step when no pair is weighted); per weighted pair the block matrices on the lower
//             triangle (k(b+1)), the first scores, the gradients, the score updates and the scaled copy (7k)
//                                               -> 2k²·(m+n) + (kb²/3 + 2kb)·rows_a + 2·z_a·k(b + 8)
//   (implicit's default — alpha 1, binary values — has z_a = 0: no pair enters A, only b.)
//   Gramian:  2 × k²·rows of the fixed side (symmetric rank update), timed apart from the solves
#include <sys/resource.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_common.h"
#include "shard_input.h"
#include "commands.h"

namespace alsrec::cli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Float32 GEMM (Eigen) of size n, run concurrently on `threads` threads: aggregate GFLOP/s. This is the machine's
// practical peak for dense float work, the yardstick for the solves.
double gemm_gflops(int n, int threads) {
  auto run = [n](double* seconds) {
    Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
    c.noalias() = a * b;  // warm-up
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const auto t = Clock::now();
      c.noalias() = a * b;
      best = std::min(best, since(t));
    }
    *seconds = best + 0.0 * c(0, 0);
  };
  std::vector<double> seconds(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(run, &seconds[static_cast<std::size_t>(t)]);
  run(&seconds[0]);
  for (auto& th : pool) th.join();
  double flops = 2.0 * n * n * static_cast<double>(n);
  double total = 0;
  for (double s : seconds) total += flops / s;
  return total / 1e9;
}

// What a loaded dataset holds: its id strings and its interaction columns (their used length: the reader reserves
// more from the file size, which is not resident until written).
std::uint64_t bytes_of(const Dataset& d) {
  std::uint64_t bytes = (d.users.size() + d.items.size()) * sizeof(std::uint32_t) + d.values.size() * sizeof(float) +
                        d.timestamps.size() * sizeof(std::int64_t);
  for (const auto* ids : {&d.user_ids, &d.item_ids}) {
    bytes += ids->capacity() * sizeof(std::string);
    for (const std::string& id : *ids)
      if (id.capacity() > std::string().capacity()) bytes += id.capacity() + 1;  // beyond the small-string buffer
  }
  return bytes;
}

// "users=6040,items=3706,interactions=1000209[,seed=1]" -> GenerateOptions
Result<GenerateOptions> parse_shape(const std::string& text) {
  GenerateOptions o;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos) return Status::invalid_argument("--synthetic: expected key=value, got '" + part + "'");
    const std::string key = part.substr(0, eq);
    double value = 0;
    try {
      value = std::stod(part.substr(eq + 1));
    } catch (...) {
      return Status::invalid_argument("--synthetic: '" + part + "' is not a number");
    }
    if (key == "users") o.users = static_cast<std::uint32_t>(value);
    else if (key == "items") o.items = static_cast<std::uint32_t>(value);
    else if (key == "interactions") o.interactions = static_cast<std::uint64_t>(value);
    else if (key == "groups") o.groups = static_cast<std::uint32_t>(value);
    else if (key == "seed") o.seed = static_cast<std::uint64_t>(value);
    else return Status::invalid_argument("--synthetic: unknown key '" + key + "' (users, items, interactions, groups, seed)");
  }
  ALSREC_RETURN_IF_ERROR(o.validate());
  return o;
}

}  // namespace

Command add_bench_command(CLI::App& parent) {
  struct State {
    std::string input, synthetic;
    FormatFlags format;
    ModelFlags model;
    int gemm_size = 1024;
    int repeat = 1;
    bool skip_recommend = false;
    bool no_loss = false;
    bool as_json = true;
  };
  auto st = std::make_shared<State>();
  CLI::App* app = parent.add_subcommand(
      "bench", "Time every phase of loading, training and recommending; print JSON with GFLOP/s and peak memory");
  add_version_flag(*app);
  auto* input = app->add_option("-i,--input", st->input, "Ratings file (or a directory of part files) to benchmark on");
  auto* synth = app->add_option("--synthetic", st->synthetic,
                                "Generated data instead: users=N,items=N,interactions=N[,groups=N,seed=N]");
  input->excludes(synth);
  app->add_option("--gemm-size", st->gemm_size, "Size of the reference float32 GEMM (0 = skip)")
      ->capture_default_str();
  app->add_flag("--no-recommend", st->skip_recommend, "Skip the recommend-all phase");
  app->add_flag("--no-loss", st->no_loss, "Do not compute the loss after each iteration (as `implicit` by default)");
  app->add_option("--repeat", st->repeat, "Fit this many times from the same start; report every fit time, best and median")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  add_format_flags(*app, st->format);
  add_model_flags(*app, st->model);
  app->add_flag("--json", st->as_json, "Print JSON (the only output bench has; accepted like every command's --json)");

  return {app, [st]() -> int {
            if (st->input.empty() == st->synthetic.empty()) {
              return fail("bench", Status::invalid_argument("give --input FILE or --synthetic users=..,items=..,interactions=.."));
            }
            // --iterations 0 times the load and the matrices alone (the model's table starts at 1: a model to
            // keep needs a fit, a benchmark need not).
            ModelFlags flags = st->model;
            const bool no_fit = st->model.app->count("--iterations") > 0 && st->model.text["iterations"] == "0";
            if (no_fit) flags.text.erase("iterations");
            auto choices = model_choices(flags);
            if (!choices) return fail("bench", choices.status());
            json j;
            j["alsrec"] = version();
            j["threads"] = nullptr;  // filled once the options are resolved from the data
            j["params"] = nullptr;
            auto t = Clock::now();
            Result<Dataset> data = Status::internal("unset");
            if (!st->input.empty()) {
              auto format = format_options(st->format, st->input);
              if (!format) return fail("bench", format.status());
              data = load_ratings_file(st->input, *format);
              j["input"] = st->input;
            } else {
              auto shape = parse_shape(st->synthetic);
              if (!shape) return fail("bench", shape.status());
              auto generated = generate_synthetic(*shape);
              if (!generated) return fail("bench", generated.status());
              data = std::move(generated->ratings);
              j["synthetic"] = st->synthetic;
            }
            if (!data) return fail("bench", data.status());
            const double load_seconds = since(t);
            // The data's defaults as `train --no-screen` resolves them (the benchmark times one fit, not a search).
            auto resolved = resolve_options(*choices, profile_dataset(*data));
            if (!resolved) return fail("bench", resolved.status());
            AlsOptions* options = &resolved->options;
            if (no_fit) options->iterations = 0;
            const int threads = options->threads > 0 ? options->threads : hardware_threads();
            j["threads"] = threads;
            j["params"] = params_json(*options);
            if (st->no_loss) options->compute_loss = false;

            const std::uint64_t dataset_bytes = bytes_of(*data);
            const std::size_t users = data->num_users(), items = data->num_items();
            t = Clock::now();
            CsrMatrix matrix = build_user_item_matrix(std::move(*data));  // releases the interactions (ids stay)
            const double build_seconds = since(t);
            const double m = users, n = items, z = static_cast<double>(matrix.nnz());
            j["dataset"] = {{"users", users}, {"items", items}, {"interactions", matrix.nnz()}};

            // Each repetition trains from the same initial factors (same seed); the last one is kept for the phases.
            std::unique_ptr<AlsTrainer> trainer;
            std::vector<double> per_iteration, fit_runs;
            double setup_seconds = 0;
            for (int rep = 0; rep < st->repeat; ++rep) {
              t = Clock::now();
              auto created = AlsTrainer::create(rep + 1 < st->repeat ? CsrMatrix(matrix) : std::move(matrix), *options);
              if (!created) return fail("bench", created.status());
              setup_seconds = since(t);  // transpose + initialisation
              trainer = std::move(*created);
              per_iteration.clear();
              const Status fitted = trainer->fit([&](const TrainProgress& p) {
                per_iteration.push_back(p.seconds);
                std::cerr << "\rbench: run " << rep + 1 << "/" << st->repeat << " iteration " << p.iteration << "/"
                          << p.iterations << std::flush;
                return true;
              });
              std::cerr << "\n";
              if (!fitted.is_ok()) return fail("bench", fitted);
              double run = 0;
              for (double s : per_iteration) run += s;
              fit_runs.push_back(run);
            }
            const TrainTimings& tt = trainer->timings();

            double recommend_seconds = 0;
            if (!st->skip_recommend) {
              t = Clock::now();
              const auto recs = recommend_all(trainer->user_factors(), trainer->item_factors(), 10,
                                              &trainer->user_items(), options->threads);
              recommend_seconds = since(t);
              if (recs.size() != users) return fail("bench", Status::internal("recommend_all size"));
            }

            const double k = options->factors;
            const double iters = std::max<std::size_t>(1, per_iteration.size());
            const double za = static_cast<double>(tt.weighted_pairs);
            double solve_flops = 4 * k * z;  // right-hand sides, both sides
            // Rows with weighted pairs need their own factor(s): at most min(z_a, rows) per side; with every pair
            // weighted (hu, log, ials, explicit) that is every non-empty row.
            const double rows_a = za > 0 ? std::min(za, m) + std::min(za, n) : 0;
            if (options->solver == SolverKind::kConjugateGradient || options->solver == SolverKind::kWoodbury) {
              solve_flops += (options->cg_steps + 1) * (2 * k * k * (m + n) + 8 * k * za);
            } else if (options->solver == SolverKind::kSubspace) {
              const double b = std::min<double>(options->block_size, k);
              solve_flops += 2 * k * k * (m + n) + (k * b * b / 3 + 2 * k * b) * rows_a + 2 * za * k * (b + 8);
            } else {
              solve_flops += 2 * k * (k + 1) * za + k * k * k / 3 * rows_a + 2 * k * k * (m + n);
            }
            const double solve_seconds = (tt.user_solve + tt.item_solve) / iters;
            const double solve_gflops = solve_seconds > 0 ? solve_flops / solve_seconds / 1e9 : 0;
            double fit_seconds = 0;
            for (double s : per_iteration) fit_seconds += s;
            std::vector<double> sorted_runs = fit_runs;
            std::sort(sorted_runs.begin(), sorted_runs.end());

            j["phases"] = {{"load", load_seconds},
                           {"build_matrix", build_seconds},
                           {"setup", setup_seconds},
                           {"gramian", tt.gramian},
                           {"user_solve", tt.user_solve},
                           {"item_solve", tt.item_solve},
                           {"loss", tt.loss},
                           {"fit", fit_seconds},
                           {"recommend_all", recommend_seconds}};
            j["per_iteration_seconds"] = per_iteration;
            j["mean_iteration_seconds"] = fit_seconds / iters;
            j["solve_flops_per_iteration"] = solve_flops;
            j["solve_gflops"] = solve_gflops;
            j["flop_formula"] =
                options->solver == SolverKind::kConjugateGradient
                    ? "4k*nnz + (cg_steps+1)*(2k^2*(users+items) + 8k*weighted_nnz) per iteration"
                : options->solver == SolverKind::kWoodbury
                    ? "CG's count, 4k*nnz + (cg_steps+1)*(2k^2*(users+items) + 8k*weighted_nnz) per iteration, "
                      "of which the rows solved exactly do less"
                : options->solver == SolverKind::kSubspace
                    ? "4k*nnz + 2k^2*(users+items) + (k*b^2/3 + 2kb)*rows_with_weighted_pairs + "
                      "2*weighted_nnz*k(b+8) per iteration"
                    : "4k*nnz + 2k(k+1)*weighted_nnz + k^3/3*rows_with_weighted_pairs + "
                      "2k^2*(users+items) per iteration";
            j["weighted_nnz"] = tt.weighted_pairs;
            j["fit_runs_seconds"] = fit_runs;
            j["fit_best_seconds"] = sorted_runs.front();
            j["fit_median_seconds"] = sorted_runs[sorted_runs.size() / 2];
            if (st->gemm_size > 0) {  // the yardstick at the fit's thread count, and on one core
              const double gemm = gemm_gflops(st->gemm_size, threads);
              j["gemm_gflops"] = gemm;
              j["gemm_gflops_1thread"] = threads == 1 ? gemm : gemm_gflops(st->gemm_size, 1);
              j["gemm_size"] = st->gemm_size;
              j["solve_vs_gemm"] = gemm > 0 ? solve_gflops / gemm : 0;
            }
            // Bytes per part: the dataset as loaded (released before training), then what the trainer holds.
            const TrainerMemory tm = trainer->memory();
            j["memory_bytes"] = {{"dataset", dataset_bytes},
                                 {"trainer",
                                  {{"indices", tm.indices},
                                   {"offsets", tm.offsets},
                                   {"values", tm.values},
                                   {"weights", tm.weights},
                                   {"factors", tm.factors},
                                   {"rows", tm.rows},
                                   {"scratch", tm.scratch},
                                   {"total", tm.total()}}}};
            j["peak_rss_mb"] = peak_rss_mb();
            std::cout << j.dump(2) << "\n";
            return kExitOk;
          }};
}

}  // namespace alsrec::cli
