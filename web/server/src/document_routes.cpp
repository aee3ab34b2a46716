#include "document_routes.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "itdd/host/wall_time.h"

namespace itdd::web {
namespace {

// A file name made of what is safe in a header and on any file system.
std::string safe_name(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += plain || c == '-' || c == '_' ? c : '_';
  }
  return out.substr(0, 40);
}

host::Checked<PdfReply> reply(const host::Checked<programmer::RenderedPdf>& pdf,
                              std::string filename) {
  if (!pdf.ok()) return pdf.error();
  return PdfReply{pdf->bytes, std::move(filename)};
}

}  // namespace

host::Checked<PdfReply> session_report_pdf(const programmer::DocumentSources& sources,
                                           std::string_view id_text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id < 1) {
    return host::Refusal{
        "id",
        fmt::format("'{}' is not a session number (a whole number from 1)", id_text.substr(0, 40)),
        host::RefusalKind::kInvalidArgument};
  }
  const auto doc = programmer::session_report_document(sources, id);
  if (!doc.ok()) return doc.error();
  return reply(programmer::render_session_report(*doc), fmt::format("session-{}.pdf", id));
}

host::Checked<PdfReply> patient_summary_pdf(const programmer::DocumentSources& sources,
                                            std::string_view mrn, const std::string& from,
                                            const std::string& to) {
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> last;
  for (const auto& [text, field, out] :
       {std::tuple{&from, "from", &first}, std::tuple{&to, "to", &last}}) {
    if (text->empty()) continue;
    const host::Checked<std::int64_t> d = host::parse_date(*text);
    if (!d.ok()) {
      return host::Refusal{field,
                           fmt::format("'{}' is not a date: give YYYY-MM-DD (the clinic's day)",
                                       text->substr(0, 40)),
                           host::RefusalKind::kInvalidArgument};
    }
    *out = *d;
  }
  const host::Checked<host::TimeZone> zone = sources.db.time_zone();
  if (!zone.ok()) return zone.error();
  const std::int64_t today = (sources.now_ms + zone->offset_ms(sources.now_ms)) / kMillisPerDay;
  const std::int64_t last_day = last.value_or(today);
  const std::int64_t first_day = first.value_or(last_day - 89);
  if (first_day > last_day) {
    return host::Refusal{"from", "the first day is after the last: give from before to",
                         host::RefusalKind::kInvalidArgument};
  }
  const auto doc = programmer::patient_summary_document(sources, mrn, zone->start_of_day(first_day),
                                                        zone->start_of_day(last_day + 1));
  if (!doc.ok()) return doc.error();
  return reply(programmer::render_patient_summary(*doc),
               fmt::format("summary-{}.pdf", safe_name(mrn)));
}

host::Checked<PdfReply> implant_card_pdf(const programmer::DocumentSources& sources,
                                         std::string_view mrn) {
  const auto doc = programmer::implant_card_document(sources, mrn);
  if (!doc.ok()) return doc.error();
  return reply(programmer::render_implant_card(*doc), fmt::format("card-{}.pdf", safe_name(mrn)));
}

}  // namespace itdd::web
