// VM administration's plain results, on libvirt's test driver (no daemon,
// no root): each call runs off the loop and its result comes back on it.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "libvirt/vm_admin.hpp"

namespace phyllome::libvirt {
namespace {

constexpr const char *kTestUri = "test:///default";
// No such driver: libvirt refuses to open it.
constexpr const char *kUnreachableUri = "nosuchdriver:///";

class VmAdminTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char dir[] = "/tmp/vm-admin-test-XXXXXX";
        ASSERT_TRUE(mkdtemp(dir));
        state_ = dir;
        setenv("XDG_STATE_HOME", dir, 1);
        // The session's connection, as VmDisplays lends it: the test
        // driver's state lives as long as it.
        session_conn_ = virConnectOpen(kTestUri);
        ASSERT_NE(session_conn_, nullptr);
    }
    void TearDown() override
    {
        admin_.reset();
        if (session_conn_)
            virConnectClose(session_conn_);
        wl_event_loop_destroy(loop_);
        std::filesystem::remove_all(state_);
    }

    VmAdmin &admin()
    {
        if (!admin_)
            admin_.emplace(loop_, [this](const std::string &uri) {
                return uri == kTestUri ? session_conn_ : nullptr;
            });
        return *admin_;
    }

    // Starts `call` with a `done` that keeps the result, then runs the loop
    // until it came: each dispatch waits for the off-loop call's wakeup.
    template <typename Result, typename Call> Result await(Call call)
    {
        std::optional<Result> result;
        call([&result](const Result &came) { result = came; });
        while (!result)
            wl_event_loop_dispatch(loop_, -1);
        return *result;
    }

    std::string state_of_test_vm()
    {
        const auto listed = await<VmList>([this](auto done) { admin().list({kTestUri}, done); });
        for (const ListedVm &vm : listed.vms)
            if (vm.name == "test")
                return vm.state;
        return "not listed";
    }

    std::size_t backups()
    {
        const std::filesystem::path dir = state_ + "/phyllome/backups";
        if (!std::filesystem::exists(dir))
            return 0;
        const auto files = std::filesystem::directory_iterator(dir);
        return static_cast<std::size_t>(std::distance(begin(files), end(files)));
    }

    std::string state_;
    wl_event_loop *loop_ = wl_event_loop_create();
    virConnectPtr session_conn_ = nullptr;
    std::optional<VmAdmin> admin_;
};

TEST_F(VmAdminTest, ListsEveryDomainAndTheUrisThatDidNotAnswer)
{
    const auto listed = await<VmList>([this](auto done) {
        admin().list({kUnreachableUri, kTestUri}, done);
    });
    ASSERT_EQ(listed.vms.size(), 1u);
    EXPECT_EQ(listed.vms[0].name, "test");
    EXPECT_EQ(listed.vms[0].uri, kTestUri);
    EXPECT_EQ(listed.vms[0].state, "running");
    ASSERT_EQ(listed.unreachable.size(), 1u);
    EXPECT_EQ(listed.unreachable[0].uri, kUnreachableUri);
    EXPECT_EQ(listed.unreachable[0].error.rfind("libvirt: ", 0), 0u) << listed.unreachable[0].error;
}

TEST_F(VmAdminTest, ActsOnTheVmOfTheFirstUriThatHasIt)
{
    const std::vector<std::string> uris = {kUnreachableUri, kTestUri};
    const auto destroyed = await<AdminResult<ActedVm>>(
        [&](auto done) { admin().act(uris, "test", VmLink::Action::Destroy, done); });
    ASSERT_TRUE(std::holds_alternative<ActedVm>(destroyed)) << std::get<std::string>(destroyed);
    EXPECT_EQ(std::get<ActedVm>(destroyed).uri, kTestUri);
    EXPECT_EQ(state_of_test_vm(), "shut off");

    const auto started = await<AdminResult<ActedVm>>(
        [&](auto done) { admin().act(uris, "test", VmLink::Action::Start, done); });
    ASSERT_TRUE(std::holds_alternative<ActedVm>(started)) << std::get<std::string>(started);
    EXPECT_EQ(state_of_test_vm(), "running");

    // Already running: libvirt's refusal, naming where.
    const auto again = await<AdminResult<ActedVm>>(
        [&](auto done) { admin().act(uris, "test", VmLink::Action::Start, done); });
    ASSERT_TRUE(std::holds_alternative<std::string>(again));
    EXPECT_EQ(std::get<std::string>(again).rfind(std::string(kTestUri) + ": ", 0), 0u)
        << std::get<std::string>(again);
}

TEST_F(VmAdminTest, NoSuchVmSaysWhereItLookedAndWhatDidNotAnswer)
{
    const auto missing = await<AdminResult<ActedVm>>([this](auto done) {
        admin().act({kTestUri, kUnreachableUri}, "nobody", VmLink::Action::Start, done);
    });
    ASSERT_TRUE(std::holds_alternative<std::string>(missing));
    const std::string &error = std::get<std::string>(missing);
    EXPECT_EQ(error.rfind("no VM named nobody on test:///default; libvirt nosuchdriver:///: ", 0),
              0u)
        << error;
}

TEST_F(VmAdminTest, XmlIsThePersistentDefinition)
{
    const auto shown =
        await<AdminResult<VmXml>>([this](auto done) { admin().xml({kTestUri}, "test", done); });
    ASSERT_TRUE(std::holds_alternative<VmXml>(shown)) << std::get<std::string>(shown);
    EXPECT_EQ(std::get<VmXml>(shown).uri, kTestUri);
    EXPECT_NE(std::get<VmXml>(shown).xml.find("<name>test</name>"), std::string::npos);
}

TEST_F(VmAdminTest, DefineSavesTheOldDefinitionAndARefusalChangesNothing)
{
    const auto shown =
        await<AdminResult<VmXml>>([this](auto done) { admin().xml({kTestUri}, "test", done); });
    ASSERT_TRUE(std::holds_alternative<VmXml>(shown)) << std::get<std::string>(shown);
    const std::string old_xml = std::get<VmXml>(shown).xml;

    const auto refused = await<AdminResult<DefinedVm>>([this](auto done) {
        admin().define(kTestUri, "test",
                       "<domain type='test'><name>test</name><nonsense/></domain>", done);
    });
    ASSERT_TRUE(std::holds_alternative<std::string>(refused));
    const std::string &error = std::get<std::string>(refused);
    EXPECT_EQ(error.rfind("libvirt refused the definition of test (nothing changed): ", 0), 0u)
        << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(backups(), 0u) << "the refused definition's backup is removed again";

    const auto defined = await<AdminResult<DefinedVm>>(
        [&](auto done) { admin().define(kTestUri, "test", old_xml, done); });
    ASSERT_TRUE(std::holds_alternative<DefinedVm>(defined)) << std::get<std::string>(defined);
    const DefinedVm &result = std::get<DefinedVm>(defined);
    EXPECT_EQ(result.uri, kTestUri);
    EXPECT_TRUE(result.running);
    ASSERT_FALSE(result.saved.empty());
    std::ifstream saved(result.saved);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(saved), {}), old_xml);
    // The test driver's domain has no D-Bus display: a seat could not show it.
    ASSERT_EQ(result.notes.size(), 1u);
    EXPECT_NE(result.notes[0].find("(the fix: "), std::string::npos) << result.notes[0];
}

} // namespace
} // namespace phyllome::libvirt
