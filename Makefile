# credo: build, test, run, bench.
#
#   make            build ./credo (the host) and build/lua/credo/core.so (the
#                   natives as a Lua C module for the stock lua5.4)
#   make test       install missing Debian packages, build, run C tests and
#                   busted specs; ends with one line "N passed, N failed"
#   make run        install, build, reproduce the papers on the shipped data
#   make sanitize   the whole suite under -fsanitize=address,undefined
#   make bench      every benchmark against its peer (installs the peers)
#   make install PREFIX=/usr/local
#
# Source layout is discovered, not listed: natives/*/*.c are pure C cores
# (no Lua), natives/*/*_lua.c their bindings, vm/*.c the host, and
# tests/c/test_*.c one C test program each, linked against the cores only.

VERSION := 0.1.0
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= gcc

# Debian packages the build and tests need (see README, "Dependencies").
DEB_PKGS := liblua5.4-dev lua5.4 libopenblas-dev libcsv-dev lua-busted \
            libreadline-dev chromium

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)

OPT      ?= -O2 -g
SAN      ?=
CFLAGS   := $(OPT) $(SAN) -std=c11 -D_GNU_SOURCE -Wall -Wextra -fPIC -fopenmp \
            -fno-fast-math -DCREDO_VERSION='"$(VERSION)"' $(LUA_CFLAGS) \
            $(EXTRA_CFLAGS)
LDFLAGS  := $(SAN) -fopenmp $(EXTRA_LDFLAGS)
CORE_LIBS := -lopenblas -lcsv -lm

CORE_SRC := $(sort $(filter-out %_lua.c,$(wildcard natives/*/*.c)))
BIND_SRC := $(sort $(wildcard natives/*/*_lua.c))
VM_SRC   := $(sort $(wildcard vm/*.c))
CTEST_SRC := $(sort $(wildcard tests/c/test_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC))
BIND_OBJ := $(call obj,$(BIND_SRC))
VM_OBJ   := $(call obj,$(VM_SRC))
CTEST_BIN := $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(CTEST_SRC))

HOST   := credo
LUAMOD := $(BUILD)/lua/credo/core.so

.PHONY: all build-all test run sanitize bench install deps peers clean check-c \
        check-lua valgrind

all: $(HOST) $(LUAMOD)

# V=1 shows the full command lines.
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Elementwise select kernels (ReLU and friends) that gcc vectorises only at
# -O3 (at -O2 it will not if-convert the selects); no reductions there, so
# -O3 changes no bits.
$(call obj,natives/nn/act.c): CFLAGS += -O3

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d)

$(HOST): $(VM_OBJ) $(BIND_OBJ) $(CORE_OBJ)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LUA_LIBS) -lreadline $(CORE_LIBS)

# No -llua5.4 here: the interpreter that loads the module provides Lua.
# -z nodelete: lua_close dlcloses the module; unloading it (and libgomp with
# it) under live OpenMP worker threads would crash the interpreter at exit.
$(LUAMOD): $(BIND_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-z,nodelete -o $@ $^ $(CORE_LIBS)

$(BUILD)/tests/%: tests/c/%.c tests/c/ctest.h $(CORE_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -Itests/c -o $@ $< $(CORE_OBJ) $(LDFLAGS) $(CORE_LIBS)

# ---- set-up: install what a fresh Debian machine lacks ----
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or install them yourself)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	    || { echo "apt-get install failed"; exit 1; }; \
	fi

# ---- tests ----
build-all: all $(CTEST_BIN)

test: deps
	@$(MAKE) --no-print-directory build-all
	@BUILD=$(BUILD) HOST=./$(HOST) tests/run

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san HOST=credo-san \
	  OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  build-all
	@BUILD=build-san HOST=./credo-san SANITIZE=1 tests/run

valgrind: build-all
	@BUILD=$(BUILD) HOST=./$(HOST) VALGRIND=1 tests/run

# ---- the main job ----
run: deps
	@$(MAKE) --no-print-directory all
	@./$(HOST) recipes/run_all.lua $(RUN_ARGS)

# ---- benchmarks ----
bench: deps peers
	@$(MAKE) --no-print-directory all
	@bench/run all

peers:
	@bench/peers/install

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4/credo \
	  $(DESTDIR)$(PREFIX)/share/lua/5.4/credo $(DESTDIR)$(PREFIX)/share/doc/credo
	install -m 755 $(HOST) $(DESTDIR)$(PREFIX)/bin/credo
	install -m 644 $(LUAMOD) $(DESTDIR)$(PREFIX)/lib/lua/5.4/credo/core.so
	cp -R stdlib/credo/. $(DESTDIR)$(PREFIX)/share/lua/5.4/credo/
	install -m 644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/credo/  # help(x) reads them

clean:
	rm -rf $(BUILD) build-san $(HOST) credo-san
