#include "vmview/bus_properties.hpp"

#include <algorithm>
#include <cstring>

namespace phyllome::vmview {
namespace {

// Whether the next value is a variant holding exactly `signature`.
bool variant_holds(sd_bus_message *m, const char *signature)
{
    char type = 0;
    const char *contents = nullptr;
    return sd_bus_message_peek_type(m, &type, &contents) > 0 && type == 'v' && contents &&
           std::strcmp(contents, signature) == 0;
}

template <typename Read> int read_variant(sd_bus_message *m, const char *signature, Read read)
{
    if (!variant_holds(m, signature))
        return 0;
    int r = sd_bus_message_enter_container(m, 'v', signature);
    if (r < 0)
        return r;
    if ((r = read()) < 0)
        return r;
    if ((r = sd_bus_message_exit_container(m)) < 0)
        return r;
    return 1;
}

} // namespace

int read_properties(sd_bus_message *m,
                    const std::function<int(const std::string &, sd_bus_message *)> &property)
{
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0)
        return r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char *name = nullptr;
        if ((r = sd_bus_message_read(m, "s", &name)) < 0)
            return r;
        if ((r = property(name, m)) < 0)
            return r;
        if (r == 0 && (r = sd_bus_message_skip(m, "v")) < 0)
            return r;
        if ((r = sd_bus_message_exit_container(m)) < 0)
            return r;
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

int read_u32(sd_bus_message *m, uint32_t &out)
{
    return read_variant(m, "u", [&] { return sd_bus_message_read(m, "u", &out); });
}

int read_bool(sd_bus_message *m, bool &out)
{
    return read_variant(m, "b", [&] {
        int value = 0;
        const int r = sd_bus_message_read(m, "b", &value);
        out = value != 0;
        return r;
    });
}

int read_string(sd_bus_message *m, std::string &out)
{
    return read_variant(m, "s", [&] {
        const char *value = nullptr;
        const int r = sd_bus_message_read(m, "s", &value);
        if (r >= 0 && value)
            out = value;
        return r;
    });
}

int read_u32_array(sd_bus_message *m, std::vector<uint32_t> &out, std::size_t max)
{
    return read_variant(m, "au", [&] {
        const void *data = nullptr;
        std::size_t size = 0;
        const int r = sd_bus_message_read_array(m, 'u', &data, &size);
        if (r < 0)
            return r;
        const std::size_t count = std::min(size / sizeof(uint32_t), max);
        out.resize(count);
        std::memcpy(out.data(), data, count * sizeof(uint32_t));
        return r;
    });
}

} // namespace phyllome::vmview
