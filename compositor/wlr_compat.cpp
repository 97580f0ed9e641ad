// The seam's version-independent part: helpers built only on calls that are
// the same in wlroots 0.15 and 0.18+ (or on the seam itself).
#include "compositor/wlr_compat.hpp"

namespace phyllome::compat {

wlr_scene_rect *scene_rect_create(SceneParent *parent, int width, int height, const float color[4])
{
    return wlr_scene_rect_create(parent, width, height, color);
}

bool output_enable_preferred(wlr_output *output)
{
    OutputState state;
    if (wl_list_empty(&output->modes))
        return output_apply(output, state, false);

    state.mode = wlr_output_preferred_mode(output);
    if (state.mode && output_apply(output, state, false))
        return true;
    // The preferred mode can fail (bandwidth, a bad EDID): try the others.
    wlr_output_mode *mode;
    wl_list_for_each(mode, &output->modes, link)
    {
        state.mode = mode;
        if (output_apply(output, state, false))
            return true;
    }
    return false;
}

} // namespace phyllome::compat
