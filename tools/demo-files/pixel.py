"""Prints the colour (RRGGBB) of one pixel of a binary PPM (P6) image.

    pixel.py IMAGE.ppm X Y
"""
import sys


def main():
    path, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval; '#' comments
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6":
        sys.exit("pixel.py: not a binary PPM")
    width, height = int(fields[1]), int(fields[2])
    if not (0 <= x < width and 0 <= y < height):
        sys.exit("pixel.py: outside the image")
    offset = pos + 1 + 3 * (y * width + x)
    print("%02x%02x%02x" % tuple(data[offset:offset + 3]))


main()
