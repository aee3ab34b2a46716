#include "itdd_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

namespace itdd::testing {

Ran run_itdd(const std::vector<std::string>& args, std::chrono::seconds limit,
             const std::string& input) {
  int out_fds[2];
  int err_fds[2];
  int in_fds[2];
  EXPECT_EQ(::pipe2(out_fds, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err_fds, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(in_fds, O_CLOEXEC), 0);
  // A child that exits before reading its input must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    // No controlling terminal: a command never asks the person running the tests for anything
    // (a protected key's passphrase is asked on /dev/tty when no other source gives it).
    ::setsid();
    ::dup2(in_fds[0], STDIN_FILENO);
    ::dup2(out_fds[1], STDOUT_FILENO);
    ::dup2(err_fds[1], STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(ITDD_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(ITDD_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(out_fds[1]);
  ::close(err_fds[1]);
  ::close(in_fds[0]);
  // The input is small (an answer to a prompt): it fits the pipe, so this never blocks.
  if (!input.empty()) {
    EXPECT_EQ(::write(in_fds[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  }
  ::close(in_fds[1]);
  Ran r;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    pollfd p[2] = {{out_open ? out_fds[0] : -1, POLLIN, 0},
                   {err_open ? err_fds[0] : -1, POLLIN, 0}};
    if (::poll(p, 2, 100) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        r.out += "\n[killed: still running after the time limit]";
        break;
      }
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || p[i].revents == 0) continue;
      const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      r.out.append(buf, static_cast<std::size_t>(n));
      if (i == 0) r.stdout_text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(out_fds[0]);
  ::close(err_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

Server::Server(const std::vector<std::string>& args, const std::filesystem::path& log) {
  int pipe_fds[2];
  EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(ITDD_BINARY), const_cast<char*>("implant"),
                            const_cast<char*>("serve")};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(ITDD_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  out_ = pipe_fds[0];
  // Its banner, up to the line with the port.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+)\n)");
  const std::regex key(R"(implant public key: ([0-9a-f]{64})\n)");
  // With --json: one object on one line.
  const std::regex json_port(R"re("port":(\d+)[^\n]*\n)re");
  const std::regex json_key(R"re("implant_key":"([0-9a-f]{64})")re");
  std::smatch m;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;  // it exited
    banner_.append(buf, static_cast<std::size_t>(n));
    if (std::regex_search(banner_, m, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      if (std::regex_search(banner_, m, key)) key_hex_ = m[1];
      return;
    }
    if (std::regex_search(banner_, m, json_port)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      if (std::regex_search(banner_, m, json_key)) key_hex_ = m[1];
      return;
    }
  }
}

Server::~Server() {
  if (pid_ > 0) kill(SIGKILL);
  if (out_ >= 0) ::close(out_);
}

int Server::kill(int signal) {
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string keygen(const std::filesystem::path& key_file) {
  const Ran k = run_itdd({"programmer", "keygen", "--key", key_file.string()});
  EXPECT_EQ(k.exit_code, 0) << k.out;
  if (k.exit_code != 0 || k.stdout_text.size() < 64) return "";
  return k.stdout_text.substr(0, 64);
}

bool pair_through_window(const std::string& address, const std::filesystem::path& clinician_key,
                         const std::filesystem::path& implant_pub, const std::string& role,
                         const std::filesystem::path& device_key,
                         const std::filesystem::path& implant_file) {
  const Ran window =
      run_itdd({"programmer", "pairing-window", "--implant", address, "--key",
                clinician_key.string(), "--implant-key", implant_pub.string(), "--role", role});
  EXPECT_EQ(window.exit_code, 0) << window.out;
  std::smatch m;
  if (window.exit_code != 0 ||
      !std::regex_search(window.out, m, std::regex(R"(pairing code: (\d{6}))"))) {
    ADD_FAILURE() << "no pairing code: " << window.out;
    return false;
  }
  const Ran paired =
      run_itdd({"programmer", "pair", "--implant", address, "--key", device_key.string(), "--code",
                m[1], "--out", implant_file.string()});
  EXPECT_EQ(paired.exit_code, 0) << paired.out;
  EXPECT_NE(paired.out.find("as " + role), std::string::npos) << paired.out;
  return paired.exit_code == 0;
}

std::filesystem::path fresh_test_dir(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace itdd::testing
