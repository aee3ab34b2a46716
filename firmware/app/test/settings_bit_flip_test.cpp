// Issue 11: one bit flip in the newest settings copy must never silently bring back an older
// prescription. For every single-bit flip of every byte of both settings copies (the data, the
// trailer, the commit word), at every commit point of a short life (boot, refill, program
// 8 mg/day, program 3 mg/day), the implant either runs the newest committed state or stops with
// the critical memory alarm and a log record, and the next interrogation shows it; no flip
// ends in an older prescription.
//
// Every flip is judged by the implant's own store (its PersistentState, layout and format on
// the implant's flash image: exactly what boot() reads). A whole implant is booted and
// interrogated for one flip in each field of the trailers and commit words and for a stride of
// the data bytes (each outcome, each part of each copy), and must agree with that verdict: a
// boot (it mounts the 272 KB log and history) costs some hundred loads.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "command_rig.h"
#include "itdd/storage/layout.h"

namespace itdd::app {
namespace {

using alarms::AlarmKind;
using engine::Activity;
using rig::Body;
using rig::Rig;
using therapy::testing::morphine_continuous;

enum class Ending : std::uint8_t { kNewest, kStopped, kOlder };

struct Tally {
  std::uint64_t newest = 0;
  std::uint64_t stopped = 0;
  std::uint64_t older = 0;
  std::uint64_t booted = 0;  // of which a whole implant was booted and interrogated
};

// Where one settings copy's bytes lie: the data (padded to program units), then, closing the
// region, the trailer and the commit word.
struct CopyBytes {
  std::uint32_t data = 0;
  std::uint32_t data_len = 0;
  std::uint32_t tail = 0;  // trailer + commit word
  std::uint32_t tail_len = 0;
};

CopyBytes copy_bytes(storage::Region r) {
  const hal::NvmGeometry g = storage::kImplantFlash;
  CopyBytes c;
  c.data = r.first_sector * g.sector_size;
  c.data_len =
      storage::round_up(static_cast<std::uint32_t>(sizeof(PersistentState)), g.program_unit);
  c.tail_len = storage::round_up(storage::kSettingsTrailerBytes, g.program_unit) +
               storage::round_up(storage::kSettingsCommitWordBytes, g.program_unit);
  c.tail = (r.first_sector + r.sector_count) * g.sector_size - c.tail_len;
  return c;
}

// The state committed at one point of the life, as the implant's store returns it.
struct CommitPoint {
  const char* name;
  hal::FakeNvm flash{storage::kImplantFlash};
  std::uint32_t seq = 0;
  std::uint64_t token = 0;
  therapy::BasalMode mode{};
  DoseRate dose{};
};

storage::SettingsStore<PersistentState> store_on(hal::Nvm& nvm) {
  return storage::SettingsStore<PersistentState>(nvm, storage::kDefaultLayout.settings_a,
                                                 storage::kDefaultLayout.settings_b,
                                                 kPersistentStateFormat);
}

// What the implant's store makes of the flash: the newest committed state, a refusal (the
// boot's safe state), or another state (an older one: the defect).
Ending judge_load(hal::FakeNvm& flash, const CommitPoint& point, PersistentState& scratch) {
  auto store = store_on(flash);
  const Result<storage::SettingsLoad> l = store.load(scratch);
  if (!l.ok()) return storage::is_blank(l.error()) ? Ending::kOlder : Ending::kStopped;
  return l->seq == point.seq ? Ending::kNewest : Ending::kOlder;
}

bool log_page_has(const protocol::Response& page, ImplantLogCode code) {
  for (pb_size_t i = 0; i < page.payload.event_log.records_count; ++i) {
    if (page.payload.event_log.records[i].code == static_cast<std::uint32_t>(code)) return true;
  }
  return false;
}

// A whole implant restarted on the flipped flash, then interrogated by a clinician.
Ending judge_boot(const hal::FakeNvm& flipped, const CommitPoint& point, ImplantTime at) {
  Body body;
  body.flash = flipped;
  Rig rig(body, at);
  rig::PeerTable peers;
  protocol::Response status{};
  rig::handle_request(*rig.implant, peers, rig::interrogate_request(), peers.caller(0), rig.now,
                      status);
  EXPECT_EQ(status.result, itdd_ResultCode_RESULT_OK);
  const itdd_ImplantStatus& st = status.payload.status;
  bool critical_shown = false;
  for (pb_size_t i = 0; i < st.alarms_count; ++i) {
    critical_shown |= st.alarms[i].kind ==
                      static_cast<itdd_AlarmKind>(alarms::code(AlarmKind::kCriticalMemoryError));
  }
  const bool critical = rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError);
  EXPECT_EQ(critical, critical_shown);
  const therapy::Prescription& rx = rig.implant->engine().prescription();
  if (rig.report.resumed) {
    // Running: it must be the newest committed state, with no alarm about it.
    const bool newest = rig.implant->prescription_token() == point.token && rx.mode == point.mode &&
                        rx.continuous_dose == point.dose;
    EXPECT_TRUE(newest) << "an older state runs";
    EXPECT_FALSE(critical);
    EXPECT_EQ(st.prescription_token, point.token);
    return newest && !critical ? Ending::kNewest : Ending::kOlder;
  }
  // Stopped: no delivery, the critical alarm, the record in the log, all of it in what the
  // clinician's programmer reads next.
  protocol::Request read = rig::request(itdd_Request_read_event_log_tag);
  read.payload.read_event_log.from_seq = 1;
  read.payload.read_event_log.max_count = 1000;
  const ImplantLogCode why = rig.report.settings_newest_lost ? ImplantLogCode::kSettingsNewestLost
                                                             : ImplantLogCode::kSettingsCorrupt;
  bool logged = false;
  for (int page = 0; page < 400 && !logged; ++page) {
    protocol::Response out{};
    rig::handle_request(*rig.implant, peers, read, peers.caller(0), rig.now, out);
    if (out.result != itdd_ResultCode_RESULT_OK || out.payload.event_log.records_count == 0) break;
    logged = log_page_has(out, why);
    const pb_size_t n = out.payload.event_log.records_count;
    read.payload.read_event_log.from_seq = out.payload.event_log.records[n - 1].seq + 1;
  }
  const bool stopped =
      rig.report.settings_corrupt && rig.implant->engine().activity() != Activity::kBasal &&
      st.activity != itdd_Activity_ACTIVITY_BASAL && rx.mode == therapy::BasalMode::kStopped;
  EXPECT_TRUE(stopped);
  EXPECT_TRUE(critical_shown);
  EXPECT_TRUE(logged);
  // And delivery stays stopped: nothing moves in the next hours.
  const std::int64_t strokes = body.motor.completed;
  rig.run_for(hours(3));
  EXPECT_EQ(body.motor.completed, strokes);
  return stopped && critical_shown && logged ? Ending::kStopped : Ending::kOlder;
}

void count(Tally& t, Ending e) {
  (e == Ending::kNewest ? t.newest : e == Ending::kStopped ? t.stopped : t.older) += 1;
}

TEST(SettingsBitFlip, EveryFlipOfEitherCopyRunsTheNewestOrStopsWithAnAlarm) {
  Body body;
  Rig rig(body);
  CommitPoint points[4] = {{"boot"}, {"refill"}, {"program 8 mg/day"}, {"program 3 mg/day"}};
  PersistentState scratch{};
  auto keep = [&](CommitPoint& p) {
    p.flash = body.flash;
    auto store = store_on(p.flash);
    const Result<storage::SettingsLoad> l = store.load(scratch);
    ASSERT_TRUE(l.ok());
    p.seq = l->seq;
    p.token = rig.implant->prescription_token();
    p.mode = rig.implant->engine().prescription().mode;
    p.dose = rig.implant->engine().prescription().continuous_dose;
  };
  keep(points[0]);
  ASSERT_TRUE(rig.implant->refill(rig::fill(millilitres(18)), rig.now).ok());
  keep(points[1]);
  ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(8'000'000)), rig.now).ok());
  keep(points[2]);
  rig.run_for(hours(2));
  ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(3'000'000)), rig.now).ok());
  keep(points[3]);
  const ImplantTime restart = rig.now + hours(1);

  const CopyBytes copies[2] = {copy_bytes(storage::kDefaultLayout.settings_a),
                               copy_bytes(storage::kDefaultLayout.settings_b)};
  // Booted whole: one flip in each 4-byte field of the trailer and the commit word (magic,
  // format, size, seq, ~seq, CRC; seq, ~seq), and every 1021st data byte (a prime, so the field
  // and the bit vary) and the last, in both copies: each outcome and each part of a copy.
  constexpr std::uint32_t kBootStride = 1021;
  auto boot_this = [](int part, std::uint32_t i, std::uint32_t len, std::uint8_t bit) {
    if (part == 1) return i % 4 == 0 && bit == (i / 4) % 8;
    return (i % kBootStride == 0 && bit == (i / kBootStride) % 8) || (i + 1 == len && bit == 7);
  };
  Tally total;
  for (CommitPoint& point : points) {
    Tally t;
    for (const CopyBytes& c : copies) {
      const std::uint32_t ranges[2][2] = {{c.data, c.data_len}, {c.tail, c.tail_len}};
      for (int part = 0; part < 2; ++part) {
        for (std::uint32_t i = 0; i < ranges[part][1]; ++i) {
          const std::uint32_t address = ranges[part][0] + i;
          for (std::uint8_t bit = 0; bit < 8; ++bit) {
            point.flash.flip_bit(address, bit);
            const Ending verdict = judge_load(point.flash, point, scratch);
            const bool boot_it = boot_this(part, i, ranges[part][1], bit);
            if (boot_it) {
              ++t.booted;
              const Ending booted = judge_boot(point.flash, point, restart);
              EXPECT_EQ(booted, verdict)
                  << point.name << ": address " << address << " bit " << int{bit};
            }
            point.flash.flip_bit(address, bit);  // back as it was
            count(t, verdict);
            EXPECT_NE(verdict, Ending::kOlder)
                << point.name << ": flip at address " << address << " bit " << int{bit}
                << " brings back an older state";
          }
        }
      }
    }
    std::printf(
        "%-18s seq %u: %llu flips -> %llu newest run, %llu stopped with alarm, "
        "%llu older (%llu booted whole)\n",
        point.name, point.seq, static_cast<unsigned long long>(t.newest + t.stopped + t.older),
        static_cast<unsigned long long>(t.newest), static_cast<unsigned long long>(t.stopped),
        static_cast<unsigned long long>(t.older), static_cast<unsigned long long>(t.booted));
    total.newest += t.newest;
    total.stopped += t.stopped;
    total.older += t.older;
    total.booted += t.booted;
  }
  std::printf(
      "all: %llu flips -> %llu newest run, %llu stopped with alarm, %llu older "
      "(%llu booted whole)\n",
      static_cast<unsigned long long>(total.newest + total.stopped + total.older),
      static_cast<unsigned long long>(total.newest), static_cast<unsigned long long>(total.stopped),
      static_cast<unsigned long long>(total.older), static_cast<unsigned long long>(total.booted));
  EXPECT_EQ(total.older, 0u);
  // Both endings happen: the newest copy's data and trailer stop therapy, the older copy and
  // the commit words do not matter.
  EXPECT_GT(total.newest, 0u);
  EXPECT_GT(total.stopped, 0u);
}

}  // namespace
}  // namespace itdd::app
