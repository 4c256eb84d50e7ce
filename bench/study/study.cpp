// alsrec_study: runs many model configurations on one data set and split, one JSON line each. The engine of the
// defaults study (bench/study/README.md): the data set is read and split once, then every configuration read from
// stdin ("name key=value ...") is fitted on the train part and scored on the test part (or, with --validation, on
// a validation split carved from the train part, exactly as --auto does).
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
#include "alsrec/tune.h"

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
bool flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i)
    if (argv[i] == name) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string input = arg(argc, argv, "--input", "");
  if (input.empty()) {
    std::fprintf(stderr, "usage: alsrec_study --input F [--split random:0.2] [--seed 42] [--columns ..] "
                         "[--min-rating X] [--validation] [--k 10] < configs\n");
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
  auto spec = parse_split(arg(argc, argv, "--split", "random:0.2"));
  if (!spec) return 1;
  const std::uint64_t seed = std::stoull(arg(argc, argv, "--seed", "42"));
  const int k = std::stoi(arg(argc, argv, "--k", "10"));
  const bool validation = flag(argc, argv, "--validation");
  const SplitResult split = split_dataset(*data, *spec, seed);
  CsrMatrix train, test;
  if (validation) {
    const Dataset t = subset_dataset(*data, split.train);
    const SplitResult inner = split_dataset(t, *spec, seed);
    train = build_user_item_matrix(t, &inner.train);
    test = build_user_item_matrix(t, &inner.test);
  } else {
    train = build_user_item_matrix(*data, &split.train);
    test = build_user_item_matrix(*data, &split.test);
  }
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
        // λ chosen on a validation split of `train` (never `test`).
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
      AlsOptions o = mode_defaults(*parse_confidence_mode(get("confidence", "ials")));
      o.values = *parse_value_transform(get("values", value_transform_name(o.values)));
      o.factors = std::stoi(get("factors", std::to_string(o.factors)));
      o.alpha = std::stof(get("alpha", std::to_string(o.alpha)));
      o.unobserved_weight = std::stof(get("alpha0", std::to_string(o.unobserved_weight)));
      o.regularization = std::stof(get("lambda", std::to_string(o.regularization)));
      o.reg_exponent = std::stof(get("nu", std::to_string(o.reg_exponent)));
      o.iterations = std::stoi(get("iterations", std::to_string(o.iterations)));
      o.epsilon = std::stof(get("epsilon", std::to_string(o.epsilon)));
      o.init_scale = std::stof(get("init", std::to_string(o.init_scale)));
      o.cg_steps = std::stoi(get("cg", std::to_string(o.cg_steps)));
      if (get("solver", "cg") == "cholesky") o.solver = SolverKind::kCholesky;
      o.compute_loss = false;
      o.biases = false;
      auto trainer = AlsTrainer::create(train, o);
      if (!trainer) {
        std::printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name.c_str(), trainer.status().message().c_str());
        continue;
      }
      const Status s = (*trainer)->fit();
      if (!s.is_ok()) {
        std::printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name.c_str(), s.message().c_str());
        continue;
      }
      m = evaluate_model((*trainer)->user_factors(), (*trainer)->item_factors(), train, test, k);
    }
    std::printf("{\"name\":\"%s\",\"recall\":%.5f,\"ndcg\":%.5f,\"auc\":%.4f,\"coverage\":%.4f,\"seconds\":%.3f%s}\n",
                name.c_str(), m.recall, m.ndcg, m.auc, m.coverage, now() - t0, extra.c_str());
    std::fflush(stdout);
  }
  return 0;
}
