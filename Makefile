# heapshim: `make` builds build/libheapshim.so, `make test` runs every test
# (`make test T=PATTERN` those whose name contains PATTERN), `make check`
# runs the static analysis, `make bench` runs the benchmarks against the
# allocators installed.

CC       ?= gcc
CXX      ?= g++
BUILD    := build
BACKENDS := debug arena page

# -fno-builtin-*: the compiler must not turn code inside the shim back into
# calls to the functions it defines (malloc + memset into calloc, say).
CFLAGS   ?= -O2 -g
SHIM_CFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fexceptions -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc \
	-fno-builtin-free -fno-strict-aliasing -Wall -Wextra -Wshadow -Werror \
	-Iinclude -Isrc -MMD -MP
SHIM_LDFLAGS := -shared -Wl,-soname,libheapshim.so -Wl,-z,defs -Wl,-z,relro \
	-Wl,--as-needed -ldl -lpthread

SRCS := $(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB  := $(BUILD)/libheapshim.so
# The replay program of scripts/heapshim-trace.
REPLAY := $(BUILD)/heapshim-replay

# The test and bench programs warn as the shim does; `make check` builds
# them again with TEST_WERROR=-Werror.
TEST_WARN     := -Wall -Wextra $(TEST_WERROR)
TEST_CFLAGS   := -std=gnu11 -O1 -g -fno-builtin -pthread -Iinclude $(TEST_WARN) \
	-Wno-alloc-size-larger-than -Wno-deprecated-declarations
TEST_CXXFLAGS := -std=gnu++17 -O1 -g -fno-builtin -pthread -Iinclude $(TEST_WARN)
TEST_C   := $(wildcard test/c/*.c)
TEST_CXX := $(wildcard test/c/*.cpp)
# api_use is built once more as C++: include/heapshim.h must be clean in both.
TEST_BINS := $(TEST_C:test/c/%.c=$(BUILD)/test/%) $(TEST_CXX:test/c/%.cpp=$(BUILD)/test/%) \
	$(BUILD)/test/api_use_cxx

BENCH_C    := $(wildcard test/bench/*.c)
BENCH_BINS := $(BENCH_C:test/bench/%.c=$(BUILD)/bench/%)

# make install PREFIX=DIR (and DESTDIR for staging): the library, the
# header, the launcher (which finds the library at ../lib) and the man page.
PREFIX  ?= /usr/local
INSTALLED := lib/libheapshim.so include/heapshim.h bin/heapshim share/man/man1/heapshim.1

.PHONY: all test e2e check check-programs check-cppcheck check-scan programs bench clean \
	install uninstall
all: $(LIB) $(REPLAY)

$(LIB): $(OBJS)
	@echo "LINK $@"
	@$(CC) $(CFLAGS) -o $@ $(OBJS) $(SHIM_LDFLAGS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "CC   $<"
	@$(CC) $(CFLAGS) $(SHIM_CFLAGS) -c -o $@ $<

$(REPLAY): scripts/heapshim-replay.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -o $@ $< -ldl

$(BUILD)/test/%: test/c/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl

$(BUILD)/test/%: test/c/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) -o $@ $< -ldl

$(BUILD)/test/api_use_cxx: test/c/api_use.c include/heapshim.h
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_CXXFLAGS) -x c++ -o $@ $< -ldl

$(BUILD)/bench/%: test/bench/%.c test/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -pthread $(TEST_WARN) -o $@ $<

programs: $(TEST_BINS) $(BENCH_BINS)

# make test [T=PATTERN]: the end-to-end cases of test/run.sh, in parallel
# (HS_JOBS at a time, the number of CPUs by default).
test: e2e
e2e: $(LIB) $(REPLAY) $(TEST_BINS) $(BENCH_BINS)
	HS_BACKENDS="$(BACKENDS)" bash test/run.sh "$(T)"

# make check: static analysis, clean or it fails. False positives are
# suppressed where they are, each with why (cppcheck-suppress, pragmas).
check: check-programs check-cppcheck check-scan
# >>> scripts/check-layout (the layering checks) joins `check` here.

# The test and bench programs, all rebuilt with warnings as errors.
check-programs:
	$(MAKE) --no-print-directory -B BUILD=$(BUILD)/werror TEST_WERROR=-Werror programs

# ElfW is glibc's macro for the native ELF types (64-bit here).
CPPCHECK_FLAGS := --quiet --std=c11 --enable=warning,portability,performance \
	--inline-suppr --library=gnu --library=posix --error-exitcode=1 \
	-Iinclude -Isrc '-DElfW(type)=Elf64_\#\#type'
check-cppcheck:
	@mkdir -p $(BUILD)/cppcheck
	cppcheck $(CPPCHECK_FLAGS) --cppcheck-build-dir=$(BUILD)/cppcheck src

# clang's analyzer over a fresh build of the shim (so every file is seen).
check-scan:
	rm -rf $(BUILD)/scan
	scan-build --status-bugs -o $(BUILD)/scan/report \
		$(MAKE) --no-print-directory BUILD=$(BUILD)/scan $(BUILD)/scan/libheapshim.so

bench: $(LIB) $(BENCH_BINS)
	HS_BACKENDS="$(BACKENDS)" python3 test/bench/run.py

install: $(LIB)
	install -d $(addprefix $(DESTDIR)$(PREFIX)/,lib include bin share/man/man1)
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/libheapshim.so
	install -m 644 include/heapshim.h $(DESTDIR)$(PREFIX)/include/heapshim.h
	install -m 755 scripts/heapshim $(DESTDIR)$(PREFIX)/bin/heapshim
	install -m 644 docs/heapshim.1 $(DESTDIR)$(PREFIX)/share/man/man1/heapshim.1

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))

clean:
	rm -rf $(BUILD)

-include $(OBJS:.o=.d)
