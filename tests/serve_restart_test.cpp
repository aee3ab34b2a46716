// `itdd implant serve` as a real child process: the programmer's CLI and client against it,
// SIGKILL and a restart on the same state directory, frames of the first run replayed against
// the second, and an impaired link. No fixed port: the server picks one (--listen ...:0) and
// prints it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd_process.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::pair_through_window;
using testing::Ran;
using testing::run_itdd;
using testing::Server;

// Remembers every frame a client sends (what an eavesdropper on the radio would record).
class RecordingTransport final : public programmer::Transport {
 public:
  explicit RecordingTransport(programmer::Transport& inner) : inner_(inner) {}
  Status send(std::span<const std::uint8_t> frame) override {
    sent.emplace_back(frame.begin(), frame.end());
    return inner_.send(frame);
  }
  Result<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout) override {
    return inner_.receive(timeout);
  }
  std::vector<std::vector<std::uint8_t>> sent;

 private:
  programmer::Transport& inner_;
};

protocol::Request request(pb_size_t tag) {
  protocol::Request r{};
  r.which_payload = tag;
  return r;
}

protocol::FrameType type_of(const std::vector<std::uint8_t>& frame) {
  return static_cast<protocol::FrameType>(frame.at(3));
}

class ServeTest : public ::testing::Test {
 protected:
  // The key pair in a file `itdd programmer keygen` wrote (test side: kept in the clear).
  hal::KeyPair key_pair_in(const std::string& file) {
    programmer::DeviceKeys keys;
    const Status s = programmer::read_key_pair_file(file, crypto_, {}, keys);
    EXPECT_TRUE(s.ok()) << file << ": " << s.error().message;
    return keys.pair();
  }
  void SetUp() override {
    dir_ = testing::fresh_test_dir("itdd-serve");
    clinician_file_ = (dir_ / "clinic.key").string();
    const Ran k = run_itdd({"programmer", "keygen", "--key", clinician_file_});
    ASSERT_EQ(k.exit_code, 0) << k.out;
    clinician_ = key_pair_in(clinician_file_);
    EXPECT_EQ(k.out, programmer::to_hex(clinician_.public_key) + "\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> serve_args(std::vector<std::string> more = {}) const {
    std::vector<std::string> a{"--state",     (dir_ / "state").string(),
                               "--listen",    "127.0.0.1:0",
                               "--provision", "clinician:" + clinician_file_};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }

  fs::path dir_;
  host::SodiumCrypto crypto_;
  std::string clinician_file_;
  hal::KeyPair clinician_{};
};

// What the clinician reads: the paired devices, the newest log record, the token.
struct Observed {
  std::vector<std::string> devices;  // hex keys
  std::uint32_t newest_seq = 0;
  std::uint64_t token = 0;
};

Observed observe(programmer::Client& c) {
  Observed o;
  const Result<protocol::Response> status = c.call(request(itdd_Request_interrogate_tag));
  EXPECT_TRUE(status.ok());
  if (status.ok()) o.token = status->payload.status.prescription_token;
  const Result<protocol::Response> devices = c.call(request(itdd_Request_list_paired_devices_tag));
  EXPECT_TRUE(devices.ok());
  if (devices.ok()) {
    const itdd_PairedDevices& d = devices->payload.paired_devices;
    for (pb_size_t i = 0; i < d.devices_count; ++i) {
      o.devices.push_back(programmer::to_hex(std::span<const std::uint8_t>(
          d.devices[i].device_id.bytes, d.devices[i].device_id.size)));
    }
  }
  protocol::Request log = request(itdd_Request_read_event_log_tag);
  log.payload.read_event_log.max_count = 1;
  const Result<protocol::Response> page = c.call(log);
  EXPECT_TRUE(page.ok());
  if (page.ok()) o.newest_seq = page->payload.event_log.newest_seq;
  return o;
}

TEST_F(ServeTest, KilledAndRestartedItResumesFromItsFlashAndRefusesReplays) {
  const fs::path log = dir_ / "serve.log";
  Observed before;
  std::vector<std::vector<std::uint8_t>> captured;
  std::string implant_hex;
  const std::string patient_file = (dir_ / "patient.key").string();
  const std::string patient_implant = (dir_ / "implant.patient").string();
  {
    Server first(serve_args(), log);
    ASSERT_NE(first.port(), 0) << first.banner();
    implant_hex = first.key_hex();
    ASSERT_EQ(implant_hex.size(), 64u) << first.banner();
    EXPECT_NE(first.banner().find("provisioned clinician key"), std::string::npos);
    const std::string implant_pub = (dir_ / "state" / "implant.pub").string();

    // A patient device paired through a window the clinician opened, all with the CLI.
    ASSERT_EQ(run_itdd({"programmer", "keygen", "--key", patient_file}).exit_code, 0);
    ASSERT_TRUE(pair_through_window(first.address(), clinician_file_, implant_pub, "patient",
                                    patient_file, patient_implant));

    // The clinician's session, recorded as an eavesdropper would.
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", first.port()}, 2s).ok());
    RecordingTransport recording(tcp);
    const link::PublicKey implant_key = programmer::public_key_from_hex(implant_hex).value();
    programmer::Client c(crypto_, clinician_, implant_key, recording);
    before = observe(c);
    EXPECT_EQ(before.devices.size(), 2u);
    EXPECT_GT(before.newest_seq, 0u);
    captured = recording.sent;
    ASSERT_GE(captured.size(), 4u);  // Hello and three records
    ASSERT_EQ(type_of(captured[0]), protocol::FrameType::kHandshake);

    EXPECT_EQ(first.kill(SIGKILL), -SIGKILL);  // mid-session
  }

  Server second(serve_args(), log);
  ASSERT_NE(second.port(), 0) << second.banner();
  // The same identity; provisioning again changed nothing.
  EXPECT_EQ(second.key_hex(), implant_hex);
  EXPECT_NE(second.banner().find("already provisioned"), std::string::npos) << second.banner();

  // The paired patient device connects again (CLI).
  const Ran patient = run_itdd({"programmer", "interrogate", "--implant", second.address(), "--key",
                                patient_file, "--implant-key", patient_implant, "--json"});
  ASSERT_EQ(patient.exit_code, 0) << patient.out;
  const nlohmann::json status = nlohmann::json::parse(patient.out);
  EXPECT_EQ(status["implant_key"], implant_hex);

  // The clinician sees the same devices and a log that kept every record.
  const link::PublicKey implant_key = programmer::public_key_from_hex(implant_hex).value();
  Observed after;
  {
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", second.port()}, 2s).ok());
    programmer::Client c(crypto_, clinician_, implant_key, tcp);
    after = observe(c);
    ASSERT_TRUE(c.close().ok());
  }
  EXPECT_EQ(after.devices, before.devices);
  EXPECT_GE(after.newest_seq, before.newest_seq);
  EXPECT_EQ(after.token, before.token);

  // The first run's frames replayed: the Hello may be answered (the implant cannot tell), but
  // no record of the old session is ever opened: nothing but refusals comes back.
  {
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", second.port()}, 2s).ok());
    for (std::size_t i = 0; i < 3 && i < captured.size(); ++i) {
      ASSERT_TRUE(tcp.send(captured[i]).ok());
      const Result<std::vector<std::uint8_t>> answer = tcp.receive(500ms);
      if (!answer.ok()) continue;  // no answer is a refusal too
      if (i == 0) {
        EXPECT_NE(type_of(answer.value()), protocol::FrameType::kRecord);
      } else {
        EXPECT_EQ(type_of(answer.value()), protocol::FrameType::kError) << "record " << i;
      }
    }
  }
  // And the implant is as it was (the refusals are logged).
  Observed last;
  for (int attempt = 0; attempt < 20; ++attempt) {  // past a lockout the replays may have started
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", second.port()}, 2s).ok());
    programmer::Client c(crypto_, clinician_, implant_key, tcp);
    if (!c.connect().ok()) {
      std::this_thread::sleep_for(200ms);
      continue;
    }
    last = observe(c);
    (void)c.close();
    break;
  }
  EXPECT_EQ(last.token, before.token);
  EXPECT_EQ(last.devices, before.devices);
  EXPECT_GT(last.newest_seq, after.newest_seq);
  EXPECT_EQ(second.kill(SIGTERM), 0);  // a clean stop
}

// Issue 11: one bit of the newest settings copy flips in flash.img while the implant is off. At
// the restart the implant must not resume the settings before them: it stops with the critical
// memory alarm, and the clinician's next interrogation and event log say so.
TEST_F(ServeTest, AFlippedBitInTheNewestSettingsCopyIsShownAtTheNextInterrogation) {
  const fs::path log = dir_ / "serve.log";
  const std::string implant_pub = (dir_ / "state" / "implant.pub").string();
  // Two runs: every boot commits the implant's state, so both copies are written.
  for (int run = 0; run < 2; ++run) {
    Server first(serve_args(), log);
    ASSERT_NE(first.port(), 0) << first.banner();
    const Ran r = run_itdd({"programmer", "interrogate", "--implant", first.address(), "--key",
                            clinician_file_, "--implant-key", implant_pub});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out.find("critical-memory-error"), std::string::npos) << r.out;
    EXPECT_EQ(first.kill(SIGTERM), 0);
  }
  // flash.img: a 32-byte header, then the 512 KB part; settings copy A in sectors 0-3, B in 4-7
  // (4 KB each); each copy ends in its commit word (8 bytes) after its 24-byte trailer, whose
  // sequence number is at +12 (docs/storage.md).
  const fs::path image = dir_ / "state" / "flash.img";
  std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open());
  const auto seq_of = [&](std::size_t region) {
    const std::size_t trailer = 32 + (region + 1) * 16384 - 8 - 24;
    std::uint8_t b[4] = {};
    f.seekg(static_cast<std::streamoff>(trailer + 12));
    f.read(reinterpret_cast<char*>(b), 4);
    return static_cast<std::uint32_t>(b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24);
  };
  const std::uint32_t seq_a = seq_of(0);
  const std::uint32_t seq_b = seq_of(1);
  ASSERT_NE(seq_a, 0xFFFFFFFFu);
  ASSERT_NE(seq_b, 0xFFFFFFFFu);  // both written: an older copy is there to be wrongly resumed
  const std::size_t newest = seq_a > seq_b ? 0 : 1;
  const std::streamoff at = static_cast<std::streamoff>(32 + newest * 16384 + 100);
  char byte = 0;
  f.seekg(at);
  f.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x08);
  f.seekp(at);
  f.write(&byte, 1);
  f.close();

  Server second(serve_args(), log);
  ASSERT_NE(second.port(), 0) << second.banner();
  const Ran status = run_itdd({"programmer", "interrogate", "--implant", second.address(), "--key",
                               clinician_file_, "--implant-key", implant_pub});
  ASSERT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("critical-memory-error (critical)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("no older prescription was resumed"), std::string::npos) << status.out;
  const Ran records = run_itdd({"programmer", "log", "--json", "--implant", second.address(),
                                "--key", clinician_file_, "--implant-key", implant_pub});
  ASSERT_EQ(records.exit_code, 0) << records.out;
  int lost = 0;
  const nlohmann::json page = nlohmann::json::parse(records.out);
  for (const nlohmann::json& r : page["records"]) {
    lost += r["name"] == "settings-newest-lost" && r["a"] == newest;
  }
  EXPECT_EQ(lost, 1) << records.out;
  EXPECT_EQ(second.kill(SIGTERM), 0);
}

