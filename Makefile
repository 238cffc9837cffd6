# Rapport build. `make` builds the release binary; `make check` runs every suite
# under ASan/UBSan; `make run` starts the server with demo data.
CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libsodium
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
INCS    := -Isrc -Ibuild/gen
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnlopt -lm -lpthread

RELEASE_CFLAGS := -O2 -g $(CSTD) $(WARN) $(INCS) $(PKG_CFLAGS)
ASAN_CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined $(CSTD) $(WARN) $(INCS) $(PKG_CFLAGS)

LIB_SRCS  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
MIGRATIONS := $(sort $(wildcard src/db/migrations/*.sql))
WEB_FILES := $(shell find web -type f -not -path '*/node_modules/*' 2>/dev/null | sort)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

GEN_SRCS  := build/gen/web_assets.c build/gen/migrations.c
REL_OBJS  := $(LIB_SRCS:%.c=build/rel/%.o) build/rel/gen/web_assets.o build/rel/gen/migrations.o
ASAN_OBJS := $(LIB_SRCS:%.c=build/asan/%.o) build/asan/gen/web_assets.o build/asan/gen/migrations.o

.PHONY: all deps run check unit api browser fuzz bench clean asan
all: build/rapport

deps:
	@bash scripts/install-deps.sh

build/embed: tools/embed.c | build/gen
	@$(CC) -O1 -o $@ $<

build/gen/web_assets.c: $(WEB_FILES) build/embed
	@./build/embed web $@ $(WEB_FILES)

build/gen/migrations.c: $(MIGRATIONS) build/embed
	@./build/embed --migrations $@ $(MIGRATIONS)

build/gen:
	@mkdir -p build/gen

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) -c $< -o $@
build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [rel] $<"
	@$(CC) $(RELEASE_CFLAGS) -MMD -MP -c $< -o $@
build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [asan] $<"
	@$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

build/librapport.a: $(REL_OBJS)
	@rm -f $@; ar rcs $@ $^
build/librapport-asan.a: $(ASAN_OBJS)
	@rm -f $@; ar rcs $@ $^

build/rapport: build/rel/src/main.o build/librapport.a
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(PKG_LIBS)
build/rapport-asan: build/asan/src/main.o build/librapport-asan.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/unit/%: tests/unit/%.c build/librapport-asan.a
	@mkdir -p build/unit
	$(CC) $(ASAN_CFLAGS) -Itests/unit -o $@ $< build/librapport-asan.a $(PKG_LIBS) -lcmocka

asan: build/rapport-asan

run: deps build/rapport
	@bash scripts/run.sh

check: deps build/rapport build/rapport-asan $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
	@bash scripts/check.sh

bench: deps build/rapport
	@bash bench/run.sh

fuzz: deps
	@bash tests/fuzz/run.sh long

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
