// Status and Result<T>: the error type of every fallible osprey call.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace osprey::base {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // bad input: a malformed file, a wrong flag value, a bad request
  kNotFound,          // a file, key, tensor or route that does not exist
  kOutOfRange,        // an index, size or count outside what is allowed
  kUnimplemented,     // a feature or type osprey does not support
  kResourceExhausted, // out of KV blocks, queue full, body too large
  kCancelled,         // the caller cancelled the work
  kIo,                // an operating-system call failed
  kInternal,          // a bug: an invariant that should hold did not
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: message"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
Status invalid_argument(std::string message);
Status not_found(std::string message);
Status out_of_range(std::string message);
Status unimplemented(std::string message);
Status resource_exhausted(std::string message);
Status cancelled(std::string message);
Status io_error(std::string message);
Status internal_error(std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}     // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace osprey::base

namespace osprey {
using base::Result;
using base::Status;
using base::StatusCode;
}  // namespace osprey

#define OSP_CONCAT_INNER_(a, b) a##b
#define OSP_CONCAT_(a, b) OSP_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not ok.
#define OSP_RETURN_IF_ERROR(expr)                    \
  do {                                               \
    ::osprey::base::Status osp_status_ = (expr);     \
    if (!osp_status_.ok()) return osp_status_;       \
  } while (0)

// `OSP_ASSIGN_OR_RETURN(auto x, f())`: unwraps a Result or returns its Status.
#define OSP_ASSIGN_OR_RETURN(lhs, expr) \
  OSP_ASSIGN_OR_RETURN_IMPL_(OSP_CONCAT_(osp_result_, __LINE__), lhs, expr)
#define OSP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
