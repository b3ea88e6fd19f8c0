--- mcpi.capi: the C functions of src/mcpi.h, reached through the FFI.
-- The declarations come from the header itself, embedded at build time as the
-- module mcpi.cdef; preprocessor lines and the MCPI_API marker are dropped here.
local ffi = require "ffi"

local src = require "mcpi.cdef"
src = ("\n" .. src):gsub("\n#[^\n]*", "\n"):gsub("MCPI_API%s+", "")
ffi.cdef(src)

return ffi.C
