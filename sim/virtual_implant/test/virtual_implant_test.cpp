// The virtual implant over real TCP loopback, with the programmer's own client and transport:
// sessions, roles, pairing through a clinician's window, restarts, link impairment.
#include "itdd/sim/virtual_implant.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "itdd/link/initiator.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/tcp_transport.h"

namespace itdd::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using programmer::Client;
using programmer::ClientOptions;
using programmer::TcpTransport;

const therapy::Drug kMorphine = therapy::make_drug("morphine", DoseUnit::kMilligram);
constexpr Concentration kTenMgPerMl{10'000'000};

// Morphine 10 mg/mL, 1 mg/day (0.1 mL/day).
therapy::Prescription one_mg_a_day() {
  therapy::Prescription rx;
  rx.drug = kMorphine;
  rx.concentration = kTenMgPerMl;
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(1'000'000);
  return rx;
}

protocol::Request refill_of(std::uint64_t id, Volume volume) {
  return programmer::refill_request(id, kMorphine, kTenMgPerMl, volume).value();
}

class VirtualImplantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("itdd-vi-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    catalog_ = host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE).value();
    clinician_ = crypto_.generate_key_pair().value();
  }
  void TearDown() override {
    stop();
    fs::remove_all(dir_);
  }

  // The implant, or null after saying why not.
  static std::unique_ptr<VirtualImplant> open(const VirtualImplantOptions& o) {
    host::Checked<std::unique_ptr<VirtualImplant>> opened = VirtualImplant::open(o);
    EXPECT_TRUE(opened.ok()) << opened.error().text();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  VirtualImplantOptions options() const {
    VirtualImplantOptions o;
    o.state_dir = dir_;
    o.catalog = catalog_;
    o.pump_model = "peristaltic-20";
    return o;
  }

  // Boots the implant, provisions the clinician and serves on a port the system picks.
  void start(VirtualImplantOptions o) {
    implant_ = open(o);
    ASSERT_NE(implant_, nullptr);
    ASSERT_TRUE(implant_->provision(clinician_.public_key, link::Role::kClinician).ok());
    ASSERT_TRUE(implant_->listen("127.0.0.1", 0).ok());
    thread_ = std::make_unique<ServingThread>(*implant_);
  }
  void start() { start(options()); }
  void stop() {
    thread_.reset();
    implant_.reset();
  }

  programmer::Endpoint endpoint() const { return {"127.0.0.1", implant_->port()}; }

  // A connected transport.
  std::unique_ptr<TcpTransport> connect() {
    auto t = std::make_unique<TcpTransport>();
    const Status s = t->connect(endpoint(), 2s);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return t;
  }

  // The status as a clinician reads it, in a session of its own.
  Result<protocol::Response> clinician_interrogates() {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    Result<protocol::Response> r = c.call(programmer::interrogate_request());
    (void)c.close();
    return r;
  }

  fs::path dir_;
  host::PumpCatalog catalog_;
  host::SodiumCrypto crypto_;
  hal::KeyPair clinician_{};
  std::unique_ptr<VirtualImplant> implant_;
  std::unique_ptr<ServingThread> thread_;
};

TEST_F(VirtualImplantTest, AProvisionedClinicianInterrogates) {
  start();
  EXPECT_TRUE(implant_->first_start());
  EXPECT_NE(implant_->port(), 0);
  const Result<protocol::Response> r = clinician_interrogates();
  ASSERT_TRUE(r.ok()) << r.error().field << ": " << r.error().message;
  ASSERT_EQ(r->result, itdd_ResultCode_RESULT_OK);
  ASSERT_EQ(r->which_payload, itdd_Response_status_tag);
  const itdd_ImplantStatus& st = r->payload.status;
  EXPECT_TRUE(st.has_reservoir);
  EXPECT_FALSE(st.reservoir.filled);  // the implant starts empty
  EXPECT_EQ(st.activity, itdd_Activity_ACTIVITY_STOPPED);
  EXPECT_TRUE(st.has_battery);
  EXPECT_EQ(st.battery.status, itdd_BatteryStatus_BATTERY_STATUS_OK);
  EXPECT_GE(st.implant_ms, 0);
  // Its wall clock starts at the host's local time.
  const auto host_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  EXPECT_LT(std::abs(st.wall_ms - host_ms), 15 * 3600 * 1000LL);
  const VirtualImplantStats s = implant_->stats();
  EXPECT_GE(s.frames_in, 3u);            // Hello, interrogate, close
  EXPECT_EQ(s.frames_in, s.frames_out);  // each answered: Accept, status, close
}

