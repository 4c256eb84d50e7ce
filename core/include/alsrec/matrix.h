// Compressed sparse row matrix of float weights: rows are users (or items, for the transpose), column indices
// sorted within each row, no duplicates.
#pragma once

#include <cstdint>
#include <vector>

#include "alsrec/ratings.h"

namespace alsrec {

struct CsrMatrix {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<std::uint64_t> indptr;    // rows + 1 entries
  std::vector<std::uint32_t> indices;   // column of each nonzero, ascending within a row
  std::vector<float> data;              // value of each nonzero

  std::uint64_t nnz() const { return indices.size(); }
  std::uint32_t row_size(std::uint32_t r) const { return static_cast<std::uint32_t>(indptr[r + 1] - indptr[r]); }
  bool contains(std::uint32_t r, std::uint32_t c) const;  // binary search within row r
  CsrMatrix transpose() const;
};

// users x items from the dataset's interactions. With `subset` non-null, only those interaction indices.
// Values are taken as they are (the trainer turns them into confidences).
CsrMatrix build_user_item_matrix(const Dataset& data, const std::vector<std::uint32_t>* subset = nullptr);

// The same matrix from a dataset that is not needed any more: its interaction columns are released as they are
// read (timestamps first; the ids stay), so the dataset and the matrix are never both held in full. A counting sort
// over users instead of triplet copies; equal to build_user_item_matrix(data) bit for bit.
CsrMatrix build_user_item_matrix(Dataset&& data);

// Each user's interactions in file order: user u's are rows[offsets[u] .. offsets[u+1]), indices into the data's
// users/items/values/timestamps (a counting sort; for listing what one user rated, with values and times).
struct UserRows {
  std::vector<std::uint64_t> offsets;  // num_users + 1 entries
  std::vector<std::uint32_t> rows;
};
UserRows rows_by_user(const Dataset& data);

// From raw triplets (need not be sorted; duplicate (row,col) pairs are summed).
CsrMatrix csr_from_triplets(std::uint32_t rows, std::uint32_t cols, const std::vector<std::uint32_t>& row_idx,
                            const std::vector<std::uint32_t>& col_idx, const std::vector<float>& values);

}  // namespace alsrec
