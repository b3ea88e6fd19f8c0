# mcpi plot: the command's outputs, exit codes and one-line messages.
. "$(dirname "$0")/lib.sh"
d=tests/data

run "$MCPI" plot $d/plot_known.json -o "$tmp/charts"
expect_rc 0 "plot known"
expect_out "^$tmp/charts/time_all.svg$" "prints the paths"
expect_no_err "no notes for a clean file"
n=$(ls "$tmp/charts"/*.svg | wc -l)
if [ "$n" = 8 ]; then pass; else fail "8 charts written, got $n"; fi
for f in time_all error_all throughput front time_k.slow error_k.slow time_k.fast error_k.fast; do
    if xmllint --noout "$tmp/charts/$f.svg" 2>/dev/null; then pass; else fail "$f.svg well-formed"; fi
done

cp $d/plot_one.json "$tmp/one.json"
run "$MCPI" plot "$tmp/one.json"
expect_rc 0 "default DIR is the directory of the results file"
expect_out "^$tmp/time_c.scalar.svg$" "written next to the JSON"

run "$MCPI" plot $d/plot_nan.json --output="$tmp/nan"
expect_rc 0 "NaN values (null + nonfinite)"
expect_err "^mcpi: plot: note: 11 non-finite values" "nonfinite noted on stderr"

run "$MCPI" plot $d/plot_missing.json -o"$tmp/missing"
expect_rc 0 "missing fields"
expect_err "note: 2 rows without a kernel name" "skipped rows noted"
expect_err "note: 1 result entry that is not an object skipped" "junk entries noted"

# A sweep's own notes (the points its plan skipped) stay in the file and the
# report; plot says only what reading and drawing found. A "notes" field of
# the wrong type is ignored, not a crash.
"$MCPI" -e '
local cjson = require "cjson"
local f = assert(io.open(arg[1])); local t = cjson.decode(f:read("*a")); f:close()
t.notes = { "skipped k.slow at N=1e9: predicted 99 s; over the budget" }
t.results[#t.results + 1] = "junk"
f = assert(io.open(arg[2], "w")); f:write(cjson.encode(t)); f:close()
t.notes = "not a list"; t.fits = 7
f = assert(io.open(arg[3], "w")); f:write(cjson.encode(t)); f:close()' \
    $d/plot_known.json "$tmp/noted.json" "$tmp/badnotes.json"
run "$MCPI" plot "$tmp/noted.json" -o "$tmp/noted"
expect_rc 0 "plot a file with notes of its own"
if printf '%s' "$err" | grep -q "skipped k.slow"; then fail "the sweep's notes are not repeated by plot"; else pass; fi
expect_err "note: 1 result entry that is not an object skipped" "reading notes still said"
run "$MCPI" plot "$tmp/badnotes.json" -o "$tmp/badnotes"
expect_rc 0 "notes and fits of the wrong type are ignored"
run "$MCPI" report "$tmp/noted.json" -o "$tmp/noted.html"
expect_rc 0 "report of a file with notes"
if grep -q "note: skipped k.slow at N=1e9" "$tmp/noted.html"; then pass; else fail "the report keeps the sweep's notes"; fi

run "$MCPI" plot $d/plot_known.json -o "$tmp/b" --baseline k.fast
expect_rc 0 "--baseline"
if grep -q 'data-kernel="k.slow" data-n="1000000" data-speedup="0.10000000000000001"' "$tmp/b/throughput.svg"; then pass; else fail "speed-up relative to --baseline"; fi

run "$MCPI" plot $d/plot_known.json -o "$tmp/b" --baseline k.fsat
expect_rc 2 "unknown baseline"
expect_err "^mcpi: plot: baseline 'k.fsat' has no throughput value in these results \(did you mean 'k.fast'\?" "baseline message"

run "$MCPI" plot /nonexistent/results.json
expect_rc 2 "missing file"
expect_err "^mcpi: plot: cannot open '/nonexistent/results.json': No such file or directory$" "missing file message"

run "$MCPI" plot $d/plot_notjson.json -o "$tmp/x"
expect_rc 1 "not JSON"
expect_err "^mcpi: plot: 'tests/data/plot_notjson.json' is not JSON \(" "not JSON message"

run "$MCPI" plot $d/plot_badschema.json -o "$tmp/x"
expect_rc 1 "wrong schema"
expect_err "schema 'other/2' is not supported \(expected 'mcpi/1'\)$" "schema message"

run "$MCPI" plot $d/plot_empty.json -o "$tmp/x"
expect_rc 1 "empty results"
expect_err "the results array is empty: nothing to plot$" "empty message"

run "$MCPI" plot $d/plot_norows.json -o "$tmp/x"
expect_rc 1 "no plottable rows"
expect_err "^mcpi: plot: '[^']*': no plottable rows" "no rows message"

run "$MCPI" plot $d/plot_known.json --otput x
expect_rc 2 "unknown option"
expect_err "^mcpi: plot: unknown option '--otput' \(did you mean '--output'\?" "unknown option message"

run "$MCPI" plot
expect_rc 2 "no file"
expect_err "^mcpi: plot: missing RESULTS.json" "no file message"

run "$MCPI" plot $d/plot_known.json $d/plot_one.json
expect_rc 2 "two files"
expect_err "unexpected argument 'tests/data/plot_one.json'" "two files message"

run "$MCPI" plot $d/plot_known.json -o
expect_rc 2 "-o without a value"
expect_err "^mcpi: plot: -o needs a value \\(see 'mcpi help plot'\\)$" "-o message"

: >"$tmp/afile"
run "$MCPI" plot $d/plot_known.json -o "$tmp/afile/sub"
expect_rc 2 "-o under a file"
expect_err "^mcpi: plot: cannot create directory '$tmp/afile/sub': Not a directory$" "unwritable message"

run "$MCPI" plot $d/plot_known.json -o /proc/mcpi-charts
expect_rc 2 "-o in /proc"
expect_err "^mcpi: plot: cannot create directory '/proc/mcpi-charts'" "/proc message"

if [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]; then pass; else fail "error is one line, no traceback"; fi

run "$MCPI" help plot
expect_rc 0 "help plot"
expect_out "^usage: mcpi plot RESULTS.json" "help text"

finish
