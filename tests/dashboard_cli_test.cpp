// `itdd clinic user add|list` and `itdd clinic serve`, end to end: the real binary, a temporary
// SQLite clinic, the server on a free loopback port, httplib's client.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DashboardCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("itdd_dashboard_cli_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
    db_ = (dir_ / "clinic.db").string();
    std::ofstream(dir_ / "pw") << "a long password\n";
  }
  void TearDown() override {
    if (server_ > 0) {
      ::kill(server_, SIGKILL);
      ::waitpid(server_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts `itdd clinic --db DB ARGS...` with its output in files; returns its pid.
  pid_t spawn(const std::vector<std::string>& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int o = ::open((dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open((dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int in = ::open("/dev/null", O_RDONLY);
      ::dup2(o, STDOUT_FILENO);
      ::dup2(e, STDERR_FILENO);
      ::dup2(in, STDIN_FILENO);
      ::unsetenv("ITDD_CLINIC_DB");
      std::vector<std::string> all = {ITDD_BINARY, "clinic", "--db", db_};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(ITDD_BINARY, argv.data());
      ::_exit(127);
    }
    return pid;
  }
  int run(const std::vector<std::string>& args) {
    const pid_t pid = spawn(args);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string out() const { return slurp(dir_ / "stdout"); }
  std::string err() const { return slurp(dir_ / "stderr"); }

  fs::path dir_;
  std::string db_;
  pid_t server_ = 0;
};

TEST_F(DashboardCli, UserAddChecksItsInputAndListShowsTheAccounts) {
  ASSERT_EQ(run({"init"}), 0) << err();
  const std::string pw = (dir_ / "pw").string();
  EXPECT_EQ(run({"user", "add", "--user", "dr.ward", "--role", "clinician", "--password-file", pw}),
            0)
      << err();
  EXPECT_EQ(run({"user", "add", "--user", "amy", "--role", "admin", "--password-file", pw}), 2);
  EXPECT_NE(err().find("--role admin: give clinician or staff"), std::string::npos) << err();
  EXPECT_EQ(run({"user", "add", "--user", "Dr Ward", "--role", "staff", "--password-file", pw}), 2);
  EXPECT_NE(err().find("--user: 'Dr Ward' is not a user name"), std::string::npos) << err();
  std::ofstream(dir_ / "short") << "short\n";
  EXPECT_EQ(run({"user", "add", "--user", "amy", "--role", "staff", "--password-file",
                 (dir_ / "short").string()}),
            2);
  EXPECT_NE(err().find("password: a password of 5 bytes: give 10 to 1024"), std::string::npos)
      << err();
  // Standard input is empty: no password, nothing added.
  EXPECT_EQ(run({"user", "add", "--user", "amy", "--role", "staff"}), 2);
  EXPECT_EQ(run({"user", "add", "--user", "dr.ward", "--role", "staff", "--password-file", pw}), 2);
  EXPECT_NE(err().find("taken"), std::string::npos) << err();
  ASSERT_EQ(run({"user", "list"}), 0);
  EXPECT_NE(out().find("dr.ward"), std::string::npos);
  EXPECT_EQ(out().find("amy"), std::string::npos);
}

TEST_F(DashboardCli, ServeRefusesABadListenAddressAndAnEmptyDatabase) {
  EXPECT_EQ(run({"serve", "--listen", "localhost"}), 2);
  EXPECT_NE(err().find("--listen localhost: give HOST:PORT"), std::string::npos) << err();
  EXPECT_EQ(run({"serve", "--listen", "127.0.0.1:0"}), 2);
  EXPECT_NE(err().find("--db"), std::string::npos) << err();
}

TEST_F(DashboardCli, ServePrintsItsAddressAnswersTheApiAndStopsOnSigterm) {
  ASSERT_EQ(run({"init"}), 0) << err();
  ASSERT_EQ(run({"user", "add", "--user", "dr.ward", "--role", "clinician", "--password-file",
                 (dir_ / "pw").string()}),
            0);
  server_ = spawn({"serve", "--listen", "127.0.0.1:0", "--ui", (dir_ / "no-ui").string()});
  int port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {
    const std::string text = out();
    const std::size_t at = text.find("http://127.0.0.1:");
    if (at != std::string::npos && text.find('/', at + 17) != std::string::npos) {
      port = std::stoi(text.substr(at + 17));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_GT(port, 0) << out() << err();
  EXPECT_NE(err().find("no built front-end"), std::string::npos) << err();
  httplib::Client client("127.0.0.1", port);
  const auto login = client.Post(
      "/api/login", R"({"user": "dr.ward", "password": "a long password"})", "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
  const std::string cookie = login->get_header_value("Set-Cookie");
  const auto overview =
      client.Get("/api/overview", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(overview);
  EXPECT_EQ(overview->status, 200) << overview->body;
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 404);  // no front-end built there: a clean 404
  ASSERT_EQ(::kill(server_, SIGTERM), 0);
  int status = 0;
  ::waitpid(server_, &status, 0);
  server_ = 0;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(out().find("stopped"), std::string::npos);
}

}  // namespace
