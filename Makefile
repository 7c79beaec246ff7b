# heapshim: `make` builds build/libheapshim.so, `make test` runs every test
# (`make test T=PATTERN` those whose name contains PATTERN), `make check`
# runs the static analysis, `make bench` runs the benchmarks against the
# allocators installed, `make expensive` builds build/expensive/libheapshim.so
# with the expensive checks.

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

.PHONY: all test e2e check check-programs check-cppcheck check-scan check-layout check-format \
	format programs \
	bench clean install uninstall expensive
all: $(LIB) $(REPLAY)

# make expensive: the same library with the expensive invariant checks
# (services/core/check.h), as build/expensive/libheapshim.so, from objects
# of its own.
expensive:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/expensive \
		CFLAGS="$(CFLAGS) -DHS_EXPENSIVE" $(BUILD)/expensive/libheapshim.so

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

# make test [T=PATTERN]: the unit tests, then the end-to-end cases of
# test/run.sh in parallel (HS_JOBS at a time, the number of CPUs by default);
# with T, only those whose name contains PATTERN.
test: unit
	@$(MAKE) --no-print-directory e2e T="$(T)"
e2e: $(LIB) $(REPLAY) $(TEST_BINS) $(BENCH_BINS)
	HS_BACKENDS="$(BACKENDS)" bash test/run.sh "$(T)"

# make check: static analysis, clean or it fails. False positives are
# suppressed where they are, each with why (cppcheck-suppress, pragmas).
check: check-layout check-format check-programs check-cppcheck check-scan

# The C the project writes, in the style .clang-format describes.
FORMATTED := $(shell find src include test/unit test/c test/bench scripts \
	-name '*.[ch]' -o -name '*.cpp')
format:
	clang-format -i $(FORMATTED)
check-format:
	clang-format --dry-run -Werror $(FORMATTED)

# No include cycle, no service including a backend or an entry point.
check-layout:
	scripts/check-layout

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

# ---- make unit: the services' unit tests (test/unit/) ----
# Ordinary programs, one per service, each built from its test file and the
# services' own sources (not libheapshim.so), with the sanitizers on; the
# fixtures they read (zlib streams, small objects with DWARF and CFI) are
# made here. UNIT_SRCS_name: the src/ files (without .c) that test links.
UNIT        := $(BUILD)/unit
UNIT_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude -Isrc -Itest/unit -I$(UNIT) \
	-MMD -MP
UNIT_WRITE  := services/report/fmt services/report/escape services/report/writer \
	services/report/outfile services/report/stderr_origin services/core/os
# check: a failed HS_ASSERT writes its message before it aborts.
UNIT_BASE   := services/core/os services/core/lock services/core/check services/mem/regions \
	services/mem/bulk $(UNIT_WRITE)
UNIT_ELF    := services/symbols/elf_file services/symbols/elf_arena services/symbols/inflate \
	services/mem/sort $(UNIT_BASE)
UNIT_SRCS_fmt         := $(UNIT_WRITE)
UNIT_SRCS_escape      := $(UNIT_WRITE)
UNIT_SRCS_sort        := services/mem/sort $(UNIT_BASE)
UNIT_SRCS_table       := services/mem/table $(UNIT_BASE)
UNIT_SRCS_sizeclass   :=
UNIT_SRCS_pattern     := services/symbols/pattern
UNIT_SRCS_suppress    := services/leaks/suppress services/symbols/pattern $(UNIT_WRITE)
UNIT_SRCS_inflate     := services/symbols/inflate
UNIT_SRCS_dwarf_lines := services/symbols/dwarf_lines $(UNIT_ELF)
UNIT_SRCS_cfi         := services/unwind/cfi
UNIT_SRCS_reader      :=
UNIT_SRCS_scan        := services/leaks/scan services/mem/sort $(UNIT_BASE)
UNIT_TESTS := $(patsubst test/unit/%.c,%,\
	$(filter-out test/unit/fixture_%,$(wildcard test/unit/*.c)))
UNIT_FIXTURES := $(UNIT)/fixture_lines5.so $(UNIT)/fixture_lines4.so

.PHONY: unit
unit: $(UNIT_TESTS:%=$(UNIT)/%) $(UNIT_FIXTURES)
	@failed=; ran=0; for t in $(UNIT_TESTS); do case $$t in *"$(T)"*) ;; *) continue ;; esac; \
	ran=$$((ran + 1)); $(UNIT)/$$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed"; exit 1; fi; \
	echo "unit: $$ran passed, 0 failed"

$(UNIT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC   $< (unit)"
	@$(CC) $(UNIT_CFLAGS) -DUNIT_DIR='"$(abspath $(UNIT))"' -DUNIT_SRC='"$(abspath test/unit)"' \
		-c -o $@ $<

define UNIT_PROGRAM
$(UNIT)/$(1): $(UNIT)/obj/test/unit/$(1).o \
	$(patsubst %,$(UNIT)/obj/src/%.o,$(sort $(UNIT_SRCS_$(1))))
	@echo "LINK $$@"
	@$$(CC) $$(UNIT_CFLAGS) -o $$@ $$^ -ldl -lpthread
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_PROGRAM,$(t))))

# Fixtures Python computes: NAME_fixtures.h from fixture_NAME.py.
$(UNIT)/obj/test/unit/inflate.o: $(UNIT)/zlib_fixtures.h
$(UNIT)/obj/test/unit/escape.o: $(UNIT)/escape_fixtures.h
$(UNIT)/%_fixtures.h: test/unit/fixture_%.py
	@mkdir -p $(dir $@)
	python3 $< > $@.tmp && mv $@.tmp $@

# The same small C file with DWARF 5 and with DWARF 4 line tables
# (fixture_lines5.so, fixture_lines4.so), at -O0 (so its frames keep the
# frame pointer: known CFI).
$(UNIT)/fixture_lines%.so: test/unit/fixture_lines.c test/unit/fixture_lines.h
	@mkdir -p $(dir $@)
	$(CC) -g -gdwarf-$* -O0 -fPIC -c -o $(@:.so=.o) $<
	$(CC) -shared -nostdlib -o $@ $(@:.so=.o)

-include $(wildcard $(UNIT)/obj/*/*.d $(UNIT)/obj/*/*/*.d $(UNIT)/obj/*/*/*/*.d)

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
