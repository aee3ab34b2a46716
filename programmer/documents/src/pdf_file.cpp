// A PDF written whole or not at all (documents.h, write_pdf_file).
#include <fmt/format.h>

#include "itdd/host/whole_file.h"
#include "itdd/programmer/documents.h"

namespace itdd::programmer {
host::Checked<void> write_pdf_file(const std::filesystem::path& path, std::string_view bytes) {
  if (path.empty() || !path.has_filename()) {
    return host::Refusal{"pdf", "give a file name to write the PDF to (report.pdf)",
                         host::RefusalKind::kInvalidArgument};
  }
  // A document is for the clinic's people, read like other files there.
  if (const host::Checked<void> w = host::write_whole_file(path, bytes, 0644); !w.ok()) {
    return host::Refusal{"pdf",
                         fmt::format("cannot write {}: {}: give a file in a folder you can "
                                     "write to",
                                     path.string(), w.error().message),
                         host::RefusalKind::kInvalidArgument};
  }
  return {};
}

}  // namespace itdd::programmer
