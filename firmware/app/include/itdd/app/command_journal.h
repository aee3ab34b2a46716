// The command journal: which therapy-changing commands from the radio the implant has applied,
// so that a retry after a lost reply is answered with what happened and never applied twice.
//
// One lane per paired device (the link's peer-table slot, checked against the device's peer
// id, which is never reused), each holding that device's newest kJournalEntriesPerDevice
// command ids and outcomes. Only a device's own commands move its lane: no traffic of another
// device (a patient device's boluses, a service tool, another programmer) can push a
// clinician's refill out and make its retry run again.
//
// Sizing: every clinician command to one implant is sent at that patient's clinic visits, and a
// visit sends a handful of therapy commands (a refill, a program and perhaps a correction of
// it, a bridge or clinician bolus, a priming after a catheter revision: about 6). Between two
// visits a clinician's programmer sends none. So 16 entries keep the whole of the last visit
// and of the one before it (up to 8 commands each), even when several programmers share one
// clinic key (one lane). Beyond that an old id is "unknown", which the programmer reports as
// uncertain, never as not applied.
// A patient device's lane holds its own last 16 granted boluses (refusals are not journalled:
// a refused request changed nothing, and its retry is simply asked again); its device retries
// only its newest request. The client retries only the command in flight and never re-sends
// under a new id (programmer/client).
//
// The journal is part of PersistentState: an applied entry is committed in the same settings
// commit as the change it records (Implant::commit_command), so after any power cut either both
// are in flash or neither is. A "not applied" entry stays in RAM until the next checkpoint;
// losing it makes the answer "unknown", which the programmer reports as uncertain.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/link/types.h"

namespace itdd::app {

enum class CommandOutcome : std::uint8_t { kUnknown, kApplied, kNotApplied };

// Who sent a command: its slot in the link's peer table (its journal lane) and its peer id.
struct CommandSource {
  std::uint32_t lane = 0;
  link::PeerId peer = link::kNoPeer;
  constexpr bool operator==(const CommandSource&) const = default;
};

inline constexpr std::size_t kJournalLanes = link::kMaxPeers;
inline constexpr std::size_t kJournalEntriesPerDevice = 16;

struct CommandJournal {
  struct Lane {
    link::PeerId peer = link::kNoPeer;  // whose entries these are; kNoPeer: never used
    std::uint32_t next = 0;             // the entry the next new id takes (oldest first)
    std::array<std::uint64_t, kJournalEntriesPerDevice> ids{};  // 0: a free entry
    std::array<CommandOutcome, kJournalEntriesPerDevice> outcomes{};
  };
  std::array<Lane, kJournalLanes> lanes{};
};

// Records `outcome` for the source's command `id` (an id already in its lane is updated in
// place). A lane that belonged to a removed device is cleared first. False, and nothing
// changed, for id 0, an out-of-range lane or peer kNoPeer.
bool record_command(CommandJournal& journal, CommandSource source, std::uint64_t id,
                    CommandOutcome outcome);
// What the source's lane says about `id`: kUnknown if it never held it (or the lane is another
// device's).
CommandOutcome find_command(const CommandJournal& journal, CommandSource source, std::uint64_t id);

}  // namespace itdd::app
