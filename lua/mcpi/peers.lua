--- mcpi.peers: the built-in Python peers (src/peers/), as a list of kernel
-- specs mcpi.kernels registers. Each runs in a worker process speaking
-- "mcpi-worker/1": <python> <dir>/src/peers/mcpi_worker.py <name>, where dir
-- is the directory of the mcpi executable and python is $MCPI_PYTHON or
-- <dir>/vendor/venv/bin/python3 (`make peers` makes it). Availability is
-- decided without starting Python: the worker script and the venv's
-- site-packages are looked at, so `mcpi list` stays fast and says what to
-- install (make peers PEERS=<package>). MCPI_PEERS, when set, limits the
-- peers to those packages (make run and make test set it from PEERS=).
--
--   py.cpython       the study's random.random() loop, pure Python (py-random)
--   py.numba         philox v1 in @njit                      (bit-identical)
--   py.numba_par     the same, parallel=True / prange         (bit-identical)
--   py.numba_random  random.random() in @njit                 (numba-random)
--   py.numpy         philox v1 over uint64 arrays in chunks   (bit-identical)
--   py.jax           philox v1 in jax.numpy under jax.jit      (bit-identical)
--   py.jax_random    jax.random.uniform, threefry              (jax-threefry)
--   py.tf            TensorFlow's Philox raw op under XLA      (bit-identical)
--   py.triton        tl.randint4x block kernel; interpreter without a GPU
local ffi = require "ffi"
local C = require "mcpi.capi"

local format, getenv, open = string.format, os.getenv, io.open

-- name, stream, PEERS= package, modules that must be in site-packages, threaded, description
local PEERS = {
  { "py.cpython", "py-random", "cpython", {},
    false, "the study's plain loop in pure Python, random.random() (no JIT)" },
  { "py.numba", "philox", "numba", { "numba", "numpy" },
    false, "philox v1 written plainly in Numba @njit (LLVM auto-vectorises it)" },
  { "py.numba_par", "philox", "numba", { "numba", "numpy" },
    true, "py.numba with parallel=True and prange on T threads" },
  { "py.numba_random", "numba-random", "numba", { "numba", "numpy" },
    false, "the study's loop with random.random() inside @njit (Numba's generator)" },
  { "py.numpy", "philox", "numpy", { "numpy" },
    false, "philox v1 vectorised over NumPy uint64 arrays, fixed-size chunks" },
  { "py.jax", "philox", "jax", { "jax", "jaxlib" },
    false, "philox v1 in jax.numpy integer ops under jax.jit, fixed-size chunks" },
  { "py.jax_random", "jax-threefry", "jax", { "jax", "jaxlib" },
    false, "the study's way in JAX: jax.random.uniform (threefry), chunked" },
  { "py.tf", "philox", "tf", { "tensorflow" },
    false, "TensorFlow's own Philox4x32-10 (stateless raw op) under XLA" },
  { "py.triton", "philox", "triton", { "triton", "torch" },
    false, "@triton.jit block kernel with tl.randint4x (interpreter without a GPU)" },
}

local function exists(path)
  local fh = open(path, "r")
  if fh then fh:close() end
  return fh ~= nil
end

local function exe_dir()
  local d = ffi.string(C.mcpi_path_exe_dir())
  return d ~= "" and d or "."
end

-- The venv's site-packages (from its pyvenv.cfg), or nil.
local function site_packages(venv)
  local fh = open(venv .. "/pyvenv.cfg", "r")
  if not fh then return nil end
  local cfg = fh:read("*a")
  fh:close()
  local mm = cfg:match("version_info%s*=%s*(%d+%.%d+)") or cfg:match("version%s*=%s*(%d+%.%d+)")
  return mm and format("%s/lib/python%s/site-packages", venv, mm) or nil
end

-- Where the peers are looked for: {dir, worker, python, venv, override}.
local function paths()
  local dir = exe_dir()
  local override = getenv("MCPI_PYTHON")
  if override == "" then override = nil end
  -- a build tree (src/peers), else where `make install` puts them
  local worker = dir .. "/src/peers/mcpi_worker.py"
  if not exists(worker) and exists(dir .. "/../share/mcpi/peers/mcpi_worker.py") then
    worker = dir .. "/../share/mcpi/peers/mcpi_worker.py"
  end
  return { dir = dir, worker = worker,
           venv = dir .. "/vendor/venv",
           python = override or dir .. "/vendor/venv/bin/python3", override = override }
end

-- MCPI_PEERS (set by make run / make test from PEERS=): the packages whose
-- peers take part ("cpython numba", "all", "none"); unset: every installed one.
local function selected(pkg)
  local sel = getenv("MCPI_PEERS")
  if sel == nil or sel == "" then return true end
  for w in sel:gmatch("[^%s,]+") do
    if w == pkg or w == "all" then return true end
  end
  return false, sel
end

-- available(): ok, why, hint; looks at files only.
local function availability(pkg, modules)
  local hint = format("make peers PEERS=%s", pkg)
  return function()
    local on, sel = selected(pkg)
    if not on then
      return false, format("not among the selected peers (MCPI_PEERS='%s')", sel),
        format("PEERS=%s (make), or unset MCPI_PEERS", pkg)
    end
    local p = paths()
    if not exists(p.worker) then
      return false, format("the peer sources are not beside mcpi (%s not found)", p.worker),
        "run mcpi from its build directory, or `make install` it"
    end
    if p.override then return true end  -- MCPI_PYTHON: the handshake says what is missing
    if not exists(p.python) then
      if not p.worker:find("/src/peers/", 1, true) then  -- installed: no venv beside it
        hint = #modules == 0 and "MCPI_PYTHON=python3 (any Python 3)"
          or format("MCPI_PYTHON=PATH, a python3 with %s (e.g. a checkout's vendor/venv/bin/python3)",
            table.concat(modules, ", "))
      end
      return false, format("no Python environment for the peers (%s not found)", p.python), hint
    end
    local site = site_packages(p.venv)
    for _, m in ipairs(modules) do
      if not site or not exists(format("%s/%s/__init__.py", site, m)) then
        return false, format("%s is not installed in %s", m, p.venv), hint
      end
    end
    return true
  end
end

local specs = {}
for i, row in ipairs(PEERS) do
  local name, stream, pkg, modules, threaded, desc = row[1], row[2], row[3], row[4], row[5], row[6]
  local p = paths()
  specs[i] = {
    name = name, stream = stream, threaded = threaded, description = desc,
    command = { p.python, p.worker, name },
    env = { PYTHONDONTWRITEBYTECODE = "1" },
    available = availability(pkg, modules),
  }
end

return specs
