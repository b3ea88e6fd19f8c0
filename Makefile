# mcpi -- a benchmarking engine whose experiments are Lua scripts.
#
#   make            fetch dependencies (Debian packages, see vendor/) and build ./mcpi
#   make run        build, then run the default experiment scripts/sweep.lua
#   make test       build, then run the whole test suite
#   make asan       build ./mcpi-asan (AddressSanitizer + UBSan) and run the suite on
#                   it; any sanitizer report fails the target
#   make peers      install the Python peers (PEERS=...) into vendor/venv
#   make tsan       build ./mcpi-tsan (ThreadSanitizer) and run the threaded kernels on
#                   it, with a SIGINT during c.threads; any report fails the target
#   make fuzz       fuzz the Lua API, results files, command lines and the REPL
#                   (FUZZ_SECONDS per part, FUZZ_SEED), then the signal suite
#                   (random SIGINT/TERM/HUP/KILL during sweeps)
#   make bench      benchmarks (tests/bench/); JSON into results/bench/
#   make install    copy mcpi to $(DESTDIR)$(PREFIX)/bin
#   make clean      remove build outputs (vendor/root stays; `make distclean` too)
#
# Knobs (override on the command line: make CC=clang CFLAGS=-O3):
CC      ?= gcc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
PREFIX  ?= /usr/local
# DEPS=vendor uses vendor/root (fetched by package name); DEPS=system uses a
# system install found by pkg-config (libluajit2-5.1-dev, lua-cjson-dev, libedit-dev).
DEPS    ?= vendor
# Extra flags for a variant build (the asan target sets these).
XCFLAGS ?=
XLDFLAGS ?=
OBJ     ?= obj
BIN     ?= mcpi
SWEEP_ARGS ?=
# Python peers (src/peers/) `make peers`, `make run` and `make test` install
# into vendor/venv/ from PyPI (pins: vendor/requirements.txt): any of cpython
# numba numpy jax tf triton, all, or none. triton is opt-in: it needs PyTorch
# (about 2.7 GB of downloads with its CUDA libraries).
PEERS   ?= cpython numba numpy jax tf
PYTHON  ?= python3
# Run-time loaded parts (src/dl/, into $(OBJ)/dl/), each built only when its
# compiler is found, else skipped with a note: the MPI shim (mpicc, from
# libopenmpi-dev) and cuda.philox (nvcc, from the CUDA toolkit).
MPICC   ?= mpicc
NVCC    ?= $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
NVFLAGS ?= -O3 -gencode arch=compute_75,code=[sm_75,compute_75] -gencode arch=compute_90,code=sm_90
FUZZ_SECONDS ?= 20
FUZZ_SEED ?= 1

VERSION := 0.1.0

# The target: Debian's multiarch triplet (x86_64-linux-gnu, aarch64-linux-gnu)
# names vendor/root's library directory; the SIMD flags and LuaJIT's
# disassembler modules depend on the CPU family.
MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null | sed 's/-pc-\|-unknown-/-/')
ARCH      := $(firstword $(subst -, ,$(MULTIARCH)))

