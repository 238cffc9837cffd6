# Rapport build. `make` builds the release binary; `make check` runs every suite
# under ASan/UBSan; `make run` starts the server with demo data.
CC      ?= cc
B       ?= build
PKGS    := libmicrohttpd jansson sqlite3 libsodium icu-i18n icu-uc
# Libraries loaded with dlopen when a feature first needs them (src/lib/lazylib.h):
# only their headers are used at build time, they are not on the link line.
LAZY_PKGS := libzip expat libical lunar-date-3.0 gobject-2.0 glib-2.0 libcurl libpq
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
INCS    := -Isrc -I$(B)/gen
# pkg-config can answer only once the -dev packages are installed, and make reads
# these lines before any target runs: so every user-facing target (all, run,
# check, bench …) first runs `deps`, then builds in a second make that reads
# the flags afresh. A direct build of a file without the packages stops with
# one line saying what to run.
PKG_OK     := $(shell pkg-config --exists $(PKGS) $(LAZY_PKGS) 2>/dev/null && echo yes)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnlopt -lz -lm -lpthread -ldl
NEED_PKGS   = $(if $(PKG_OK),,$(error the build's Debian packages are missing: run 'make deps' (or just 'make'), which installs them))
SUBMAKE    := $(MAKE) --no-print-directory

RELEASE_CFLAGS := -O2 -g $(CSTD) $(WARN) $(INCS) $(PKG_CFLAGS)
ASAN_CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined $(CSTD) $(WARN) $(INCS) $(PKG_CFLAGS)

LIB_SRCS  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
# src/db/migrations/DIALECT/NNN_name.sql: one directory per SQL dialect (sqlite today).
MIGRATIONS := $(sort $(wildcard src/db/migrations/*/*.sql))
WEB_FILES := $(shell find web -type f -not -path '*/node_modules/*' -not -name 'package*.json' 2>/dev/null | sort)
# Third-party files from web/node_modules (npm ci from web/package-lock.json), as FILE=URL.
WEB_VENDOR := web/node_modules/chart.js/dist/chart.umd.min.js=/vendor/chart.js
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

GEN_SRCS  := $(B)/gen/web_assets.c $(B)/gen/migrations.c
REL_OBJS  := $(LIB_SRCS:%.c=$(B)/rel/%.o) $(B)/rel/gen/web_assets.o $(B)/rel/gen/migrations.o
ASAN_OBJS := $(LIB_SRCS:%.c=$(B)/asan/%.o) $(B)/asan/gen/web_assets.o $(B)/asan/gen/migrations.o

.PHONY: print-libs all deps run check unit api browser fuzz bench clean asan valgrind coverage
all: deps
	@$(SUBMAKE) $(B)/rapport

deps:
	@bash scripts/install-deps.sh

$(B)/embed: tools/embed.c | $(B)/gen
	@$(CC) -O1 $(CSTD) $(WARN) -o $@ $< -lz

$(B)/gen/web_assets.c: $(WEB_FILES) $(foreach v,$(WEB_VENDOR),$(firstword $(subst =, ,$(v)))) web/package-lock.json $(B)/embed
	@$(B)/embed web $@ $(WEB_FILES) $(WEB_VENDOR)
web/node_modules/%:
	@echo "$@ is missing: run 'make deps' (or just 'make'), which installs it" >&2; exit 1

$(B)/gen/migrations.c: $(MIGRATIONS) $(B)/embed
	@$(B)/embed --migrations $@ $(MIGRATIONS)

$(B)/gen:
	@mkdir -p $(B)/gen

$(B)/rel/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) -c $< -o $@
$(B)/asan/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

$(B)/rel/%.o: %.c
	$(NEED_PKGS)
	@mkdir -p $(dir $@)
	@echo "  CC [rel] $<"
	@$(CC) $(RELEASE_CFLAGS) -MMD -MP -c $< -o $@
$(B)/asan/%.o: %.c
	$(NEED_PKGS)
	@mkdir -p $(dir $@)
	@echo "  CC [asan] $<"
	@$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

$(B)/librapport.a: $(REL_OBJS)
	@rm -f $@; ar rcs $@ $^
$(B)/librapport-asan.a: $(ASAN_OBJS)
	@rm -f $@; ar rcs $@ $^

$(B)/rapport: $(B)/rel/src/main.o $(B)/librapport.a
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/rapport-asan: $(B)/asan/src/main.o $(B)/librapport-asan.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/unit/%: tests/unit/%.c $(B)/librapport-asan.a
	@mkdir -p $(B)/unit
	$(CC) $(ASAN_CFLAGS) -Itests/unit -o $@ $< $(B)/librapport-asan.a $(PKG_LIBS) -lcmocka

asan: deps
	@$(SUBMAKE) $(B)/rapport-asan

run: deps
	@$(SUBMAKE) $(B)/rapport
	@B=$(B) bash scripts/run.sh

check: deps
	@$(SUBMAKE) $(B)/rapport $(B)/rapport-asan $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
	@B=$(B) bash scripts/check.sh

bench: deps
	@$(SUBMAKE) $(B)/rapport
	@B=$(B) bash bench/run.sh

fuzz: deps
	@bash tests/fuzz/run.sh long

# Unit tests under valgrind (release objects); line coverage (gcc --coverage)
# of the unit + API suites with branch coverage of src/http/authz.c.
valgrind: deps
	@$(SUBMAKE) $(B)/librapport.a
	@B=$(B) bash scripts/valgrind.sh

coverage: deps
	@B=$(B) bash scripts/coverage.sh

clean:
	rm -rf $(B)

# The link flags, for the benchmark scripts that link librapport.a themselves.
print-libs:
	@echo $(PKG_LIBS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
