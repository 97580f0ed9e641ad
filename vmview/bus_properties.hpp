// Reading D-Bus property dictionaries (a{sv}) from sd-bus messages, as
// GetAll replies and PropertiesChanged signals carry them. A value of an
// unexpected type is skipped, never trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

namespace phyllome::vmview {

// Calls `property(name, m)` for each entry with `m` at the entry's variant.
// `property` returns > 0 when it read the variant, 0 to have it skipped,
// < 0 on error (which ends the walk). Returns < 0 on a malformed message.
int read_properties(sd_bus_message *m,
                    const std::function<int(const std::string &name, sd_bus_message *m)> &property);

// Each reads a variant of its type: 1 when read, 0 when the variant holds
// another type (left unread, for the walk to skip), < 0 on error.
int read_u32(sd_bus_message *m, uint32_t &out);
int read_bool(sd_bus_message *m, bool &out);
int read_string(sd_bus_message *m, std::string &out);
// At most `max` values are kept; the rest are ignored.
int read_u32_array(sd_bus_message *m, std::vector<uint32_t> &out, std::size_t max);

} // namespace phyllome::vmview
