// The dashboard's printed documents (GET /api/sessions/N/report.pdf,
// /api/patients/MRN/summary.pdf, /api/patients/MRN/card.pdf): the request's words read, then
// programmer/documents makes the PDF; a refusal is the host's, answered as JSON like any other.
#pragma once

#include <string>
#include <string_view>

#include "itdd/host/checked.h"
#include "itdd/programmer/documents.h"

namespace itdd::web {

struct PdfReply {
  std::string bytes;
  std::string filename;  // what the browser saves it as ("session-4.pdf")
};

// `id_text`: the session number from the path (refused, field "id", unless a whole number from 1).
host::Checked<PdfReply> session_report_pdf(const programmer::DocumentSources& sources,
                                           std::string_view id_text);
// `from` and `to`: the clinic's days, YYYY-MM-DD, both included (empty: the 90 days to today).
host::Checked<PdfReply> patient_summary_pdf(const programmer::DocumentSources& sources,
                                            std::string_view mrn, const std::string& from,
                                            const std::string& to);
host::Checked<PdfReply> implant_card_pdf(const programmer::DocumentSources& sources,
                                         std::string_view mrn);

}  // namespace itdd::web
