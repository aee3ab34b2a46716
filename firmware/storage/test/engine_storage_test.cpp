// The therapy engine's State in a settings store of the default layout, and engine events in
// the log.
#include "itdd/storage/engine_storage.h"

#include <gtest/gtest.h>

#include <cstring>

#include "../../therapy/test/test_prescriptions.h"
#include "itdd/hal/fake_nvm.h"

namespace itdd::storage {
namespace {

using State = engine::TherapyEngine::State;

TEST(EngineStorage, StateSizeAndItsRegion) {
  // Kilobytes: the prescription holds 7 x 48 flex steps of 8 bytes; within one sector.
  EXPECT_GT(sizeof(State), 7u * 48u * 8u);
  EXPECT_LE(sizeof(State), kImplantFlash.sector_size);
  const std::uint32_t copy_bytes =
      kDefaultLayout.settings_a.sector_count * kImplantFlash.sector_size;
  EXPECT_LE(BlobStore::bytes_needed(sizeof(State), kImplantFlash.program_unit), copy_bytes);
  std::printf("TherapyEngine::State: %zu bytes; one settings copy: %u bytes in %u sectors\n",
              sizeof(State), copy_bytes, kDefaultLayout.settings_a.sector_count);
}

TEST(EngineStorage, StateRoundTripsBitForBit) {
  hal::FakeNvm nvm(kImplantFlash);
  EngineStateStore store = make_engine_state_store(nvm);
  State s{};
  s.prescription.mode = therapy::BasalMode::kFlexible;
  s.prescription.flex.per_weekday = true;
  for (std::size_t d = 0; d < 7; ++d) {
    s.prescription.flex.days[d].step_count = 48;
    for (std::size_t i = 0; i < 48; ++i) {
      s.prescription.flex.days[d].steps[i] = therapy::testing::flex_step(
          static_cast<std::int32_t>(i * 30), DoseRate(static_cast<std::int64_t>(d * 1000 + i)));
    }
  }
  s.delivered = Volume(123456789);
  s.wall_offset_ms = -3600000;
  auto c = store.commit(s);
  ASSERT_TRUE(c.ok());
  State back{};
  auto l = store.load(back);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(std::memcmp(&back, &s, sizeof(State)), 0);
  EXPECT_EQ(back.prescription.flex.days[6].steps[47].dose_rate(), DoseRate(6047));
}

// A commit erases only the sectors it programs: the State's one and the trailer's last one.
TEST(EngineStorage, ACommitWearsOnlyTheSectorsItWrites) {
  hal::FakeNvm nvm(kImplantFlash);
  EngineStateStore store = make_engine_state_store(nvm);
  const State s{};
  ASSERT_TRUE(store.commit(s).ok());  // copy A: sectors 0-3
  EXPECT_EQ(nvm.erase_count(0), 1u);
  EXPECT_EQ(nvm.erase_count(1), 0u);
  EXPECT_EQ(nvm.erase_count(2), 0u);
  EXPECT_EQ(nvm.erase_count(3), 1u);
  for (std::uint32_t i = 4; i < 8; ++i) EXPECT_EQ(nvm.erase_count(i), 0u);
  // Junk in the unused sectors does not matter.
  nvm.flip_bit(1 * 4096 + 5, 1);
  nvm.flip_bit(2 * 4096 + 5, 1);
  State back{};
  ASSERT_TRUE(store.load(back).ok());
}

TEST(EngineStorage, EventsConvertBothWays) {
  engine::TherapyEvent e;
  e.at = ImplantTime(86'400'000);
  e.kind = engine::EventKind::kPatientBolusRefused;
  e.reason = 2;
  e.a = 1234;
  e.b = -5;
  const LogRecord r = to_log_record(e);
  EXPECT_EQ(r.code, static_cast<std::uint16_t>(engine::EventKind::kPatientBolusRefused));
  auto back = to_therapy_event(r);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->at, e.at);
  EXPECT_EQ(back->kind, e.kind);
  EXPECT_EQ(back->reason, e.reason);
  EXPECT_EQ(back->a, e.a);
  EXPECT_EQ(back->b, e.b);
  LogRecord other = r;
  other.code = 0x0100;
  EXPECT_FALSE(to_therapy_event(other).ok());
}

TEST(EngineStorage, EngineEventsThroughTheLog) {
  hal::FakeNvm nvm(kImplantFlash);
  EventLog log(nvm, kDefaultLayout.event_log);
  ASSERT_TRUE(log.mount().ok());
  engine::TherapyEvent e;
  e.kind = engine::EventKind::kRefilled;
  e.a = 20'000'000;
  e.b = 25'000'000;
  ASSERT_TRUE(log.append(to_log_record(e)).ok());
  LogRecord r;
  ASSERT_EQ(log.read_newest(std::span(&r, 1)).value(), 1u);
  auto back = to_therapy_event(r);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kind, engine::EventKind::kRefilled);
  EXPECT_EQ(back->b, 25'000'000);
}

}  // namespace
}  // namespace itdd::storage
