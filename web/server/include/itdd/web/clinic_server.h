// The dashboard's server (`itdd clinic serve`): the JSON API of docs/web-api.md over the clinic
// database and programmer/clinic_view, and the built front-end's files. A thin face: it parses
// a request, checks who asks (session cookie, CSRF token, role), calls the library and writes
// the answer; every decision is the library's.
//
// One database connection, used by one request at a time (a clinic's load; the connection is
// not shared between threads); a login checks its password outside that lock. Bodies over 64 KiB
// are refused; a request that is refused changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "itdd/host/checked.h"
#include "itdd/programmer/accounts.h"

namespace itdd::web {

struct ServerOptions {
  std::string db_url;                  // as `itdd clinic --db`
  std::filesystem::path drug_library;  // data/drug-library.json or the clinic's own
  // data/pump-models.json: what the printed documents say of each model; empty: the PDF
  // endpoints answer 503.
  std::filesystem::path pump_models;
  std::filesystem::path ui_dir;          // the built front-end; empty or missing: 404s
  std::string host = "127.0.0.1";        // loopback unless told otherwise
  int port = 8080;                       // 0: any free port (tests)
  bool secure_cookie = false;            // add Secure (behind an HTTPS proxy)
  std::function<std::int64_t()> now_ms;  // the clock (tests set it); empty: the system's
  std::size_t max_body_bytes = 64 * 1024;
  // The programmer's key pair for the actions against an implant (`itdd programmer keygen`);
  // empty: those actions answer 503 naming --key.
  std::filesystem::path key_file;
  std::string passphrase_file;  // when the key pair is protected
  // The cost of the clinic's password hashes (`itdd clinic user add` makes them interactive): an
  // unknown user name is checked against a hash of this cost, so it takes a wrong password's
  // time. Tests whose accounts are made at the minimum cost say so.
  programmer::PasswordCost password_cost = programmer::PasswordCost::interactive();
};

class ClinicServer {
 public:
  // Opens the database (migrated, else refused naming `itdd clinic init`/`migrate`) and the drug
  // library; binds the address. Refused with the field to fix ("db", "library", "listen").
  static host::Checked<std::unique_ptr<ClinicServer>> start(ServerOptions options);
  ~ClinicServer();
  ClinicServer(const ClinicServer&) = delete;
  ClinicServer& operator=(const ClinicServer&) = delete;

  int port() const;
  std::string address() const;  // "http://127.0.0.1:8080/"
  // Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

  struct Impl;

 private:
  explicit ClinicServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace itdd::web
