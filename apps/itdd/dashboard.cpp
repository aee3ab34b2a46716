// `itdd clinic serve` and `itdd clinic user add|list` (dashboard.h).
#include "dashboard.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "clinic_context.h"
#include "errors.h"
#include "itdd/programmer/accounts.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/web/clinic_server.h"

namespace itdd::cli {

struct DashboardCommands::State {
  const ClinicArgs* clinic = nullptr;
  CLI::App* serve = nullptr;
  CLI::App* user_add = nullptr;
  CLI::App* user_list = nullptr;
  std::string listen = "127.0.0.1:8080";
  std::string ui_dir;
  std::string library_file;
  bool secure_cookie = false;
  std::string key_file, passphrase_file;
  std::string user, display_name, role, password_file;
};

namespace {

// "HOST:PORT" or "[V6]:PORT", the port 0 (any free one) to 65535.
bool split_listen(const std::string& text, std::string& host, int& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  port = std::stoi(digits);
  return port <= 65535;
}

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

// A line from the terminal without echo (or from a pipe as it comes).
std::optional<std::string> read_secret(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios before{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &before);
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &before);
    std::cerr << '\n';
  }
  if (!got) return std::nullopt;
  return line;
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run_user_add(const DashboardCommands::State& s) {
  const std::optional<programmer::Role> role = programmer::parse_role(s.role);
  if (!role) return bad_input(fmt::format("--role {}: give clinician or staff", s.role));
  std::string password;
  if (!s.password_file.empty()) {
    std::ifstream in(s.password_file);
    if (!in || !std::getline(in, password)) {
      return bad_input(
          fmt::format("--password-file {}: cannot read a line from it", s.password_file));
    }
  } else {
    const auto first = read_secret("Password for the new account: ");
    const auto again = read_secret("Again: ");
    if (!first || !again) return bad_input("no password given (standard input ended)");
    if (*first != *again) return bad_input("the two passwords differ: nothing was added");
    password = *first;
  }
  auto db = programmer::open_clinic_db(s.clinic->db, programmer::OpenMode::kExisting);
  if (!db.ok()) return bad_input(db.error().text());
  const auto id = programmer::add_account(
      **db, s.user, s.display_name.empty() ? s.user : s.display_name, *role, password, system_ms());
  if (!id.ok()) {
    const std::string field = id.error().field == "user"           ? "--user"
                              : id.error().field == "display_name" ? "--name"
                              : id.error().field == "password"     ? "password"
                                                                   : id.error().field;
    return refused(id.error(), field);
  }
  std::cout << fmt::format("added {} ({}), account {}\n", s.user, programmer::role_name(*role),
                           *id);
  return 0;
}

int run_user_list(const DashboardCommands::State& s) {
  auto db = programmer::open_clinic_db(s.clinic->db, programmer::OpenMode::kExisting);
  if (!db.ok()) return bad_input(db.error().text());
  const auto users = (*db)->list_users();
  if (!users.ok()) return bad_input(users.error().text());
  for (const programmer::UserRecord& u : *users) {
    std::cout << fmt::format("{:<24} {:<10} {}{}\n", u.user_name, programmer::role_name(u.role),
                             u.display_name, u.active ? "" : " (disabled)");
  }
  return 0;
}

int run_serve(const DashboardCommands::State& s) {
  web::ServerOptions o;
  if (!split_listen(s.listen, o.host, o.port)) {
    return bad_input(
        fmt::format("--listen {}: give HOST:PORT, e.g. 127.0.0.1:8080 (port 0 to "
                    "65535; 0 picks a free one)",
                    s.listen));
  }
  o.db_url = s.clinic->db;
  o.drug_library = drug_library_path(s.library_file);
  o.pump_models = from_env_or("ITDD_PUMP_MODELS", ITDD_DEFAULT_PUMP_MODELS);
  o.ui_dir = s.ui_dir.empty() ? std::string(ITDD_DEFAULT_UI_DIR) : s.ui_dir;
  o.secure_cookie = s.secure_cookie;
  o.key_file = s.key_file;
  o.passphrase_file = s.passphrase_file;
  // Signals go to one thread that stops the server (blocked before the server's threads start,
  // so they inherit the mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto server = web::ClinicServer::start(o);
  if (!server.ok()) {
    const std::string& field = server.error().field;
    const std::string flag = field == "db"        ? "--db"
                             : field == "library" ? "--library"
                             : field == "key"     ? "--key"
                                                  : "--listen";
    return bad_input(fmt::format("{}: {}", flag, server.error().message));
  }
  if (!loopback(o.host)) {
    std::cerr << "warning: listening beyond this machine: put HTTPS in front (and use "
                 "--secure-cookie); passwords and session cookies travel in clear otherwise\n";
  }
  if (!std::filesystem::is_directory(o.ui_dir)) {
    std::cerr << fmt::format(
        "warning: no built front-end at {}: the API answers, pages are 404 "
        "(build it: cmake --build --preset release --target itdd_web_ui)\n",
        o.ui_dir.string());
  }
  std::cout << fmt::format(
                   "itdd clinic serve: the dashboard is at {} (database {}; Ctrl-C "
                   "stops)\n",
                   (*server)->address(), o.db_url)
            << std::flush;
  std::thread waiter([&] {
    int got = 0;
    sigwait(&signals, &got);
    (*server)->stop();
  });
  (*server)->run();
  // Stopped by a signal: the waiter has returned. Stopped otherwise: wake it.
  ::kill(::getpid(), SIGTERM);
  waiter.join();
  std::cout << "itdd clinic serve: stopped\n";
  return 0;
}

}  // namespace

