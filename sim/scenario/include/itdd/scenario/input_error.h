// The one error type of the scenario and pump-model readers: which field (a JSON path such as
// "prescription.steps[3].start") and what is wrong with it. Thrown before anything runs.
#pragma once

#include <stdexcept>
#include <string>

namespace itdd::scenario {

class InputError : public std::runtime_error {
 public:
  InputError(std::string path, std::string message);

  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  std::string path_;
  std::string message_;
};

}  // namespace itdd::scenario
