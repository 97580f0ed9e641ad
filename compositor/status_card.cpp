#include "compositor/status_card.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <cairo.h>
#include <pango/pangocairo.h>

namespace phyllome {

CardImage::CardImage(cairo_surface_t *surface) : surface_(surface)
{
}
CardImage::~CardImage()
{
    if (surface_)
        cairo_surface_destroy(surface_);
}
CardImage::CardImage(CardImage &&other) noexcept : surface_(std::exchange(other.surface_, nullptr))
{
}
CardImage &CardImage::operator=(CardImage &&other) noexcept
{
    if (this != &other) {
        if (surface_)
            cairo_surface_destroy(surface_);
        surface_ = std::exchange(other.surface_, nullptr);
    }
    return *this;
}
int CardImage::width() const
{
    return cairo_image_surface_get_width(surface_);
}
int CardImage::height() const
{
    return cairo_image_surface_get_height(surface_);
}
int CardImage::stride() const
{
    return cairo_image_surface_get_stride(surface_);
}
uint8_t *CardImage::data()
{
    return cairo_image_surface_get_data(surface_);
}
const uint8_t *CardImage::data() const
{
    return cairo_image_surface_get_data(surface_);
}
uint32_t CardImage::pixel(int x, int y) const
{
    const uint8_t *row = data() + static_cast<std::ptrdiff_t>(y) * stride();
    uint32_t value;
    std::copy_n(row + static_cast<std::ptrdiff_t>(x) * 4, 4, reinterpret_cast<uint8_t *>(&value));
    return value;
}
cairo_surface_t *CardImage::surface()
{
    return surface_;
}
cairo_surface_t *CardImage::release()
{
    return std::exchange(surface_, nullptr);
}

CardGeometry status_card_geometry(int output_width, int output_height)
{
    int width = std::clamp(output_width / 2, std::min(output_width, 320), output_width);
    int height = std::clamp(width * 9 / 32, std::min(output_height, 120), output_height);
    width = std::max(width, 1);
    height = std::max(height, 1);
    return {(output_width - width) / 2, (output_height - height) / 2, width, height};
}

namespace {

void set_source(cairo_t *cr, uint32_t rgb, double alpha = 1.0)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                          (rgb & 0xff) / 255.0, alpha);
}

void rounded_rectangle(cairo_t *cr, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, w - r, r, r, -M_PI / 2, 0);
    cairo_arc(cr, w - r, h - r, r, 0, M_PI / 2);
    cairo_arc(cr, r, h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, r, r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

// One block of text on the card: its font and colour.
struct Style {
    int weight;
    double size;     // in units of the smallest card's height / 9
    double smallest; // pixels, while the text fits
    uint32_t colour;
};
constexpr Style kTitle{PANGO_WEIGHT_BOLD, 1.9, 16, 0xf0f4f8};
constexpr Style kState{PANGO_WEIGHT_NORMAL, 1.1, 12, 0xf2b84b};
constexpr Style kHint{PANGO_WEIGHT_NORMAL, 1.0, 12, 0xd0dae4};
constexpr Style kCaption{PANGO_WEIGHT_NORMAL, 0.75, 10, 0x8a98a6};

// The text blocks laid out for a card `width` wide with fonts scaled by
// `factor`: pango layouts (owned) and the height they take together.
class Blocks {
public:
    Blocks(cairo_t *cr, const StatusCardText &text, double width, double unit, double factor)
    {
        const std::string vm = text.vm.empty() ? "No virtual machine" : text.vm;
        const std::string state = text.state.empty() ? "Not configured" : text.state;
        std::string where = "Seat " + (text.seat.empty() ? std::string("none") : text.seat);
        if (!text.output.empty())
            where += "  \u00b7  " + text.output;
        add(cr, vm, kTitle, width, unit, factor);
        add(cr, state, kState, width, unit, factor);
        if (!text.hint.empty())
            add(cr, text.hint, kHint, width, unit, factor);
        add(cr, where, kCaption, width, unit, factor);
        gap_ = std::max(unit * 0.35, 3.0) * factor;
        padding_ = std::max(unit * 0.6, 6.0) * factor;
    }
    ~Blocks()
    {
        for (const Block &block : blocks_)
            g_object_unref(block.layout);
    }
    Blocks(const Blocks &) = delete;
    Blocks &operator=(const Blocks &) = delete;

    // The card height the text needs, padding included.
    double height() const
    {
        double total = 2 * padding_ + gap_ * static_cast<double>(blocks_.size() - 1);
        for (const Block &block : blocks_)
            total += block.height;
        return total;
    }

    // Calls `each(layout, text, colour, y)` for every block, the text
    // centred vertically on a card `card_height` high.
    template <typename Each> void place(double card_height, Each each) const
    {
        double y = (card_height - (height() - 2 * padding_)) / 2;
        for (const Block &block : blocks_) {
            each(block.layout, block.text, block.colour, y);
            y += block.height + gap_;
        }
    }

private:
    struct Block {
        PangoLayout *layout;
        std::string text;
        uint32_t colour;
        double height;
    };

    void add(cairo_t *cr, const std::string &text, const Style &style, double width, double unit,
             double factor)
    {
        PangoLayout *layout = pango_cairo_create_layout(cr);
        PangoFontDescription *font = pango_font_description_new();
        pango_font_description_set_family(font, "Sans");
        pango_font_description_set_weight(font, static_cast<PangoWeight>(style.weight));
        const double pixels = std::max(unit * style.size, style.smallest) * factor;
        pango_font_description_set_absolute_size(font, std::max(pixels, 1.0) * PANGO_SCALE);
        pango_layout_set_font_description(layout, font);
        pango_font_description_free(font);
        pango_layout_set_text(layout, text.c_str(), -1);
        // Wrapped at words, or anywhere in a word longer than a line (a
        // URI, a path): never cut off.
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
        int text_width = 0, text_height = 0;
        pango_layout_get_pixel_size(layout, &text_width, &text_height);
        blocks_.push_back({layout, text, style.colour, static_cast<double>(text_height)});
    }

    std::vector<Block> blocks_;
    double gap_ = 0, padding_ = 0;
};

// The card's size and the font factor that fits the text on it, measured on
// `cr`; calls `use(blocks, card)` with the final layout.
template <typename Use>
void lay_out(cairo_t *cr, const StatusCardText &text, int output_width, int output_height, Use use)
{
    CardGeometry card = status_card_geometry(output_width, output_height);
    const double unit = card.height / 9.0;
    const double text_width = std::max(card.width * 0.9, 1.0);
    const int tallest = std::max(output_height, 1);
    // Fonts shrink step by step only where even a card as tall as the output
    // cannot hold the text at its size.
    double factor = 1.0;
    for (;;) {
        Blocks blocks(cr, text, text_width, unit, factor);
        const int needed = static_cast<int>(std::ceil(blocks.height()));
        if (needed <= tallest || factor < 0.05) {
            card.height = std::clamp(needed, card.height, tallest);
            card.y = (output_height - card.height) / 2;
            use(blocks, card);
            return;
        }
        factor *= 0.85;
    }
}

// A scratch context for measuring text without drawing it.
struct Measure {
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(surface);
    ~Measure()
    {
        cairo_destroy(cr);
        cairo_surface_destroy(surface);
    }
};

} // namespace