TEST_F(VirtualImplantTest, AnUnpairedProgrammerIsRefused) {
  start();
  const hal::KeyPair stranger = crypto_.generate_key_pair().value();
  auto t = connect();
  Client c(crypto_, stranger, implant_->public_key(), *t, ClientOptions{500ms, 1});
  const Status s = c.connect();
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "implant.not_paired");  // which refusal it is
}

TEST_F(VirtualImplantTest, APatientPairedThroughAClinicianWindowReadsButCannotProgram) {
  start();
  const Result<protocol::Response> before = clinician_interrogates();
  ASSERT_TRUE(before.ok());
  const std::uint64_t token = before->payload.status.prescription_token;

  // The clinician opens a pairing window for a patient device and reads the code.
  std::string code;
  {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    const Result<protocol::Response> r =
        c.call(programmer::open_pairing_request(link::Role::kPatient, Duration(0)));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->result, itdd_ResultCode_RESULT_OK);
    code = r->payload.pairing_window.code;
    ASSERT_EQ(code.size(), 6u);
    ASSERT_TRUE(c.close().ok());
  }
  // The patient device pairs with the code.
  const hal::KeyPair patient = crypto_.generate_key_pair().value();
  {
    auto t = connect();
    const Result<link::Paired> paired = programmer::pair(crypto_, patient, code, *t, 2s);
    ASSERT_TRUE(paired.ok()) << paired.error().message;
    EXPECT_EQ(paired->implant, implant_->public_key());
    EXPECT_EQ(paired->role, link::Role::kPatient);
  }
  // It reads the status, and its program request is refused for its role.
  {
    auto t = connect();
    Client c(crypto_, patient, implant_->public_key(), *t);
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->result, itdd_ResultCode_RESULT_OK);
    EXPECT_EQ(r->payload.status.prescription_token, token);

    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult result =
        c.command(programmer::program_request(id, token, one_mg_a_day()).value(), id);
    EXPECT_EQ(result.delivery, programmer::Delivery::kNotApplied);
    ASSERT_TRUE(result.response.has_value());
    EXPECT_EQ(result.response->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
    (void)c.close();
  }
  // The prescription is unchanged.
  const Result<protocol::Response> after = clinician_interrogates();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->payload.status.prescription_token, token);
}

TEST_F(VirtualImplantTest, ARefillOverTheRadioFillsTheBody) {
  start();
  {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult result = c.command(refill_of(id, millilitres(15)), id);
    ASSERT_EQ(result.delivery, programmer::Delivery::kApplied) << result.detail;
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->payload.status.reservoir.filled);
    EXPECT_EQ(r->payload.status.reservoir.remaining_nl, 15'000'000);
    (void)c.close();
  }
  stop();
  std::ifstream state(dir_ / "implant.state");
  const std::string text((std::istreambuf_iterator<char>(state)), {});
  EXPECT_NE(text.find("reservoir-nl 15000000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reservoir-ng-per-ml 10000000\n"), std::string::npos) << text;
}

TEST_F(VirtualImplantTest, APocketFillPutsLessInTheBodyThanTheImplantBelieves) {
  VirtualImplantOptions o = options();
  o.pocket_fill = millilitres(3);
  const auto refill_15_ml = [this] {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    const std::uint64_t id = programmer::new_command_id(crypto_);
    ASSERT_EQ(c.command(refill_of(id, millilitres(15)), id).delivery,
              programmer::Delivery::kApplied);
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->payload.status.reservoir.remaining_nl, 15'000'000);  // what the implant believes
    (void)c.close();
  };
  const auto body_holds = [this] {  // the state file, written at stop: what the body holds
    std::ifstream state(dir_ / "implant.state");
    const std::string text((std::istreambuf_iterator<char>(state)), {});
    const std::size_t at = text.find("reservoir-nl ");
    return at == std::string::npos ? std::string("?") : text.substr(at, text.find('\n', at) - at);
  };
  start(o);
  refill_15_ml();
  stop();
  EXPECT_EQ(body_holds(), "reservoir-nl 12000000");

  start(o);  // a new run: the fault strikes its first refill only
  refill_15_ml();
  refill_15_ml();
  stop();
  EXPECT_EQ(body_holds(), "reservoir-nl 15000000");
}

