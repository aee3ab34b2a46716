#include "itdd/scenario/input_error.h"

namespace itdd::scenario {

InputError::InputError(std::string path, std::string message)
    : std::runtime_error(path.empty() ? message : path + ": " + message),
      path_(std::move(path)),
      message_(std::move(message)) {}

}  // namespace itdd::scenario
