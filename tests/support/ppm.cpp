#include "tests/support/ppm.hpp"

#include <cstdlib>
#include <cstring>

#include <cairo.h>
#include <fstream>
#include <iterator>

namespace phyllome::test {
namespace {

// Reads the next header number, skipping whitespace and # comments.
std::optional<long> next_number(const std::string &data, std::size_t &pos)
{
    while (pos < data.size()) {
        if (data[pos] == '#') {
            while (pos < data.size() && data[pos] != '\n')
                ++pos;
        } else if (std::isspace(static_cast<unsigned char>(data[pos]))) {
            ++pos;
        } else {
            break;
        }
    }
    const std::size_t start = pos;
    while (pos < data.size() && std::isdigit(static_cast<unsigned char>(data[pos])))
        ++pos;
    if (pos == start || pos - start > 9)
        return std::nullopt;
    return std::strtol(data.c_str() + start, nullptr, 10);
}

} // namespace

uint32_t Image::at(int x, int y) const
{
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                           static_cast<std::size_t>(x)) *
                          3;
    return (uint32_t{rgb[i]} << 16) | (uint32_t{rgb[i + 1]} << 8) | rgb[i + 2];
}

std::optional<Image> read_ppm(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    if (data.size() < 2 || data[0] != 'P' || data[1] != '6')
        return std::nullopt;
    std::size_t pos = 2;
    auto width = next_number(data, pos);
    auto height = next_number(data, pos);
    auto max = next_number(data, pos);
    if (!width || !height || !max || *max != 255 || *width <= 0 || *height <= 0)
        return std::nullopt;
    ++pos; // the single whitespace after the header
    const std::size_t size =
        static_cast<std::size_t>(*width) * static_cast<std::size_t>(*height) * 3;
    if (data.size() < pos + size)
        return std::nullopt;
    Image image;
    image.width = static_cast<int>(*width);
    image.height = static_cast<int>(*height);
    image.rgb.assign(data.begin() + static_cast<std::ptrdiff_t>(pos),
                     data.begin() + static_cast<std::ptrdiff_t>(pos + size));
    return image;
}

std::optional<Image> read_png(const std::string &path)
{
    cairo_surface_t *surface = cairo_image_surface_create_from_png(path.c_str());
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return std::nullopt;
    }
    cairo_surface_flush(surface);
    const cairo_format_t format = cairo_image_surface_get_format(surface);
    Image image;
    image.width = cairo_image_surface_get_width(surface);
    image.height = cairo_image_surface_get_height(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const uint8_t *data = cairo_image_surface_get_data(surface);
    if (format != CAIRO_FORMAT_RGB24 && format != CAIRO_FORMAT_ARGB32) {
        cairo_surface_destroy(surface);
        return std::nullopt;
    }
    image.rgb.reserve(static_cast<std::size_t>(image.width) *
                      static_cast<std::size_t>(image.height) * 3);
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x) {
            uint32_t pixel;
            std::memcpy(&pixel, data + static_cast<std::ptrdiff_t>(y) * stride + x * 4, 4);
            image.rgb.push_back(static_cast<uint8_t>(pixel >> 16));
            image.rgb.push_back(static_cast<uint8_t>(pixel >> 8));
            image.rgb.push_back(static_cast<uint8_t>(pixel));
        }
    cairo_surface_destroy(surface);
    return image;
}

int count_differing(const Image &image, int x, int y, int width, int height, uint32_t rgb,
                    int tolerance)
{
    int count = 0;
    for (int row = y; row < y + height; ++row) {
        for (int col = x; col < x + width; ++col) {
            const uint32_t pixel = image.at(col, row);
            for (int shift : {16, 8, 0}) {
                const int a = static_cast<int>((pixel >> shift) & 0xff);
                const int b = static_cast<int>((rgb >> shift) & 0xff);
                if (std::abs(a - b) > tolerance) {
                    ++count;
                    break;
                }
            }
        }
    }
    return count;
}

} // namespace phyllome::test
