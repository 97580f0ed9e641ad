#include <memory>

#include <gtest/gtest.h>

#include "base/listener.hpp"

namespace phyllome::base {
namespace {

TEST(Listener, CallsItsCallbackWithTheSignalData)
{
    wl_signal signal;
    wl_signal_init(&signal);
    Listener listener;
    int received = 0;
    listener.connect(&signal, [&](void *data) { received = *static_cast<int *>(data); });
    int value = 42;
    wl_signal_emit(&signal, &value);
    EXPECT_EQ(received, 42);
}

TEST(Listener, DestroyedListenerIsNotCalled)
{
    wl_signal signal;
    wl_signal_init(&signal);
    int calls = 0;
    {
        Listener listener;
        listener.connect(&signal, [&](void *) { ++calls; });
        wl_signal_emit(&signal, nullptr);
    }
    wl_signal_emit(&signal, nullptr);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(wl_list_empty(&signal.listener_list));
}

TEST(Listener, ReconnectMovesToTheNewSignal)
{
    wl_signal first, second;
    wl_signal_init(&first);
    wl_signal_init(&second);
    Listener listener;
    int calls = 0;
    listener.connect(&first, [&](void *) { ++calls; });
    listener.connect(&second, [&](void *) { calls += 10; });
    wl_signal_emit(&first, nullptr);
    wl_signal_emit(&second, nullptr);
    EXPECT_EQ(calls, 10);
    listener.disconnect();
    EXPECT_FALSE(listener.connected());
    wl_signal_emit(&second, nullptr);
    EXPECT_EQ(calls, 10);
}

TEST(Listener, CallbackMayDestroyItsOwner)
{
    // The pattern of every destroy handler: the owner deletes itself.
    struct Owner {
        Listener destroy;
    };
    wl_signal signal;
    wl_signal_init(&signal);
    auto *owner = new Owner;
    bool ran = false;
    owner->destroy.connect(&signal, [owner, &ran](void *) {
        ran = true;
        delete owner;
    });
    Listener other;
    int other_calls = 0;
    other.connect(&signal, [&](void *) { ++other_calls; });
    wl_signal_emit(&signal, nullptr);
    EXPECT_TRUE(ran);
    EXPECT_EQ(other_calls, 1);
}

} // namespace
} // namespace phyllome
