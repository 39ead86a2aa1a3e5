/*
 * fuzz_http.c - libFuzzer target: bytes as an HTTP/1.1 stream
 * (backend/http.h), parsed twice: whole, and fed in slices whose sizes
 * are taken from the input itself.  Both must give the same events at
 * the same offsets with the same contents (a digest of everything the
 * parser reports).  Each request parsed is answered with its own body
 * through the response writer, and a client parser must read that back.
 *
 * Input: byte 0 selects server or client mode and small or default
 * limits; byte 1 offsets the slice sizes; the rest is the stream.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a: a digest is enough to compare two runs */
static void
mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void
mix_str(uint64_t *h, const char *s)
{
	mix(h, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static void
mix_num(uint64_t *h, uint64_t v)
{
	mix(h, &v, sizeof(v));
}

/* echo - answer a request with its body; a client parser reads it back */
static void
echo(const struct http_msg *m)
{
	struct http_parser *c;
	const struct http_msg *r;
	size_t len, used;
	char *resp;

	resp =
	    http_response_alloc(200, m->keep_alive, m->body, m->body_len, &len);
	if (resp == NULL)
		abort();
	if ((c = http_parser_new(HTTP_CLIENT, NULL)) == NULL)
		abort();
	if (http_parser_feed(c, resp, len, &used) != HTTP_EV_HEADERS ||
	    http_parser_feed(c, resp + used, len - used, &used) !=
		HTTP_EV_MESSAGE)
		abort();
	r = http_parser_msg(c);
	if (r->status != 200 || r->keep_alive != m->keep_alive ||
	    r->body_len != m->body_len ||
	    (m->body_len && memcmp(r->body, m->body, m->body_len) != 0))
		abort();
	http_parser_free(c);
	free(resp);
}

/*
 * run - parse s; slices NULL means in one piece, else slice sizes come
 * from the bytes of slices (nslices of them, offset by off).
 */
static uint64_t
run(enum http_mode mode, const struct http_limits *lim, const uint8_t *s,
    size_t len, const uint8_t *slices, size_t nslices, uint8_t off, bool take)
{
	struct http_parser *p = http_parser_new(mode, lim);
	uint64_t h = 0xcbf29ce484222325ull;
	size_t pos = 0, end, used, k = 0;
	const char *reason;
	int ev;

	if (p == NULL)
		abort();
	while (pos < len || len == 0) {
		end = len;
		if (slices != NULL && nslices > 0)
			end = pos + 1 +
			    (size_t)((slices[k++ % nslices] + off) % 97);
		if (end > len)
			end = len;
		for (;;) {
			ev = http_parser_feed(p, s + pos, end - pos, &used);
			if (used > end - pos)
				abort();
			pos += used;
			if (ev == HTTP_EV_NEED_MORE) {
				if (pos != end)
					abort();
				break;
			}
			mix_num(&h, (uint64_t)ev);
			mix_num(&h, pos);
			if (ev == HTTP_EV_ERROR) {
				mix_num(&h,
				    (uint64_t)http_parser_error(p, &reason));
				mix_str(&h, reason);
				goto done;
			}
			const struct http_msg *m = http_parser_msg(p);

			mix_str(&h, m->method);
			mix_str(&h, m->target);
			mix_num(&h, (uint64_t)m->status);
			mix_str(&h, m->reason);
			mix_num(&h, (uint64_t)m->minor);
			for (unsigned i = 0; i < m->nheaders; i++) {
				mix_str(&h, m->headers[i].name);
				mix_str(&h, m->headers[i].value);
			}
			mix_num(&h, m->content_length);
			mix_num(&h,
			    (uint64_t)m->keep_alive << 1 | m->expect_continue);
			if (ev != HTTP_EV_MESSAGE)
				continue;
			mix(&h, m->body ? (const void *)m->body : "",
			    m->body_len);
			if (mode == HTTP_SERVER)
				echo(m);
			if (take) {
				size_t blen;

				free(http_parser_take_body(p, &blen));
			}
		}
		if (len == 0)
			break;
	}
	mix_num(&h, http_parser_busy(p));
done:
	http_parser_free(p);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_limits small = {
	    .max_header = 96, .max_headers = 3, .max_body = 40};
	enum http_mode mode;
	const struct http_limits *lim;
	uint64_t a, b;

	if (size < 2)
		return 0;
	mode = data[0] & 1 ? HTTP_CLIENT : HTTP_SERVER;
	lim = data[0] & 2 ? &small : NULL;
	a = run(mode, lim, data + 2, size - 2, NULL, 0, 0, data[0] & 4);
	b = run(
	    mode, lim, data + 2, size - 2, data, size, data[1], data[0] & 8);
	if (a != b)
		abort();
	return 0;
}
