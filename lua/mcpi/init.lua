--- mcpi: the library. Submodules load on first use, so `mcpi -e ''` stays fast.
--   mcpi.kernels  registry of kernels      mcpi.util   argument checks
--   mcpi.capi     the C API (ffi.C)        mcpi.philox the philox stream in Lua
local M = { _VERSION = "mcpi 0.1.0" }

-- name -> module, or {module, field}
local lazy = {
  kernels = "mcpi.kernels",
  util = "mcpi.util",
  capi = "mcpi.capi",
  philox = "mcpi.philox",
}

setmetatable(M, {
  __index = function(t, k)
    local where = lazy[k]
    if where == nil then return nil end
    local v
    if type(where) == "table" then
      v = require(where[1])[where[2]]
    else
      v = require(where)
    end
    rawset(t, k, v)
    return v
  end,
})

return M
