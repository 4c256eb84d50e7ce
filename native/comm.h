// The collectives a distributed run needs, behind one small interface: Open MPI's for `mpirun … --distributed`, and
// a one-process stand-in, so the input sharding (shard_input.h) serves a single process reading a directory of part
// files with the very code the ranks run. Every call is collective: all processes make it, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alsrec/status.h"

namespace alsrec::cli {

using Bytes = std::vector<char>;

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every process's buffer, in rank order.
  virtual std::vector<Bytes> allgather(const Bytes& mine) = 0;
  // to[q] goes to process q; returns what each process sent to this one, in rank order.
  virtual std::vector<Bytes> alltoall(const std::vector<Bytes>& to) = 0;
  // The same without a buffer per process: counts[q] elements of element_bytes each for process q, one after
  // another in `send`; what arrives (in rank order, one after another) is written to receive_into(elements
  // arriving), which must return room for them. Element counts, not bytes, are limited to 2³¹ − 1 per process.
  virtual void alltoall(const void* send, const std::vector<std::uint64_t>& counts, std::size_t element_bytes,
                        const std::function<void*(std::uint64_t elements)>& receive_into) = 0;
  // Element-wise sums over processes, in place (every process ends with the same values).
  virtual void sum(std::uint64_t* values, std::size_t count) = 0;
  virtual void sum(double* values, std::size_t count) = 0;
  virtual void sum(float* values, std::size_t count) = 0;
  // rows[displs[r] .. displs[r] + counts[r]) of `row_floats` floats each come from process r; every process ends
  // with all of them (this process's own rows already in place).
  virtual void allgather_rows(float* rows, std::size_t row_floats, const std::vector<std::uint32_t>& displs,
                              const std::vector<std::uint32_t>& counts) = 0;
  // Payload bytes this process has received so far (its own data not counted).
  std::uint64_t received_bytes = 0;
};

// Collective: settles a failure any process may meet at the same point of a job, so it is reported once. Every
// process passes its own status; when none failed, all get ok. Otherwise the lowest failing process gets its own
// status back (its caller reports it and ends the job: MPI_Abort), and the others wait, in a collective that
// process never joins, to be ended with it.
Status settle(Comm& comm, const Status& mine);

// One process: every collective is the identity.
std::unique_ptr<Comm> solo_comm();
// MPI_COMM_WORLD (MPI must be initialised); null in a build without MPI.
std::unique_ptr<Comm> mpi_comm();

// std::allocator that leaves plain values uninitialised on resize: buffers about to be overwritten (tens of
// millions of rows in a shuffle) are not first filled with zeros.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using Buffer = std::vector<T, UninitializedAllocator<T>>;

// Sends value make(i) to process dest(i) for i < n (two passes over i, no buffer per process) and returns the
// values every process sent this one, in rank order and, from each process, in order of i. make is called once
// per i, in increasing order.
template <typename T, typename Dest, typename Make>
Buffer<T> route(Comm& comm, std::size_t n, Dest&& dest, Make&& make) {
  Buffer<T> send(n), out;
  if (comm.size() == 1) {  // everything stays here, already in order
    for (std::size_t i = 0; i < n; ++i) send[i] = make(i);
    return send;
  }
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm.size()), 0), at(counts.size(), 0);
  for (std::size_t i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(dest(i))];
  for (std::size_t q = 1; q < counts.size(); ++q) at[q] = at[q - 1] + counts[q - 1];
  for (std::size_t i = 0; i < n; ++i) send[at[static_cast<std::size_t>(dest(i))]++] = make(i);
  comm.alltoall(send.data(), counts, sizeof(T), [&](std::uint64_t elements) -> void* {
    out.resize(elements);
    return out.data();
  });
  return out;
}

// Packing plain values into Bytes and back (the processes are the same binary on the same kind of machine).
template <typename T>
void put(Bytes& out, const T& value) {
  const auto at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}
template <typename T>
void put_vector(Bytes& out, const std::vector<T>& values) {
  put<std::uint64_t>(out, values.size());
  const auto at = out.size();
  out.resize(at + values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out.data() + at, values.data(), values.size() * sizeof(T));
}
void put_strings(Bytes& out, const std::vector<std::string>& values);

// Reads back what put/put_vector/put_strings wrote, in the same order.
class Reader {
 public:
  explicit Reader(const Bytes& bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  template <typename T>
  std::vector<T> get_vector() {
    std::vector<T> values(get<std::uint64_t>());
    if (!values.empty()) std::memcpy(values.data(), bytes_.data() + at_, values.size() * sizeof(T));
    at_ += values.size() * sizeof(T);
    return values;
  }
  std::vector<std::string> get_strings();
  bool done() const { return at_ >= bytes_.size(); }

 private:
  const Bytes& bytes_;
  std::size_t at_ = 0;
};

}  // namespace alsrec::cli
