#include "alsrec/matrix.h"

#include <algorithm>
#include <numeric>

namespace alsrec {

bool CsrMatrix::contains(std::uint32_t r, std::uint32_t c) const {
  if (r >= rows || indptr.size() < static_cast<std::size_t>(rows) + 1) return false;
  const auto begin = indices.begin() + static_cast<std::ptrdiff_t>(indptr[r]);
  const auto end = indices.begin() + static_cast<std::ptrdiff_t>(indptr[r + 1]);
  return std::binary_search(begin, end, c);
}

// Counting sort by column: walking rows in order leaves each transposed row's indices ascending.
CsrMatrix CsrMatrix::transpose() const {
  CsrMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.indptr.assign(static_cast<std::size_t>(cols) + 1, 0);
  t.indices.resize(indices.size());
  t.data.resize(data.size());
  for (std::uint32_t c : indices) ++t.indptr[c + 1];
  for (std::uint32_t c = 0; c < cols; ++c) t.indptr[c + 1] += t.indptr[c];
  std::vector<std::uint64_t> fill(t.indptr.begin(), t.indptr.end() - 1);
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint64_t e = indptr[r]; e < indptr[r + 1]; ++e) {
      const std::uint64_t dst = fill[indices[e]]++;
      t.indices[dst] = r;
      t.data[dst] = data[e];
    }
  }
  return t;
}

CsrMatrix csr_from_triplets(std::uint32_t rows, std::uint32_t cols, const std::vector<std::uint32_t>& row_idx,
                            const std::vector<std::uint32_t>& col_idx, const std::vector<float>& values) {
  // Entries outside rows × cols (and the tail of the longer arrays if the lengths differ) are ignored.
  const std::size_t n = std::min({row_idx.size(), col_idx.size(), values.size()});
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<std::size_t>(rows) + 1, 0);
  auto in_range = [&](std::size_t e) { return row_idx[e] < rows && col_idx[e] < cols; };
  for (std::size_t e = 0; e < n; ++e)
    if (in_range(e)) ++m.indptr[row_idx[e] + 1];
  for (std::uint32_t r = 0; r < rows; ++r) m.indptr[r + 1] += m.indptr[r];

  // Bucket by row (stable: file order kept within a row), then sort each row by column and sum duplicates.
  std::vector<std::uint32_t> bucket_col(m.indptr[rows]);
  std::vector<float> bucket_val(m.indptr[rows]);
  std::vector<std::uint64_t> fill(m.indptr.begin(), m.indptr.end() - 1);
  for (std::size_t e = 0; e < n; ++e) {
    if (!in_range(e)) continue;
    const std::uint64_t dst = fill[row_idx[e]]++;
    bucket_col[dst] = col_idx[e];
    bucket_val[dst] = values[e];
  }

  m.indices.reserve(bucket_col.size());
  m.data.reserve(bucket_col.size());
  std::vector<std::uint64_t> order;
  std::vector<std::uint64_t> new_indptr(static_cast<std::size_t>(rows) + 1, 0);
  for (std::uint32_t r = 0; r < rows; ++r) {
    order.resize(m.indptr[r + 1] - m.indptr[r]);
    std::iota(order.begin(), order.end(), m.indptr[r]);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint64_t a, std::uint64_t b) { return bucket_col[a] < bucket_col[b]; });
    for (std::uint64_t e : order) {
      if (m.indices.size() > new_indptr[r] && m.indices.back() == bucket_col[e]) {
        m.data.back() += bucket_val[e];
      } else {
        m.indices.push_back(bucket_col[e]);
        m.data.push_back(bucket_val[e]);
      }
    }
    new_indptr[r + 1] = m.indices.size();
  }
  m.indptr = std::move(new_indptr);
  return m;
}