TEST_F(ServeTest, ThroughALossyLinkAnAnswerIsRightOrAClearError) {
  Server server(serve_args({"--drop", "0.3", "--seed", "5"}), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0) << server.banner();
  EXPECT_NE(server.banner().find("link impairment: drop 0.3"), std::string::npos);
  const std::string implant_pub = (dir_ / "state" / "implant.pub").string();
  int answered = 0;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    const Ran r = run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key",
                            clinician_file_, "--implant-key", implant_pub, "--json", "--timeout-ms",
                            "150", "--attempts", "10"});
    if (r.exit_code != 0) {
      EXPECT_EQ(r.exit_code, 1);
      EXPECT_NE(r.out.find("error: "), std::string::npos) << r.out;
      continue;
    }
    ++answered;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["implant_key"], server.key_hex());
    EXPECT_FALSE(j["reservoir"]["filled"].get<bool>());
    if (token.empty()) token = j["prescription_token"];
    EXPECT_EQ(j["prescription_token"], token);
  }
  EXPECT_GE(answered, 2);
}

TEST_F(ServeTest, BadInputChangesNothing) {
  const fs::path state = dir_ / "never";
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--drop", "1.5"},
           {"--speed", "0"},
           {"--listen", "127.0.0.1"},
           {"--provision", "doctor:" + clinician_file_},
           {"--provision", "clinician:" + (dir_ / "missing.key").string()},
           {"--pump-model", "no-such-pump"},
           {"--delay-ms", "-1"}}) {
    std::vector<std::string> args{"implant", "serve", "--state", state.string()};
    args.insert(args.end(), bad.begin(), bad.end());
    const Ran r = run_itdd(args);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << ": " << r.out;
    EXPECT_NE(r.out.find("error: " + bad[0]), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(state)) << bad[0];
  }
  // keygen never overwrites a key.
  const std::string key_before = programmer::to_hex(clinician_.public_key);
  const Ran again = run_itdd({"programmer", "keygen", "--key", clinician_file_});
  EXPECT_EQ(again.exit_code, 2) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  EXPECT_EQ(key_pair_in(clinician_file_), clinician_);
  // A busy port: found before the implant is made.
  Server server(serve_args(), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0);
  const Ran busy =
      run_itdd({"implant", "serve", "--state", state.string(), "--listen", server.address()});
  EXPECT_EQ(busy.exit_code, 2) << busy.out;
  EXPECT_FALSE(fs::exists(state));
  // The same state directory while it runs.
  const Ran locked = run_itdd({"implant", "serve", "--state", (dir_ / "state").string()}, 10s);
  EXPECT_EQ(locked.exit_code, 2) << locked.out;
  EXPECT_NE(locked.out.find("in use by another virtual implant"), std::string::npos) << locked.out;
}

