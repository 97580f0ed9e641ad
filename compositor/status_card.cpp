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

// One line of text, centred horizontally at `y`, shrunk to fit `max_width`.
// Returns the height it took.
double draw_line(cairo_t *cr, const std::string &text, const char *family, int weight,
                 double pixel_size, uint32_t color, double width, double y)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_new();
    pango_font_description_set_family(font, family);
    pango_font_description_set_weight(font, static_cast<PangoWeight>(weight));
    pango_font_description_set_absolute_size(font, pixel_size * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, text.c_str(), -1);
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
    pango_layout_set_width(layout, static_cast<int>(width * 0.9 * PANGO_SCALE));
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);

    int text_width = 0, text_height = 0;
    pango_layout_get_pixel_size(layout, &text_width, &text_height);
    cairo_move_to(cr, (width - width * 0.9) / 2, y);
    set_source(cr, color);
    pango_cairo_show_layout(cr, layout);

    pango_font_description_free(font);
    g_object_unref(layout);
    return text_height;
}

} // namespace

CardImage render_status_card(const StatusCardText &text, int output_width, int output_height)
{
    const CardGeometry geometry = status_card_geometry(output_width, output_height);
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
    rounded_rectangle(cr, w, h, std::min(w, h) * 0.06);
    set_source(cr, kCardColor);
    cairo_fill(cr);

    const std::string vm = text.vm.empty() ? "No virtual machine" : text.vm;
    const std::string state = text.state.empty() ? "Not configured" : text.state;
    std::string where = "Seat " + (text.seat.empty() ? std::string("none") : text.seat);
    if (!text.output.empty())
        where += "  \u00b7  " + text.output;

    // Three lines: the VM (largest), its state, then seat and output.
    const double unit = h / 9.0;
    const double title = unit * 1.9, subtitle = unit * 1.1, caption = unit * 0.75;
    const double gap = unit * 0.5;
    const double block = title * 1.25 + subtitle * 1.25 + caption * 1.25 + 2 * gap;
    double y = (h - block) / 2;
    y += draw_line(cr, vm, "Sans", PANGO_WEIGHT_BOLD, title, 0xf0f4f8, w, y) + gap;
    y += draw_line(cr, state, "Sans", PANGO_WEIGHT_NORMAL, subtitle, 0xf2b84b, w, y) + gap;
    draw_line(cr, where, "Sans", PANGO_WEIGHT_NORMAL, caption, 0x8a98a6, w, y);

    cairo_destroy(cr);
    cairo_surface_flush(image.surface());
    return image;
}

} // namespace phyllome
