# client-lib/client.mk - libfieldnote (static, shared, pkg-config), fieldnote-device and the client unit tests.
# Included by the top Makefile; uses its BUILD CC CFLAGS WARN SANFLAGS MBED MBEDLIBS PREFIX DESTDIR DEPS_STAMP.

CLIENT_VERSION := 1.0.0
CLIENT_SONAME  := libfieldnote.so.1
CLIENT_OBJDIR  := $(BUILD)/obj/fnclient

# Own flags rather than ALLCFLAGS: the client must not see server/ headers,
# and everything is position-independent with hidden visibility (only the
# FN_API functions of fieldnote.h are exported from the shared library).
CLIENT_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -MMD -MP $(SANFLAGS) -I$(MBED)/include -Ischema \
	-Iclient-lib/include -Iclient-lib/src -fPIC -fvisibility=hidden -DFN_BUILDING_LIBRARY $(WARN) $(CFLAGS)
# libgcrypt: the host's mbedTLS takes its GCM from it (server/tls/mbedtls_alt);
# a cross build's mbedTLS has its own (.ci/mbedtls-cross.sh).
CLIENT_GCRYPT := $(if $(CROSS),,-lgcrypt)
CLIENT_LIBS = -llmdb -lmsgpackc -ljansson $(CLIENT_GCRYPT) -lz -lpthread

