// Comm over Open MPI (MPI_COMM_WORLD) and over one process.
#include "comm.h"

#include "output_file.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <string>

#ifdef ALSREC_HAVE_MPI
#include <mpi.h>
#endif

namespace alsrec::cli {

void put_strings(Bytes& out, const std::vector<std::string>& values) {
  put<std::uint64_t>(out, values.size());
  for (const std::string& s : values) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
}

std::vector<std::string> Reader::get_strings() {
  std::vector<std::string> values(get<std::uint64_t>());
  for (std::string& s : values) {
    const auto n = get<std::uint32_t>();
    s.assign(bytes_.data() + at_, n);
    at_ += n;
  }
  return values;
}

namespace {

class SoloComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<Bytes> allgather(const Bytes& mine) override { return {mine}; }
  std::vector<Bytes> alltoall(const std::vector<Bytes>& to) override { return {to.at(0)}; }
  void alltoall(const void* send, const std::vector<std::uint64_t>& counts, std::size_t element_bytes,
                const std::function<void*(std::uint64_t)>& receive_into) override {
    void* out = receive_into(counts.at(0));
    if (counts[0] > 0) std::memcpy(out, send, counts[0] * element_bytes);
  }
  void sum(std::uint64_t*, std::size_t) override {}
  void sum(double*, std::size_t) override {}
  void sum(float*, std::size_t) override {}
  void allgather_rows(float*, std::size_t, const std::vector<std::uint32_t>&,
                      const std::vector<std::uint32_t>&) override {}
};

}  // namespace

std::unique_ptr<Comm> solo_comm() { return std::make_unique<SoloComm>(); }

Status settle(Comm& comm, const Status& mine) {
  // Control traffic, not payload: kept out of received_bytes (the exchange figures a run reports).
  const std::uint64_t received = comm.received_bytes;
  Bytes code;
  put<std::int32_t>(code, static_cast<std::int32_t>(mine.code()));
  const std::vector<Bytes> all = comm.size() == 1 ? std::vector<Bytes>{code} : comm.allgather(code);
  comm.received_bytes = received;
  for (int r = 0; r < comm.size(); ++r) {
    if (Reader(all[static_cast<std::size_t>(r)]).get<std::int32_t>() == 0) continue;
    if (r == comm.rank()) return mine;
    std::uint64_t never = 0;  // the reporting rank ends the job while the others wait here
    comm.sum(&never, 1);
    return Status::internal("rank " + std::to_string(r) + " failed");
  }
  return Status::ok();
}

#ifdef ALSREC_HAVE_MPI

