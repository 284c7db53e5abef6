#!/usr/bin/env python3
"""Opens HTML pages in headless Chromium and checks that each renders: not blank, no wider than
the paper (A4 and Letter at 96 dpi) or a screen, nothing fetched, and printable to PDF.

    browser_check.py CHROMIUM PAGE.html...

Prints one line per page and check; exits 1 when any check fails. Standard library only: the
screenshot is read with zlib (PNG, RFC 2083)."""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTHS = {"A4": 794 - 2 * 45, "Letter": 816 - 2 * 45, "screen": 1280}  # 12 mm margins at 96 dpi
TIMEOUT = 60

PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="%(url)s" style="width:%(width)dpx;height:1400px;border:0"></iframe>
<pre id="out">PENDING</pre>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const d = f.contentDocument, root = d.documentElement;
  const limit = root.clientWidth + 1;
  const wide = [...d.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit)
    .map(e => e.tagName + (e.id ? '#' + e.id : '')).slice(0, 5);
  const svg = d.querySelector('svg.flow');
  const r = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, text: d.body.innerText.length,
    svgWidth: svg ? Math.round(svg.getBoundingClientRect().width) : -1,
    svgHeight: svg ? Math.round(svg.getBoundingClientRect().height) : -1,
    resources: f.contentWindow.performance.getEntriesByType('resource').length, wide: wide};
  document.getElementById('out').textContent = 'RESULT ' + JSON.stringify(r);
});
</script></body></html>"""


def chromium(binary, args):
    base = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--allow-file-access-from-files"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=TIMEOUT)


def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG: returns (width, height, rows of bytes, channels)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError("unsupported PNG format")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], (prev[i - channels] if i >= channels else 0)
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, channels


def ink(path):
    """The share of pixels that are not near white, and the number of distinct colours (sampled)."""
    width, height, rows, channels = png_pixels(path)
    inked, colours, seen = 0, set(), 0
    for y in range(0, height, 2):
        row = rows[y]
        for x in range(0, width, 2):
            px = row[x * channels:x * channels + 3]
            seen += 1
            colours.add(px)
            if min(px) < 235:
                inked += 1
    return inked / max(seen, 1), len(colours)


def check(binary, page, work):
    failures = []
    url = "file://" + os.path.abspath(page)
    for paper, width in WIDTHS.items():
        probe = os.path.join(work, "probe-%s.html" % paper)
        with open(probe, "w") as f:
            f.write(PROBE % {"url": url, "width": width})
        run = chromium(binary, ["--virtual-time-budget=5000", "--dump-dom", "file://" + probe])
        found = re.search(r"RESULT (\{.*\})", run.stdout)
        if not found:
            failures.append("%s: the page did not load (%s)" % (paper, run.stderr.strip()[-200:]))
            continue
        r = json.loads(found.group(1).replace("&quot;", '"'))
        if r["scrollWidth"] > r["clientWidth"] or r["wide"]:
            failures.append("%s: wider than %d px (scrollWidth %d; %s)" % (paper, width, r["scrollWidth"], r["wide"]))
        if r["svgWidth"] > r["clientWidth"]:
            failures.append("%s: the picture is %d px wide" % (paper, r["svgWidth"]))
        if r["text"] < 200:
            failures.append("%s: only %d characters of text" % (paper, r["text"]))
        if r["svgHeight"] == 0:
            failures.append("%s: the picture has no height" % paper)
        if r["resources"]:
            failures.append("%s: the page fetched %d resources" % (paper, r["resources"]))
    shot = os.path.join(work, "shot.png")
    run = chromium(binary, ["--window-size=%d,1000" % WIDTHS["Letter"], "--screenshot=" + shot, url])
    if not os.path.exists(shot):
        failures.append("no screenshot (%s)" % run.stderr.strip()[-200:])
    else:
        share, colours = ink(shot)
        if share < 0.02 or colours < 16:
            failures.append("blank: %.1f%% of pixels inked, %d colours" % (100 * share, colours))
        os.remove(shot)
    pdf = os.path.join(work, "page.pdf")
    chromium(binary, ["--no-pdf-header-footer", "--print-to-pdf=" + pdf, url])
    if not os.path.exists(pdf) or os.path.getsize(pdf) < 5000:
        failures.append("printing to PDF failed")
    return failures


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, pages = sys.argv[1], sys.argv[2:]
    bad = 0
    with tempfile.TemporaryDirectory() as work:
        for page in pages:
            failures = check(binary, page, work)
            for failure in failures:
                print("FAIL %s: %s" % (page, failure))
            if not failures:
                print("ok   %s" % page)
            bad += bool(failures)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
