# fieldnote - one non-recursive Makefile. Output under $(BUILD).
# Targets: all run test bench soak fuzz certs deps install clean tls-check
# Overridable: CC CFLAGS PREFIX DESTDIR BUILD SANITIZE=1 (ASan+UBSan build)

CC      ?= cc
PREFIX  ?= /usr/local
AR      := ar
OBJCOPY := objcopy
DEPS    := build/deps
MBED    := $(DEPS)/mbedtls
# make CROSS=aarch64-linux-gnu- : the client library, fieldnote-device and
# the client unit tests for another architecture (Debian's cross gcc, its
# multiarch -dev packages), into build/arm64 (build/<arch>), with their own
# mbedTLS (.ci/mbedtls-cross.sh; no x86 flags, no libgcrypt). The server
# is not cross-built. .ci/cross-arm64.sh installs the toolchain.
ifneq ($(CROSS),)
CROSS_ARCH := $(patsubst aarch64,arm64,$(firstword $(subst -, ,$(CROSS))))
CC      := $(CROSS)gcc
AR      := $(CROSS)ar
OBJCOPY := $(CROSS)objcopy
BUILD   ?= build/$(CROSS_ARCH)
MBED    := $(BUILD)/deps/mbedtls
endif
BUILD   ?= build
CIVET   := $(DEPS)/civetweb
PKGS    := lmdb msgpack jansson libargon2
NPROC   := $(shell nproc 2>/dev/null || echo 2)

OPT     ?= -O2 -g
# Detail messages are cut to their buffers on purpose (snprintf); gcc warns
# about that, clang does not know the option.
NOTRUNC := $(shell $(CC) -Werror -Wno-format-truncation -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Wno-format-truncation)
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers $(NOTRUNC)
CFLAGS  ?= $(OPT)
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
BASEFLAGS := -std=c11 -D_GNU_SOURCE -pthread -MMD -MP $(SANFLAGS) -I$(MBED)/include -Ischema -Iserver -Iserver/tls -I$(CIVET)/include
ALLCFLAGS  = $(BASEFLAGS) $(WARN) $(CFLAGS)
MBEDLIBS  := $(MBED)/library/libmbedtls.a $(MBED)/library/libmbedx509.a $(MBED)/library/libmbedcrypto.a
# -lgcrypt: mbedTLS's GCM comes from libgcrypt (server/tls/mbedtls_alt/).
SYSLIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -llmdb -lmsgpackc -ljansson -largon2) -lgcrypt -lz -lpthread -ldl -lm
LDFLAGS   ?=
ALLLDFLAGS = $(SANFLAGS) -pthread $(LDFLAGS)

# civetweb is compiled as one file with our TLS adapter in place of its
# mbedTLS glue; with NO_FILES one of its variables is set but unused.
CIVET_DEFS  := -DUSE_MBEDTLS -DNO_CGI -DUSE_IPV6 -DNO_FILES -DNO_CACHING
CIVET_WARN  := -Wall -Wextra -Werror -Wno-unused-but-set-variable