DashboardCommands::DashboardCommands(CLI::App* clinic, const ClinicArgs& clinic_args)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.clinic = &clinic_args;
  s.serve = clinic->add_subcommand(
      "serve", "The clinic dashboard: a web server on this machine (loopback unless told)");
  s.serve->fallthrough();
  s.serve->add_option("--listen", s.listen, "HOST:PORT to listen on (0: any free port)")
      ->capture_default_str();
  s.serve->add_option("--ui", s.ui_dir,
                      "The built front-end to serve (default: the build's web/ui/dist)");
  s.serve->add_option(
      "--library", s.library_file,
      "The drug library (default: $ITDD_DRUG_LIBRARY, else data/drug-library.json)");
  s.serve->add_option("--key", s.key_file,
                      "The programmer's key pair (itdd programmer keygen) for the actions on an "
                      "implant; without it the dashboard only views and records");
  s.serve->add_option("--passphrase-file", s.passphrase_file,
                      "When the key pair is protected: a file whose first line is its passphrase");
  s.serve->add_flag("--secure-cookie", s.secure_cookie,
                    "Mark the session cookie Secure (behind an HTTPS proxy)");

  CLI::App* user = clinic->add_subcommand("user", "Dashboard accounts");
  user->require_subcommand(1);
  user->fallthrough();
  s.user_add = user->add_subcommand("add", "Add an account (the password is asked twice)");
  s.user_add->fallthrough();
  s.user_add->add_option("--user", s.user, "The login name: a-z 0-9 . _ - (e.g. dr.ward)")
      ->required();
  s.user_add->add_option("--name", s.display_name, "The name shown (default: the login name)");
  s.user_add->add_option("--role", s.role, "clinician (may change therapy) or staff (may view)")
      ->required();
  s.user_add->add_option("--password-file", s.password_file,
                         "Read the password from this file's first line (scripts)");
  s.user_list = user->add_subcommand("list", "List the accounts");
  s.user_list->fallthrough();
}

DashboardCommands::~DashboardCommands() = default;

std::optional<int> DashboardCommands::run() const {
  const State& s = *state_;
  if (s.serve->parsed()) return run_serve(s);
  if (s.user_add->parsed()) return run_user_add(s);
  if (s.user_list->parsed()) return run_user_list(s);
  return std::nullopt;
}

}  // namespace itdd::cli
