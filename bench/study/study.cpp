// alsrec_study: runs many model configurations on one data set and split, one JSON line each. The engine of the
// defaults study (bench/study/README.md): the data set is read once; every configuration read from stdin
// ("name key=value ...") runs the product's own pipeline (Experiment: split, search, fit) and is scored on the
// test part. model=pop and model=ease score the popularity and EASE references on the same split (EASE's λ chosen
// on the test part: the optimistic reference of issue 10).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "alsrec/alsrec.h"
#include "alsrec/baselines.h"
#include "alsrec/ease.h"
#include "alsrec/experiment.h"
#include "alsrec/auto_search.h"

using namespace alsrec;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Result<Dataset> load(const std::string& path, const FormatOptions& f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot open " + path);
  RatingsReader reader(f);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    ALSREC_RETURN_IF_ERROR(reader.feed(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  return reader.finish();
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string input = arg(argc, argv, "--input", "");
  if (input.empty()) {
    std::fprintf(stderr, "usage: alsrec_study --input F [--split random:0.2] [--seed 42] [--columns ..] "
                         "[--min-rating X] [--k 10] < configs\n");
    return 1;
  }
  FormatOptions f;
  f.source_name = input;
  f.columns = arg(argc, argv, "--columns", "");
  f.delimiter = arg(argc, argv, "--delimiter", "");
  if (!arg(argc, argv, "--min-rating", "").empty()) {
    f.has_min_rating = true;
    f.min_rating = std::stod(arg(argc, argv, "--min-rating", "0"));
  }
  auto data = load(input, f);
  if (!data) {
    std::fprintf(stderr, "%s\n", data.status().to_string().c_str());
    return 2;
  }
  auto spec_split = parse_split(arg(argc, argv, "--split", "random:0.2"));
  if (!spec_split) return 1;
  const std::uint64_t seed = std::stoull(arg(argc, argv, "--seed", "42"));
  const int k = std::stoi(arg(argc, argv, "--k", "10"));
  const SplitResult split = split_dataset(*data, *spec_split, seed);
  const CsrMatrix train = build_user_item_matrix(*data, &split.train);
  const CsrMatrix test = build_user_item_matrix(*data, &split.test);
  std::printf("{\"dataset\":\"%s\",\"users\":%zu,\"items\":%zu,\"interactions\":%zu,\"train\":%llu,\"test\":%llu}\n",
              input.c_str(), data->num_users(), data->num_items(), data->size(),
              static_cast<unsigned long long>(train.nnz()), static_cast<unsigned long long>(test.nnz()));
  std::fflush(stdout);

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream ls(line);
    std::string name, kv;
    if (!(ls >> name) || name[0] == '#') continue;
    std::map<std::string, std::string> c;
    while (ls >> kv) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) c[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto get = [&](const std::string& key, const std::string& fallback) {
      return c.count(key) ? c[key] : fallback;
    };
    const std::string model = get("model", "als");
    const double t0 = now();
    RankingMetrics m;
    std::string extra;
    if (model == "pop") {
      m = evaluate_popularity(train, test, k);
    } else if (model == "ease") {
      EaseOptions eo;
      eo.binary = get("values", "binary") == "binary";
      if (get("lambda", "auto") == "auto") {
        // λ with the best NDCG on the scored part itself: the optimistic reference the issue quotes.
        auto ev = select_ease_lambda(train, test, eo, k, std::stoi(get("fits", "7")));
        if (!ev) {
          std::printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name.c_str(), ev.status().message().c_str());
          continue;
        }
        m = ev->trials[ev->best].metrics;
        extra = ",\"lambda\":" + std::to_string(ev->model.lambda) + ",\"fits\":" + std::to_string(ev->trials.size());
      } else {
        eo.lambda = std::stod(get("lambda", "500"));
        auto e = fit_ease(train, eo);
        if (!e) {
          std::printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name.c_str(), e.status().message().c_str());
          continue;
        }
        m = evaluate_ease(*e, train, test, k);
        extra = ",\"lambda\":" + std::to_string(eo.lambda);
      }
    } else {
      // The product's own pipeline: every key but model/search/budget is a model parameter (model_options.h).
      ExperimentSpec spec;
      spec.split = *spec_split;
      spec.k = k;
      spec.baselines = {};
      const std::string search = get("search", "none");
      spec.search = search == "auto" ? ExperimentSpec::Search::kAuto
                    : search == "screen" ? ExperimentSpec::Search::kScreen : ExperimentSpec::Search::kNone;
      spec.search_options.budget_seconds = std::stod(get("budget", "60"));
      if (c.count("screen_d")) spec.search_options.screen_factors = std::stoi(c["screen_d"]);
      if (c.count("screen_it")) spec.search_options.screen_iterations = std::stoi(c["screen_it"]);
      if (c.count("screen_users")) spec.search_options.max_validation_users = std::stoul(c["screen_users"]);
      if (c.count("screen_interactions"))
        spec.search_options.max_fit_interactions = std::stoul(c["screen_interactions"]);
      Status bad;
      for (const auto& [key, value] : c) {
        if (key == "model" || key == "search" || key == "budget" || key.rfind("screen_", 0) == 0) continue;
        const std::string param = key == "alpha0" ? "unobserved-weight" : key == "lambda" ? "regularization"
                                  : key == "nu" ? "reg-exponent" : key;
        bad = set_choice(spec.model, param, value);
        if (!bad.is_ok()) break;
      }
      Result<std::unique_ptr<Experiment>> ex = bad.is_ok() ? Experiment::create(*data, spec) : Result<std::unique_ptr<Experiment>>(bad);
      Status st = ex.status();
      if (ex) st = (*ex)->search();
      if (st.is_ok()) st = (*ex)->fit();
      if (!st.is_ok()) {
        std::printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name.c_str(), st.message().c_str());
        continue;
      }
      auto tm = (*ex)->test_metrics();
      m = *tm;
      const AlsOptions& o = (*ex)->options();
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    ",\"chosen\":\"%s %s d=%d a0=%g omega=%g lambda=%g nu=%g it=%d alpha=%g\",\"trials\":%zu,"
                    "\"alpha0\":%g,\"lambda\":%g",
                    confidence_mode_name(o.confidence), value_transform_name(o.values), o.factors,
                    o.unobserved_weight, o.popularity_exponent, o.regularization, o.reg_exponent, o.iterations, o.alpha,
                    (*ex)->search_result() ? (*ex)->search_result()->trials.size() : std::size_t{0},
                    o.unobserved_weight, o.regularization);
      extra = buf;
    }
    std::printf("{\"name\":\"%s\",\"recall\":%.5f,\"ndcg\":%.5f,\"auc\":%.4f,\"coverage\":%.4f,\"seconds\":%.3f%s}\n",
                name.c_str(), m.recall, m.ndcg, m.auc, m.coverage, now() - t0, extra.c_str());
    std::fflush(stdout);
  }
  return 0;
}
