/*
 * test_http.c - the incremental HTTP/1.1 parser and response writer
 * (backend/http.h): a stream split at every byte boundary parses like the
 * whole; pipelining; every limit; chunked and bad framing refused with
 * the right status; keep-alive rules; the client-side response parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/http.h"

#define OUT_MAX 4096

/* record - append to the transcript of a parse */
static void
record(char *out, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, OUT_MAX - n, fmt, ap);
	va_end(ap);
}

static void
record_msg(char *out, const struct http_msg *m, enum http_mode mode)
{
	if (mode == HTTP_SERVER)
		record(out, "M %s %s 1.%d", m->method, m->target, m->minor);
	else
		record(out, "M %d \"%s\" 1.%d", m->status, m->reason, m->minor);
	record(out, " h%u %s%s [%.*s]\n", m->nheaders,
	    m->keep_alive ? "keep" : "close",
	    m->expect_continue ? " continue" : "", (int)m->body_len,
	    m->body ? (const char *)m->body : "");
}

/*
 * transcript - parse s fed in slices ending at the cut points (cuts[n-1]
 * must be len), and describe every event in out.
 */
static void
transcript(enum http_mode mode, const struct http_limits *lim, const char *s,
    const size_t *cuts, size_t ncuts, char *out)
{
	struct http_parser *p = http_parser_new(mode, lim);
	size_t start = 0, used;
	const char *reason;
	int ev;

	assert_non_null(p);
	out[0] = '\0';
	for (size_t c = 0; c < ncuts; c++) {
		size_t pos = start, end = cuts[c];

		for (;;) {
			ev = http_parser_feed(p, s + pos, end - pos, &used);
			assert_true(used <= end - pos);
			pos += used;
			if (ev == HTTP_EV_NEED_MORE) {
				assert_int_equal(pos, end);
				break;
			}
			if (ev == HTTP_EV_HEADERS) {
				record(out, "H ");
			} else if (ev == HTTP_EV_MESSAGE) {
				record_msg(out, http_parser_msg(p), mode);
			} else {
				int st = http_parser_error(p, &reason);

				record(out, "E %d %s\n", st, reason);
				goto done;
			}
		}
		start = end;
	}
	record(out, "%s", http_parser_busy(p) ? "busy" : "idle");
done:
	http_parser_free(p);
}

static void
whole(enum http_mode mode, const struct http_limits *lim, const char *s,
    char *out)
{
	size_t len = strlen(s);

	transcript(mode, lim, s, &len, 1, out);
}

/* same_every_split - the whole, byte by byte, and every split in two
 * give one transcript */
static void
same_every_split(enum http_mode mode, const struct http_limits *lim,
    const char *s, size_t len, const char *want)
{
	char ref[OUT_MAX], got[OUT_MAX];
	size_t *cuts = calloc(len + 1, sizeof(*cuts)), two[2];

	assert_non_null(cuts);
	transcript(mode, lim, s, &len, 1, ref);
	if (want != NULL)
		assert_string_equal(ref, want);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	transcript(mode, lim, s, cuts, len, got);
	assert_string_equal(got, ref);
	for (size_t k = 0; k <= len; k++) {
		two[0] = k;
		two[1] = len;
		transcript(mode, lim, s, two, 2, got);
		assert_string_equal(got, ref);
	}
	free(cuts);
}

static const char post[] = "POST /js HTTP/1.1\r\n"
			   "Host: js.example.net\r\n"
			   "Content-Type: application/json\r\n"
			   "Content-Length: 13\r\n"
			   "\r\n"
			   "{\"a\":\"b\\r\\n\"}";

