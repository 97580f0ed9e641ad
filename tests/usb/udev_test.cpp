// UdevUsb over a umockdev testbed: devices enumerated at start, add and
// remove uevents through the monitor on the event loop, interface classes,
// and the ID_PATH built when udev set none. Runs under umockdev-wrapper
// (the preload that serves the testbed as /sys and its uevents as udev's).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <umockdev.h>

#include <chrono>
#include <functional>

#include "usb/udev_usb.hpp"

namespace phyllome::usb {
namespace {

using namespace std::chrono_literals;

class UdevUsbTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        testbed_ = umockdev_testbed_new();
        // Asked once the testbed exists: umockdev tells by where /sys leads
        // (and keeps the first answer).
        ASSERT_TRUE(umockdev_in_mock_environment())
            << "run under umockdev-wrapper (LD_PRELOAD=libumockdev-preload.so.0)";
        loop_ = wl_event_loop_create();
        controller_ = add("pci", "0000:00:14.0", nullptr, {}, {"ID_PATH", "pci-0000:00:14.0"});
        root_hub_ = add("usb", "usb1", controller_,
                        {"busnum", "1", "devnum", "1", "idVendor", "1d6b", "idProduct", "0002",
                         "bDeviceClass", "09", "product", "xHCI Host Controller"},
                        {"DEVTYPE", "usb_device", "ID_PATH", "pci-0000:00:14.0"});
    }
    void TearDown() override
    {
        source_.reset();
        if (loop_)
            wl_event_loop_destroy(loop_);
        g_free(root_hub_);
        g_free(controller_);
        if (testbed_)
            g_object_unref(testbed_);
    }

    // umockdev_testbed_add_devicev with attributes and properties as
    // name, value, name, value...; the syspath (g_free it).
    gchar *add(const char *subsystem, const char *name, const char *parent,
               std::vector<const char *> attributes, std::vector<const char *> properties)
    {
        attributes.push_back(nullptr);
        properties.push_back(nullptr);
        return umockdev_testbed_add_devicev(testbed_, subsystem, name, parent,
                                            const_cast<gchar **>(attributes.data()),
                                            const_cast<gchar **>(properties.data()));
    }

    // A stick on port 2: udev's ID_PATH, one storage interface.
    gchar *add_stick()
    {
        gchar *stick = add(
            "usb", "1-2", root_hub_,
            {"busnum", "1", "devnum", "5", "idVendor", "0781", "idProduct", "5581", "bDeviceClass",
             "00", "manufacturer", "SanDisk", "product", "Ultra", "devpath", "2"},
            {"DEVTYPE", "usb_device", "ID_PATH", "pci-0000:00:14.0-usb-0:2", "ID_SEAT", "seat1"});
        g_free(
            add("usb", "1-2:1.0", stick, {"bInterfaceClass", "08"}, {"DEVTYPE", "usb_interface"}));
        return stick;
    }

    void start()
    {
        source_ = std::make_unique<UdevUsb>(loop_);
        source_->set_handlers({
            .added = [this](const UsbDevice &d) { added_.push_back(d); },
            .removed = [this](const UsbDevice &d) { removed_.push_back(d); },
        });
    }

    const UsbDevice *find(const std::string &sysname) const
    {
        for (const UsbDevice &d : source_->devices())
            if (d.sysname == sysname)
                return &d;
        return nullptr;
    }

    // Runs the loop until `done` or a deadline that only a broken monitor
    // reaches; whether `done` came.
    bool dispatch_until(const std::function<bool()> &done)
    {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            wl_event_loop_dispatch(loop_, static_cast<int>(left.count()));
        }
        return true;
    }

    UMockdevTestbed *testbed_ = nullptr;
    wl_event_loop *loop_ = nullptr;
    gchar *controller_ = nullptr;
    gchar *root_hub_ = nullptr;
    std::unique_ptr<UdevUsb> source_;
    std::vector<UsbDevice> added_, removed_;
};

TEST_F(UdevUsbTest, EnumeratesTheDevicesPresentAtStart)
{
    gchar *stick = add_stick();
    start();
    EXPECT_EQ(source_->problem(), "");
    ASSERT_EQ(source_->devices().size(), 2u); // the root hub and the stick, not the interface

    const UsbDevice *hub = find("usb1");
    ASSERT_TRUE(hub);
    EXPECT_TRUE(hub->hub());
    EXPECT_EQ(hub->classes, (std::vector<std::uint8_t>{0x09}));

    const UsbDevice *d = find("1-2");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->syspath, stick);
    EXPECT_EQ(d->busnum, 1u);
    EXPECT_EQ(d->devnum, 5u);
    EXPECT_EQ(d->vendor, 0x0781);
    EXPECT_EQ(d->product, 0x5581);
    EXPECT_EQ(d->name(), "SanDisk Ultra");
    EXPECT_EQ(d->id_path, "pci-0000:00:14.0-usb-0:2");
    EXPECT_EQ(d->id_seat, "seat1");
    EXPECT_EQ(d->classes, (std::vector<std::uint8_t>{0x08})); // from the interface
    EXPECT_FALSE(d->hub());
    EXPECT_TRUE(added_.empty()); // what was there is no news
    g_free(stick);
}