TEST_F(ServeTest, NoImplantThereIsAClearFailure) {
  std::uint16_t port = 0;
  {
    Server gone(serve_args(), dir_ / "serve.log");  // a port that was in use a moment ago
    port = gone.port();
    ASSERT_EQ(gone.kill(SIGTERM), 0);
  }
  const Ran r = run_itdd({"programmer", "interrogate", "--implant",
                          "127.0.0.1:" + std::to_string(port), "--key", clinician_file_,
                          "--implant-key", (dir_ / "state" / "implant.pub").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("connection refused"), std::string::npos) << r.out;
}

TEST_F(ServeTest, AnUnpairedProgrammerIsRefusedWithAClearError) {
  Server server(serve_args(), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0);
  const std::string stranger = (dir_ / "stranger.key").string();
  ASSERT_EQ(run_itdd({"programmer", "keygen", "--key", stranger}).exit_code, 0);
  const Ran r =
      run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key", stranger,
                "--implant-key", (dir_ / "state" / "implant.pub").string(), "--attempts", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("this device is not paired with it"), std::string::npos) << r.out;
}

// Figures: one silent connection and 100 idle ones opened before the clinician's command
// (the old server took one connection at a time: the silent one kept everyone out for its
// 10-minute idle timeout, and about 18 more fitted the kernel's queue). The command gets one
// attempt with a 2 s reply timeout; its wall time is recorded (clinician_wait_ms).
TEST_F(ServeTest, IdleConnectionsAndASilentOneDoNotKeepTheClinicianOut) {
  Server server(serve_args(), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0) << server.banner();
  constexpr int kIdle = 100;
  std::vector<std::unique_ptr<programmer::TcpTransport>> idle;
  for (int i = 0; i < kIdle + 1; ++i) {
    auto t = std::make_unique<programmer::TcpTransport>();
    ASSERT_TRUE(t->connect({"127.0.0.1", server.port()}, 2s).ok()) << i;
    idle.push_back(std::move(t));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Ran r =
      run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key",
                clinician_file_, "--implant-key", (dir_ / "state" / "implant.pub").string(),
                "--json", "--timeout-ms", "2000", "--attempts", "1"});
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.stdout_text)["implant_key"], server.key_hex());
  RecordProperty("idle_connections", kIdle + 1);
  RecordProperty(
      "clinician_wait_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
  EXPECT_EQ(server.kill(SIGTERM), 0);
}