static void
test_simple_post(void **state)
{
	struct http_parser *p = http_parser_new(HTTP_SERVER, NULL);
	const struct http_msg *m;
	size_t used, len = strlen(post), blen;
	uint8_t *body;

	(void)state;
	assert_non_null(p);
	assert_false(http_parser_busy(p));
	assert_int_equal(
	    http_parser_feed(p, post, len, &used), HTTP_EV_HEADERS);
	assert_int_equal(used, len - 13);
	m = http_parser_msg(p);
	assert_string_equal(m->method, "POST");
	assert_string_equal(m->target, "/js");
	assert_int_equal(m->minor, 1);
	assert_int_equal(m->nheaders, 3);
	assert_string_equal(
	    http_msg_header(m, "content-type"), "application/json");
	assert_string_equal(http_msg_header(m, "HOST"), "js.example.net");
	assert_null(http_msg_header(m, "Accept"));
	assert_true(m->has_content_length);
	assert_int_equal(m->content_length, 13);
	assert_true(m->keep_alive);
	assert_true(http_parser_busy(p));
	assert_int_equal(
	    http_parser_feed(p, post + used, 13, &used), HTTP_EV_MESSAGE);
	assert_int_equal(used, 13);
	assert_int_equal(m->body_len, 13);
	assert_string_equal((const char *)m->body, "{\"a\":\"b\\r\\n\"}");
	assert_false(http_parser_busy(p));
	body = http_parser_take_body(p, &blen);
	assert_non_null(body);
	assert_int_equal(blen, 13);
	assert_null(m->body);
	assert_null(http_parser_take_body(p, &blen));
	/* next message: nothing yet */
	assert_int_equal(
	    http_parser_feed(p, NULL, 0, &used), HTTP_EV_NEED_MORE);
	assert_int_equal(http_parser_error(p, NULL), 0);
	http_parser_free(p);
	assert_string_equal((char *)body, "{\"a\":\"b\\r\\n\"}");
	free(body);
	http_parser_free(NULL);
}

static void
test_every_split(void **state)
{
	static const char three[] =
	    "\r\n" /* an empty line before the request line is skipped */
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"
	    "GET /x?y=1 HTTP/1.1\nHost: a\n\n" /* bare LF line ends */
	    "POST / HTTP/1.0\r\nContent-Length: 0\r\n"
	    "Connection: keep-alive\r\n\r\n"
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	    "Expect: 100-continue\r\nConnection: close\r\n\r\nabc";
	static const char nocl[] = "POST / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char barecr[] = "POST / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n";

	(void)state;
	same_every_split(HTTP_SERVER, NULL, post, strlen(post),
	    "H M POST /js 1.1 h3 keep [{\"a\":\"b\\r\\n\"}]\nidle");
	same_every_split(HTTP_SERVER, NULL, three, strlen(three),
	    "H M POST / 1.1 h2 keep [{}]\n"
	    "H M GET /x?y=1 1.1 h1 keep []\n"
	    "H M POST / 1.0 h2 keep []\n"
	    "H M POST / 1.1 h4 close continue [abc]\nidle");
	/* an error at the end: the same error wherever the cuts fall */
	same_every_split(HTTP_SERVER, NULL, nocl, strlen(nocl),
	    "E 411 Content-Length required\n");
	same_every_split(
	    HTTP_SERVER, NULL, barecr, strlen(barecr), "E 400 bare CR\n");
	/* truncated: busy at the end */
	same_every_split(HTTP_SERVER, NULL, post, strlen(post) - 1, "H busy");
}

/* pipelining: the parser stops at the end of each message */
static void
test_pipelined(void **state)
{
	char buf[1024];
	struct http_parser *p = http_parser_new(HTTP_SERVER, NULL);
	size_t len, off = 0, used;
	int n = 0, ev;

	(void)state;
	len = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", post, post, post);
	while (off < len || n < 3) {
		ev = http_parser_feed(p, buf + off, len - off, &used);
		off += used;
		if (ev == HTTP_EV_MESSAGE) {
			n++;
			assert_int_equal(off, n * strlen(post));
			assert_int_equal(http_parser_msg(p)->body_len, 13);
		}
		assert_true(ev != HTTP_EV_ERROR);
		if (ev == HTTP_EV_NEED_MORE)
			break;
	}
	assert_int_equal(n, 3);
	assert_int_equal(off, len);
	http_parser_free(p);
}

/* a request with nfields "X-N: v" fields padded to exactly size bytes
 * of header block (when pad allows) */
static char *
request_of(size_t nfields, size_t pad, const char *tail)
{
	size_t cap = 64 * 1024 + 256;
	char *s = malloc(cap);
	size_t n;

	assert_non_null(s);
	n = (size_t)snprintf(s, cap, "POST / HTTP/1.1\r\nHost: a\r\n");
	for (size_t i = 0; i < nfields; i++)
		n += (size_t)snprintf(s + n, cap - n, "X-%zu: v\r\n", i);
	if (pad > 0) {
		n += (size_t)snprintf(s + n, cap - n, "P: ");
		memset(s + n, 'p', pad);
		n += pad;
		n += (size_t)snprintf(s + n, cap - n, "\r\n");
	}
	snprintf(s + n, cap - n, "%s", tail);
	return s;
}

