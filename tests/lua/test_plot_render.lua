-- Every chart of a realistic synthetic file, of a file written by the
-- measurement code (plot_measured.json, a real run of c.scalar and lua.jit)
-- and of the edge-case fixtures is
-- well-formed XML (xmllint --noout) and renders with rsvg-convert to a PNG
-- that is not blank: the PNG is decoded here (zlib through the FFI) and must
-- have >= 2% non-white pixels in >= 3 distinct colours (a chart with no data,
-- which says so in the plot area, >= 0.5%).
-- Needs xmllint and rsvg-convert: sh vendor/fetch.sh --tools.
local T = dofile("tests/harness.lua")
local plot = require "mcpi.plot"
local ffi = require "ffi"
local bit = require "bit"

local band, rshift = bit.band, bit.rshift

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == 0 or ok == true
end

local tmp = io.popen("mktemp -d"):read("*l")

-- -- A small PNG reader: 8-bit RGB/RGBA, non-interlaced (what rsvg-convert writes)

pcall(ffi.cdef, "int uncompress(uint8_t *dest, unsigned long *destLen, const uint8_t *src, unsigned long srcLen);")
local okz, z = pcall(ffi.load, "z")
if not okz then okz, z = pcall(ffi.load, "libz.so.1") end

local function be32(s, i)
  local a, b, c, d = s:byte(i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

-- Returns width, height, pixels (uint8_t[h*w*4], RGBA) or nil, err.
local function read_png(path)
  local fh = io.open(path, "rb")
  if not fh then return nil, "no file " .. path end
  local s = fh:read("*a")
  fh:close()
  if s:sub(1, 8) ~= "\137PNG\r\n\26\n" then return nil, "not a PNG" end
  local w, h, depth, ctype, interlace
  local idat = {}
  local i = 9
  while i < #s do
    local len, typ = be32(s, i), s:sub(i + 4, i + 7)
    local data = s:sub(i + 8, i + 7 + len)
    if typ == "IHDR" then
      w, h = be32(data, 1), be32(data, 5)
      depth, ctype, interlace = data:byte(9), data:byte(10), data:byte(13)
    elseif typ == "IDAT" then
      idat[#idat + 1] = data
    end
    i = i + 12 + len
  end
  if depth ~= 8 or (ctype ~= 6 and ctype ~= 2) or interlace ~= 0 then
    return nil, string.format("unsupported PNG (depth %s, colour type %s)", tostring(depth), tostring(ctype))
  end
  local bpp = ctype == 6 and 4 or 3
  local stride = w * bpp
  local raw = ffi.new("uint8_t[?]", h * (stride + 1))
  local rawlen = ffi.new("unsigned long[1]", h * (stride + 1))
  local src = table.concat(idat)
  if z.uncompress(raw, rawlen, src, #src) ~= 0 then return nil, "zlib error" end
  local px = ffi.new("uint8_t[?]", h * w * 4)
  local prev = ffi.new("uint8_t[?]", stride)
  local cur = ffi.new("uint8_t[?]", stride)
  for y = 0, h - 1 do
    local f = raw[y * (stride + 1)]
    local row = raw + y * (stride + 1) + 1
    for x = 0, stride - 1 do
      local a = x >= bpp and cur[x - bpp] or 0
      local b = prev[x]
      local c = x >= bpp and prev[x - bpp] or 0
      local v = row[x]
      if f == 1 then v = v + a
      elseif f == 2 then v = v + b
      elseif f == 3 then v = v + rshift(a + b, 1)
      elseif f == 4 then
        local p = a + b - c
        local pa, pb, pc = math.abs(p - a), math.abs(p - b), math.abs(p - c)
        if pa <= pb and pa <= pc then v = v + a elseif pb <= pc then v = v + b else v = v + c end
      end
      cur[x] = band(v, 255)
    end
    for x = 0, w - 1 do
      local o = (y * w + x) * 4
      px[o], px[o + 1], px[o + 2] = cur[x * bpp], cur[x * bpp + 1], cur[x * bpp + 2]
      px[o + 3] = bpp == 4 and cur[x * bpp + 3] or 255
    end
    prev, cur = cur, prev
  end
  return w, h, px
end

-- Fraction of pixels that are not white/transparent, and distinct colours
-- (quantised to 4 bits per channel so anti-aliasing does not count).
local function ink(w, h, px)
  local inked, colours, ncol = 0, {}, 0
  for i = 0, w * h - 1 do
    local r, g, b, a = px[i * 4], px[i * 4 + 1], px[i * 4 + 2], px[i * 4 + 3]
    if a > 128 and (r < 235 or g < 235 or b < 235) then
      inked = inked + 1
      local key = rshift(r, 4) * 256 + rshift(g, 4) * 16 + rshift(b, 4)
      if not colours[key] then colours[key] = true; ncol = ncol + 1 end
    end
  end
  return inked / (w * h), ncol
end

T.test("tools present (sh vendor/fetch.sh --tools installs them)", function()
  T.ok(sh("command -v xmllint >/dev/null"), "xmllint")
  T.ok(sh("command -v rsvg-convert >/dev/null"), "rsvg-convert")
  T.ok(okz, "zlib (libz.so.1) for reading PNGs")
end)

T.test("the PNG reader sees a blank image as blank", function()
  local f = tmp .. "/blank.svg"
  local fh = assert(io.open(f, "w"))
  fh:write('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="#fff"/></svg>')
  fh:close()
  T.ok(sh(string.format("rsvg-convert '%s' -o '%s.png'", f, f)), "rsvg-convert")
  local w, h, px = read_png(f .. ".png")
  T.ok(w, h)
  T.eq(w, 80); T.eq(h, 40)
  local frac, ncol = ink(w, h, px)
  T.eq(frac, 0); T.eq(ncol, 0)
end)

local gen = tmp .. "/realistic.json"
T.test("synthetic realistic results file", function()
  T.ok(sh(string.format("'%s' script tests/data/plot_gen.lua '%s' 7", os.getenv("MCPI") or "./mcpi", gen)),
    "tests/data/plot_gen.lua")
end)

local files = { gen, "tests/data/plot_known.json", "tests/data/plot_one.json", "tests/data/plot_measured.json",
  "tests/data/plot_nan.json", "tests/data/plot_missing.json" }
local total = 0
for fi, file in ipairs(files) do
  T.test("charts of " .. file .. ": xmllint and a non-blank render", function()
    local t = assert(plot.read(file))
    local dir = tmp .. "/c" .. fi
    local paths = assert(plot.write(t, dir))
    T.ok(#paths >= 6, "at least 6 charts")
    for _, p in ipairs(paths) do
      T.ok(sh(string.format("xmllint --noout '%s'", p)), "well-formed: " .. p)
      T.ok(sh(string.format("rsvg-convert -b white '%s' -o '%s.png' 2>/dev/null", p, p)), "renders: " .. p)
      local w, h, px = read_png(p .. ".png")
      T.ok(w, "PNG of " .. p .. ": " .. tostring(h))
      T.eq(w, 800, "width"); T.eq(h, 520, "height")
      local frac, ncol = ink(w, h, px)
      local fh = assert(io.open(p)); local text = fh:read("*a"); fh:close()
      if text:find('class="lab empty"', 1, true) then
        -- a chart with nothing to show: frame, title and the message only
        T.ok(frac > 0.005, string.format("%s: %.4f of the pixels inked", p, frac))
      else
        T.ok(frac > 0.02, string.format("%s: %.4f of the pixels inked", p, frac))
        T.ok(ncol >= 3, string.format("%s: %d colours", p, ncol))
      end
      total = total + 1
    end
  end)
end

T.test("hostile kernel names and 25 kernels: well-formed, legend capped", function()
  local rows = {}
  for i = 1, 25 do
    local name = i == 1 and "a<b>&\"c'\0\255/../x" or ("k" .. i)
    for d = 1, 3 do
      rows[#rows + 1] = { row = "summary", kernel = name, n = 10 ^ d, seconds_median = i * 10 ^ d * 1e-9,
        rms_err = 1.64 / math.sqrt(10 ^ d), samples_per_s_median = 1e9 / i }
    end
  end
  local dir = tmp .. "/hostile"
  local paths = assert(plot.write({ schema = "mcpi/1", results = rows }, dir))
  T.eq(#paths, 4 + 2 * 25)
  T.eq(paths[5], dir .. "/time_a_b___c____.._x.svg", "file name made safe")
  for _, p in ipairs(paths) do
    T.ok(sh(string.format("xmllint --noout '%s'", p)), "well-formed: " .. p)
  end
  local fh = assert(io.open(dir .. "/time_all.svg")); local text = fh:read("*a"); fh:close()
  T.ok(text:find("\226\128\166 and 7 more", 1, true), "legend says what it left out")
  T.ok(text:find('data-kernel="a&lt;b&gt;&amp;&quot;c&#39;\239\191\189/../x"', 1, true), "name escaped")
end)

T.test("charts rendered", function() T.ok(total >= 30, "rendered " .. total) end)

os.execute("rm -rf '" .. tmp .. "'")
T.done()
