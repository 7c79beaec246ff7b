# heapshim: `make` builds build/libheapshim.so, `make test` runs every test,
# `make bench` runs the benchmarks against the allocators installed.

CC       ?= gcc
CXX      ?= g++
BUILD    := build
BACKENDS := debug page

# -fno-builtin-*: the compiler must not turn code inside the shim back into
# calls to the functions it defines (malloc + memset into calloc, say).
CFLAGS   ?= -O2 -g
SHIM_CFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fexceptions -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc \
	-fno-builtin-free -fno-strict-aliasing -Wall -Wextra -Wshadow -Werror \
	-Iinclude -Isrc -MMD -MP
SHIM_LDFLAGS := -shared -Wl,-soname,libheapshim.so -Wl,-z,defs -Wl,-z,relro \
	-Wl,--as-needed -ldl -lpthread

SRCS := $(sort $(wildcard src/*.c src/*/*.c))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB  := $(BUILD)/libheapshim.so
# The replay program of scripts/heapshim-trace.
REPLAY := $(BUILD)/heapshim-replay

TEST_CFLAGS   := -std=gnu11 -O1 -g -fno-builtin -pthread -Iinclude \
	-Wno-alloc-size-larger-than -Wno-deprecated-declarations
TEST_CXXFLAGS := -std=gnu++17 -O1 -g -fno-builtin -pthread -Iinclude
TEST_C   := $(wildcard test/c/*.c)
TEST_CXX := $(wildcard test/c/*.cpp)
TEST_BINS := $(TEST_C:test/c/%.c=$(BUILD)/test/%) $(TEST_CXX:test/c/%.cpp=$(BUILD)/test/%)

BENCH_C    := $(wildcard test/bench/*.c)
BENCH_BINS := $(BENCH_C:test/bench/%.c=$(BUILD)/bench/%)

.PHONY: all test bench clean
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

$(BUILD)/bench/%: test/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -pthread -o $@ $<

test: $(LIB) $(REPLAY) $(TEST_BINS)
	HS_BACKENDS="$(BACKENDS)" bash test/run.sh

bench: $(LIB) $(BENCH_BINS)
	HS_BACKENDS="$(BACKENDS)" bash test/bench/run.sh

clean:
	rm -rf $(BUILD)

-include $(OBJS:.o=.d)
