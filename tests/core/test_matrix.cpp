#include <catch2/catch.hpp>

#include "alsrec/matrix.h"

using namespace alsrec;

TEST_CASE("csr_from_triplets sorts columns within rows and sums duplicates", "[matrix]") {
  // (row, col, value): (1,2,1) (0,3,2) (1,0,3) (1,2,4) (0,1,5); duplicate (1,2) sums to 1 + 4 = 5.
  const CsrMatrix m = csr_from_triplets(3, 4, {1, 0, 1, 1, 0}, {2, 3, 0, 2, 1}, {1, 2, 3, 4, 5});
  CHECK(m.rows == 3);
  CHECK(m.cols == 4);
  CHECK(m.indptr == std::vector<std::uint64_t>{0, 2, 4, 4});
  CHECK(m.indices == std::vector<std::uint32_t>{1, 3, 0, 2});
  CHECK(m.data == std::vector<float>{5, 2, 3, 5});
  CHECK(m.nnz() == 4);
  CHECK(m.row_size(2) == 0);
}

TEST_CASE("csr_from_triplets ignores entries outside the shape", "[matrix]") {
  // (5,0) has row 5 >= 2 rows and (0,9) col 9 >= 3 cols: dropped, only (1,1) remains.
  const CsrMatrix m = csr_from_triplets(2, 3, {5, 0, 1}, {0, 9, 1}, {1, 1, 7});
  CHECK(m.indptr == std::vector<std::uint64_t>{0, 0, 1});
  CHECK(m.indices == std::vector<std::uint32_t>{1});
  CHECK(m.data == std::vector<float>{7});
}

TEST_CASE("contains finds exactly the stored entries", "[matrix]") {
  const CsrMatrix m = csr_from_triplets(2, 5, {0, 0, 0, 1}, {4, 0, 2, 3}, {1, 1, 1, 1});
  CHECK(m.contains(0, 0));
  CHECK(m.contains(0, 2));
  CHECK(m.contains(0, 4));
  CHECK_FALSE(m.contains(0, 3));
  CHECK(m.contains(1, 3));
  CHECK_FALSE(m.contains(1, 4));
  CHECK_FALSE(m.contains(7, 0));  // out of range rows are simply absent
}

TEST_CASE("transpose swaps rows and columns with sorted indices", "[matrix]") {
  // [[0 1 2]      transpose  [[0 3]
  //  [3 0 4]]                 [1 0]
  //                           [2 4]]
  const CsrMatrix m = csr_from_triplets(2, 3, {0, 0, 1, 1}, {1, 2, 0, 2}, {1, 2, 3, 4});
  const CsrMatrix t = m.transpose();
  CHECK(t.rows == 3);
  CHECK(t.cols == 2);
  CHECK(t.indptr == std::vector<std::uint64_t>{0, 1, 2, 4});
  CHECK(t.indices == std::vector<std::uint32_t>{1, 0, 0, 1});
  CHECK(t.data == std::vector<float>{3, 1, 2, 4});
  const CsrMatrix back = t.transpose();
  CHECK(back.indptr == m.indptr);
  CHECK(back.indices == m.indices);
  CHECK(back.data == m.data);
}

TEST_CASE("build_user_item_matrix uses all interactions or only the subset", "[matrix]") {
  Dataset d;
  d.user_ids = {"u0", "u1"};
  d.item_ids = {"a", "b", "c"};
  d.users = {0, 1, 0, 1};
  d.items = {2, 0, 1, 2};
  d.values = {5, 4, 3, 2};
  const CsrMatrix all = build_user_item_matrix(d);
  CHECK(all.rows == 2);
  CHECK(all.cols == 3);
  CHECK(all.indptr == std::vector<std::uint64_t>{0, 2, 4});
  CHECK(all.indices == std::vector<std::uint32_t>{1, 2, 0, 2});
  CHECK(all.data == std::vector<float>{3, 5, 4, 2});

  const std::vector<std::uint32_t> subset = {3, 0, 99};  // 99 is past the end: ignored
  const CsrMatrix part = build_user_item_matrix(d, &subset);
  CHECK(part.rows == 2);  // indexed over the whole dataset
  CHECK(part.indptr == std::vector<std::uint64_t>{0, 1, 2});
  CHECK(part.indices == std::vector<std::uint32_t>{2, 2});
  CHECK(part.data == std::vector<float>{5, 2});
}
