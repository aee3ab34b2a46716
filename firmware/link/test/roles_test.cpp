// Who may pair or remove whom (may_pair_or_remove, Responder::open_pairing and remove_peer):
// roles are ordered clinician > patient > service and only clinician and service sessions
// manage the peer table, a session pairs or removes only roles at or below its own, the last
// clinician is never removed, and every pairing and removal (and every refused one) is an event
// that says who did it. One test per row of the table in docs/threat-model.md (5.3).
#include <gtest/gtest.h>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Harness;
using testing::Snapshot;

constexpr Role kRoles[] = {Role::kClinician, Role::kPatient, Role::kService};

// The harness's clinician (the only one) and patient device, plus a service tool and a second
// service tool; `clinicians` more clinician devices if asked.
struct RolesHarness : Harness {
  hal::KeyPair service{};
  hal::KeyPair service2{};
  PeerId service_id = kNoPeer;
  PeerId service2_id = kNoPeer;
  std::vector<hal::KeyPair> more_clinicians;
  std::vector<PeerId> more_clinician_ids;

  explicit RolesHarness(int clinicians = 0) {
    service = sodium.generate_key_pair().value();
    service2 = sodium.generate_key_pair().value();
    service_id = implant->provision(service.public_key, Role::kService, now).value();
    service2_id = implant->provision(service2.public_key, Role::kService, now).value();
    for (int i = 0; i < clinicians; ++i) {
      more_clinicians.push_back(sodium.generate_key_pair().value());
      more_clinician_ids.push_back(
          implant->provision(more_clinicians.back().public_key, Role::kClinician, now).value());
    }
  }
  const hal::KeyPair& keys_of(Role role) {
    return role == Role::kClinician ? clinician : role == Role::kPatient ? patient : service;
  }
  // A peer of `role` other than the session's own device (a second one for service).
  PeerId other_peer_of(Role role) const {
    return role == Role::kClinician ? more_clinician_ids.at(0)
           : role == Role::kPatient ? patient_id
                                    : service2_id;
  }
  PeerId own_id(Role role) const {
    return role == Role::kClinician ? clinician_id
           : role == Role::kPatient ? patient_id
                                    : service_id;
  }
  // The events of one outcome.
  std::vector<LinkEvent> all(Outcome outcome) const {
    std::vector<LinkEvent> out;
    for (const LinkEvent& e : events.events) {
      if (e.outcome == outcome) out.push_back(e);
    }
    return out;
  }
};

// What the table says: whom a session of `actor` may pair or remove.
bool table_allows(Role actor, Role subject) {
  if (actor == Role::kClinician) return true;
  if (actor == Role::kService) return subject == Role::kService;
  return false;
}

// The row of the table for `actor`: opening a window and removing a device of each role.
void check_row(Role actor) {
  for (const Role subject : kRoles) {
    SCOPED_TRACE(::testing::Message() << name(actor) << " session, " << name(subject) << " device");
    EXPECT_EQ(may_pair_or_remove(actor, subject), table_allows(actor, subject));
    {
      RolesHarness h(1);  // two clinicians: the last-clinician rule is not what is tested here
      [[maybe_unused]] Initiator session = h.connect(h.keys_of(actor));
      const Result<PairingCode> window = h.implant->open_pairing(subject, h.now);
      EXPECT_EQ(window.ok(), table_allows(actor, subject));
      EXPECT_EQ(h.implant->pairing().open, table_allows(actor, subject));
      const LinkEvent& e = h.events.last();
      EXPECT_EQ(e.outcome,
                table_allows(actor, subject) ? Outcome::kPairingOpened : Outcome::kPairingRefused);
      EXPECT_EQ(e.role, subject);
      EXPECT_EQ(e.by, h.own_id(actor));
      EXPECT_EQ(e.by_role, actor);
    }
    {
      RolesHarness h(1);
      [[maybe_unused]] Initiator session = h.connect(h.keys_of(actor));
      const PeerId target = h.other_peer_of(subject);
      const Snapshot before = h.snapshot();
      const std::int64_t commits = h.store.commits;
      const Status removed = h.implant->remove_peer(target, h.now);
      EXPECT_EQ(removed.ok(), table_allows(actor, subject));
      const LinkEvent& e = h.events.last();
      EXPECT_EQ(e.peer, target);
      EXPECT_EQ(e.role, subject);
      EXPECT_EQ(e.by, h.own_id(actor));
      EXPECT_EQ(e.by_role, actor);
      if (table_allows(actor, subject)) {
        EXPECT_EQ(e.outcome, Outcome::kPeerRemoved);
        EXPECT_LT(find_peer(h.implant->state(), target), 0);
        EXPECT_EQ(h.store.saved, h.implant->state());  // committed
      } else {
        EXPECT_EQ(e.outcome, Outcome::kPeerRemovalRefused);
        EXPECT_EQ(e.reason, Reason::kNotAllowed);
        EXPECT_STREQ(removed.error().field, "peer");
        EXPECT_EQ(h.snapshot(), before);  // nothing changed, nothing written
        EXPECT_EQ(h.store.commits, commits);
      }
    }
  }
}