TEST_F(VirtualImplantTest, ARestartKeepsTheIdentityThePeersAndTheClock) {
  start();
  const link::PublicKey key = implant_->public_key();
  const Result<protocol::Response> first = clinician_interrogates();
  ASSERT_TRUE(first.ok());
  stop();

  implant_ = open(options());
  ASSERT_NE(implant_, nullptr);
  EXPECT_FALSE(implant_->first_start());
  EXPECT_EQ(implant_->public_key(), key);
  // Provisioning again is a no-op; another role for the same key is refused.
  const Result<bool> again = implant_->provision(clinician_.public_key, link::Role::kClinician);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value());
  EXPECT_FALSE(implant_->provision(clinician_.public_key, link::Role::kPatient).ok());
  ASSERT_TRUE(implant_->listen("127.0.0.1", 0).ok());
  thread_ = std::make_unique<ServingThread>(*implant_);
  const Result<protocol::Response> second = clinician_interrogates();
  ASSERT_TRUE(second.ok());
  EXPECT_GE(second->payload.status.implant_ms, first->payload.status.implant_ms);
}

TEST_F(VirtualImplantTest, CommittedTherapyRunsFastAndResumesAfterARestart) {
  VirtualImplantOptions o = options();
  o.speed = 10 * 86400;  // ten days a second
  start(o);
  std::int64_t delivered_before = 0;
  {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    const std::uint64_t refill_id = programmer::new_command_id(crypto_);
    ASSERT_EQ(c.command(refill_of(refill_id, millilitres(20)), refill_id).delivery,
              programmer::Delivery::kApplied);
    const Result<protocol::Response> st = c.call(programmer::interrogate_request());
    ASSERT_TRUE(st.ok());
    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult programmed = c.command(
        programmer::program_request(id, st->payload.status.prescription_token, one_mg_a_day())
            .value(),
        id);
    ASSERT_EQ(programmed.delivery, programmer::Delivery::kApplied) << programmed.detail;
    std::this_thread::sleep_for(300ms);  // about three days
    const Result<protocol::Response> later = c.call(programmer::interrogate_request());
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(later->payload.status.activity, itdd_Activity_ACTIVITY_BASAL);
    delivered_before = later->payload.status.delivered_nl;
    EXPECT_GT(delivered_before, 100'000);  // over a day's worth
    (void)c.close();
  }
  stop();
  start(o);
  const Result<protocol::Response> after = clinician_interrogates();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->payload.status.activity, itdd_Activity_ACTIVITY_BASAL);  // resumed
  // After a reset the implant's reservoir estimate takes everything the program called for since
  // its last hourly record as gone (conservative: it never forgets a stroke), while "delivered"
  // counts only what its records hold: up to an hour of the program (0.1 mL/day: about 4 uL)
  // may drop out of it.
  EXPECT_TRUE(after->payload.status.reservoir.filled);
  EXPECT_LE(after->payload.status.reservoir.remaining_nl, 20'000'000 - delivered_before);
  constexpr std::int64_t kHourOfProgramNl = 100'000 / 24 + 1000;  // and one stroke
  EXPECT_GE(after->payload.status.delivered_nl, delivered_before - kHourOfProgramNl);
}

