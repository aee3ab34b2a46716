// A file written whole or not at all: the bytes go to a temporary file beside the target (same
// folder, so the rename is atomic), flushed to the disk, then renamed over it. A reader sees the
// old file or the new one, never half of either, and whatever fails leaves no temporary file
// behind. One writer for every file the tools hand to people (reports, exports, downloads).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "itdd/host/checked.h"

namespace itdd::host {

// Writes `bytes` to `path` with permissions `mode`. On failure nothing is left at `path` that
// was not there before; the refusal's message says what failed and what to do ("is a folder:
// name a file", "writing failed (No space left on device); nothing was written"), with an empty
// field for the caller to name (a flag, a file).
Checked<void> write_whole_file(const std::filesystem::path& path, std::string_view bytes,
                               mode_t mode = 0644);

}  // namespace itdd::host
