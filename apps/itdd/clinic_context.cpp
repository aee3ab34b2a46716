#include "clinic_context.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <utility>
#include <vector>

#include "commands.h"
#include "errors.h"
#include "itdd/programmer/text_input.h"

namespace itdd::cli {
namespace {

// The option a record field comes from, so the message says what to type differently.
std::string option_of(const std::string& field) {
  static const std::vector<std::pair<std::string, std::string>> map = {
      {"url", "--db"},
      {"mrn", "--mrn"},
      {"name", "--name"},
      {"birth_date_ms", "--birth-date"},
      {"patient_id", "--patient"},
      {"model", "--model"},
      {"serial", "--serial"},
      {"implant_date_ms", "--implant-date"},
      {"catheter_length_mm", "--catheter-length-cm"},
      {"catheter_volume", "--catheter-volume-ml"},
      {"reservoir_capacity", "--model"},
      {"session_id", "--session"},
      {"within", "--within"},
      {"operator_name", "--clinician"},
      {"acknowledgement_reason", "--acknowledge"},
      {"reason", "--override-reason"},
      {"time_zone", "--time-zone"},
      {"clinic_name", "--name"},
      {"emergency_phone", "--emergency-phone"},
      {"vertebral_level", "--level"},
      {"pdf", "--pdf"},
      {"from", "--from"},
  };
  for (const auto& [f, option] : map) {
    if (f == field) return option;
  }
  return field;
}

}  // namespace

std::string from_env_or(const char* variable, const char* fallback) {
  if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') return env;
  return fallback;
}

std::string drug_library_path(const std::string& flag) {
  return flag.empty() ? from_env_or("ITDD_DRUG_LIBRARY", ITDD_DEFAULT_DRUG_LIBRARY) : flag;
}

std::optional<programmer::DrugLibrary> load_drug_library(const std::string& file) {
  host::Checked<programmer::DrugLibrary> library = programmer::DrugLibrary::load(file);
  if (!library.ok()) {
    bad_input(fmt::format("{}: {}", file, library.error().text()));
    return std::nullopt;
  }
  return std::move(library).value();
}

const programmer::DrugSpec* find_drug(const programmer::DrugLibrary& library,
                                      const std::string& name) {
  const programmer::DrugSpec* drug = library.find(name);
  if (drug == nullptr) {
    bad_input(fmt::format("--drug {}: not in the drug library (known: {})", name, library.names()));
  }
  return drug;
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ClinicZone clinic_time_zone(const std::string& flag, const std::string& db_flag) {
  ClinicZone out;
  const auto named = [&](const std::string& name, const char* source) {
    host::Checked<host::TimeZone> z = host::find_time_zone(name);
    if (!z.ok()) {
      out.exit_code = bad_input(fmt::format("{} {}: {}", source, name, z.error().message));
      return;
    }
    out.zone = std::move(z).value();
    out.source = source;
  };
  if (!flag.empty()) {
    named(flag, "--time-zone");
    return out;
  }
  const std::string url = db_flag.empty() ? from_env_or("ITDD_CLINIC_DB", "") : db_flag;
  if (!url.empty()) {
    auto opened = programmer::open_clinic_db(url, programmer::OpenMode::kExisting);
    if (!opened.ok()) {
      out.exit_code = db_failure(opened.error());
      return out;
    }
    auto zone = opened.value()->time_zone();
    if (!zone.ok()) {
      out.exit_code = db_failure(zone.error());
      return out;
    }
    out.zone = std::move(zone).value();
    out.source = "the clinic database";
    return out;
  }
  if (const std::string env = from_env_or("ITDD_TIME_ZONE", ""); !env.empty()) {
    named(env, "$ITDD_TIME_ZONE");
  }
  return out;
}

int db_failure(const host::Refusal& e) {
  return refused(e, option_of(e.field));
}

}  // namespace itdd::cli