// `itdd implant advance`: a person following the demo at real speed moves the stopped implant
// 30 days on at once, and the therapy of those days is delivered as if they had passed.
TEST_F(VirtualImplantTest, AdvancingTheClockDeliversTheTherapyOfThoseDays) {
  start();  // real time
  std::int64_t remaining_before = 0;
  {
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t);
    const std::uint64_t refill_id = programmer::new_command_id(crypto_);
    ASSERT_EQ(c.command(refill_of(refill_id, millilitres(20)), refill_id).delivery,
              programmer::Delivery::kApplied);
    const Result<protocol::Response> st = c.call(programmer::interrogate_request());
    ASSERT_TRUE(st.ok());
    const std::uint64_t id = programmer::new_command_id(crypto_);
    ASSERT_EQ(c.command(programmer::program_request(id, st->payload.status.prescription_token,
                                                    one_mg_a_day())
                            .value(),
                        id)
                  .delivery,
              programmer::Delivery::kApplied);
    const Result<protocol::Response> now = c.call(programmer::interrogate_request());
    ASSERT_TRUE(now.ok());
    remaining_before = now->payload.status.reservoir.remaining_nl;
    (void)c.close();
  }
  stop();
  std::int64_t reached = 0;
  {
    const std::unique_ptr<VirtualImplant> offline = open(options());
    ASSERT_NE(offline, nullptr);
    const ImplantTime from = offline->advance(Duration(0)).value();
    reached = offline->advance(days(30)).value().ms();
    EXPECT_GE(reached - from.ms(), days(30).count());
  }
  start();
  const Result<protocol::Response> after = clinician_interrogates();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->payload.status.activity, itdd_Activity_ACTIVITY_BASAL);
  // 30 days at 0.1 mL/day: 3 mL, less at most one stroke (delivery stays within a stroke of the
  // program), and at most an hour of program more for each of the two restarts (a restart takes
  // what the program called for since the last hourly record as gone) and a few seconds of real
  // time.
  const std::int64_t used = remaining_before - after->payload.status.reservoir.remaining_nl;
  EXPECT_GE(used, 3'000'000 - 1'000);
  EXPECT_LE(used, 3'000'000 + 2 * (100'000 / 24 + 1000));
}

TEST_F(VirtualImplantTest, TheStateDirectoryIsRefusedWhenInUseOrOfAnotherModel) {
  // Refused as the state directory's problem (the user must change something), saying what.
  const auto expect_state_refused = [](const VirtualImplantOptions& o, std::string_view says) {
    const host::Checked<std::unique_ptr<VirtualImplant>> r = VirtualImplant::open(o);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.error().field, "state_dir");
    EXPECT_EQ(r.error().kind, host::RefusalKind::kInvalidArgument);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  start();
  expect_state_refused(options(), "another");  // a second server on the same directory
  stop();
  VirtualImplantOptions other = options();
  other.pump_model = "no-such-pump";
  expect_state_refused(other, "not no-such-pump");
  const std::vector<std::string> names = catalog_.names();
  for (const std::string& name : names) {
    if (name == "peristaltic-20") continue;
    other.pump_model = name;
    expect_state_refused(other, name);
  }
  VirtualImplantOptions unnamed = options();
  unnamed.pump_model.clear();  // a restart may leave it out
  EXPECT_TRUE(VirtualImplant::open(unnamed).ok());
  // Not a directory; an option out of range.
  VirtualImplantOptions file = options();
  file.state_dir = dir_ / "implant.state";
  expect_state_refused(file, "not a directory");
  VirtualImplantOptions fast = options();
  fast.speed = 0;
  const host::Checked<std::unique_ptr<VirtualImplant>> r = VirtualImplant::open(fast);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(), "speed: must be above 0 and at most 1e9");
}

TEST(TcpListenerOpen, AnAddressThatCannotBeHadIsRefusedNamingIt) {
  const host::Checked<TcpListener> bad = TcpListener::open("no.such.host.invalid", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, host::RefusalKind::kUnavailable);
  EXPECT_TRUE(bad.error().message.starts_with("cannot listen on no.such.host.invalid:0"))
      << bad.error().message;
  host::Checked<TcpListener> first = TcpListener::open("127.0.0.1", 0);
  ASSERT_TRUE(first.ok()) << first.error().text();
  const host::Checked<TcpListener> taken = TcpListener::open("127.0.0.1", first->port());
  EXPECT_FALSE(taken.ok());
}

// ---- connections: many at once, one device in session at a time

// A whole frame of `type` around `payload`.
std::vector<std::uint8_t> framed(protocol::FrameType type, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> f(protocol::frame_size(payload.size()));
  EXPECT_TRUE(protocol::encode_frame(type, payload, f).ok());
  return f;
}

// Waits until the server closes `t` (true), or `limit` passes (false).
bool closed_by_server(TcpTransport& t, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    const Result<std::vector<std::uint8_t>> r = t.receive(50ms);
    if (!r.ok() && std::string(r.error().message).find("closed") != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST_F(VirtualImplantTest, ASilentConnectionDelaysNobodyAndIsClosedAtItsDeadline) {
  VirtualImplantOptions o = options();
  o.handshake_deadline = 300ms;
  start(o);
  TcpTransport silent;  // connects and says nothing
  ASSERT_TRUE(silent.connect(endpoint(), 2s).ok());
  // The clinician is answered meanwhile: one attempt, within its first reply timeout.
  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{2s, 1});
  const Result<protocol::Response> r = c.call(programmer::interrogate_request());
  ASSERT_TRUE(r.ok()) << r.error().field << ": " << r.error().message;
  EXPECT_EQ(r->result, itdd_ResultCode_RESULT_OK);
  // Its session holds the radio past the deadline; the silent connection does not stay.
  EXPECT_TRUE(closed_by_server(silent, 3s));
  std::this_thread::sleep_for(100ms);
  const Result<protocol::Response> again = c.call(programmer::interrogate_request());
  ASSERT_TRUE(again.ok()) << again.error().message;
  (void)c.close();
  const VirtualImplantStats s = implant_->stats();
  EXPECT_EQ(s.connections_timed_out, 1u);
  EXPECT_EQ(s.busy_answers, 0u);
}

// Figures: 200 idle connections (three times max_connections, ten times what the kernel's queue
// held before connections were taken at once); the clinician's interrogation is answered on
// its first attempt, within its 2 s reply timeout (measured: see RecordProperty).
TEST_F(VirtualImplantTest, AFloodOfIdleConnectionsDoesNotKeepAPairedProgrammerOut) {
  start();
  constexpr int kIdle = 200;
  std::vector<std::unique_ptr<TcpTransport>> idle;
  for (int i = 0; i < kIdle; ++i) {
    auto t = std::make_unique<TcpTransport>();
    ASSERT_TRUE(t->connect(endpoint(), 2s).ok()) << i;
    idle.push_back(std::move(t));
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{2s, 1});
  const Result<protocol::Response> r = c.call(programmer::interrogate_request());
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok()) << r.error().field << ": " << r.error().message;
  EXPECT_EQ(r->result, itdd_ResultCode_RESULT_OK);
  ASSERT_TRUE(c.close().ok());
  RecordProperty("idle_connections", kIdle);
  RecordProperty(
      "clinician_wait_us",
      static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(waited).count()));
  const VirtualImplantStats s = implant_->stats();
  EXPECT_EQ(s.connections, static_cast<std::uint64_t>(kIdle) + 1);
  EXPECT_GE(s.connections_evicted, static_cast<std::uint64_t>(kIdle + 1 - 64));
}