CLIENT_SRC  := $(wildcard client-lib/src/*.c)
CLIENT_OBJ  := $(CLIENT_SRC:client-lib/src/%.c=$(CLIENT_OBJDIR)/src/%.o)
# schema/ compiled again, PIC and hidden, into the library: the shared records, not a second codec.
CLIENT_SCHEMA_OBJ := $(SCHEMA_SRC:schema/%.c=$(CLIENT_OBJDIR)/schema/%.o)

CLIENT_A    := $(BUILD)/lib/libfieldnote.a
CLIENT_SO   := $(BUILD)/lib/$(CLIENT_SONAME)
CLIENT_SOLINK := $(BUILD)/lib/libfieldnote.so
CLIENT_PC   := $(BUILD)/lib/pkgconfig/fieldnote.pc
CLIENT_DEV  := $(BUILD)/bin/fieldnote-device
CLIENT_UNIT := $(BUILD)/bin/client-unit-tests
CLIENT_UNIT_SRC := $(wildcard tests/unit/client/*.c)
CLIENT_ALL  := $(CLIENT_A) $(CLIENT_SO) $(CLIENT_SOLINK) $(CLIENT_PC) $(CLIENT_DEV) $(CLIENT_UNIT)

.PHONY: client install-client
all: $(CLIENT_ALL)
client: $(CLIENT_ALL)
install: install-client

$(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ): | $(DEPS_STAMP)

$(CLIENT_OBJDIR)/src/%.o: client-lib/src/%.c
	@mkdir -p $(@D)
	$(CC) $(CLIENT_CFLAGS) -c $< -o $@

$(CLIENT_OBJDIR)/schema/%.o: schema/%.c
	@mkdir -p $(@D)
	$(CC) $(CLIENT_CFLAGS) -c $< -o $@

# The public API: the FN_API functions fieldnote.h declares, one a line
# (read from the header, so the list is never kept by hand).
CLIENT_PUBLIC := $(CLIENT_OBJDIR)/public.syms
$(CLIENT_PUBLIC): client-lib/include/fieldnote.h
	@mkdir -p $(@D)
	grep -o 'FN_API [^(]*(' $< | grep -o 'fn_[a-z0-9_]*' | sort -u >$@.tmp
	@test -s $@.tmp || { echo "$@: no FN_API functions found in $<" >&2; exit 1; }
	mv -f $@.tmp $@

# The static library is one pre-linked object holding our code, schema and
# the mbedTLS members it uses, with every symbol but the public API made
# local (internal fni_ names too): an app linking its own mbedTLS or
# msgpack sees no clash, and cannot reach the internals.
$(CLIENT_OBJDIR)/fieldnote-all.o: $(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ) $(MBEDLIBS) $(CLIENT_PUBLIC)
	$(CC) -r -nostdlib -o $@.tmp $(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ) $(MBEDLIBS)
	$(OBJCOPY) --keep-global-symbols=$(CLIENT_PUBLIC) $@.tmp $@
	@rm -f $@.tmp

# Outputs are written beside their target and renamed into place: tests (or
# an app) running while the tree is rebuilt see the old file or the new one,
# never a half-written one.
$(CLIENT_A): $(CLIENT_OBJDIR)/fieldnote-all.o
	@mkdir -p $(@D)
	rm -f $@.tmp && $(AR) rcs $@.tmp $^ && mv -f $@.tmp $@

ifeq ($(SANITIZE),1)
CLIENT_ZDEFS :=
else
CLIENT_ZDEFS := -Wl,-z,defs
endif

$(CLIENT_SO): $(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ) $(MBEDLIBS) client-lib/libfieldnote.map
	@mkdir -p $(@D)
	$(CC) -shared $(SANFLAGS) -pthread -Wl,-soname,$(CLIENT_SONAME) \
		-Wl,--version-script=client-lib/libfieldnote.map $(CLIENT_ZDEFS) -Wl,-z,relro,-z,now \
		-o $@.tmp $(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ) $(MBEDLIBS) $(CLIENT_LIBS)
	mv -f $@.tmp $@

$(CLIENT_SOLINK): $(CLIENT_SO)
	ln -sfn $(CLIENT_SONAME) $@

$(CLIENT_PC): client-lib/fieldnote.pc.in client-lib/client.mk
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(CLIENT_VERSION)|' $< >$@

# fieldnote-device is built on the public header alone, against the shared
# library, as an app would be.
CLIENT_DEV_SRC := $(wildcard client-lib/device/*.c)
$(CLIENT_DEV): $(CLIENT_DEV_SRC) client-lib/device/device.h client-lib/include/fieldnote.h $(CLIENT_SOLINK)
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(SANFLAGS) $(WARN) $(CFLAGS) -Iclient-lib/include -o $@.tmp $(CLIENT_DEV_SRC) \
		-L$(BUILD)/lib -lfieldnote -Wl,-rpath,'$$ORIGIN/../lib'
	mv -f $@.tmp $@

# Unit tests of the internals link the objects themselves (their sources sit
# in tests/unit/client/, out of the server unit runner's wildcard).
# The one unit runner (tests/unit/runner.c) lists the client suites when
# compiled with -DUNIT_CLIENT.
$(CLIENT_UNIT): $(CLIENT_UNIT_SRC) tests/unit/runner.c $(CLIENT_OBJ) $(CLIENT_SCHEMA_OBJ) $(MBEDLIBS) tests/unit/unit.h \
		$(wildcard tests/unit/client/*.h) $(wildcard client-lib/src/*.h) client-lib/include/fieldnote.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CLIENT_CFLAGS)) -DUNIT_CLIENT -Itests/unit -o $@.tmp $(CLIENT_UNIT_SRC) tests/unit/runner.c $(CLIENT_OBJ) \
		$(CLIENT_SCHEMA_OBJ) $(MBEDLIBS) $(CLIENT_LIBS)
	mv -f $@.tmp $@

install-client: $(CLIENT_A) $(CLIENT_SO) $(CLIENT_DEV)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(CLIENT_A) $(DESTDIR)$(PREFIX)/lib/libfieldnote.a
	install -m 755 $(CLIENT_SO) $(DESTDIR)$(PREFIX)/lib/$(CLIENT_SONAME)
	ln -sf $(CLIENT_SONAME) $(DESTDIR)$(PREFIX)/lib/libfieldnote.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(CLIENT_VERSION)|' client-lib/fieldnote.pc.in \
		>$(DESTDIR)$(PREFIX)/lib/pkgconfig/fieldnote.pc
	install -m 644 client-lib/include/fieldnote.h $(DESTDIR)$(PREFIX)/include/fieldnote.h
	install -m 755 $(CLIENT_DEV) $(DESTDIR)$(PREFIX)/bin/fieldnote-device
