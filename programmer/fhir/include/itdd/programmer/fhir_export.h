// A patient's record as an HL7 FHIR R4 Bundle (type "collection"), built from the clinic
// database: the patient, each pump and its catheter, the implant, every prescription, the
// delivery per day read back from the implant, the reservoir at each refill, the battery, the
// refills, primes and clinician boluses, and each programming session as an audit event. The
// mapping, its codes and their sources are in docs/fhir.md. Export only: nothing here reads
// FHIR.
//
// The same database gives the same bundle byte for byte: every id is a name-based UUID of what
// the resource is (the MRN, the pump's serial, the record's number...), nothing depends on the
// time of the export, and the entries come in a fixed order. Quantities are exact (from the
// database's base integers) in UCUM units: mg or ug (the drug library's unit for the drug),
// mg/mL, mg/d, mL, mL/d.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/host/checked.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/drug_library.h"

namespace itdd::programmer {

using FhirJson = nlohmann::ordered_json;

struct FhirExportOptions {
  // The identifier system of the clinic's MRNs (a URI the receiving system knows the clinic's
  // record numbers by). The default is itdd's own, for a clinic that has not set one.
  std::string mrn_system = "urn:itdd:clinic:mrn";
};

// The bundle of the patient with `mrn`. Refused: an MRN the database does not hold (kNotFound,
// field "mrn", saying how to list them), a database error as it comes. A drug the drug library
// does not know is exported in mg.
host::Checked<FhirJson> fhir_patient_bundle(ClinicDb& db, std::string_view mrn,
                                            const DrugLibrary& library,
                                            const FhirExportOptions& options = {});

// The bundle as the file and the API give it: two-space indented JSON and a final newline.
std::string fhir_bundle_text(const FhirJson& bundle);

// "urn:uuid:" and a version 8 (RFC 9562, name-based with BLAKE2b) UUID of `name`: the same name,
// the same UUID.
std::string fhir_uuid(std::string_view name);

// Every "reference" in the bundle's resources that is not an entry's fullUrl (or Type/id), and
// every entry without a fullUrl or with one used twice: one line each, empty when all resolve.
std::vector<std::string> fhir_unresolved_references(const FhirJson& bundle);

}  // namespace itdd::programmer