TEST_F(VirtualImplantTest, AnotherDeviceInSessionIsToldBusyAndServedWhenTheSessionEnds) {
  start();
  const hal::KeyPair second = crypto_.generate_key_pair().value();
  ASSERT_TRUE(implant_->provision(second.public_key, link::Role::kClinician).ok());
  auto ta = connect();
  Client a(crypto_, clinician_, implant_->public_key(), *ta);
  ASSERT_TRUE(a.call(programmer::interrogate_request()).ok());  // a's session, left open

  // While it lasts, the other device hears "busy" and says so (and gives up: its connection
  // closes, as the command line's does when it exits).
  {
    auto tb = connect();
    Client b(crypto_, second, implant_->public_key(), *tb, ClientOptions{300ms, 1});
    const Result<protocol::Response> refused = b.call(programmer::interrogate_request());
    ASSERT_FALSE(refused.ok());
    EXPECT_STREQ(refused.error().field, "busy") << refused.error().message;
    EXPECT_GE(implant_->stats().busy_answers, 1u);
  }
  // a's session goes on undisturbed.
  ASSERT_TRUE(a.call(programmer::interrogate_request()).ok());

  // Waiting: its Hello is answered as soon as a's session ends.
  auto tc = connect();
  Client waiting(crypto_, second, implant_->public_key(), *tc, ClientOptions{2s, 1});
  Result<protocol::Response> served = make_error(ErrorCode::kRefused, "test", "not run");
  std::thread waiter([&] { served = waiting.call(programmer::interrogate_request()); });
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(a.close().ok());
  waiter.join();
  ASSERT_TRUE(served.ok()) << served.error().field << ": " << served.error().message;
  EXPECT_EQ(served->result, itdd_ResultCode_RESULT_OK);
  (void)waiting.close();
}