TEST_F(UdevUsbTest, AddAndRemoveReachTheMonitorThroughTheLoop)
{
    start();
    ASSERT_EQ(source_->devices().size(), 1u);

    // A composite keyboard on port 3.1 with no ID_PATH (71-seat.rules gave it
    // none): the add comes before its interfaces, the bind after them.
    g_autofree gchar *hub = add("usb", "1-3", root_hub_,
                                {"busnum", "1", "devnum", "6", "idVendor", "05e3", "idProduct",
                                 "0608", "bDeviceClass", "09", "devpath", "3"},
                                {"DEVTYPE", "usb_device", "ID_PATH", "pci-0000:00:14.0-usb-0:3"});
    ASSERT_TRUE(dispatch_until([&] { return added_.size() == 1; }));
    EXPECT_EQ(added_[0].sysname, "1-3");
    EXPECT_TRUE(added_[0].hub());

    g_autofree gchar *keyboard =
        add("usb", "1-3.1", hub,
            {"busnum", "1", "devnum", "7", "idVendor", "046d", "idProduct", "c31c", "bDeviceClass",
             "00", "manufacturer", "Logitech", "product", "USB Keyboard", "devpath", "3.1"},
            {"DEVTYPE", "usb_device"});
    ASSERT_TRUE(dispatch_until([&] { return added_.size() == 2; }));
    EXPECT_EQ(added_[1].sysname, "1-3.1");
    EXPECT_EQ(added_[1].id_path, "pci-0000:00:14.0-usb-0:3.1"); // built from the controller's
    EXPECT_TRUE(added_[1].classes.empty());                     // interfaces not there yet

    g_autofree gchar *hid =
        add("usb", "1-3.1:1.0", keyboard, {"bInterfaceClass", "03"}, {"DEVTYPE", "usb_interface"});
    g_free(add("input", "input7", hid, {"name", "Logitech USB Keyboard"},
               {"ID_PATH", "pci-0000:00:14.0-usb-0:3.1:1.0", "ID_SEAT", "seat1"}));
    g_free(
        add("usb", "1-3.1:1.1", keyboard, {"bInterfaceClass", "08"}, {"DEVTYPE", "usb_interface"}));
    umockdev_testbed_uevent(testbed_, keyboard, "bind");
    ASSERT_TRUE(dispatch_until([&] { return added_.size() == 3; }));
    EXPECT_EQ(added_[2].sysname, "1-3.1");
    EXPECT_EQ(added_[2].classes, (std::vector<std::uint8_t>{0x03, 0x08}));
    ASSERT_EQ(added_[2].inputs.size(), 1u); // what its keyboard's seat is found by
    EXPECT_EQ(added_[2].inputs[0].name, "Logitech USB Keyboard");
    EXPECT_EQ(added_[2].inputs[0].id_path, "pci-0000:00:14.0-usb-0:3.1:1.0");
    EXPECT_EQ(added_[2].inputs[0].id_seat, "seat1");
    EXPECT_EQ(added_[2].inputs[0].sysname, "input7");
    ASSERT_TRUE(find("1-3.1"));
    EXPECT_EQ(find("1-3.1")->classes, (std::vector<std::uint8_t>{0x03, 0x08}));
    EXPECT_EQ(source_->devices().size(), 3u);

    // The kernel's remove, sent while the device's properties are there to
    // send: umockdev 0.17's remove_device sent none that reached the
    // monitor. A second remove (a newer umockdev) is one for a device gone.
    umockdev_testbed_uevent(testbed_, keyboard, "remove");
    umockdev_testbed_remove_device(testbed_, keyboard);
    ASSERT_TRUE(dispatch_until([&] { return !removed_.empty(); }));
    ASSERT_EQ(removed_.size(), 1u);
    EXPECT_EQ(removed_[0].sysname, "1-3.1");
    EXPECT_EQ(removed_[0].vendor, 0x046d);
    EXPECT_FALSE(find("1-3.1"));
    EXPECT_TRUE(find("1-3"));
}

TEST_F(UdevUsbTest, WithoutAnyIdPathThereIsNoneToMatch)
{
    // Neither the controller nor the root hub has one: path: rules cannot
    // match, rather than match a made-up path.
    g_autofree gchar *bare = add("pci", "0000:00:1d.0", nullptr, {}, {});
    g_autofree gchar *root =
        add("usb", "usb2", bare, {"busnum", "2", "bDeviceClass", "09"}, {"DEVTYPE", "usb_device"});
    g_autofree gchar *stick =
        add("usb", "2-1", root, {"busnum", "2", "devnum", "2", "bDeviceClass", "08"},
            {"DEVTYPE", "usb_device"});
    start();
    const UsbDevice *d = find("2-1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->id_path, "");
    EXPECT_EQ(d->classes, (std::vector<std::uint8_t>{0x08}));
}

} // namespace
} // namespace phyllome::usb
