# client-lib/bindings/java/java.mk - the Java binding: $(BUILD)/lib/libfieldnote_jni.so (JNI glue over
# libfieldnote.a) and $(BUILD)/java/fieldnote.jar. Included by the top Makefile (after client.mk).
# make java [JAVA_HOME=...]: jni.h from JAVA_HOME (default: the JDK of the javac on PATH;
# .ci/java.sh installs Debian's openjdk-17-jdk-headless when there is none).

JAVA_DIR   := client-lib/bindings/java
JAVAC      ?= javac
JAR        ?= jar
JAVA_HOME  ?= $(patsubst %/bin/javac,%,$(realpath $(shell command -v $(JAVAC) 2>/dev/null)))
JNI_CFLAGS := -I$(JAVA_HOME)/include -I$(JAVA_HOME)/include/linux
JAVA_SRC   := $(wildcard $(JAVA_DIR)/src/org/fieldnote/*.java)
JNI_SO     := $(BUILD)/lib/libfieldnote_jni.so
JAVA_JAR   := $(BUILD)/java/fieldnote.jar

.PHONY: java
java: $(JNI_SO) $(JAVA_JAR)

# libfieldnote.a is one pre-linked object whose only globals are fn_*, so the
# JNI library carries the whole client (mbedTLS hidden inside) and exports
# only its native methods: an app ships this one file per ABI.
$(JNI_SO): $(JAVA_DIR)/fieldnote_jni.c $(JAVA_DIR)/fieldnote_jni.map $(CLIENT_A) client-lib/include/fieldnote.h
	@mkdir -p $(@D)
	@test -f $(JAVA_HOME)/include/jni.h || { echo "java: no jni.h under JAVA_HOME=$(JAVA_HOME) (run .ci/java.sh)" >&2; exit 1; }
	$(CC) -std=c11 -shared -fPIC $(SANFLAGS) $(WARN) $(CFLAGS) $(JNI_CFLAGS) -Iclient-lib/include \
		-Wl,--version-script=$(JAVA_DIR)/fieldnote_jni.map -Wl,-z,defs -Wl,-z,relro,-z,now \
		-o $@.tmp $< $(CLIENT_A) $(CLIENT_LIBS)
	mv -f $@.tmp $@

# --release 8: the language level every Android toolchain accepts.
$(JAVA_JAR): $(JAVA_SRC)
	@mkdir -p $(@D)
	rm -rf $(BUILD)/java/classes
	$(JAVAC) --release 8 -Xlint:all -Xlint:-options -Werror -d $(BUILD)/java/classes $(JAVA_SRC)
	$(JAR) cf $@.tmp -C $(BUILD)/java/classes .
	mv -f $@.tmp $@

.PHONY: clean-java
clean: clean-java
clean-java:
	rm -rf $(BUILD)/java $(JNI_SO)