// Whoever knows a paired device's public key (it travels in clear in every Hello) gets its
// Hello answered, and then cannot finish the handshake: it holds the radio only until its
// deadline, then the clinician who waited is served.
TEST_F(VirtualImplantTest, AnAnsweredHandshakeThatIsNeverFinishedGivesTheRadioUpAtItsDeadline) {
  VirtualImplantOptions o = options();
  o.handshake_deadline = 300ms;
  start(o);
  TcpTransport stranger;
  ASSERT_TRUE(stranger.connect(endpoint(), 2s).ok());
  hal::KeyPair forged = crypto_.generate_key_pair().value();
  forged.public_key = clinician_.public_key;  // the public half only
  link::Initiator impostor(crypto_, forged, implant_->public_key());
  const Result<link::HelloBytes> hello = impostor.hello();
  ASSERT_TRUE(hello.ok());
  ASSERT_TRUE(stranger.send(framed(protocol::FrameType::kHandshake, hello.value())).ok());
  const Result<std::vector<std::uint8_t>> accept = stranger.receive(2s);
  ASSERT_TRUE(accept.ok());
  ASSERT_EQ(static_cast<protocol::FrameType>(accept.value().at(3)),
            protocol::FrameType::kHandshake);  // answered: the implant cannot tell yet

  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{2s, 1});
  const Result<protocol::Response> r = c.call(programmer::interrogate_request());
  ASSERT_TRUE(r.ok()) << r.error().field << ": " << r.error().message;
  EXPECT_EQ(r->result, itdd_ResultCode_RESULT_OK);
  EXPECT_GE(implant_->stats().busy_answers, 1u);  // it was told to wait, then served
  (void)c.close();
  EXPECT_TRUE(closed_by_server(stranger, 2s));
  EXPECT_EQ(implant_->stats().connections_timed_out, 1u);
}

TEST_F(VirtualImplantTest, JunkHandshakesCostTheCellAndDoNotKeepTheClinicianOut) {
  start();
  auto junk = connect();
  const std::uint64_t before = implant_->stats().cell_link_work_uj;
  for (int i = 0; i < 100; ++i) {
    const hal::KeyPair stranger = crypto_.generate_key_pair().value();
    Client c(crypto_, stranger, implant_->public_key(), *junk, ClientOptions{10ms, 1});
    (void)c.connect();  // refused (or, beyond the answer budget, not answered)
  }
  // The clinician, on another connection, is answered at once.
  ASSERT_TRUE(clinician_interrogates().ok());
  // The refused frames' energy was charged to the implant's counters and drawn from the cell.
  EXPECT_GE(implant_->stats().cell_link_work_uj - before, 100u * 30u);
}

TEST_F(VirtualImplantTest, RunsFasterThanRealTime) {
  VirtualImplantOptions o = options();
  o.speed = 3600;  // an hour a second
  start(o);
  const Result<protocol::Response> a = clinician_interrogates();
  std::this_thread::sleep_for(200ms);
  const Result<protocol::Response> b = clinician_interrogates();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::int64_t elapsed = b->payload.status.implant_ms - a->payload.status.implant_ms;
  EXPECT_GE(elapsed, 200 * 3600);
  EXPECT_LT(elapsed, 20 * 200 * 3600);
}

// Frames lost both ways: the client's retries get answers through or give a clear error, and an
// answer is never wrong.
TEST_F(VirtualImplantTest, DroppedFramesAreRetriedNeverMisread) {
  const Result<protocol::Response> baseline = [&] {
    start();
    Result<protocol::Response> r = clinician_interrogates();
    stop();
    return r;
  }();
  ASSERT_TRUE(baseline.ok());
  const std::uint64_t token = baseline->payload.status.prescription_token;

  VirtualImplantOptions o = options();
  o.impairment.drop = 0.3;
  o.impairment.seed = 7;
  start(o);
  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{100ms, 8});
  int ok = 0;
  int errors = 0;
  std::int64_t last_ms = 0;
  for (int i = 0; i < 10; ++i) {
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    if (!r.ok()) {
      ++errors;
      EXPECT_NE(std::strlen(r.error().message), 0u);  // a clear error, never a silent one
      continue;
    }
    ++ok;
    ASSERT_EQ(r->result, itdd_ResultCode_RESULT_OK);
    ASSERT_EQ(r->which_payload, itdd_Response_status_tag);
    EXPECT_EQ(r->payload.status.prescription_token, token);
    EXPECT_FALSE(r->payload.status.reservoir.filled);
    EXPECT_GE(r->payload.status.implant_ms, last_ms);
    last_ms = r->payload.status.implant_ms;
  }
  EXPECT_GE(ok, 8) << errors << " errors";
  RecordProperty("succeeded", ok);
  const VirtualImplantStats s = implant_->stats();
  EXPECT_GT(s.dropped_in + s.dropped_out, 0u);
}