TEST(Roles, AClinicianPairsAndRemovesEveryRole) {
  check_row(Role::kClinician);
}

TEST(Roles, AServiceToolPairsAndRemovesOnlyServiceTools) {
  check_row(Role::kService);
}

TEST(Roles, APatientDevicePairsAndRemovesNothing) {
  check_row(Role::kPatient);
}

TEST(Roles, TheLastClinicianIsNeverRemoved) {
  RolesHarness h;  // one clinician
  [[maybe_unused]] Initiator session = h.connect(h.clinician);
  const Snapshot before = h.snapshot();
  const Status self = h.implant->remove_peer(h.clinician_id, h.now);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(h.events.last().outcome, Outcome::kPeerRemovalRefused);
  EXPECT_EQ(h.events.last().reason, Reason::kLastClinician);
  EXPECT_EQ(h.snapshot(), before);
  // With a second clinician either may go, but never both.
  RolesHarness two(1);
  [[maybe_unused]] Initiator a = two.connect(two.clinician);
  ASSERT_TRUE(two.implant->remove_peer(two.more_clinician_ids[0], two.now).ok());
  const Status last = two.implant->remove_peer(two.clinician_id, two.now);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(two.events.last().reason, Reason::kLastClinician);
  EXPECT_GE(find_peer(two.implant->state(), two.clinician_id), 0);
  // A clinician may remove itself while another remains (its session ends with it).
  RolesHarness three(1);
  [[maybe_unused]] Initiator b = three.connect(three.clinician);
  ASSERT_TRUE(three.implant->remove_peer(three.clinician_id, three.now).ok());
  EXPECT_FALSE(three.implant->session().has_value());
  EXPECT_GE(find_peer(three.implant->state(), three.more_clinician_ids[0]), 0);
}

TEST(Roles, NoSessionRemovesNothing) {
  RolesHarness h(1);
  const Snapshot before = h.snapshot();
  EXPECT_FALSE(h.implant->remove_peer(h.patient_id, h.now).ok());
  EXPECT_EQ(h.events.last().outcome, Outcome::kPeerRemovalRefused);
  EXPECT_EQ(h.events.last().by, kNoPeer);
  EXPECT_EQ(h.snapshot(), before);
}

TEST(Roles, EveryPairingAndRemovalSaysWhoDidIt) {
  RolesHarness h;
  [[maybe_unused]] Initiator session = h.connect(h.clinician);
  const PairingCode code = h.implant->open_pairing(Role::kPatient, h.now).value();
  const hal::KeyPair ptm = h.sodium.generate_key_pair().value();
  PairingDevice device(h.sodium, ptm);
  const PairAcceptBytes accept =
      h.implant->on_pair_hello(device.hello(code.digits).value(), h.now).value();
  const PairConfirmBytes confirm =
      h.implant->on_pair_proof(device.on_accept(accept).value(), h.now).value();
  const Paired paired = device.on_confirm(confirm).value();
  const std::vector<LinkEvent> opened = h.all(Outcome::kPairingOpened);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].by, h.clinician_id);
  EXPECT_EQ(opened[0].by_role, Role::kClinician);
  EXPECT_EQ(opened[0].role, Role::kPatient);
  const LinkEvent done = h.all(Outcome::kPaired).at(0);
  EXPECT_EQ(done.peer, paired.peer);
  EXPECT_EQ(done.role, Role::kPatient);
  EXPECT_EQ(done.by, h.clinician_id);  // who opened the window the device paired through
  EXPECT_EQ(done.by_role, Role::kClinician);
  // The service tool removes its colleague; the clinician removes the new device.
  [[maybe_unused]] Initiator tool = h.connect(h.service);
  ASSERT_TRUE(h.implant->remove_peer(h.service2_id, h.now).ok());
  session = h.connect(h.clinician);
  ASSERT_TRUE(h.implant->remove_peer(paired.peer, h.now).ok());
  const std::vector<LinkEvent> removed = h.all(Outcome::kPeerRemoved);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].peer, h.service2_id);
  EXPECT_EQ(removed[0].role, Role::kService);
  EXPECT_EQ(removed[0].by, h.service_id);
  EXPECT_EQ(removed[0].by_role, Role::kService);
  EXPECT_EQ(removed[1].peer, paired.peer);
  EXPECT_EQ(removed[1].role, Role::kPatient);
  EXPECT_EQ(removed[1].by, h.clinician_id);
  EXPECT_EQ(removed[1].by_role, Role::kClinician);
  // The factory/service provisioning path has no session: by nobody.
  const LinkEvent provisioned = h.all(Outcome::kPeerProvisioned).at(0);
  EXPECT_EQ(provisioned.by, kNoPeer);
  EXPECT_EQ(provisioned.by_role, Role::kNone);
}

}  // namespace
}  // namespace itdd::link
