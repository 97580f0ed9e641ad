#include "libvirt/common.hpp"

#include <libvirt/virterror.h>

namespace phyllome::libvirt {

std::string last_libvirt_error()
{
    const virError *error = virGetLastError();
    return error && error->message ? error->message : "unknown libvirt error";
}

} // namespace phyllome::libvirt
