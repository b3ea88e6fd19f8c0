# Devices and MPI are loaded at run time: mcpi links none of them; with no
# OpenCL platform ocl.philox is listed unavailable with the reason and asking
# for it is a clear error; cuda.philox is built when nvcc is found and, with
# no GPU (or no library), listed unavailable with the reason, never a crash.
. "$(dirname "$0")/lib.sh"

DLDIR=$(dirname "$MCPI")/obj/dl
case "$MCPI" in *mcpi-asan) DLDIR=$(dirname "$MCPI")/obj-asan/dl ;; esac

# the binary needs none of MPI, OpenCL, CUDA to start
run ldd "$MCPI"
if printf '%s' "$out" | grep -Eq 'libmpi|libOpenCL|libcuda|libcudart'; then
    fail "mcpi links a device or MPI library: $out"; else pass; fi

run "$MCPI" list
expect_rc 0 "list"
expect_out '^ocl\.philox +ocl +philox +(yes|no) ' "list shows ocl.philox"
expect_out '^cuda\.philox +cuda +philox +(yes|no) ' "list shows cuda.philox"

# no OpenCL platform: an empty vendors directory for the ICD loader
mkdir "$tmp/vendors"
OCL_ICD_VENDORS="$tmp/vendors" run "$MCPI" list
expect_rc 0 "list, no OpenCL platform"
expect_out '^ocl\.philox +ocl +philox +no .*\[no OpenCL platform: the ICD loader found none' "reason shown"
OCL_ICD_VENDORS="$tmp/vendors" run "$MCPI" run ocl.philox c.scalar -n 1000
expect_rc 2 "run ocl.philox without a platform: exit 2"
expect_err "kernel 'ocl\.philox' is unavailable on this machine: no OpenCL platform" "run: reason"
OCL_ICD_VENDORS="$tmp/vendors" run "$MCPI" -e 'mcpi.kernels.get("ocl.philox").fn(1000)'
expect_rc 1 "fn without a platform: exit 1"
expect_err "ocl\.philox' is unavailable on this machine: no OpenCL platform" "fn: reason"
MCPI_OCL_DEVICE=9:9 run "$MCPI" list
expect_out "^ocl\.philox .* no .*MCPI_OCL_DEVICE='9:9' names no device" "a device that is not there"

# cuda.philox: built wherever nvcc is
if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
    if [ -f "$DLDIR/libmcpi_cuda.so" ]; then pass; else fail "nvcc is here but $DLDIR/libmcpi_cuda.so was not built"; fi
    run nm -D "$DLDIR/libmcpi_cuda.so"
    expect_out ' T mcpi_cuda_count$' "libmcpi_cuda.so exports mcpi_cuda_count"
fi
run "$MCPI" list
if printf '%s' "$out" | grep -q '^cuda\.philox .* yes '; then
    # a GPU machine: the stream bit for bit
    run "$MCPI" -e 'local K = mcpi.kernels
      for _, s in ipairs{ "0", "42", "18446744073709551615" } do
        for _, f in ipairs{ 0, 1, 2 ^ 33 - 3 } do
          for _, n in ipairs{ 0, 1, 2, 3, 65, 1000003 } do
            local a, b = K.get("cuda.philox").count(s, f, n), K.get("c.scalar").count(s, f, n)
            if a ~= b then error(("seed %s first %s n %d: %s vs %s"):format(s, f, n, tostring(a), tostring(b))) end
          end
        end
      end'
    expect_rc 0 "cuda.philox: the same hits as c.scalar"
else
    expect_out '^cuda\.philox +cuda +philox +no .*\[(no usable GPU|not built|cannot load)' "cuda.philox: reason shown"
    run "$MCPI" run cuda.philox -n 1000
    expect_rc 2 "run cuda.philox without a GPU: exit 2"
    expect_err "kernel 'cuda\.philox' is unavailable on this machine" "cuda run: reason"
fi
MCPI_DLDIR="$tmp/none" run "$MCPI" list
expect_out '^cuda\.philox .* no .*not built: .*/none/libmcpi_cuda\.so is missing' "no library: reason"

finish