TEST_F(ServeTest, AProgrammerIsToldTheImplantIsBusyWithAnotherDevice) {
  Server server(serve_args(), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0) << server.banner();
  const std::string implant_pub = (dir_ / "state" / "implant.pub").string();
  // The patient's device, in a session it leaves open.
  const std::string patient_file = (dir_ / "patient.key").string();
  const std::string patient_implant = (dir_ / "implant.patient").string();
  ASSERT_EQ(run_itdd({"programmer", "keygen", "--key", patient_file}).exit_code, 0);
  ASSERT_TRUE(pair_through_window(server.address(), clinician_file_, implant_pub, "patient",
                                  patient_file, patient_implant));
  programmer::TcpTransport tcp;
  ASSERT_TRUE(tcp.connect({"127.0.0.1", server.port()}, 2s).ok());
  const hal::KeyPair patient = key_pair_in(patient_file);
  programmer::Client ptm(crypto_, patient,
                         programmer::public_key_from_hex(server.key_hex()).value(), tcp);
  ASSERT_TRUE(ptm.call(request(itdd_Request_interrogate_tag)).ok());

  const Ran busy = run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key",
                             clinician_file_, "--implant-key", implant_pub, "--timeout-ms", "500",
                             "--attempts", "2"});
  EXPECT_EQ(busy.exit_code, 1) << busy.out;
  EXPECT_NE(busy.out.find("the implant is busy: it is in a session with another device"),
            std::string::npos)
      << busy.out;
  // Once the patient's session ends, the clinician is answered.
  ASSERT_TRUE(ptm.close().ok());
  const Ran served = run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key",
                               clinician_file_, "--implant-key", implant_pub, "--attempts", "1"});
  EXPECT_EQ(served.exit_code, 0) << served.out;
  EXPECT_EQ(server.kill(SIGTERM), 0);
}