static void
test_limits(void **state)
{
	const char *tail = "Content-Length: 0\r\n\r\n";
	char out[OUT_MAX], *s;
	size_t base;

	(void)state;
	/* 64 fields pass, 65 do not (Host and Content-Length count) */
	s = request_of(62, 0, tail);
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "H M POST / 1.1 h64 keep []\nidle");
	free(s);
	s = request_of(63, 0, tail);
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "E 431 too many header fields\n");
	free(s);
	/* a header block of exactly 8192 bytes passes, 8193 does not */
	s = request_of(0, 1, tail);
	base = strlen(s);
	free(s);
	s = request_of(0, 1 + 8192 - base, tail);
	assert_int_equal(strlen(s), 8192);
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "H M POST / 1.1 h3 keep []\nidle");
	free(s);
	s = request_of(0, 2 + 8192 - base, tail);
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "E 431 header block too large\n");
	free(s);
	/* a request line that alone overflows: 414 */
	s = malloc(9000);
	assert_non_null(s);
	memcpy(s, "POST /", 6);
	memset(s + 6, 'a', 8990);
	s[8996] = '\0';
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "E 414 request line too long\n");
	/* so do endless empty lines before it, as a header block */
	for (size_t i = 0; i < 8996; i++)
		s[i] = i % 2 ? '\n' : '\r';
	whole(HTTP_SERVER, NULL, s, out);
	assert_string_equal(out, "E 431 header block too large\n");
	free(s);
	/* the body: the limit passes, one more is 413 (before any byte) */
	whole(HTTP_SERVER, NULL,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65536\r\n\r\n", out);
	assert_string_equal(out, "H busy");
	whole(HTTP_SERVER, NULL,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", out);
	assert_string_equal(out, "E 413 body too large\n");
	whole(HTTP_SERVER, NULL,
	    "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 99999999999999999999999999999\r\n\r\n",
	    out);
	assert_string_equal(out, "E 413 body too large\n");
}

static void
test_custom_limits(void **state)
{
	const struct http_limits lim = {
	    .max_header = 64, .max_headers = 2, .max_body = 4};
	const struct http_limits bad = {
	    .max_headers = HTTP_MAX_HEADERS_CAP + 1};
	const struct http_limits bad2 = {.max_body = HTTP_MAX_BODY_CAP + 1};
	char out[OUT_MAX];

	(void)state;
	whole(HTTP_SERVER, &lim,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd", out);
	assert_string_equal(out, "H M POST / 1.1 h2 keep [abcd]\nidle");
	whole(HTTP_SERVER, &lim,
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde",
	    out);
	assert_string_equal(out, "E 413 body too large\n");
	whole(HTTP_SERVER, &lim,
	    "POST / HTTP/1.1\r\nHost: a\r\nA: b\r\nContent-Length: 4\r\n\r\n",
	    out);
	assert_string_equal(out, "E 431 too many header fields\n");
	whole(HTTP_SERVER, &lim,
	    "POST / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\r\n\r\n",
	    out);
	assert_string_equal(out, "E 431 header block too large\n");
	assert_null(http_parser_new(HTTP_SERVER, &bad));
	assert_null(http_parser_new(HTTP_SERVER, &bad2));
}

struct refusal {
	const char *req;
	const char *want;
};

static void
test_framing_refusals(void **state)
{
	static const struct refusal r[] = {
	    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "2\r\n{}\r\n0\r\n\r\n",
		"E 411 Transfer-Encoding not supported\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n{}",
		"E 411 Transfer-Encoding not supported\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
	     "Content-Length: 2\r\n\r\n{}",
		"E 411 Transfer-Encoding not supported\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\n\r\n",
		"E 411 Content-Length required\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	     "Content-Length: 2\r\n\r\n{}",
		"E 400 more than one Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	     "content-length: 3\r\n\r\n{}",
		"E 400 more than one Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n{}",
		"E 400 invalid Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n{}",
		"E 400 invalid Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x2\r\n\r\n{}",
		"E 400 invalid Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n{}",
		"E 400 invalid Content-Length\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n"
	     "Content-Length: 0\r\n\r\n",
		"E 400 obsolete line folding\n"},
	    {"POST / HTTP/1.1\r\n Host: a\r\nContent-Length: 0\r\n\r\n",
		"E 400 obsolete line folding\n"},
	    {"POST / HTTP/1.1\r\nHost : a\r\nContent-Length: 0\r\n\r\n",
		"E 400 invalid header field name\n"},
	    {"POST / HTTP/1.1\r\nHost a\r\nContent-Length: 0\r\n\r\n",
		"E 400 invalid header field name\n"},
	    {"POST / HTTP/1.1\r\nHosta\r\nContent-Length: 0\r\n\r\n",
		"E 400 header field without colon\n"},
	    {"POST / HTTP/1.1\r\n: a\r\nContent-Length: 0\r\n\r\n",
		"E 400 empty header field name\n"},
	    {"POST / HTTP/1.1\r\nHost: a\x01\r\nContent-Length: 0\r\n\r\n",
		"E 400 control character in header field\n"},
	    {"POST / HTTP/1.1\r\nHost: a\x7f\r\nContent-Length: 0\r\n\r\n",
		"E 400 control character in header field\n"},
	    {"POST / HTTP/1.1\rHost: a\r\nContent-Length: 0\r\n\r\n",
		"E 400 bare CR\n"},
	    {"\r\r\nPOST / HTTP/1.1\r\n", "E 400 bare CR\n"},
	    {"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"E 400 missing Host\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: "
	     "0\r\n\r\n",
		"E 400 more than one Host\n"},
	    {"POST / HTTP/1.0\r\nHost: a\r\nHost: b\r\nContent-Length: "
	     "0\r\n\r\n",
		"E 400 more than one Host\n"},
	    {"POST / HTTP/2.0\r\n\r\n", "E 505 HTTP version not supported\n"},
	    {"POST / HTTP/1.2\r\n\r\n", "E 505 HTTP version not supported\n"},
	    {"POST / HTTP/1.1x\r\n\r\n", "E 400 malformed request line\n"},
	    {"POST / http/1.1\r\n\r\n", "E 400 malformed request line\n"},
	    {"POST /  HTTP/1.1\r\n\r\n", "E 400 malformed request line\n"},
	    {"POST  / HTTP/1.1\r\n\r\n", "E 400 malformed request line\n"},
	    {"POST /\r\n\r\n", "E 400 malformed request line\n"},
	    {"PO(ST / HTTP/1.1\r\n\r\n", "E 400 invalid method\n"},
	    {"POST /\x80 HTTP/1.1\r\n\r\n", "E 400 invalid request target\n"},
	    {"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n"
	     "Content-Length: 0\r\n\r\n",
		"E 417 unsupported Expect\n"},
	};
	char out[OUT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		whole(HTTP_SERVER, NULL, r[i].req, out);
		if (strcmp(out, r[i].want) != 0)
			fail_msg("case %zu: got \"%s\"", i, out);
	}
	/* a NUL anywhere in the header block */
	static const char nul[] = "POST / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	size_t len = sizeof(nul) - 1;

	transcript(HTTP_SERVER, NULL, nul, &len, 1, out);
	assert_string_equal(out, "E 400 NUL in header block\n");
}

/* errors are final: the connection must close */
static void
test_error_is_sticky(void **state)
{
	struct http_parser *p = http_parser_new(HTTP_SERVER, NULL);
	const char *reason;
	size_t used;

	(void)state;
	assert_int_equal(http_parser_feed(p, "GET / HTTP/3.0\r\n", 16, &used),
	    HTTP_EV_ERROR);
	assert_int_equal(http_parser_error(p, &reason), 505);
	assert_string_equal(reason, "HTTP version not supported");
	assert_int_equal(
	    http_parser_feed(p, post, strlen(post), &used), HTTP_EV_ERROR);
	assert_int_equal(used, 0);
	assert_false(http_parser_busy(p));
	http_parser_free(p);
}

static void
test_keep_alive(void **state)
{
	static const struct refusal k[] = {
	    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "keep"},
	    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", "close"},
	    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, "
	     "CLOSE\r\n\r\n",
		"close"},
	    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
	     "Connection: close\r\n\r\n",
		"close"},
	    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", "keep"},
	    {"GET / HTTP/1.0\r\n\r\n", "close"},
	    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep"},
	    {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		"close"},
	};
	char out[OUT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		whole(HTTP_SERVER, NULL, k[i].req, out);
		if (strstr(out, k[i].want) == NULL)
			fail_msg("case %zu: got \"%s\"", i, out);
	}
	/* an HTTP/1.0 client gets no 100 Continue, even if it asks */
	whole(HTTP_SERVER, NULL,
	    "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 1\r\n\r\nx",
	    out);
	assert_string_equal(out, "H M POST / 1.0 h2 close [x]\nidle");
}

