# CLI: every command and option, with its exit code and output.
. "$(dirname "$0")/lib.sh"

run "$MCPI" version
expect_rc 0 "version"
expect_out '^mcpi [0-9]+\.[0-9]+\.[0-9]+ \(commit ' "version names mcpi and commit"
expect_out 'LuaJIT 2\.1' "version names LuaJIT"
expect_out '^compiler: ' "version names the compiler"
run "$MCPI" --version
expect_rc 0 "--version"
expect_out '^mcpi [0-9]' "--version prints the version"
run "$MCPI" -v
expect_rc 0 "-v"

run "$MCPI" --help
expect_rc 0 "--help"
expect_out '^usage: mcpi ' "--help starts with usage"
for c in script repl list version help; do
    expect_out "^  $c" "--help lists $c"
done
expect_out 'MCPI_LUA_PATH' "--help names MCPI_LUA_PATH"
expect_out 'exit codes: 0 ok, 1 ' "--help lists exit codes"
run "$MCPI" -h
expect_rc 0 "-h"
run "$MCPI" help
expect_rc 0 "help"
expect_out '^usage: mcpi ' "help = --help"
for c in script repl list version help; do
    run "$MCPI" help "$c"
    expect_rc 0 "help $c"
    expect_out "^usage: mcpi $c" "help $c shows its usage"
done
run "$MCPI" help -j
expect_rc 0 "help -j"
expect_out '-jdump' "help -j explains -jdump"

run "$MCPI" list
expect_rc 0 "list"
expect_out '^KERNEL +BACKEND +STREAM +AVAILABLE +DESCRIPTION' "list has a header"
expect_out '^c\.scalar +c +philox +yes' "list shows c.scalar"

# -e: code, arguments in arg and ..., output
run "$MCPI" -e 'print(#arg, arg[1], arg[2], select("#", ...), arg[0])' a 'b c'
expect_rc 0 "-e with args"
expect_out '^2	a	b c	2	-e$' "-e passes ARGS in arg and ..."
run "$MCPI" -e ''
expect_rc 0 "-e ''"
expect_no_err "-e '' is silent"
run "$MCPI" -e 'print(type(mcpi), type(mcpi.kernels), mcpi._VERSION)'
expect_out '^table	table	mcpi ' "-e has the mcpi library loaded"

# script: file, arguments, shebang line, `mcpi FILE.lua`, stdin
printf '#!/usr/bin/env mcpi\nprint(arg[0], arg[1], arg[-1] ~= nil, ...)\n' >"$tmp/s.lua"
run "$MCPI" script "$tmp/s.lua" x y
expect_rc 0 "script"
expect_out "^$tmp/s.lua	x	true	x	y$" "script: arg[0], arg[1], ... as in lua; #! line skipped"
run "$MCPI" "$tmp/s.lua" x y
expect_rc 0 "mcpi FILE.lua"
expect_out "	x	true	x	y$" "mcpi FILE.lua runs it"
run_in 'print("from stdin", ...)' "$MCPI" -
expect_rc 0 "mcpi - (stdin script)"
expect_out '^from stdin$' "mcpi - runs standard input"
run_in 'print("piped")' "$MCPI"
expect_rc 0 "mcpi with piped stdin"
expect_out '^piped$' "mcpi with no args and a pipe runs stdin as a script"
run_in 'print(...)' "$MCPI" script - p q
expect_out '^p	q$' "script - ARGS"
printf 'return 7' >"$tmp/ret.lua"
run "$MCPI" script "$tmp/ret.lua"
expect_rc 0 "a script's return value is not its exit code (as in lua)"
run "$MCPI" -e 'os.exit(3)'
expect_rc 3 "os.exit(3)"
run "$MCPI" -e 'io.write("unflushed"); os.exit(true)'
expect_rc 0 "os.exit(true)"
expect_out '^unflushed$' "os.exit flushes output"
run "$MCPI" -e 'os.exit(false)'
expect_rc 1 "os.exit(false)"

# -j and -O pass through to LuaJIT
run "$MCPI" -jv -e 'local s = 0 for i = 1, 1000 do s = s + i end'
expect_rc 0 "-jv"
expect_err '^\[TRACE +1 ' "-jv reports traces"
run "$MCPI" -jdump -e 'local s = 0 for i = 1, 1000 do s = s + i end'
expect_rc 0 "-jdump"
expect_out '^---- TRACE 1 mcode' "-jdump shows machine code"
expect_out '(add|mov|cmp) ' "-jdump disassembles x86-64"
run "$MCPI" -jdump=i -e 'local s = 0 for i = 1, 1000 do s = s + i end'
expect_out '^---- TRACE 1 IR' "-jdump=i shows IR"
run "$MCPI" -jp=f -e 'local s = 0 for i = 1, 3e8 do s = (s + i) % 7 end'
expect_rc 0 "-jp"
expect_out '%' "-jp prints a profile"
run "$MCPI" -jp=f,"$tmp/prof.txt" -e 'local s = 0 for i = 1, 3e8 do s = (s + i) % 7 end os.exit(0)'
if [ -s "$tmp/prof.txt" ]; then pass; else fail "-jp=f,FILE writes the profile, even after os.exit"; fi
run "$MCPI" -joff -e 'print(jit.status())'
expect_out '^false' "-joff turns the JIT off"
run "$MCPI" -j off -e 'print(jit.status())'
expect_out '^false' "-j off (separate argument)"
run "$MCPI" -O0 -e 'print(select(2, jit.status()))'
expect_rc 0 "-O0"
run "$MCPI" -Ohotloop=5,-fold -e 'print(jit.status())'
expect_rc 0 "-O with comma-separated flags"
run "$MCPI" -jbc -e 'print(1)'
expect_rc 0 "-jbc"
expect_err 'BYTECODE' "-jbc lists bytecode"

# repl command with piped stdin (details in test_repl.sh)
run_in '1+1' "$MCPI" repl
expect_rc 0 "repl from a pipe"
expect_out '^2$' "repl prints values"

finish
