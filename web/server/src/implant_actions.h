// The dashboard's actions against a connected implant (docs/web-api.md, "Actions"): interrogate,
// program and refill as review -> confirm. Each opens a link session to the implant named in the
// request and calls the same use cases as `itdd programmer` (programmer/use_cases); nothing of
// the workflow is decided here. A review is kept server-side under a random token for 5 minutes,
// for the account that made it.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api_json.h"
#include "itdd/host/checked.h"
#include "itdd/programmer/accounts.h"
#include "itdd/programmer/drug_library.h"

namespace itdd::web {

struct ActionReply {
  int status = 200;
  Json body = Json::object();
  std::string target;  // the pump, for the audit log
  std::string detail;
};

class ImplantActions {
 public:
  // `key_file`: the programmer's key pair (`itdd programmer keygen`), plain or protected
  // (`passphrase_file`); empty: the actions answer 503 naming --key.
  static host::Checked<std::unique_ptr<ImplantActions>> open(const std::filesystem::path& key_file,
                                                             const std::string& passphrase_file);
  ~ImplantActions();

  struct Context {
    programmer::ClinicDb& db;
    const programmer::DrugLibrary& library;
    const host::TimeZone& zone;
    std::function<std::int64_t()> now_ms;
    const programmer::SignedIn& who;
  };
  ActionReply interrogate(const httplib::Request& req, Context& c);
  ActionReply program_review(const httplib::Request& req, Context& c);
  ActionReply program_confirm(const httplib::Request& req, Context& c);
  ActionReply refill_review(const httplib::Request& req, Context& c);
  ActionReply refill_confirm(const httplib::Request& req, Context& c);
  ActionReply prime_review(const httplib::Request& req, Context& c);
  ActionReply prime_confirm(const httplib::Request& req, Context& c);
  ActionReply bolus_review(const httplib::Request& req, Context& c);
  ActionReply bolus_confirm(const httplib::Request& req, Context& c);

  struct Impl;

 private:
  explicit ImplantActions(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace itdd::web
