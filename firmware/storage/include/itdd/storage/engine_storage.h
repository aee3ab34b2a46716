// The therapy engine's side of storage: its State as settings, its events as log records.
// In its own CMake target (itdd_storage_engine) so itdd_storage itself does not
// depend on the engine and the engine never depends on storage (it reports through EventSink).
#pragma once

#include <cstdint>

#include "itdd/core/result.h"
#include "itdd/engine/events.h"
#include "itdd/engine/therapy_engine.h"
#include "itdd/storage/event_log.h"
#include "itdd/storage/layout.h"
#include "itdd/storage/settings_store.h"

namespace itdd::storage {

using EngineStateStore = SettingsStore<engine::TherapyEngine::State>;

// Bump when TherapyEngine::State changes layout: a copy in another format is refused, not
// misread. (sizeof is part of the check too, so a size change is caught even if this is not.)
// 2: a flex step in 8 bytes (therapy::FlexStep), was 16.
inline constexpr std::uint32_t kEngineStateFormat = 2;

static_assert(sizeof(engine::TherapyEngine::State) <= 12 * 1024,
              "TherapyEngine::State has outgrown the settings budget; resize kDefaultLayout");
static_assert(EngineStateStore::sectors_needed(kImplantFlash) <=
                  kDefaultLayout.settings_a.sector_count,
              "TherapyEngine::State must fit one settings copy");

inline EngineStateStore make_engine_state_store(hal::Nvm& nvm,
                                                const Layout& layout = kDefaultLayout) {
  return EngineStateStore(nvm, layout.settings_a, layout.settings_b, kEngineStateFormat);
}

// Engine events occupy log codes 0x0000-0x00FF: the EventKind value.
inline constexpr std::uint16_t kEngineCodeFirst = 0x0000;
inline constexpr std::uint16_t kEngineCodeLast = 0x00FF;

LogRecord to_log_record(const engine::TherapyEvent& event);

// Refuses a record outside the engine's codes (another module's event). A kind this firmware
// does not know comes back as it is; engine::name() calls it "unknown".
Result<engine::TherapyEvent> to_therapy_event(const LogRecord& record);

}  // namespace itdd::storage