SCHEMA_SRC := $(wildcard schema/*.c)
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c server/*/*.c))
UNIT_SRC   := $(wildcard tests/unit/*.c)

SCHEMA_OBJ := $(SCHEMA_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ   := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
CIVET_OBJ  := $(BUILD)/obj/civetweb.o

SCHEMA_LIB := $(BUILD)/lib/libfnschema.a
SERVER_BIN := $(BUILD)/bin/fieldnote
UNIT_BIN   := $(BUILD)/bin/unit-tests
DEPS_STAMP := $(DEPS)/.done
ifneq ($(CROSS),)
# The host's dependency step (the patched mbedTLS source), then the cross one.
DEPS_STAMP := $(BUILD)/deps/.done
endif

.PHONY: all deps certs run test bench soak fuzz install clean tls-check
ifeq ($(CROSS),)
all: $(SERVER_BIN) $(UNIT_BIN)
else
all: client
endif

# The review page, embedded (defines WEB_OBJ; before the link rules,
# whose prerequisites are expanded as they are read).
include server/web/web.mk

deps: $(DEPS_STAMP)
$(DEPS)/.done: .ci/deps.sh $(wildcard .ci/patches/*/*.patch) $(wildcard server/tls/mbedtls_alt/*)
	@.ci/deps.sh $(CURDIR)/build
	@touch $@
ifneq ($(CROSS),)
$(DEPS_STAMP): $(DEPS)/.done .ci/mbedtls-cross.sh
	@.ci/mbedtls-cross.sh $(CROSS) $(BUILD)/deps
	@touch $@
$(MBEDLIBS): $(DEPS_STAMP) ;
endif

# Everything compiled needs the dependencies in place first.
$(SCHEMA_OBJ) $(SERVER_OBJ) $(UNIT_OBJ) $(CIVET_OBJ) $(BUILD)/obj/server/main.o: | $(DEPS_STAMP)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/civetweb/unit.c: $(DEPS_STAMP) server/tls/mod_mbedtls.inl server/civetweb-unit.inc
	@mkdir -p $(@D)
	cp $(CIVET)/src/*.c $(CIVET)/src/*.inl $(CIVET)/src/*.h $(@D)/
	cp server/tls/mod_mbedtls.inl $(@D)/mod_mbedtls.inl
	cp server/civetweb-unit.inc $@

$(CIVET_OBJ): $(BUILD)/civetweb/unit.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CIVET_WARN) $(CFLAGS) $(CIVET_DEFS) -c $< -o $@

$(SCHEMA_LIB): $(SCHEMA_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(SERVER_BIN): $(BUILD)/obj/server/main.o $(SERVER_OBJ) $(WEB_OBJ) $(CIVET_OBJ) $(SCHEMA_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(MBEDLIBS) $(SYSLIBS)

$(UNIT_BIN): $(UNIT_OBJ) $(SERVER_OBJ) $(WEB_OBJ) $(CIVET_OBJ) $(SCHEMA_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(MBEDLIBS) $(SYSLIBS)

certs: certs/dev/server.crt
certs/dev/server.crt: certs/make-dev-certs.sh | $(DEPS_STAMP)
	@certs/make-dev-certs.sh certs/dev

run: all certs
	@server/demo.sh $(BUILD)

test: certs
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@tests/prepare-arm64.sh start
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SANITIZE=1 OPT="-O1 -g" all
	@tests/run.sh build build/asan

bench: all certs
	@tests/bench/run.sh $(BUILD)

soak: all certs
	@SOAK=1 tests/run.sh $(BUILD)

fuzz:
	@tests/fuzz/run.sh

tls-check: all certs
	@tests/tls-check.sh $(BUILD)

# The service (dist/fieldnote.service, its user, the sample settings) and
# the man pages, generated from the programs so they cannot drift.
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR     ?= $(PREFIX)/share/man
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(PREFIX)/share/fieldnote
	install -m 755 $(SERVER_BIN) $(DESTDIR)$(PREFIX)/bin/fieldnote
	sed 's|@BINDIR@|$(PREFIX)/bin|g' dist/fieldnote.service.in >$(BUILD)/fieldnote.service
	install -m 644 $(BUILD)/fieldnote.service $(DESTDIR)$(UNITDIR)/fieldnote.service
	install -m 644 dist/fieldnote.sysusers $(DESTDIR)$(SYSUSERSDIR)/fieldnote.conf
	$(SERVER_BIN) config sample >$(BUILD)/fieldnote.conf.sample
	install -m 644 $(BUILD)/fieldnote.conf.sample $(DESTDIR)$(PREFIX)/share/fieldnote/fieldnote.conf.sample
	install -d -m 755 $(DESTDIR)$(SYSCONFDIR)/fieldnote
	[ -e $(DESTDIR)$(SYSCONFDIR)/fieldnote/fieldnote.conf ] || \
		install -m 644 $(BUILD)/fieldnote.conf.sample $(DESTDIR)$(SYSCONFDIR)/fieldnote/fieldnote.conf
	dist/man.sh $(BUILD) $(BUILD)/man
	install -m 644 $(BUILD)/man/fieldnote.1 $(BUILD)/man/fieldnote-device.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/man/fieldnote.conf.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf $(BUILD)/obj $(BUILD)/bin $(BUILD)/lib $(BUILD)/civetweb build/asan

include client-lib/client.mk
include client-lib/bindings/java/java.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