namespace {

template <typename T>
void release(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

// Sorts each row of m by column, keeping the file order of equal columns, and sums those (as csr_from_triplets).
void sort_and_merge_rows(CsrMatrix& m) {
  std::vector<std::pair<std::uint32_t, float>> row;
  std::uint64_t out = 0;
  for (std::uint32_t r = 0; r < m.rows; ++r) {
    const std::uint64_t begin = m.indptr[r], end = m.indptr[r + 1];
    m.indptr[r] = out;
    bool sorted = true;
    for (std::uint64_t e = begin + 1; e < end && sorted; ++e) sorted = m.indices[e - 1] < m.indices[e];
    if (sorted) {  // the common case (files sorted by user and item): move down only
      for (std::uint64_t e = begin; e < end; ++e, ++out) {
        m.indices[out] = m.indices[e];
        m.data[out] = m.data[e];
      }
      continue;
    }
    row.clear();
    for (std::uint64_t e = begin; e < end; ++e) row.emplace_back(m.indices[e], m.data[e]);
    std::stable_sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::uint64_t first = out;
    for (const auto& [c, v] : row) {
      if (out > first && m.indices[out - 1] == c) {
        m.data[out - 1] += v;
      } else {
        m.indices[out] = c;
        m.data[out] = v;
        ++out;
      }
    }
  }
  m.indptr[m.rows] = out;
  if (out < m.indices.size()) {
    m.indices.resize(out);
    m.data.resize(out);
    m.indices.shrink_to_fit();
    m.data.shrink_to_fit();
  }
}

}  // namespace

// Straight into CSR (a count per row, then a fill), without triplets: the only transient is the fill cursor.
CsrMatrix build_user_item_matrix(const Dataset& data, const std::vector<std::uint32_t>* subset) {
  CsrMatrix m;
  m.rows = static_cast<std::uint32_t>(data.num_users());
  m.cols = static_cast<std::uint32_t>(data.num_items());
  const std::size_t n = std::min({data.users.size(), data.items.size(), data.values.size()});
  const std::size_t count = subset ? subset->size() : n;
  // A subset index past the end, or an index without an id, is ignored, never read.
  const auto index = [&](std::size_t j) -> std::size_t { return subset ? (*subset)[j] : j; };
  const auto usable = [&](std::size_t i) { return i < n && data.users[i] < m.rows && data.items[i] < m.cols; };
  m.indptr.assign(static_cast<std::size_t>(m.rows) + 1, 0);
  for (std::size_t j = 0; j < count; ++j)
    if (usable(index(j))) ++m.indptr[data.users[index(j)] + 1];
  for (std::uint32_t r = 0; r < m.rows; ++r) m.indptr[r + 1] += m.indptr[r];
  m.indices.resize(m.indptr[m.rows]);
  m.data.resize(m.indptr[m.rows]);
  std::vector<std::uint64_t> fill(m.indptr.begin(), m.indptr.end() - 1);
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t i = index(j);
    if (!usable(i)) continue;
    const std::uint64_t dst = fill[data.users[i]]++;
    m.indices[dst] = data.items[i];
    m.data[dst] = data.values[i];
  }
  release(fill);
  sort_and_merge_rows(m);
  return m;
}

// The same, releasing what the matrix does not need first (timestamps) and the columns it copied right after, so
// the data set and the matrix are never both held in full.
CsrMatrix build_user_item_matrix(Dataset&& data) {
  release(data.timestamps);
  CsrMatrix m = build_user_item_matrix(static_cast<const Dataset&>(data), nullptr);
  release(data.users);
  release(data.items);
  release(data.values);
  return m;
}

UserRows rows_by_user(const Dataset& data) {
  UserRows r;
  r.offsets.assign(data.num_users() + 1, 0);
  for (std::uint32_t u : data.users) ++r.offsets[u + 1];
  for (std::size_t u = 0; u < data.num_users(); ++u) r.offsets[u + 1] += r.offsets[u];
  std::vector<std::uint64_t> next(r.offsets.begin(), r.offsets.end() - 1);
  r.rows.resize(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) r.rows[next[data.users[i]]++] = static_cast<std::uint32_t>(i);
  return r;
}

}  // namespace alsrec