TEST_F(VirtualImplantTest, CorruptedAndDelayedFramesAreRetriedNeverMisread) {
  VirtualImplantOptions o = options();
  o.impairment.corrupt = 0.3;
  o.impairment.delay = 5ms;
  o.impairment.seed = 11;
  start(o);
  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{150ms, 8});
  int ok = 0;
  std::uint64_t token = 0;
  for (int i = 0; i < 8; ++i) {
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    if (!r.ok()) continue;
    ASSERT_EQ(r->result, itdd_ResultCode_RESULT_OK);
    if (ok++ == 0) token = r->payload.status.prescription_token;
    EXPECT_EQ(r->payload.status.prescription_token, token);
  }
  EXPECT_GE(ok, 6);
  RecordProperty("succeeded", ok);
  const VirtualImplantStats s = implant_->stats();
  EXPECT_GT(s.corrupted_in + s.corrupted_out, 0u);
}

// The reply to a command is lost (the implant falls silent after it) and the client learns the
// outcome three ways: a retry with the same id answered from the journal (applied once), asking
// about the id once the implant answers again, or nothing when it stays silent (uncertain).
// Real-time margins: 400 ms around each boundary.
TEST_F(VirtualImplantTest, ALostReplyAfterACommandIsLearnedFromTheJournalOrIsUncertain) {
  VirtualImplantOptions o = options();
  o.impairment.silence_after_command = 1000ms;
  start(o);
  {
    // Tries at 0 and 700 ms go unanswered; the third (1400 ms) is a repeat of the same id.
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{700ms, 3});
    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult r = c.command(refill_of(id, millilitres(15)), id);
    EXPECT_EQ(r.delivery, programmer::Delivery::kApplied) << r.detail;
    EXPECT_EQ(r.learned, programmer::LearnedFrom::kRepeat) << r.detail;
    EXPECT_TRUE(r.reply_lost());
    (void)c.close();
  }
  EXPECT_GT(implant_->stats().silenced_out, 0u);
  const Result<protocol::Response> once = clinician_interrogates();
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(once->payload.status.reservoir.remaining_nl, 15'000'000);  // applied once
  {
    // One try (0-1400 ms) unanswered; the question (from 1400 ms) is answered.
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{1400ms, 1});
    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult r = c.command(refill_of(id, millilitres(12)), id);
    EXPECT_EQ(r.delivery, programmer::Delivery::kApplied) << r.detail;
    EXPECT_EQ(r.learned, programmer::LearnedFrom::kStatusQuery) << r.detail;
    EXPECT_NE(r.detail.find("asked about the command id"), std::string::npos) << r.detail;
    (void)c.close();
  }
  {
    // One try and one question (0-600 ms) within the silence: nobody can say.
    auto t = connect();
    Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{300ms, 1});
    const std::uint64_t id = programmer::new_command_id(crypto_);
    const programmer::CommandResult r = c.command(refill_of(id, millilitres(10)), id);
    EXPECT_EQ(r.delivery, programmer::Delivery::kUncertain) << r.detail;
    EXPECT_EQ(r.learned, programmer::LearnedFrom::kNothing) << r.detail;
  }
}

