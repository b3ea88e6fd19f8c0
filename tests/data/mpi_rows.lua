-- tests/data/mpi_rows.lua: one line "kernel seed n hits" per (philox kernel,
-- seed, N) row, through each kernel's fn (under mpirun: the split kernels of
-- rank 0). tests/sh/test_mpi.sh runs it alone and under mpirun -np K and
-- compares the lines. arg[1]: a comma list of kernels (default: every
-- available philox kernel but ocl.philox and cuda.philox).
local K = mcpi.kernels
local names = {}
if arg[1] then
  for n in arg[1]:gmatch("[^,]+") do names[#names + 1] = n end
else
  for _, n in ipairs(K.names()) do
    local k = K.get(n)
    if k.stream == "philox" and k.available() and n ~= "ocl.philox" and n ~= "cuda.philox" then
      names[#names + 1] = n
    end
  end
end
local SEEDS = { "0", "1", "42", "18446744073709551615" }
local NS = { 1, 2, 3, 4, 5, 63, 64, 65, 127, 129, 1001, 4097, 65537, 200003 }
local RANKS_INFO = require("mcpi.context").collect().mpi
io.write(string.format("# ranks %s\n", RANKS_INFO and RANKS_INFO.ranks or "none"))
for _, name in ipairs(names) do  -- split kernels say so in their description
  io.stderr:write(string.format("%s split=%s\n", name, K.get(name).description:find("MPI ranks", 1, true) and "yes" or "no"))
end
for _, name in ipairs(names) do
  local k = K.get(name)
  for _, seed in ipairs(SEEDS) do
    for _, n in ipairs(NS) do
      local threads = name == "c.threads" and 3 or nil
      io.write(string.format("%s %s %d %s\n", name, seed, n, mcpi.util.u64str(k.fn(n, seed, threads))))
    end
  end
end