static void
test_response_writer(void **state)
{
	char buf[512], small[40], *s;
	size_t n;

	(void)state;
	assert_int_equal(
	    http_response_write(buf, sizeof(buf), 200, true, "{}", 2, &n), 0);
	assert_string_equal(buf,
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "Connection: keep-alive\r\n\r\n{}");
	assert_int_equal(n, strlen(buf));
	assert_int_equal(
	    http_response_write(buf, sizeof(buf), 405, false, NULL, 0, &n), 0);
	assert_string_equal(buf,
	    "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Length: 0\r\nAllow: POST\r\n"
	    "Connection: close\r\n\r\n");
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 204, true, 0, &n), 0);
	assert_string_equal(
	    buf, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 100, true, 0, &n), 0);
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 204, true, 1, &n), -1);
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 99, true, 0, &n), -1);
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 600, true, 0, &n), -1);
	assert_int_equal(
	    http_response_head(small, sizeof(small), 200, true, 0, &n), -1);
	/* room for the head but not the body (and its NUL) */
	assert_int_equal(
	    http_response_head(buf, sizeof(buf), 413, false, 0, &n), 0);
	assert_int_equal(
	    http_response_write(buf, n + 2, 413, false, "ab", 2, &n), -1);
	assert_int_equal(
	    http_response_write(buf, sizeof(buf), 200, true, NULL, 3, &n), -1);
	s = http_response_alloc(431, false, "{\"x\":1}", 7, &n);
	assert_non_null(s);
	assert_string_equal(s,
	    "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 7\r\nConnection: close\r\n\r\n"
	    "{\"x\":1}");
	assert_int_equal(n, strlen(s));
	free(s);
	assert_null(http_response_alloc(204, false, "x", 1, &n));
	assert_string_equal(http_status_reason(599), "Unknown");
}

