# loradane - top-level build.  One "make" builds everything; "make check"
# installs missing Debian packages, builds, and runs every test, ending with
# a line "N passed, N failed".  "make check SANITIZE=1" does the same with
# AddressSanitizer and UndefinedBehaviorSanitizer in a separate build tree.

CC ?= cc
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
OPT = -O1 -g
else
BUILD ?= build
SANFLAGS =
OPT = -O2 -g
endif

WARN = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
	-Wsign-compare -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
	-Iinclude -Ilib -Isrc -I/usr/include/postgresql
CFLAGS += -std=c11 $(WARN) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LIBS = -lunbound -lldns -levent_openssl -levent -levent_pthreads -lssl \
	-lcrypto -ljansson -lsqlite3 -lpq -lpthread

LIB_SRCS := $(sort $(wildcard lib/util/*.c lib/dance/*.c lib/lorawan/*.c \
	lib/zone/*.c lib/store/*.c lib/backend/*.c lib/gw/*.c lib/mqtt/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
JS_SRCS := $(sort $(wildcard src/js/*.c))
NS_SRCS := $(sort $(wildcard src/ns/*.c))
COMMON_SRCS := $(sort $(wildcard src/common/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_SRCS := $(sort $(wildcard tests/unit/lib/*.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
JSLOAD_SRCS := $(sort $(wildcard bench/jsload/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
JS_OBJS := $(JS_SRCS:%.c=$(BUILD)/%.o)
NS_OBJS := $(NS_SRCS:%.c=$(BUILD)/%.o)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
HELPER_BINS := $(HELPER_SRCS:%.c=$(BUILD)/%)
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)
# bench/jsload/*.c is one program, $(BUILD)/bench/jsload: its objects
# cannot be in a directory of that name.
JSLOAD_OBJS := $(JSLOAD_SRCS:bench/jsload/%.c=$(BUILD)/bench/jsload-objs/%.o)

LIBLORADANE := $(BUILD)/libloradane.a
CLI := $(BUILD)/loradane
JS := $(BUILD)/loradane-js
NS := $(BUILD)/loradane-ns
JSLOAD := $(BUILD)/bench/jsload

.PHONY: all check deps lint clean bench format
all: $(LIBLORADANE) $(CLI) $(JS) $(NS) $(UNIT_BINS) $(HELPER_BINS) $(BENCH_BINS) \
	$(JSLOAD)

deps:
	@scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD); rc=$$?; bench/run-join.sh $(BUILD) || rc=1; \
	    bench/run-zone.sh $(BUILD) || rc=1; bench/run-js.sh $(BUILD) || rc=1; \
	    exit $$rc

lint:
	@tests/scripts/t_style.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBLORADANE): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(CLI): $(CLI_OBJS) $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBLORADANE) $(LIBS)

$(JS): $(JS_OBJS) $(COMMON_OBJS) $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $(JS_OBJS) $(COMMON_OBJS) $(LIBLORADANE) $(LIBS)

$(NS): $(NS_OBJS) $(COMMON_OBJS) $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $(NS_OBJS) $(COMMON_OBJS) $(LIBLORADANE) $(LIBS)

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(TESTLIB_OBJS) \
    $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBLORADANE) $(LIBS) \
	    -lcmocka

$(BUILD)/tests/helpers/%: $(BUILD)/tests/helpers/%.o $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLORADANE) $(LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLORADANE) $(LIBS)

$(BUILD)/bench/jsload-objs/%.o: bench/jsload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(JSLOAD): $(JSLOAD_OBJS) $(LIBLORADANE)
	$(CC) $(LDFLAGS) -o $@ $(JSLOAD_OBJS) $(LIBLORADANE) $(LIBS)

# fuzz - libFuzzer targets: the frame codec, and "loradane decode"'s input
# parsing.  clang only, so they are built from the sources they need,
# never from the gcc-built library or by "all".  "make fuzz-smoke" runs
# each for FUZZ_SECONDS (CI); a campaign: FUZZ_SECONDS=1800.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_TARGETS = $(BUILD)/fuzz/fuzz_phy $(BUILD)/fuzz/fuzz_decode_args \
	$(BUILD)/fuzz/fuzz_profile $(BUILD)/fuzz/fuzz_bi $(BUILD)/fuzz/fuzz_http \
	$(BUILD)/fuzz/fuzz_udp $(BUILD)/fuzz/fuzz_mqtt $(BUILD)/fuzz/fuzz_rdata
.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_TARGETS)

$(BUILD)/fuzz/fuzz_phy: tests/fuzz/fuzz_phy.c lib/lorawan/phy.c \
    lib/lorawan/phy.h lib/lorawan/lw_err.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    tests/fuzz/fuzz_phy.c lib/lorawan/phy.c

FUZZ_DECODE_SRCS = tests/fuzz/fuzz_decode_args.c src/cli/decode_args.c \
	lib/util/bytes.c lib/util/strnum.c lib/lorawan/phy.c lib/lorawan/ids.c
$(BUILD)/fuzz/fuzz_decode_args: $(FUZZ_DECODE_SRCS) src/cli/decode_args.h \
    lib/util/bytes.h lib/lorawan/phy.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    $(FUZZ_DECODE_SRCS) -lcrypto

FUZZ_PROFILE_SRCS = tests/fuzz/fuzz_profile.c lib/util/config.c \
	lib/zone/profile.c lib/zone/profile_io.c lib/zone/zone_err.c \
	lib/util/bytes.c lib/util/strnum.c lib/util/safefile.c lib/lorawan/ids.c
$(BUILD)/fuzz/fuzz_profile: $(FUZZ_PROFILE_SRCS) lib/zone/profile.h \
    lib/util/config.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    $(FUZZ_PROFILE_SRCS) -lcrypto

FUZZ_BI_SRCS = tests/fuzz/fuzz_bi.c lib/backend/bi.c lib/backend/bi_decode.c \
	lib/backend/bi_encode.c lib/backend/bi_read.c lib/backend/bi_meta.c \
	lib/backend/bi_meta_enc.c lib/backend/bi_roam.c lib/backend/bi_values.c \
	lib/util/bytes.c
$(BUILD)/fuzz/fuzz_bi: $(FUZZ_BI_SRCS) lib/backend/bi.h lib/backend/bi_int.h \
    lib/util/bytes.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    $(FUZZ_BI_SRCS) -ljansson -lcrypto

$(BUILD)/fuzz/fuzz_http: tests/fuzz/fuzz_http.c lib/backend/http.c \
    lib/backend/http.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    tests/fuzz/fuzz_http.c lib/backend/http.c

FUZZ_UDP_SRCS = tests/fuzz/fuzz_udp.c lib/gw/udp.c lib/gw/udp_json.c \
	lib/gw/udp_enc.c lib/lorawan/region.c lib/util/bytes.c
$(BUILD)/fuzz/fuzz_udp: $(FUZZ_UDP_SRCS) lib/gw/udp.h lib/gw/udp_int.h \
    lib/lorawan/region.h lib/util/bytes.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    $(FUZZ_UDP_SRCS) -ljansson -lcrypto

FUZZ_MQTT_SRCS = tests/fuzz/fuzz_mqtt.c lib/mqtt/mqtt_codec.c \
	lib/mqtt/mqtt_encode.c
$(BUILD)/fuzz/fuzz_mqtt: $(FUZZ_MQTT_SRCS) lib/mqtt/mqtt_codec.h \
    lib/mqtt/mqtt_codec_int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    $(FUZZ_MQTT_SRCS)

$(BUILD)/fuzz/fuzz_rdata: tests/fuzz/fuzz_rdata.c lib/backend/bi_rdata.c \
    lib/backend/bi_dns.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -o $@ \
	    tests/fuzz/fuzz_rdata.c lib/backend/bi_rdata.c

fuzz-smoke: deps
	@$(MAKE) --no-print-directory fuzz
	@tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
