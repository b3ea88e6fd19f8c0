--- mcpi.philox: the philox v1 stream in Lua over the FFI, bit for
-- bit the stream of src/philox.h: Philox4x32-10 on counter (j lo, j hi, 0, 0)
-- and key (seed lo, seed hi); block j gives samples 2j = (r0, r1) and
-- 2j+1 = (r2, r3); a sample hits iff x*x + y*y < 2^64 exactly.
--
-- A Philox product is one exact 64-bit multiply of a zero-extended word:
-- U32(w) * 0xD2511F53ULL, uint64_t cdata that allocation sinking keeps in a
-- register, so LuaJIT compiles the rounds to plain integer code (see rounds()
-- for how the words are held). The ten rounds are unrolled by generating the
-- loop's source once at load time; the hit test is branch-free: the carry out
-- of x*x + y*y is bit 63 of (x*x & y*y) + ((x*x ^ y*y) >> 1), i.e.
-- floor((x*x + y*y) / 2), which cannot itself overflow. (The squares are of
-- uint32_t cdata: FFI arithmetic on two 32-bit cdata is int64_t arithmetic, the
-- same 64 bits as unsigned, and rshift is logical.)
local ffi = require "ffi"
local bit = require "bit"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local band, rshift, bxor, ror, tobit = bit.band, bit.rshift, bit.bxor, bit.ror, bit.tobit
local format, concat, loadstring, tonumber = string.format, table.concat, loadstring, tonumber
local min = math.min

local M = {}

local U64 = ffi.typeof("uint64_t")
local U32 = ffi.typeof("uint32_t")
local LO = 0xffffffffULL
local TWO32 = 4294967296
--- Blocks per inner loop: the kernels poll SIGINT once per chunk (about a
-- millisecond), since compiled traces never see the interrupt hook.
M.CHUNK = 65536

-- -- Generated code: the ten rounds, unrolled ----------------------------------

-- Round keys k0_r = seed lo + r * 0x9E3779B9, likewise k1_r: uint64_t whose
-- low 32 bits are the Philox round keys (the high bits never reach a word).
local KEYS = {}
for r = 0, 9 do
  KEYS[#KEYS + 1] = format(
    "local k0_%d, k1_%d = k0 + %dULL * 0x9E3779B9ULL, k1 + %dULL * 0xBB67AE85ULL", r, r, r, r)
end
KEYS = concat(KEYS, "\n  ")

