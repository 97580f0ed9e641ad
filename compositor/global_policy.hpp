// Which Wayland clients may bind which globals.
//
// The session shows no client windows; its socket exists for the user's own
// tools (grim, wlr-randr). Globals that read the screens or change the
// outputs are privileged: only clients running as the session's user may
// see them. The socket lives in the user's private XDG_RUNTIME_DIR, so this
// is a second line of defence against a socket handed to another user's
// process (WAYLAND_SOCKET, a relaxed directory mode).
#pragma once

#include <string_view>
#include <sys/types.h>

namespace phyllome {

bool global_is_privileged(std::string_view interface_name);

bool client_may_bind(std::string_view interface_name, uid_t client_uid, uid_t session_uid);

} // namespace phyllome