namespace {

// MPI counts are ints: a message over 2 GiB cannot be sent in one call. The caller is in a collective every rank
// entered, so the only clean way out is to end the job with the reason.
int count_of(std::uint64_t n, const char* what) {
  if (n > static_cast<std::uint64_t>(INT_MAX)) {
    std::cerr << "alsrec: error: one " << what << " message would carry " << n
              << " elements, more than MPI's 2^31-1: run with more ranks" << std::endl;
    remove_temp_files();
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  return static_cast<int>(n);
}

class MpiComm final : public Comm {
 public:
  MpiComm() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<Bytes> allgather(const Bytes& mine) override {
    const int mine_count = count_of(mine.size(), "allgather");
    std::vector<int> counts(static_cast<std::size_t>(size_));
    MPI_Allgather(&mine_count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    return exchange_in(counts, [&](char* buffer, const std::vector<int>& displs) {
      MPI_Allgatherv(mine.data(), mine_count, MPI_CHAR, buffer, counts.data(), displs.data(), MPI_CHAR,
                     MPI_COMM_WORLD);
    });
  }

  std::vector<Bytes> alltoall(const std::vector<Bytes>& to) override {
    std::vector<int> send_counts(static_cast<std::size_t>(size_)), send_displs(send_counts.size());
    std::uint64_t total = 0;
    for (std::size_t q = 0; q < to.size(); ++q) {
      send_displs[q] = count_of(total, "alltoall");
      send_counts[q] = count_of(to[q].size(), "alltoall");
      total += to[q].size();
    }
    Bytes packed;
    packed.reserve(total);
    for (const Bytes& b : to) packed.insert(packed.end(), b.begin(), b.end());
    std::vector<int> counts(send_counts.size());
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    return exchange_in(counts, [&](char* buffer, const std::vector<int>& displs) {
      MPI_Alltoallv(packed.data(), send_counts.data(), send_displs.data(), MPI_CHAR, buffer, counts.data(),
                    displs.data(), MPI_CHAR, MPI_COMM_WORLD);
    });
  }

  void alltoall(const void* send, const std::vector<std::uint64_t>& counts, std::size_t element_bytes,
                const std::function<void*(std::uint64_t)>& receive_into) override {
    MPI_Datatype element;  // counted in elements, so int counts reach 2^31 elements
    MPI_Type_contiguous(count_of(element_bytes, "element"), MPI_BYTE, &element);
    MPI_Type_commit(&element);
    const std::size_t n = static_cast<std::size_t>(size_);
    std::vector<int> send_counts(n), send_displs(n), receive_counts(n), receive_displs(n);
    std::uint64_t total = 0;
    for (std::size_t q = 0; q < n; ++q) {
      send_displs[q] = count_of(total, "alltoall");
      send_counts[q] = count_of(counts[q], "alltoall");
      total += counts[q];
    }
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::uint64_t arriving = 0;
    for (std::size_t r = 0; r < n; ++r) {
      receive_displs[r] = count_of(arriving, "alltoall");
      arriving += static_cast<std::uint64_t>(receive_counts[r]);
      if (static_cast<int>(r) != rank_) received_bytes += static_cast<std::uint64_t>(receive_counts[r]) * element_bytes;
    }
    void* out = receive_into(arriving);
    MPI_Alltoallv(send, send_counts.data(), send_displs.data(), element, out, receive_counts.data(),
                  receive_displs.data(), element, MPI_COMM_WORLD);
    MPI_Type_free(&element);
  }

  void sum(std::uint64_t* v, std::size_t n) override { reduce(v, n, MPI_UINT64_T, sizeof *v); }
  void sum(double* v, std::size_t n) override { reduce(v, n, MPI_DOUBLE, sizeof *v); }
  void sum(float* v, std::size_t n) override { reduce(v, n, MPI_FLOAT, sizeof *v); }

  void allgather_rows(float* rows, std::size_t row_floats, const std::vector<std::uint32_t>& displs,
                      const std::vector<std::uint32_t>& counts) override {
    MPI_Datatype row;  // counted in rows, so int counts reach 2^31 rows
    MPI_Type_contiguous(count_of(row_floats, "row"), MPI_FLOAT, &row);
    MPI_Type_commit(&row);
    std::vector<int> c(counts.begin(), counts.end()), d(displs.begin(), displs.end());
    MPI_Allgatherv(MPI_IN_PLACE, 0, row, rows, c.data(), d.data(), row, MPI_COMM_WORLD);
    MPI_Type_free(&row);
    std::uint64_t others = 0;
    for (int r = 0; r < size_; ++r)
      if (r != rank_) others += counts[static_cast<std::size_t>(r)];
    received_bytes += others * row_floats * sizeof(float);
  }

 private:
  template <typename Exchange>
  std::vector<Bytes> exchange_in(const std::vector<int>& counts, Exchange&& exchange) {
    std::vector<int> displs(counts.size());
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      displs[r] = count_of(total, "gathered");
      total += static_cast<std::uint64_t>(counts[r]);
      if (static_cast<int>(r) != rank_) received_bytes += static_cast<std::uint64_t>(counts[r]);
    }
    Bytes buffer(std::max<std::uint64_t>(total, 1));
    exchange(buffer.data(), displs);
    std::vector<Bytes> out(counts.size());
    for (std::size_t r = 0; r < counts.size(); ++r)
      out[r].assign(buffer.begin() + displs[r], buffer.begin() + displs[r] + counts[r]);
    return out;
  }

  void reduce(void* values, std::size_t n, MPI_Datatype type, std::size_t bytes) {
    MPI_Allreduce(MPI_IN_PLACE, values, count_of(n, "allreduce"), type, MPI_SUM, MPI_COMM_WORLD);
    received_bytes += n * bytes;
  }

  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Comm> mpi_comm() { return std::make_unique<MpiComm>(); }

#else

std::unique_ptr<Comm> mpi_comm() { return nullptr; }

#endif

}  // namespace alsrec::cli