-- The ten rounds for the blocks named in lanes ({"a", "b"}: words a0..a3,
-- b0..b3), interleaved so their dependency chains overlap: one block alone is
-- a chain of 10 x (imul, shift, xor) the CPU cannot hide.
--
-- How the words are held. w0 and w2, the multiply inputs, are Lua numbers
-- (int32 in the IR: tobit of the 64-bit XOR, one 32-bit mov that also clears
-- the high half); U32(w) before the multiply is then a zero extension that
-- costs nothing. w1 and w3 are the whole previous products p (uint64_t): only
-- their low halves matter and they only meet a XOR whose result tobit
-- truncates, so they need no mask at all. hi(p) is ror(p, 32) (one
-- non-destructive rorx, BMI2); its high half is garbage the same tobit drops.
-- The round keys are likewise unmasked uint64_t. Per half round that is imul,
-- rorx, xor, xor, mov: no band with a 64-bit mask (the old form, every word
-- uint64_t and masked with band(, LO) before each multiply, loaded the mask
-- from memory 20 times a block and spilled 64-bit words).
--
-- (w1 ^ key) is written first, apart from ror(p, 32): it does not depend on
-- the product, so only one XOR (not two) sits on each word's chain imul ->
-- rorx -> xor -> mov -> next imul. That alone took the int32 form from 4.6 to
-- 4.3 ns/sample; the chain latency, not only the instruction count, bounds
-- this loop.
--
-- Each block's round is written whole (products, then the new words) before
-- the next block's: LuaJIT emits code in that order, and the new word first
-- (lo half after) measured faster than the other way round (4.6 vs 5.0
-- ns/sample in the all-int32 variant).
local function rounds(lanes)
  local t = {}
  for r = 0, 9 do
    for _, v in ipairs(lanes) do
      t[#t + 1] = format("%sp0, %sp1 = U32(%s0) * 0xD2511F53ULL, U32(%s2) * 0xCD9E8D57ULL", v, v, v, v)
      t[#t + 1] = format("%s0, %s1, %s2, %s3 = tobit(bxor(bxor(%s1, k0_%d), ror(%sp1, 32))), %sp1, "
        .. "tobit(bxor(bxor(%s3, k1_%d), ror(%sp0, 32))), %sp0", v, v, v, v, v, r, v, v, v, r, v, v)
    end
  end
  return concat(t, "\n    ")
end

-- Code placement. The wide count loop is one trace of ~390 instructions
-- (~1.7 KB) per 3 blocks, and its speed depends on where LuaJIT happens to put
-- it: measured against c.scalar in the same process, 0.97x for most
-- placements, 1.40x (5.65 ns/sample) when the loop's closing cmp + jle lies
-- across or just after a 64-byte boundary: the looping trace's machine code
-- ends at 7..14 mod 64 (a padding sweep in a harness; and 16 processes read
-- with jit.util.tracemc: ends at 7, 10, 13, 14 ran 1.37-1.46x, at 16, 17,
-- 19, 22, 54 ran 0.92-1.04x). The front end then seems to run the loop from
-- the legacy decoders, ~3 instructions a cycle; there are no hardware
-- counters here to confirm. Flushing the trace (jit.flush(tr)) and letting it
-- recompile moves it and cures a bad placement, but that tunes code
-- placement for one microarchitecture and hides how LuaJIT itself behaves,
-- which is what this kernel measures: left alone. Traces are not aligned and their
-- addresses depend on every trace compiled before, so a process gets one or
-- the other, and not uniformly: 7 of 18 runs of one A/B script landed slow.
-- Compare medians over several processes and look at the placement
-- (jit.util.tracemc) before reading much into one. (The old uint64_t form,
-- 560 instructions per 4 blocks, ran 6.2 ns/sample at every placement. A
-- while-true loop whose back edge is a plain jmp was no better: slow at 3 of
-- 24 placements, and the counter became a double.)

--- Blocks the generated loops work on side by side (see rounds()). Three:
-- 3 x 4 words, the products and a few keys fit the 15 free GPRs with two
-- spills (keys are read as memory operands); four lanes spill the 64-bit
-- words and fall to rol instead of rorx (4.9 ns/sample vs 3.9), two lanes
-- leave the chains exposed (5.8).
M.LANES = 3
local LANES = {}
for i = 1, M.LANES do LANES[i] = string.char(96 + i) end

local function expand(fmt_lane, sep)
  local t = {}
  for i, v in ipairs(LANES) do t[i] = fmt_lane:gsub("@", v):gsub("#", tostring(i - 1)) end
  return concat(t, sep)
end

local SOURCE = [[
local U64, U32, band, rshift, bxor, ror, tobit, min, max, floor = ...
local M = {}

-- One block: r0, r1, r2, r3 as uint32_t (counter words in 0..2^32-1, numbers
-- or uint64_t; keys uint64_t).
function M.block(a0, a1, a2, a3, k0, k1)
  KEYS
  local ap0, ap1
  ROUNDS1
  return U32(a0), U32(tobit(a1)), U32(a2), U32(tobit(a3))
end
local block = M.block

local function misses_one(k0, k1, jhi, lo, cnt, skip0, skip1)
  KEYS
  local misses = 0ULL
  local e = lo + cnt
  for j = lo, e - 1 do
    INIT1
    ROUNDS1
    MISS1
  end
  return misses
end

-- Misses (carries) among the samples of blocks jhi * 2^32 + lo .. + cnt - 1
-- (lo + cnt <= 2^32), leaving out sample 0 of the first block if skip0 = 1
-- and sample 1 of the last block if skip1 = 1. The wide loop runs the whole
-- groups of LANES blocks before the one holding the last block, unweighted;
-- the blocks of that last group go through misses_one, each sample's carry
-- weighted (0 or 1, branch-free) so a skipped sample 1 counts nothing. (Weighting every
-- group cost 5-6%: the weights' float code and conversions fill issue slots
-- the rounds need.) A skipped sample 0 is subtracted after. A loop LuaJIT
-- records needs three iterations (one to get hot, one to record, one to
-- close); fewer than three groups go to a one-block loop instead, so every
-- call of 3+ blocks runs a loop that compiles, and callers' traces link to it
-- rather than abort on it.
local function misses_wide(k0, k1, jhi, lo, cnt, skip0, skip1)
  KEYS
  local misses = 0ULL
  local e = lo + cnt
  for j = lo, e - LANES - 1, LANES do
    INIT
    ROUNDS
    MISSU
  end
  -- The last 1..LANES blocks, weighted, one at a time: a loop of its own
  -- (its own short trace). Inline after the wide loop, the four weighted
  -- blocks made a side trace too long to record, and every call then
  -- finished in the interpreter (32 us at N = 1000).
  local jt = lo + LANES * floor((cnt - 1) / LANES)
  misses = misses + misses_one(k0, k1, jhi, jt, e - jt, 0, skip1)
  if skip0 ~= 0 then
    local x, y = block(lo, jhi, 0, 0ULL, k0, k1)
    local xx, yy = x * x, y * y
    misses = misses - rshift(band(xx, yy) + rshift(bxor(xx, yy), 1), 63)
  end
  return misses
end

-- The choice comes before the round keys exist: a trace exit at this branch
-- then carries a handful of live values, not twenty keys (LuaJIT cannot
-- start a side trace from an exit with that many: "register coalescing too
-- complex").
function M.misses(k0, k1, jhi, lo, cnt, skip0, skip1)
  if cnt > 3 * LANES then return misses_wide(k0, k1, jhi, lo, cnt, skip0, skip1) end
  return misses_one(k0, k1, jhi, lo, cnt, skip0, skip1)
end

-- The samples of those blocks into xy[at ..]: x, y, x, y, ...
function M.fill(k0, k1, jhi, lo, cnt, xy, at)
  KEYS
  local last = lo + cnt - cnt % LANES
  for j = lo, last - 1, LANES do
    INIT
    ROUNDS
    STORE
  end
  for j = last, lo + cnt - 1 do
    local i = at + 4 * (j - lo)
    xy[i], xy[i + 1], xy[i + 2], xy[i + 3] = block(U64(j), jhi, 0ULL, 0ULL, k0, k1)
  end
end

-- Blocks lo .. lo + cnt - 1 into xy[at ..] like M.fill, but the wide loop
-- writes whole groups, up to LANES - 1 blocks past the end: xy needs that
-- slack. In exchange there is no remainder loop, and like M.misses every call
-- of 3+ blocks runs a loop that compiles.
local function fill_wide(k0, k1, jhi, lo, cnt, xy, at)
  KEYS
  for j = lo, lo + cnt - 1, LANES do
    INIT
    ROUNDS
    STORE
  end
end

local function fill_one(k0, k1, jhi, lo, cnt, xy, at)
  KEYS
  for j = lo, lo + cnt - 1 do
    INIT1
    ROUNDS1
    STORE1
  end
end

function M.fill_whole(k0, k1, jhi, lo, cnt, xy, at)
  if cnt > 2 * LANES then return fill_wide(k0, k1, jhi, lo, cnt, xy, at) end
  return fill_one(k0, k1, jhi, lo, cnt, xy, at)
end

return M
]]
-- Per lane @ (a, b, ...) at offset # from j.
local INIT = "local @0, @1, @2, @3 = j + #, jhi, 0, 0ULL\n    local @p0, @p1"
local SQUARES = "local @x, @y, @z, @w = U32(@0), U32(tobit(@1)), U32(@2), U32(tobit(@3))\n    "
    .. "@x, @y, @z, @w = @x * @x, @y * @y, @z * @z, @w * @w\n    "
local MISS = SQUARES
    .. "local @in = max(0, min(1, e - (j + #)))\n    "
    .. "local @w0 = @in * (1 - skip0 * max(0, lo + 1 - (j + #)))\n    "
    .. "local @w1 = @in * (1 - skip1 * max(0, j + # - e + 2))\n    "
    .. "misses = misses + rshift(band(@x, @y) + rshift(bxor(@x, @y), 1), 63) * @w0"
    .. " + rshift(band(@z, @w) + rshift(bxor(@z, @w), 1), 63) * @w1"

local MISSU = SQUARES
    .. "misses = misses + rshift(band(@x, @y) + rshift(bxor(@x, @y), 1), 63)"
    .. " + rshift(band(@z, @w) + rshift(bxor(@z, @w), 1), 63)"

local STORE = "xy[i + 4 * # + 0], xy[i + 4 * # + 1], xy[i + 4 * # + 2], xy[i + 4 * # + 3] = @0, @1, @2, @3"

local parts = {
  KEYS = KEYS,
  ROUNDS1 = rounds({ "a" }),
  ROUNDS = rounds(LANES),
  LANES = tostring(M.LANES),
  INIT = expand(INIT, "\n    "),
  MISS = expand(MISS, "\n    "),
  MISSU = expand(MISSU, "\n    "),
  INIT1 = INIT:gsub("@", "a"):gsub("#", "0"),
  MISS1 = MISS:gsub("@", "a"):gsub("#", "0"),
  STORE = "local i = at + 4 * (j - lo)\n    " .. expand(STORE, "\n    "),
  STORE1 = "local i = at + 4 * (j - lo)\n    " .. STORE:gsub("@", "a"):gsub("#", "0"),
}
SOURCE = SOURCE:gsub("%u+%d?", function(k) return parts[k] end)
assert(not SOURCE:find("[@#]"), "unexpanded lane marker")
local gen = assert(loadstring(SOURCE, "=mcpi.philox(generated)"))(U64, U32, band, rshift, bxor, ror, tobit, math.min, math.max, math.floor)
local block, misses, fill_blocks, fill_whole = gen.block, gen.misses, gen.fill, gen.fill_whole

--- uint32_t words M.fill_blocks_u64 may write past the end of its blocks.
M.SLACK = 4 * (M.LANES - 1)

--- The source of the generated loops (to read what -jdump shows).
M.source = SOURCE

-- -- Public functions ------------------------------------------------------------

local function u32(v, what)
  if type(v) ~= "number" or v < 0 or v >= TWO32 or v ~= math.floor(v) then
    error(format("%s must be an integer in 0..2^32-1, got %s", what, util.fmtnum(v)), 3)
  end
  return U64(v)
end

--- Philox4x32-10 of counter (c0, c1, c2, c3) and key (k0, k1), all integers
-- in 0..2^32-1 (Random123's philox4x32_10). Returns r0, r1, r2, r3 as numbers.
function M.philox4x32_10(c0, c1, c2, c3, k0, k1)
  local a, b, c, d = block(u32(c0, "c0"), u32(c1, "c1"), u32(c2, "c2"), u32(c3, "c3"),
                           u32(k0, "k0"), u32(k1, "k1"))
  return tonumber(a), tonumber(b), tonumber(c), tonumber(d)
end

local function args(seed, first, n, level)
  local s, err = util.to_u64(seed, "seed")
  if not s then error(err, level + 1) end
  local f, err2 = util.to_u64(first, "first")
  if not f then error(err2, level + 1) end
  local m, err3 = util.to_u64(n, "n")
  if not m then error(err3, level + 1) end
  if f + m < f then
    error(format("first + n must be < 2^64, got first=%s n=%s", util.u64str(f), util.u64str(m)), level + 1)
  end
  return s, f, m
end

-- The next chunk of whole blocks from jb (< je): its high counter word,
-- low word and length. Chunks never cross a multiple of 2^32 blocks (the high
-- word stays fixed inside the generated loops) and are polled for SIGINT.
local function next_chunk(jb, je)
  if C.mcpi_signal_pending() ~= 0 then util.interrupted() end
  local lo = tonumber(band(jb, LO))
  local cnt = min(M.CHUNK, TWO32 - lo)
  if je - jb < U64(cnt) then cnt = tonumber(je - jb) end
  return rshift(jb, 32), lo, cnt
end

--- Hits among samples first .. first+n-1 of the stream for seed (numbers,
-- uint64_t cdata or decimal strings). Returns the count as uint64_t.
function M.count(seed, first, n)
  local s, f, m = args(seed, first, n, 2)
  return M.count_u64(s, f, m)
end

--- M.count without argument checks: seed, first and n are uint64_t and
-- first + n does not wrap. The kernel lua.philox is count_u64(seed, 0, n).
function M.count_u64(seed, first, n)
  if n == 0 then return 0ULL end
  local k0, k1 = band(seed, LO), rshift(seed, 32)
  local e = first + n
  local jb, je = first / 2, e / 2 + e % 2  -- every block the range touches
  local skip0, skip1 = tonumber(first % 2), tonumber(e % 2)
  -- The first chunk is peeled off the loop: a call of one chunk then runs no
  -- loop here, and traces through it do not abort on an uncompiled inner loop.
  local jhi, lo, cnt = next_chunk(jb, je)
  jb = jb + cnt
  local miss = misses(k0, k1, jhi, lo, cnt, skip0, jb == je and skip1 or 0)
  while jb < je do
    jhi, lo, cnt = next_chunk(jb, je)
    jb = jb + cnt
    miss = miss + misses(k0, k1, jhi, lo, cnt, 0, jb == je and skip1 or 0)
  end
  return n - miss
end

-- Converts like an assignment does: only uint32_t arrays and pointers pass.
local ptr_slot = ffi.new("uint32_t *[1]")
local function as_u32ptr(xy) ptr_slot[0] = xy; ptr_slot[0] = nil end

--- Write samples first .. first+n-1 into xy, a uint32_t array of at least
-- 2n elements the caller owns: xy[2i] = x, xy[2i+1] = y of sample first+i.
-- The same layout as C.mcpi_philox_fill. Returns xy.
function M.fill(seed, first, n, xy)
  local s, f, m = args(seed, first, n, 2)
  if type(xy) ~= "cdata" then
    error(format("xy must be a uint32_t array (cdata), got %s", type(xy)), 2)
  end
  if not pcall(as_u32ptr, xy) then
    error(format("xy must be a uint32_t array, got %s", tostring(ffi.typeof(xy))), 2)
  end
  M.fill_u64(s, f, m, xy)
  return xy
end

--- M.fill without argument checks (n must fit a Lua number).
function M.fill_u64(seed, first, n, xy)
  if n == 0 then return end
  local k0, k1 = band(seed, LO), rshift(seed, 32)
  local e = first + n
  local jb, je = first / 2 + first % 2, e / 2
  local at = 0
  if first % 2 == 1 then
    local j = first / 2
    local _, _, x, y = block(band(j, LO), rshift(j, 32), 0ULL, 0ULL, k0, k1)
    xy[0], xy[1] = x, y
    at = 2
  end
  while jb < je do  -- block j lands at xy[at + 4 * (j - first whole block)]
    local jhi, lo, cnt = next_chunk(jb, je)
    fill_blocks(k0, k1, jhi, lo, cnt, xy, at)
    at = at + 4 * cnt
    jb = jb + cnt
  end
  if e % 2 == 1 then
    local x, y = block(band(je, LO), rshift(je, 32), 0ULL, 0ULL, k0, k1)
    local i = 2 * tonumber(n - 1)
    xy[i], xy[i + 1] = x, y
  end
end

--- Write whole blocks jb .. jb+nb-1 (uint64_t) of the stream for seed into
-- xy[0 ..]: r0, r1, r2, r3 of each block, i.e. samples 2jb .. 2(jb+nb)-1 as
-- x, y pairs. xy must hold 4 * nb + M.SLACK uint32_t: the loop writes whole
-- groups of blocks. No argument checks (lua.array's fill).
function M.fill_blocks_u64(seed, jb, nb, xy)
  local k0, k1 = band(seed, LO), rshift(seed, 32)
  if nb == 0 then return end
  local je = jb + nb
  local jhi, lo, cnt = next_chunk(jb, je)  -- the first chunk peeled, as in count_u64
  fill_whole(k0, k1, jhi, lo, cnt, xy, 0)
  local at = 4 * cnt
  jb = jb + cnt
  while jb < je do
    jhi, lo, cnt = next_chunk(jb, je)
    fill_whole(k0, k1, jhi, lo, cnt, xy, at)
    at = at + 4 * cnt
    jb = jb + cnt
  end
end

return M