// A passphrase-protected key pair end to end: keygen seals it, the implant is provisioned from
// its public half, every command opens it with the passphrase from a file or the environment;
// a wrong or missing passphrase, a passphrase file others may read and a key reached through a
// symbolic link are each refused with exit 2 and nothing sent.
TEST_F(ServeTest, AProtectedKeyOpensWithItsPassphraseOnly) {
  const auto write_secret = [](const fs::path& file, const std::string& text) {
    std::ofstream(file) << text;
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  };
  const fs::path pass = dir_ / "clinic.pass";
  write_secret(pass, "a long clinic passphrase\n");
  const std::string key = (dir_ / "protected.key").string();
  const Ran made = run_itdd({"programmer", "keygen", "--key", key, "--passphrase-file", pass});
  ASSERT_EQ(made.exit_code, 0) << made.out;
  ASSERT_EQ(made.stdout_text.size(), 65u) << made.out;  // the public key in hex
  {
    std::ifstream in(key);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text.rfind("itdd-protected-key-pair 1\n", 0), 0u) << text;
    EXPECT_EQ(text.find("secret "), std::string::npos) << text;
  }
  Server server(serve_args({"--provision", "service:" + key}), dir_ / "serve.log");
  ASSERT_NE(server.port(), 0) << server.banner();
  const std::string implant_pub = (dir_ / "state" / "implant.pub").string();
  const std::vector<std::string> interrogate{
      "programmer", "interrogate",   "--implant", server.address(), "--key",
      key,          "--implant-key", implant_pub, "--attempts",     "1"};
  const auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = interrogate;
    args.insert(args.end(), more.begin(), more.end());
    return run_itdd(args);
  };
  const Ran from_file = with({"--passphrase-file", pass.string()});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.out;

  ::setenv("ITDD_KEY_PASSPHRASE", "a long clinic passphrase", 1);
  const Ran from_env = with({});
  ::unsetenv("ITDD_KEY_PASSPHRASE");
  EXPECT_EQ(from_env.exit_code, 0) << from_env.out;

  const fs::path wrong = dir_ / "wrong.pass";
  write_secret(wrong, "a long clinic passphrasf\n");
  const Ran refused = with({"--passphrase-file", wrong.string()});
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find("--key " + key + ": passphrase: wrong passphrase"), std::string::npos)
      << refused.out;

  const Ran none = with({});  // no file, no variable, no terminal (the test runs it detached)
  EXPECT_EQ(none.exit_code, 2) << none.out;
  EXPECT_NE(none.out.find("no terminal to ask on"), std::string::npos) << none.out;

  fs::permissions(pass, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  const Ran open_pass = with({"--passphrase-file", pass.string()});
  EXPECT_EQ(open_pass.exit_code, 2) << open_pass.out;
  EXPECT_NE(open_pass.out.find("--passphrase-file " + pass.string() +
                               ": passphrase file: may be read by others"),
            std::string::npos)
      << open_pass.out;

  const fs::path link = dir_ / "link.key";
  fs::create_symlink(clinician_file_, link);
  const Ran linked = run_itdd({"programmer", "interrogate", "--implant", server.address(), "--key",
                               link.string(), "--implant-key", implant_pub});
  EXPECT_EQ(linked.exit_code, 2) << linked.out;
  EXPECT_NE(linked.out.find("symbolic link"), std::string::npos) << linked.out;

  // A new key's passphrase has at least 12 characters; nothing is written otherwise.
  const fs::path short_pass = dir_ / "short.pass";
  write_secret(short_pass, "too short\n");
  const std::string never = (dir_ / "never.key").string();
  const Ran too_short =
      run_itdd({"programmer", "keygen", "--key", never, "--passphrase-file", short_pass});
  EXPECT_EQ(too_short.exit_code, 2) << too_short.out;
  EXPECT_NE(too_short.out.find("at least 12"), std::string::npos) << too_short.out;
  EXPECT_FALSE(fs::exists(never));
  EXPECT_EQ(server.kill(SIGTERM), 0);
}

}  // namespace
}  // namespace itdd
