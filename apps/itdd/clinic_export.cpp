// `itdd clinic export --fhir --patient MRN [--out FILE]`: a patient's record as a FHIR R4 Bundle
// (programmer/fhir), on stdout or into a file. The file is written beside its name and renamed
// into place, so a failed export leaves no file, half or whole, and an existing file is replaced
// only by a complete one.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "clinic_context.h"
#include "commands.h"
#include "errors.h"
#include "itdd/host/whole_file.h"
#include "itdd/programmer/fhir_export.h"

namespace itdd::cli {
namespace {

// Writes `text` to `file` whole or not at all; says what to fix when it cannot.
int write_whole(const std::string& file, const std::string& text) {
  // An export is for the clinic's staff like any file they save.
  if (const host::Checked<void> w = host::write_whole_file(file, text, 0640); !w.ok()) {
    return bad_input(fmt::format("--out {}: {}", file, w.error().message));
  }
  return 0;
}

}  // namespace

int run_clinic_export(const ClinicArgs& a) {
  if (!a.fhir) return bad_input("export: say the format: --fhir (FHIR R4 JSON, the one there is)");
  if (a.mrn.empty())
    return bad_input("--patient: give the patient's MRN (`itdd clinic patient list`)");
  // The file's folder before the database: bad input is said before anything is read.
  if (!a.out_file.empty()) {
    const std::filesystem::path target(a.out_file);
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return bad_input(
          fmt::format("--out {}: its folder {} does not exist: create it or name another",
                      a.out_file, dir.string()));
    }
  }
  const std::optional<programmer::DrugLibrary> library =
      load_drug_library(drug_library_path(a.library_file));
  if (!library) return kExitInvalidInput;
  auto opened = programmer::open_clinic_db(a.db, programmer::OpenMode::kExisting);
  if (!opened.ok()) return db_failure(opened.error());
  const host::Checked<programmer::FhirJson> bundle =
      programmer::fhir_patient_bundle(**opened, a.mrn, *library);
  if (!bundle.ok()) {
    return refused(bundle.error(), bundle.error().field == "mrn" ? "--patient" : "");
  }
  const std::string text = programmer::fhir_bundle_text(*bundle);
  if (a.out_file.empty()) {
    std::cout << text << std::flush;
    return 0;
  }
  if (const int rc = write_whole(a.out_file, text); rc != 0) return rc;
  std::cout << fmt::format("FHIR R4 bundle of patient {} ({} resources) written to {}\n", a.mrn,
                           (*bundle)["entry"].size(), a.out_file);
  return 0;
}

}  // namespace itdd::cli
