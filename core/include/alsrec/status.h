// Status and Result<T>: how every core function reports failure (no exceptions cross the core's API,
// no asserts on input). Codes map one-to-one onto the CLI's exit codes and the JS layer's AlsrecError.code.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace alsrec {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // a bad option / parameter value (CLI exit 1: usage)
  kBadInput = 2,         // unreadable, malformed or inconsistent data (CLI exit 2)
  kNumerical = 3,        // factorisation failed, loss diverged (CLI exit 3)
  kInternal = 4,         // a bug or resource failure (CLI exit 3)
  kCancelled = 5,        // the progress callback asked to stop
  kIoError = 6,          // the OS refused a read/write (CLI exit 2)
};

const char* status_code_name(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status bad_input(std::string m) { return {StatusCode::kBadInput, std::move(m)}; }
  static Status numerical(std::string m) { return {StatusCode::kNumerical, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status cancelled(std::string m = "cancelled") { return {StatusCode::kCancelled, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "bad input: ratings.csv line 4: rating 'NaN' is not a finite number"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains its absence.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like draco's StatusOr
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

#define ALSREC_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::alsrec::Status _alsrec_st = (expr);     \
    if (!_alsrec_st.is_ok()) return _alsrec_st; \
  } while (0)

}  // namespace alsrec
