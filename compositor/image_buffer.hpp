// A wlr_buffer over an image drawn on the CPU (a status card). The buffer
// owns the pixels and frees them when wlroots releases its last reference.
#pragma once

#include "compositor/status_card.hpp"
#include "compositor/wlr.hpp"

namespace phyllome {

// The caller holds the producer reference and gives it up with
// wlr_buffer_drop() once a consumer (a scene node) has locked the buffer.
wlr_buffer *image_buffer_create(CardImage image);

} // namespace phyllome
