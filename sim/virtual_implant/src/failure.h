// Inside the virtual implant, a failure unwinds to the public call that met it (open, run,
// advance, listen, TcpListener::open), which returns it as a host::Refusal: no exception leaves
// the module. Internal to itdd_virtual_implant.
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "itdd/host/checked.h"

namespace itdd::sim::detail {

// A std::exception so that the places that only note a failure (saving the clock on the way
// out) note this one too.
class Failure : public std::exception {
 public:
  explicit Failure(host::Refusal refusal) : refusal_(std::move(refusal)), text_(refusal_.text()) {}
  const host::Refusal& refusal() const { return refusal_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  host::Refusal refusal_;
  std::string text_;
};

[[noreturn]] inline void fail(host::RefusalKind kind, std::string field, std::string message) {
  throw Failure(host::Refusal{std::move(field), std::move(message), kind});
}
// The state directory cannot be used as asked (another pump model, held by another server, not
// a directory, a damaged state file): the user must change something.
[[noreturn]] inline void fail_state(std::string message) {
  fail(host::RefusalKind::kInvalidArgument, "state_dir", std::move(message));
}
// The system failed an operation (a file, a socket, a pipe).
[[noreturn]] inline void fail_io(std::string message) {
  fail(host::RefusalKind::kUnavailable, "", std::move(message));
}

// What `f()` returns, or the refusal of the failure it met. Another library's exception (the
// simulated flash's file, an allocation) is an I/O refusal with its text.
template <class F>
auto guarded(F&& f) -> host::Checked<std::invoke_result_t<F&>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      f();
      return host::Checked<void>::Ok();
    } else {
      return f();
    }
  } catch (const Failure& e) {
    return e.refusal();
  } catch (const std::exception& e) {
    return host::Refusal{"", e.what(), host::RefusalKind::kIo};
  }
}

}  // namespace itdd::sim::detail