CardLayout layout_status_card(const StatusCardText &text, int output_width, int output_height)
{
    CardLayout result{};
    Measure measure;
    lay_out(measure.cr, text, output_width, output_height,
            [&](const Blocks &blocks, const CardGeometry &card) {
                result.card = card;
                const double left = (card.width - std::max(card.width * 0.9, 1.0)) / 2;
                blocks.place(card.height, [&](PangoLayout *layout, const std::string &block_text,
                                              uint32_t, double y) {
                    PangoRectangle logical{};
                    pango_layout_get_pixel_extents(layout, nullptr, &logical);
                    CardLayout::Block block{block_text,
                                            static_cast<int>(std::floor(left + logical.x)),
                                            static_cast<int>(std::floor(y + logical.y)),
                                            logical.width,
                                            logical.height,
                                            pango_layout_get_line_count(layout),
                                            pango_layout_is_ellipsized(layout) != 0};
                    block.cut = block.cut || block.x < 0 || block.y < 0 ||
                                block.x + block.width > card.width ||
                                block.y + block.height > card.height;
                    result.blocks.push_back(std::move(block));
                });
            });
    return result;
}

CardGeometry status_card_geometry(const StatusCardText &text, int output_width, int output_height)
{
    return layout_status_card(text, output_width, output_height).card;
}

CardImage render_status_card(const StatusCardText &text, int output_width, int output_height)
{
    // Measured first, on a scratch surface: the card's height depends on
    // the text.
    const CardGeometry geometry = status_card_geometry(text, output_width, output_height);
    const double w = geometry.width, h = geometry.height;
    CardImage image(
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, geometry.width, geometry.height));
    cairo_t *cr = cairo_create(image.surface());

    // Rounded card on a transparent surround; the output's background shows
    // through the corners.
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    const CardGeometry smallest = status_card_geometry(output_width, output_height);
    rounded_rectangle(cr, w, h, std::min(w, static_cast<double>(smallest.height)) * 0.06);
    set_source(cr, kCardColor);
    cairo_fill(cr);

    // The VM (largest), its state, what to do about it, then seat and output.
    lay_out(cr, text, output_width, output_height, [&](const Blocks &blocks, const CardGeometry &) {
        const double left = (w - std::max(w * 0.9, 1.0)) / 2;
        blocks.place(h, [&](PangoLayout *layout, const std::string &, uint32_t colour, double y) {
            cairo_move_to(cr, left, y);
            set_source(cr, colour);
            pango_cairo_show_layout(cr, layout);
        });
    });

    cairo_destroy(cr);
    cairo_surface_flush(image.surface());
    return image;
}

CardGeometry banner_geometry(int output_width, int output_height)
{
    const int width = std::max(1, std::min(output_width, output_width * 3 / 5));
    const int height = std::max(1, std::min(output_height, std::max(24, output_height / 14)));
    return {(output_width - width) / 2, std::min(output_height - height, output_height / 30), width,
            height};
}

CardImage render_banner(const std::string &text, int output_width, int output_height)
{
    const CardGeometry geometry = banner_geometry(output_width, output_height);
    const double w = geometry.width, h = geometry.height;
    CardImage image(
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, geometry.width, geometry.height));
    cairo_t *cr = cairo_create(image.surface());
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    rounded_rectangle(cr, w, h, h * 0.25);
    set_source(cr, kCardColor);
    cairo_fill(cr);

    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans");
    pango_font_description_set_absolute_size(font, std::max(8.0, h * 0.45) * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, static_cast<int>(w * 0.92) * PANGO_SCALE);
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    pango_layout_set_single_paragraph_mode(layout, TRUE);
    pango_layout_set_text(layout, text.c_str(), -1);
    int text_width = 0, text_height = 0;
    pango_layout_get_pixel_size(layout, &text_width, &text_height);
    cairo_move_to(cr, w * 0.04, (h - text_height) / 2);
    set_source(cr, kBannerTextColor);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);

    cairo_destroy(cr);
    cairo_surface_flush(image.surface());
    return image;
}

} // namespace phyllome
