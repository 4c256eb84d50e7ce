// Id lookups for the bindings and the page's helpers on the core side: the id index, a model's seen items matched
// from a data set by id, and each user's rows in file order.
#include <catch2/catch.hpp>

#include <string>

#include "alsrec/id_index.h"
#include "alsrec/matrix.h"
#include "alsrec/model_fit.h"
#include "alsrec/model_options.h"
#include "alsrec/ratings.h"

using namespace alsrec;

namespace {

Dataset read(const std::string& text) {
  auto d = read_ratings(text.data(), text.size(), FormatOptions{});
  REQUIRE(d.is_ok());
  return std::move(*d);
}

}  // namespace

TEST_CASE("IdIndex finds each id's position and -1 for an unknown one", "[ids]") {
  const IdIndex index({"bob", "alice", "42", "bob"});
  CHECK(index.find("bob") == 0);  // a repeated id keeps its first position
  CHECK(index.find("alice") == 1);
  CHECK(index.find("42") == 2);
  CHECK(index.find("carol") == -1);
  CHECK(index.find("") == -1);
  CHECK(index.size() == 3);
  CHECK(IdIndex().find("bob") == -1);
}

TEST_CASE("seen_matrix: a data set's interactions on the model's own ids, unknown ones left out", "[ids]") {
  AlsModel model;
  model.user_ids = {"u2", "u1", "u9"};
  model.item_ids = {"b", "a", "c"};
  // u3 and item z are not in the model; u1 rated a with 5 stars, the matrix holds 1.
  const Dataset data = read("user,item,rating\nu1,a,5\nu1,b,3\nu2,c,4\nu3,a,2\nu2,z,1\n");
  const CsrMatrix seen = seen_matrix(model, data);
  CHECK(seen.rows == 3);
  CHECK(seen.cols == 3);
  CHECK(seen.nnz() == 3);
  CHECK(seen.contains(1, 1));  // u1, a
  CHECK(seen.contains(1, 0));  // u1, b
  CHECK(seen.contains(0, 2));  // u2, c
  CHECK(seen.row_size(2) == 0);  // u9 has nothing here
  for (float v : seen.data) CHECK(v == 1.0f);
}

TEST_CASE("rows_by_user: each user's rows in file order", "[ids]") {
  const Dataset data = read("user,item\nb,1\na,1\nb,2\nc,3\na,2\nb,3\n");
  const UserRows r = rows_by_user(data);
  REQUIRE(r.offsets.size() == data.num_users() + 1);
  const auto of = [&](const std::string& id) {
    std::vector<std::uint32_t> rows;
    const int u = IdIndex(data.user_ids).find(id);
    for (std::uint64_t j = r.offsets[u]; j < r.offsets[u + 1]; ++j) rows.push_back(r.rows[j]);
    return rows;
  };
  CHECK(of("b") == std::vector<std::uint32_t>{0, 2, 5});
  CHECK(of("a") == std::vector<std::uint32_t>{1, 4});
  CHECK(of("c") == std::vector<std::uint32_t>{3});
}

TEST_CASE("parameter_choices: the names set_choice accepts, read off the core's enums", "[ids]") {
  for (const ParameterInfo& p : model_parameters()) {
    const std::vector<std::string> choices = parameter_choices(p);
    const std::string flag = p.flag;
    if (flag == "confidence") CHECK(choices == std::vector<std::string>{"implicit", "hu", "log", "ials", "explicit"});
    else if (flag == "values") CHECK(choices == std::vector<std::string>{"raw", "binary", "log"});
    else if (flag == "biases") CHECK(choices == std::vector<std::string>{"false", "true"});
    else if (flag == "solver") CHECK((choices.size() >= 2 && choices[0] == "cg" && choices[1] == "cholesky"));
    else CHECK(choices.empty());
    for (const std::string& c : choices) {
      ModelChoices m;
      CHECK(set_choice(m, p.js, c).is_ok());
    }
  }
}