static void
test_client(void **state)
{
	static const struct refusal r[] = {
	    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"H M 200 \"OK\" 1.1 h1 keep [{}]\nidle"},
	    {"HTTP/1.1 100 Continue\r\n\r\n"
	     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"H M 200 \"OK\" 1.1 h1 keep []\nidle"},
	    {"HTTP/1.1 204 No Content\r\n\r\n",
		"H M 204 \"No Content\" 1.1 h0 keep []\nidle"},
	    {"HTTP/1.1 200\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"H M 200 \"\" 1.1 h2 close []\nidle"},
	    {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"H M 200 \"OK\" 1.0 h1 close []\nidle"},
	    {"HTTP/1.1 200 OK\r\n\r\n",
		"E 502 response without Content-Length\n"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"E 502 Transfer-Encoding not supported\n"},
	    {"HTTP/1.1 2000 OK\r\n\r\n", "E 502 malformed status code\n"},
	    {"HTTP/1.1 099 OK\r\n\r\n", "E 502 malformed status code\n"},
	    {"HTTP/2 200 OK\r\n\r\n", "E 502 unsupported HTTP version\n"},
	    {"HTTP/1.1\r\n\r\n", "E 502 malformed status line\n"},
	    {"HTTP/1.1 200 O\x01K\r\n\r\n",
		"E 502 control character in reason\n"},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n",
		"E 502 body too large\n"},
	};
	char out[OUT_MAX], buf[256];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		whole(HTTP_CLIENT, NULL, r[i].req, out);
		if (strcmp(out, r[i].want) != 0)
			fail_msg("case %zu: got \"%s\"", i, out);
	}
	/* what we write, we read, wherever it is cut */
	assert_int_equal(http_response_write(buf, sizeof(buf), 200, true,
			     "{\"Result\":{}}", 13, &n),
	    0);
	same_every_split(HTTP_CLIENT, NULL, buf, n,
	    "H M 200 \"OK\" 1.1 h3 keep [{\"Result\":{}}]\nidle");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_post),
	    cmocka_unit_test(test_every_split),
	    cmocka_unit_test(test_pipelined),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_custom_limits),
	    cmocka_unit_test(test_framing_refusals),
	    cmocka_unit_test(test_error_is_sticky),
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_response_writer),
	    cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
