// The status card: what an output shows while no VM is on it. It is drawn
// with cairo and pango into plain memory, with no wlroots type, so it can be
// tested without a display.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

typedef struct _cairo_surface cairo_surface_t;

namespace phyllome {

struct StatusCardText {
    std::string vm;     // the VM this output's seat shows; empty: none configured
    std::string state;  // that VM's state, in words
    std::string seat;   // the seat the output belongs to
    std::string output; // the output's name
    std::string hint;   // what to do about the state (a command, keys); may be empty

    bool operator==(const StatusCardText &) const = default;
};

// Colours as 0xRRGGBB, shared by the drawing and the tests that look at it.
inline constexpr uint32_t kBackgroundColor = 0x101418;
inline constexpr uint32_t kCardColor = 0x1c232b;

// An owned cairo ARGB32 image: premultiplied, native-endian 32-bit pixels,
// which is DRM_FORMAT_ARGB8888 on the little-endian machines wlroots runs on.
class CardImage {
public:
    explicit CardImage(cairo_surface_t *surface);
    ~CardImage();
    CardImage(CardImage &&other) noexcept;
    CardImage &operator=(CardImage &&other) noexcept;
    CardImage(const CardImage &) = delete;
    CardImage &operator=(const CardImage &) = delete;

    int width() const;
    int height() const;
    int stride() const;
    uint8_t *data();
    const uint8_t *data() const;
    uint32_t pixel(int x, int y) const; // 0xAARRGGBB

    cairo_surface_t *surface();
    // Hands the surface over (to a wlr_buffer that frees it).
    cairo_surface_t *release();

private:
    cairo_surface_t *surface_;
};

// Where the card sits on an output of the given size: centred, about half
// the output's width, never larger than the output. This is the smallest
// card; one whose text needs more room is taller (below).
struct CardGeometry {
    int x, y, width, height;
};
CardGeometry status_card_geometry(int output_width, int output_height);

// The card for this text: every line of it is wrapped to the card's width
// and shown whole; the card grows taller for long texts (centred, never
// beyond the output) and the text shrinks where even that is not enough.
struct CardLayout {
    CardGeometry card; // on the output
    struct Block {
        std::string text;
        int x, y, width, height; // the text's extents, in card pixels
        int lines;
        bool cut; // ellipsized or otherwise not shown whole
    };
    std::vector<Block> blocks; // VM, state, hint (if any), seat and output
};
CardLayout layout_status_card(const StatusCardText &text, int output_width, int output_height);
CardGeometry status_card_geometry(const StatusCardText &text, int output_width, int output_height);

// Draws the card at the size status_card_geometry(text, ...) gives.
CardImage render_status_card(const StatusCardText &text, int output_width, int output_height);

// A banner: one line of text on a card at the top centre of the output
// (what the clipboard moved, and where). Its place on an output of that
// size, and its image; a text too long for the output is ellipsized.
CardGeometry banner_geometry(int output_width, int output_height);
CardImage render_banner(const std::string &text, int output_width, int output_height);
inline constexpr uint32_t kBannerTextColor = 0xf0f4f8;

} // namespace phyllome