// The virtual implant holds to the board's bound: a frame longer than a board's link buffer is
// refused unread (counted, logged), one of exactly its size is read, and the clinician is served
// after it as before.
TEST_F(VirtualImplantTest, AFrameLongerThanTheBoardsBufferIsRefusedUnread) {
  start();
  auto t = connect();
  const auto send_record_frame = [&](std::size_t frame_size) {
    const std::vector<std::uint8_t> payload(frame_size - protocol::kFrameOverhead, 0x5A);
    std::vector<std::uint8_t> frame(protocol::kMaxFrameSize);
    const Result<std::size_t> n =
        protocol::encode_frame(protocol::FrameType::kRecord, payload, frame);
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(n.value(), frame_size);
    frame.resize(n.value());
    ASSERT_TRUE(t->send(frame).ok());
  };
  send_record_frame(app::kLinkBufferSize + 1);
  send_record_frame(app::kLinkBufferSize);  // read: a record outside any session, refused
  for (int i = 0; i < 100 && implant_->stats().frames_in == 0; ++i)
    std::this_thread::sleep_for(20ms);
  const VirtualImplantStats s = implant_->stats();
  EXPECT_EQ(s.frames_too_long, 1u);
  EXPECT_EQ(s.frames_in, 1u);
  ASSERT_TRUE(clinician_interrogates().ok());
}

// A widest prescription in the implant's form, on the wire at its widest.
therapy::Prescription widest_prescription() {
  therapy::Prescription rx = one_mg_a_day();
  rx.drug = therapy::make_drug("abcdefghijklmnopqrstuvw", DoseUnit::kMilligram);
  rx.mode = therapy::BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (therapy::DayProgram& day : rx.flex.days) {
    day.step_count = therapy::kMaxStepsPerDay;
    for (therapy::FlexStep& step : day.steps) {
      EXPECT_TRUE(
          step.set(therapy::kMinutesPerDay - 1, DoseRate(therapy::FlexStep::kMaxDoseNgPerDay))
              .ok());
    }
  }
  rx.patient_bolus = {true, DrugAmount(-1), Duration(-1), 255, Duration(-1)};
  return rx;
}

// The programmer never sends a request longer than an implant reads: refused before anything
// is sent, naming the bound (a command: not applied, certainly). A prescription in the implant's
// form always fits: the widest is sent, read, and refused by the implant for its values.
TEST_F(VirtualImplantTest, TheProgrammerRefusesARequestLongerThanAnImplantReadsBeforeSending) {
  start();
  const Result<protocol::Request> widest = programmer::program_request(1, 0, widest_prescription());
  ASSERT_TRUE(widest.ok()) << widest.error().field << ": " << widest.error().message;
  protocol::Request over = widest.value();
  // Starts the implant's form does not hold, on a hand-built request: 10-byte varints.
  for (itdd_FlexStep& step : over.payload.program.prescription.flex.days[0].steps) {
    step.start_minute = -1;
  }
  ASSERT_FALSE(protocol::fits_an_implant(over).ok());
  auto t = connect();
  Client c(crypto_, clinician_, implant_->public_key(), *t, ClientOptions{2s, 1});
  const Result<protocol::Response> r = c.call(over);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "request");
  EXPECT_NE(std::string(r.error().message).find("at most 3,848 bytes"), std::string::npos)
      << r.error().message;
  const std::uint64_t id = programmer::new_command_id(crypto_);
  over.payload.program.command_id = id;
  const programmer::CommandResult refused = c.command(over, id);
  EXPECT_EQ(refused.delivery, programmer::Delivery::kNotApplied);
  EXPECT_EQ(refused.learned, programmer::LearnedFrom::kNotSent);
  EXPECT_FALSE(refused.reply_lost());
  EXPECT_NE(refused.detail.find("request: longer than an implant reads"), std::string::npos)
      << refused.detail;
  EXPECT_EQ(implant_->stats().frames_in, 0u);  // not even a handshake
  // The widest the implant's form holds: sent, read, and answered with the implant's verdict
  // (the token it replaces is not the implant's).
  const programmer::CommandResult answered = c.command(widest.value(), id);
  EXPECT_EQ(answered.learned, programmer::LearnedFrom::kAnswer) << answered.detail;
  EXPECT_EQ(answered.delivery, programmer::Delivery::kNotApplied) << answered.detail;
  ASSERT_TRUE(answered.response.has_value());
  EXPECT_EQ(answered.response->result, itdd_ResultCode_RESULT_STALE_TOKEN);
  EXPECT_GE(implant_->stats().frames_in, 2u);  // the handshake and the request
  (void)c.close();
}

}  // namespace
}  // namespace itdd::sim
