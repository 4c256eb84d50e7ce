// Checks shared by the reader tests.
#pragma once

#include <catch2/catch.hpp>

#include "alsrec/ratings.h"

namespace alsrec::test {

// Everything a consumer can observe of two datasets, except the format description and the skipped examples.
inline void require_same_data(const Dataset& a, const Dataset& b) {
  CHECK(a.user_ids == b.user_ids);
  CHECK(a.item_ids == b.item_ids);
  CHECK(a.users == b.users);
  CHECK(a.items == b.items);
  CHECK(a.values == b.values);
  CHECK(a.timestamps == b.timestamps);
  CHECK(a.has_ratings == b.has_ratings);
  CHECK(a.has_timestamps == b.has_timestamps);
  CHECK(a.rows == b.rows);
  CHECK(a.skipped == b.skipped);
  CHECK(a.filtered == b.filtered);
  CHECK(a.duplicates_merged == b.duplicates_merged);
  CHECK(a.fingerprint() == b.fingerprint());
}

}  // namespace alsrec::test
