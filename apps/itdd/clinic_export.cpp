// `itdd clinic export --fhir --patient MRN [--out FILE]`: a patient's record as a FHIR R4 Bundle
// (programmer/fhir), on stdout or into a file. The file is written beside its name and renamed
// into place, so a failed export leaves no file, half or whole, and an existing file is replaced
// only by a complete one.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "clinic_context.h"
#include "commands.h"
#include "errors.h"
#include "itdd/programmer/fhir_export.h"

namespace itdd::cli {
namespace {

// Writes `text` to `file` through a temporary file in the same folder; says what to fix when
// it cannot, and removes the temporary file whatever happens.
int write_whole(const std::string& file, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(file);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    return bad_input(fmt::format("--out {}: is a folder: name a file", file));
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    return bad_input(fmt::format(
        "--out {}: its folder {} does not exist: create it or name another", file, dir.string()));
  }
  std::string pattern = (dir / (".itdd-export-XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    return bad_input(
        fmt::format("--out {}: cannot write in {} ({}): name a folder you may write to", file,
                    dir.string(), std::strerror(errno)));
  }
  const auto fail = [&](const char* what) {
    const int saved = errno;
    ::unlink(pattern.c_str());
    return bad_input(
        fmt::format("--out {}: {} ({}); nothing was written", file, what, std::strerror(saved)));
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return fail("writing failed");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return fail("writing failed");
  // mkstemp makes the file private; an export is for the clinic's staff like any file they save.
  ::chmod(pattern.c_str(), 0640);
  if (::rename(pattern.c_str(), file.c_str()) != 0) return fail("cannot put the file in place");
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
