// The `itdd` command line as a child process, for end-to-end tests: run a command to its end
// (optionally with text on its stdin), or keep `itdd implant serve` running in the background
// and read the port and public key it prints; and the steps every such test needs (a key pair,
// a patient device paired through a clinician's window). No fixed port: the server picks one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace itdd::testing {

using namespace std::chrono_literals;

struct Ran {
  int exit_code = -1;
  std::string out;          // stdout and stderr, as they came
  std::string stdout_text;  // stdout alone (e.g. to parse JSON)
};

// Runs `itdd ARGS...` to completion, killed after `limit` (a test must never hang). `input`
// is written to its stdin, which is then closed (an empty input: stdin at end of file at once).
Ran run_itdd(const std::vector<std::string>& args, std::chrono::seconds limit = 30s,
             const std::string& input = {});

// `itdd implant serve ARGS...` in the background (stderr to `log`) until killed. Its banner is
// read up to the line with the port (text, or with --json the one-line object).
class Server {
 public:
  Server(const std::vector<std::string>& args, const std::filesystem::path& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const { return port_; }  // 0: it did not start (see banner())
  const std::string& key_hex() const { return key_hex_; }
  const std::string& banner() const { return banner_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Sends `signal` and waits: the exit code, or -signal if it was killed.
  int kill(int signal);

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
  std::string key_hex_;
  std::string banner_;
};

// `itdd programmer keygen --key FILE`: the public key's hex, or "" (a test failure) if it failed.
std::string keygen(const std::filesystem::path& key_file);

// An empty folder for the running test, named after it ("PREFIX-PID-TEST"): made afresh, so a
// run never sees what an earlier one left.
std::filesystem::path fresh_test_dir(const std::string& prefix);

// A clinician opens a window for `role` (`itdd programmer pairing-window`) and the device with
// `device_key` pairs with its code (`itdd programmer pair`), writing `implant_file`. False (and
// a test failure saying why) if either step failed.
bool pair_through_window(const std::string& address, const std::filesystem::path& clinician_key,
                         const std::filesystem::path& implant_pub, const std::string& role,
                         const std::filesystem::path& device_key,
                         const std::filesystem::path& implant_file);

}  // namespace itdd::testing
