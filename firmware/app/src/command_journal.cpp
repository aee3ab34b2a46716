#include "itdd/app/command_journal.h"

namespace itdd::app {
namespace {

bool valid(CommandSource source, std::uint64_t id) {
  return id != 0 && source.lane < kJournalLanes && source.peer != link::kNoPeer;
}

}  // namespace

bool record_command(CommandJournal& journal, CommandSource source, std::uint64_t id,
                    CommandOutcome outcome) {
  if (!valid(source, id)) return false;
  CommandJournal::Lane& lane = journal.lanes[source.lane];
  if (lane.peer != source.peer) {
    // The slot's device was removed and another paired in its place (ids are never reused):
    // its entries say nothing about the new device.
    lane = CommandJournal::Lane{};
    lane.peer = source.peer;
  }
  for (std::size_t i = 0; i < kJournalEntriesPerDevice; ++i) {
    if (lane.ids[i] == id) {
      lane.outcomes[i] = outcome;
      return true;
    }
  }
  const std::size_t at = lane.next % kJournalEntriesPerDevice;
  lane.ids[at] = id;
  lane.outcomes[at] = outcome;
  lane.next = static_cast<std::uint32_t>((at + 1) % kJournalEntriesPerDevice);
  return true;
}

CommandOutcome find_command(const CommandJournal& journal, CommandSource source, std::uint64_t id) {
  if (!valid(source, id)) return CommandOutcome::kUnknown;
  const CommandJournal::Lane& lane = journal.lanes[source.lane];
  if (lane.peer != source.peer) return CommandOutcome::kUnknown;
  for (std::size_t i = 0; i < kJournalEntriesPerDevice; ++i) {
    if (lane.ids[i] == id) return lane.outcomes[i];
  }
  return CommandOutcome::kUnknown;
}

}  // namespace itdd::app