ifeq ($(DEPS),system)
  # Debian: apt-get install libluajit2-5.1-dev lua-cjson-dev libedit-dev luajit2
  LUAJIT_INC := $(shell pkg-config --cflags luajit 2>/dev/null)
  LIBDIR     := $(shell pkg-config --variable=libdir luajit 2>/dev/null)
  LUAJIT     := luajit
  JITDIR     := $(firstword $(wildcard /usr/share/luajit-2.1*/jit /usr/local/share/luajit-2.1*/jit))
  DEPS_STAMP :=
  FETCH_TOOLS := --only-tools
  ifneq ($(filter-out clean distclean,$(or $(MAKECMDGOALS),all)),)
    ifeq ($(LIBDIR),)
      $(error DEPS=system: pkg-config finds no luajit (apt-get install pkg-config libluajit2-5.1-dev))
    endif
    ifeq ($(shell command -v $(LUAJIT)),)
      $(error DEPS=system: no luajit command to compile the library to bytecode (apt-get install luajit2))
    endif
    ifeq ($(JITDIR),)
      $(error DEPS=system: LuaJIT's jit/*.lua modules not found under /usr/share/luajit-2.1* (apt-get install luajit2))
    endif
    ifeq ($(wildcard $(LIBDIR)/liblua5.1-cjson.a $(LIBDIR)/libedit.a),)
      $(error DEPS=system: static liblua5.1-cjson.a / libedit.a missing in $(LIBDIR) (apt-get install lua-cjson-dev libedit-dev))
    endif
  endif
else
  ROOT       := vendor/root
  LUAJIT_INC := -I$(ROOT)/usr/include/luajit-2.1
  LIBDIR     := $(ROOT)/usr/lib/$(MULTIARCH)
  LUAJIT     = LD_LIBRARY_PATH=$(LIBDIR) LUA_PATH="$(JITDIR)/../?.lua" $(ROOT)/usr/bin/luajit
  JITDIR     = $(firstword $(wildcard $(ROOT)/usr/share/luajit-2.1*/jit))
  DEPS_STAMP := $(ROOT)/.stamp
  FETCH_TOOLS := --tools
  EDIT_INC   := -I$(ROOT)/usr/include
endif

WARN     := -Wall -Wextra
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -pthread $(LUAJIT_INC) $(EDIT_INC) \
              -DMCPI_VERSION='"$(VERSION)"' $(XCFLAGS)
STATIC_LIBS := $(LIBDIR)/libluajit-5.1.a $(LIBDIR)/liblua5.1-cjson.a \
               $(LIBDIR)/libedit.a $(LIBDIR)/libtinfo.a $(LIBDIR)/libbsd.a $(LIBDIR)/libmd.a
LIBS     := -lm -ldl -pthread

# C sources: one subsystem per file. The SIMD kernels put their vector code in
# target("avx2") / target("avx512f,...") functions and are otherwise built for
# baseline x86-64, so one binary runs on any x86-64 CPU and checks the CPU
# before the first vector instruction. -mno-avx512f keeps the AVX2 path free of
# AVX-512 (EVEX) code even when CFLAGS has -march=native on an AVX-512 machine.
SRCS     := $(sort $(wildcard src/*.c))
C_OBJS   := $(SRCS:src/%.c=$(OBJ)/%.o)
# On other CPUs those files compile to nothing and c.scalar is the C path.
ifneq ($(filter x86_64 i386 i486 i586 i686,$(ARCH)),)
  FLAGS_kernel_avx2 := -mno-avx512f
  DIS_MODS          := dis_x86 dis_x64
else ifeq ($(ARCH),aarch64)
  DIS_MODS          := dis_arm64
endif

# c.auto: src/kernel_auto.c's plain loop compiled again per compiler and ISA
# level (AUTO_VARIANT=<cc>_<isa>), left to each auto-vectoriser; the ordinary
# build of the file is the run-time dispatcher, told what was built through
# $(OBJ)/auto_variants.h. A compiler that is missing is left out (c.auto_clang
# is then listed unavailable). The loops are leaf code: no sanitizer flags, so
# a clang-built loop links into a gcc ASan binary.
AUTO_GCC   ?= $(shell command -v gcc 2>/dev/null)
AUTO_CLANG ?= $(shell command -v clang 2>/dev/null)
ifneq ($(filter x86_64,$(ARCH)),)
  AUTO_ISAS        := v4 v3 base
  AUTO_MARCH_v4    := -march=x86-64-v4 -mprefer-vector-width=512
  AUTO_MARCH_v3    := -march=x86-64-v3
  AUTO_MARCH_base  := -march=x86-64
else
  AUTO_ISAS        := base
  AUTO_MARCH_base  :=
endif
AUTO_NAME_v4   := x86-64-v4
AUTO_NAME_v3   := x86-64-v3
AUTO_NAME_base := $(if $(filter x86_64,$(ARCH)),x86-64,$(ARCH))
AUTO_ISA_v4   := ISA_V4
AUTO_ISA_v3   := ISA_V3
AUTO_ISA_base := ISA_BASE
AUTO_CCS := $(if $(AUTO_CLANG),clang) $(if $(AUTO_GCC),gcc)
AUTO_CC_clang := $(AUTO_CLANG)
AUTO_CC_gcc   := $(AUTO_GCC)
AUTO_ID_clang := MCPI_AUTO_CLANG
AUTO_ID_gcc   := MCPI_AUTO_GCC
AUTO_VARS := $(foreach i,$(AUTO_ISAS),$(foreach c,$(AUTO_CCS),$(c)_$(i)))
AUTO_OBJS := $(AUTO_VARS:%=$(OBJ)/auto_%.o)
FLAGS_kernel_auto := -I$(OBJ)

# Lua modules: lua/mcpi/x.lua -> module mcpi.x (init.lua -> mcpi), embedded as
# bytecode objects exporting luaJIT_BC_<name>, which require() finds through
# -Wl,-E. LuaJIT's own jit.* modules (for -jv, -jdump, -jp) are embedded too.
LUA_SRCS := $(sort $(wildcard lua/mcpi/*.lua))
LUA_OBJS := $(LUA_SRCS:lua/mcpi/%.lua=$(OBJ)/lua/mcpi_%.o) $(OBJ)/lua/mcpi_cdef.o \
            $(OBJ)/lua/mcpi_philox_cl.o
JIT_MODS := bc v dump p zone vmdef $(DIS_MODS)
JIT_OBJS := $(JIT_MODS:%=$(OBJ)/lua/jit_%.o)

Q := @
ifeq ($(V),1)
  Q :=
endif

.PHONY: all deps peers dl run test asan tsan fuzz bench install clean distclean
all: $(BIN) dl

deps: $(DEPS_STAMP)
$(ROOT)/.stamp: vendor/packages.txt vendor/fetch.sh
	$(Q)sh vendor/fetch.sh

$(BIN): $(C_OBJS) $(AUTO_OBJS) $(LUA_OBJS) $(JIT_OBJS)
	@echo "  LINK  $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ -Wl,-E $(STATIC_LIBS) $(LIBS) $(LDFLAGS) $(XLDFLAGS)

$(OBJ)/%.o: src/%.c src/mcpi.h src/host.h src/philox.h $(DEPS_STAMP) | $(OBJ)
	@echo "  CC    $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(FLAGS_$*) $(BUILD_DEFS) -c -o $@ $<

$(OBJ)/kernel_auto.o: $(OBJ)/auto_variants.h
$(OBJ)/auto_variants.h: Makefile | $(OBJ)
	$(Q){ $(foreach v,$(AUTO_VARS),echo 'VARIANT($(AUTO_ID_$(firstword $(subst _, ,$(v)))), $(AUTO_ISA_$(lastword $(subst _, ,$(v)))), $(v), "$(firstword $(subst _, ,$(v))) $(AUTO_NAME_$(lastword $(subst _, ,$(v))))")';) } >$@
$(OBJ)/auto_%.o: src/kernel_auto.c src/mcpi.h src/philox.h | $(OBJ)
	@echo "  CC    $@ ($(AUTO_CC_$(firstword $(subst _, ,$*))))"
	$(Q)$(AUTO_CC_$(firstword $(subst _, ,$*))) -std=gnu11 -O3 -g $(WARN) \
	  $(AUTO_MARCH_$(lastword $(subst _, ,$*))) -DAUTO_VARIANT=$* -c -o $@ $<

# build.c records the commit; rebuild it when the commit changes. It also
# names $(OBJ)/dl, where mcpi looks for its run-time loaded libraries.
$(OBJ)/build.o: $(OBJ)/commit
$(OBJ)/build.o: BUILD_DEFS = -DMCPI_COMMIT='"$(shell cat $(OBJ)/commit 2>/dev/null)"' \
                           -DMCPI_DLDIR='"$(OBJ)/dl"' \
                           -DMCPI_CFLAGS='"$(strip $(CFLAGS) $(XCFLAGS))"'
$(OBJ)/commit: FORCE | $(OBJ)
	$(Q)c=$$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown); \
	  [ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" >$@
FORCE:

$(OBJ)/lua/mcpi_init.o: lua/mcpi/init.lua $(DEPS_STAMP) | $(OBJ)/lua
	@echo "  LUAC  $<"
	$(Q)$(LUAJIT) -b -g -n mcpi $< $@
$(OBJ)/lua/mcpi_%.o: lua/mcpi/%.lua $(DEPS_STAMP) | $(OBJ)/lua
	@echo "  LUAC  $<"
	$(Q)$(LUAJIT) -b -g -n mcpi.$* $< $@
# src/mcpi.h becomes module mcpi.cdef: a Lua string ffi.cdef is given.
$(OBJ)/lua/mcpi_cdef.lua: src/mcpi.h | $(OBJ)/lua
	$(Q){ echo 'return [==['; cat $<; echo ']==]'; } >$@
$(OBJ)/lua/mcpi_cdef.o: $(OBJ)/lua/mcpi_cdef.lua $(DEPS_STAMP)
	$(Q)$(LUAJIT) -b -n mcpi.cdef $< $@
$(OBJ)/lua/jit_%.o: $(DEPS_STAMP) | $(OBJ)/lua
	$(Q)$(LUAJIT) -b -n jit.$* $(JITDIR)/$*.lua $@
# src/philox.cl (ocl.philox's OpenCL C) becomes module mcpi.philox_cl.
$(OBJ)/lua/mcpi_philox_cl.lua: src/philox.cl | $(OBJ)/lua
	$(Q){ echo 'return [==['; cat $<; echo ']==]'; } >$@
$(OBJ)/lua/mcpi_philox_cl.o: $(OBJ)/lua/mcpi_philox_cl.lua $(DEPS_STAMP)
	$(Q)$(LUAJIT) -b -n mcpi.philox_cl $< $@

# The run-time loaded libraries: the compiler is looked for when the recipe
# runs (make test installs Open MPI first, see vendor/fetch.sh --tools).
dl: | $(OBJ)/dl
	$(Q)if command -v $(MPICC) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(OBJ)/dl/libmcpi_mpi.so; \
	else echo "  SKIP  MPI shim: no $(MPICC) (apt-get install libopenmpi-dev; see vendor/README.md)"; fi
	$(Q)if [ -n "$(NVCC)" ]; then $(MAKE) --no-print-directory $(OBJ)/dl/libmcpi_cuda.so; \
	else echo "  SKIP  cuda.philox: no nvcc (install the CUDA toolkit, or make NVCC=/path/to/nvcc)"; fi
$(OBJ)/dl/libmcpi_mpi.so: src/dl/mpi.c | $(OBJ)/dl
	@echo "  MPICC $<"
	$(Q)$(MPICC) -std=gnu11 $(CFLAGS) $(WARN) -fPIC -shared -o $@ $<
$(OBJ)/dl/libmcpi_cuda.so: src/dl/cuda.cu | $(OBJ)/dl
	@echo "  NVCC  $<"
	$(Q)$(NVCC) $(NVFLAGS) -Xcompiler -fPIC,-Wall,-Wextra -shared -o $@ $<

$(OBJ) $(OBJ)/lua $(OBJ)/dl:
	$(Q)mkdir -p $@

# A peer that cannot be installed is reported; the study and the tests run
# without it (mcpi list says why), so its failure does not stop them.
peers:
	$(Q)PYTHON=$(PYTHON) sh vendor/peers.sh $(PEERS)

# MCPI_PEERS limits the study and the tests to the PEERS chosen.
run: $(BIN)
	$(Q)PYTHON=$(PYTHON) sh vendor/peers.sh $(PEERS) || true
	MCPI_PEERS="$(PEERS)" ./$(BIN) script scripts/sweep.lua $(SWEEP_ARGS)

test: $(BIN)
	$(Q)PYTHON=$(PYTHON) sh vendor/peers.sh $(PEERS) || true
	$(Q)sh vendor/fetch.sh $(FETCH_TOOLS)
	$(Q)$(MAKE) --no-print-directory dl
	$(Q)MCPI_PEERS="$(PEERS)" sh tests/run.sh ./$(BIN)

# Sanitizer reports go to files (obj-asan/reports/) as well as making the
# process exit 86: a test that expects exit 1 or 2 would otherwise not notice a
# report in a process that fails on purpose. Leak checking stays on (os.exit
# closes the state, see lua/mcpi/cli.lua), less tests/lsan.supp: what Open MPI
# and PoCL keep until exit by design. LuaJIT itself is not instrumented;
# the host, kernels and every call through libc's allocator are.
ASAN_REPORTS = $(CURDIR)/obj-asan/reports
SAN_OPTS     = log_path=$(ASAN_REPORTS)/report:exitcode=86:print_stacktrace=1
asan:
	$(Q)$(MAKE) --no-print-directory OBJ=obj-asan BIN=mcpi-asan CFLAGS="-O1 -g" \
	  XCFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  XLDFLAGS="-fsanitize=address,undefined" mcpi-asan
	$(Q)sh vendor/fetch.sh $(FETCH_TOOLS)
	$(Q)$(MAKE) --no-print-directory OBJ=obj-asan CFLAGS="-O1 -g" dl
	$(Q)rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	$(Q)ASAN_OPTIONS="$(SAN_OPTS):detect_leaks=1:abort_on_error=0" \
	  LSAN_OPTIONS="suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0" \
	  UBSAN_OPTIONS="$(SAN_OPTS):halt_on_error=1" MCPI_SANITIZED=$(ASAN_REPORTS) \
	  MCPI_PEERS="$(PEERS)" sh tests/run.sh ./mcpi-asan; rc=$$?; \
	  if [ -n "$$(ls $(ASAN_REPORTS))" ]; then \
	    echo "asan: sanitizer reports in $(ASAN_REPORTS):"; cat $(ASAN_REPORTS)/*; exit 1; fi; \
	  exit $$rc

# ThreadSanitizer: the host, the kernels and their threads are instrumented
# (LuaJIT is not). tests/sh/tsan.sh runs c.threads at several thread counts
# and sends SIGINT during a long c.threads call.
TSAN_REPORTS = $(CURDIR)/obj-tsan/reports
tsan:
	$(Q)$(MAKE) --no-print-directory OBJ=obj-tsan BIN=mcpi-tsan CFLAGS="-O1 -g" \
	  XCFLAGS="-fsanitize=thread -fno-omit-frame-pointer" XLDFLAGS="-fsanitize=thread" mcpi-tsan
	$(Q)rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	$(Q)TSAN_OPTIONS="log_path=$(TSAN_REPORTS)/report:exitcode=86:halt_on_error=0" \
	  sh tests/tsan.sh ./mcpi-tsan; rc=$$?; \
	  if [ -n "$$(ls $(TSAN_REPORTS))" ]; then \
	    echo "tsan: reports in $(TSAN_REPORTS):"; cat $(TSAN_REPORTS)/*; exit 1; fi; \
	  exit $$rc

fuzz: $(BIN)
	$(Q)./$(BIN) script tests/fuzz/api.lua $(FUZZ_SECONDS) $(FUZZ_SEED)
	$(Q)./$(BIN) script tests/fuzz/cli.lua $(CURDIR)/$(BIN) $(FUZZ_SECONDS) $(FUZZ_SEED)
	$(Q)sh tests/signals/run.sh ./$(BIN) $(FUZZ_SECONDS) $(FUZZ_SEED)

bench: $(BIN)
	$(Q)sh vendor/fetch.sh $(FETCH_TOOLS)
	$(Q)$(MAKE) --no-print-directory dl
	$(Q)sh tests/bench/run.sh ./$(BIN)

# PREFIX/bin/mcpi; beside it, found relative to the executable (so DESTDIR
# and a moved tree work): PREFIX/lib/mcpi (the MPI shim, cuda.philox, when
# built), PREFIX/share/mcpi/peers (the Python peers' sources; their packages
# come from MCPI_PYTHON, a Python that has them) and PREFIX/share/mcpi/scripts.
install: $(BIN) dl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/mcpi \
	  $(DESTDIR)$(PREFIX)/share/mcpi/peers $(DESTDIR)$(PREFIX)/share/mcpi/scripts
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mcpi
	for f in $(wildcard $(OBJ)/dl/*.so); do install -m 755 $$f $(DESTDIR)$(PREFIX)/lib/mcpi/; done
	install -m 644 src/peers/*.py $(DESTDIR)$(PREFIX)/share/mcpi/peers/
	install -m 644 scripts/*.lua scripts/*.py scripts/*.c $(DESTDIR)$(PREFIX)/share/mcpi/scripts/
	install -m 755 scripts/*.sh $(DESTDIR)$(PREFIX)/share/mcpi/scripts/

clean:
	rm -rf obj obj-asan obj-tsan obj-sys mcpi mcpi-asan mcpi-tsan mcpi-sys $(filter-out obj,$(OBJ)) $(filter-out mcpi,$(BIN))

distclean: clean
	rm -rf vendor/root vendor/debs vendor/venv
