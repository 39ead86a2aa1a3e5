/*
 * http.c - incremental HTTP/1.1 parsing (requests for the server,
 * responses for the client) and response writing.  The header block is
 * copied byte by byte into one bounded buffer and split in place, so a
 * message split at any byte boundary parses exactly like a whole one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/http.h"

enum state {
	ST_START,    /* before the first line: empty lines are skipped */
	ST_START_CR, /* a CR among those empty lines */
	ST_LINE,     /* in a line of the header block */
	ST_CR,       /* a CR in a line: LF must follow */
	ST_BODY,     /* header block done, body_got of content_length */
	ST_DONE,     /* a message is complete */
	ST_ERROR,
};

struct http_parser {
	enum http_mode mode;
	struct http_limits lim;
	enum state st;
	char *hbuf;        /* the header block, lines NUL-terminated */
	size_t hlen;       /* bytes stored in hbuf */
	size_t hcount;     /* bytes of the header block seen, CRLFs too */
	size_t line_start; /* where the current line starts in hbuf */
	bool first_done;   /* the request/status line is parsed */
	struct http_header *hdrs;
	struct http_msg msg;
	uint8_t *body;
	size_t body_got;
	int err_status;
	const char *err_reason;
};

/* Outcome of a line of the header block. */
#define LINE_MORE 0 /* another line follows */
#define LINE_END 1  /* that was the empty line */
#define LINE_SKIP 2 /* a 1xx response ended: parse the next one */
#define LINE_ERR -1

static int
fail(struct http_parser *p, int status, const char *reason)
{
	p->st = ST_ERROR;
	/* a bad response is the peer's fault, not ours to answer */
	p->err_status = p->mode == HTTP_CLIENT ? 502 : status;
	p->err_reason = reason;
	return LINE_ERR;
}

struct http_parser *
http_parser_new(enum http_mode mode, const struct http_limits *lim)
{
	struct http_parser *p;

	if (lim != NULL &&
	    (lim->max_headers > HTTP_MAX_HEADERS_CAP ||
		lim->max_header > HTTP_MAX_HEADER_CAP ||
		lim->max_body > HTTP_MAX_BODY_CAP))
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->mode = mode;
	if (lim != NULL)
		p->lim = *lim;
	if (p->lim.max_header == 0)
		p->lim.max_header = HTTP_DEFAULT_MAX_HEADER;
	if (p->lim.max_headers == 0)
		p->lim.max_headers = HTTP_DEFAULT_MAX_HEADERS;
	if (p->lim.max_body == 0)
		p->lim.max_body = HTTP_DEFAULT_MAX_BODY;
	p->hbuf = malloc(p->lim.max_header + 1);
	p->hdrs = calloc(p->lim.max_headers, sizeof(*p->hdrs));
	if (p->hbuf == NULL || p->hdrs == NULL) {
		http_parser_free(p);
		return NULL;
	}
	p->msg.headers = p->hdrs;
	return p;
}

void
http_parser_free(struct http_parser *p)
{
	if (p == NULL)
		return;
	free(p->body);
	free(p->hbuf);
	free(p->hdrs);
	free(p);
}

/* reset - ready for the next message; an untaken body is dropped */
static void
reset(struct http_parser *p)
{
	free(p->body);
	p->body = NULL;
	p->body_got = 0;
	p->hlen = p->hcount = p->line_start = 0;
	p->first_done = false;
	memset(&p->msg, 0, sizeof(p->msg));
	p->msg.headers = p->hdrs;
	p->st = ST_START;
}

static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* is_field_char - HT, SP, VCHAR and obs-text: any control but HT is out */
static bool
is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* parse_version - "HTTP/1.1" or "HTTP/1.0"; 1 for HTTP/x.y of
 * another version, -1 for anything else */
static int
parse_version(const char *s, int *minor)
{
	if (strncmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
	    s[6] != '.' || s[7] < '0' || s[7] > '9' || s[8] != '\0')
		return -1;
	if (s[5] != '1' || s[7] > '1')
		return 1;
	*minor = s[7] - '0';
	return 0;
}

static int
request_line(struct http_parser *p, char *s)
{
	char *sp1 = strchr(s, ' '), *sp2, *c;
	int v;

	if (sp1 == NULL || sp1 == s || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    sp2 == sp1 + 1)
		return fail(p, 400, "malformed request line");
	*sp1 = *sp2 = '\0';
	for (c = s; *c != '\0'; c++)
		if (!is_tchar((unsigned char)*c))
			return fail(p, 400, "invalid method");
	for (c = sp1 + 1; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(p, 400, "invalid request target");
	if ((v = parse_version(sp2 + 1, &p->msg.minor)) != 0)
		return fail(p, v > 0 ? 505 : 400,
		    v > 0 ? "HTTP version not supported"
			  : "malformed request line");
	p->msg.method = s;
	p->msg.target = sp1 + 1;
	return LINE_MORE;
}

static int
status_line(struct http_parser *p, char *s)
{
	char *sp = strchr(s, ' '), *r;

	if (sp == NULL)
		return fail(p, 502, "malformed status line");
	*sp = '\0';
	if (parse_version(s, &p->msg.minor) != 0)
		return fail(p, 502, "unsupported HTTP version");
	r = sp + 1;
	if (r[0] < '1' || r[0] > '5' || r[1] < '0' || r[1] > '9' ||
	    r[2] < '0' || r[2] > '9' || (r[3] != '\0' && r[3] != ' '))
		return fail(p, 502, "malformed status code");
	p->msg.status = (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
	p->msg.reason = r[3] == '\0' ? r + 3 : r + 4;
	for (r = r + 3; *r != '\0'; r++)
		if (!is_field_char((unsigned char)*r))
			return fail(p, 502, "control character in reason");
	return LINE_MORE;
}

static int
field_line(struct http_parser *p, char *s)
{
	char *colon, *v, *end;

	if (s[0] == ' ' || s[0] == '\t')
		return fail(p, 400, "obsolete line folding");
	for (colon = s; *colon != ':'; colon++)
		if (!is_tchar((unsigned char)*colon))
			return fail(p, 400,
			    *colon == '\0' ? "header field without colon"
					   : "invalid header field name");
	if (colon == s)
		return fail(p, 400, "empty header field name");
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	for (char *c = v; c < end; c++)
		if (!is_field_char((unsigned char)*c))
			return fail(
			    p, 400, "control character in header field");
	if (p->msg.nheaders >= p->lim.max_headers)
		return fail(p, 431, "too many header fields");
	p->hdrs[p->msg.nheaders].name = s;
	p->hdrs[p->msg.nheaders].value = v;
	p->msg.nheaders++;
	return LINE_MORE;
}

/* connection_tokens - "Connection: keep-alive, Upgrade" is a list */
static void
connection_tokens(const char *v, bool *close, bool *keep)
{
	while (*v != '\0') {
		size_t n = strcspn(v, ","), k = n;

		while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
			k--;
		if (k == 5 && strncasecmp(v, "close", 5) == 0)
			*close = true;
		if (k == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			*keep = true;
		v += n;
		while (*v == ',' || *v == ' ' || *v == '\t')
			v++;
	}
}

/* content_length - digits only: a sign, a list or white space inside is
 * a request smuggling attempt or a broken peer */
static int
content_length(struct http_parser *p, const char *v)
{
	size_t n = 0;

	if (*v == '\0')
		return fail(p, 400, "invalid Content-Length");
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return fail(p, 400, "invalid Content-Length");
		if (n <= p->lim.max_body)
			n = n * 10 + (size_t)(*v - '0');
	}
	if (n > p->lim.max_body)
		return fail(p, 413, "body too large");
	p->msg.has_content_length = true;
	p->msg.content_length = n;
	return LINE_MORE;
}

/* headers_done - the framing decisions, once every field is known */
static int
headers_done(struct http_parser *p)
{
	struct http_msg *m = &p->msg;
	bool close = false, keep = false, te = false;
	int hosts = 0, cls = 0;

	for (unsigned i = 0; i < m->nheaders; i++) {
		const char *n = p->hdrs[i].name, *v = p->hdrs[i].value;

		if (strcasecmp(n, "Content-Length") == 0 && cls++ == 0 &&
		    content_length(p, v) != LINE_MORE)
			return LINE_ERR;
		if (strcasecmp(n, "Transfer-Encoding") == 0)
			te = true;
		if (strcasecmp(n, "Host") == 0)
			hosts++;
		if (strcasecmp(n, "Connection") == 0)
			connection_tokens(v, &close, &keep);
		/* RFC 9110 §10.1.1: an HTTP/1.0 expectation is ignored */
		if (strcasecmp(n, "Expect") == 0 && p->mode == HTTP_SERVER &&
		    m->minor == 1) {
			if (strcasecmp(v, "100-continue") != 0)
				return fail(p, 417, "unsupported Expect");
			m->expect_continue = true;
		}
	}
	if (cls > 1)
		return fail(p, 400, "more than one Content-Length");
	if (te)
		return fail(p, 411, "Transfer-Encoding not supported");
	m->keep_alive = m->minor == 1 ? !close : keep && !close;
	if (p->mode == HTTP_SERVER) {
		if (hosts > 1 || (hosts == 0 && m->minor == 1))
			return fail(p, 400,
			    hosts ? "more than one Host" : "missing Host");
		if (!m->has_content_length && strcmp(m->method, "POST") == 0)
			return fail(p, 411, "Content-Length required");
	} else {
		if (m->status < 200)
			return LINE_SKIP;
		if (m->status == 204 || m->status == 304) {
			m->has_content_length = false;
			m->content_length = 0;
		} else if (!m->has_content_length)
			return fail(p, 502, "response without Content-Length");
	}
	if (m->content_length > 0 &&
	    (p->body = malloc(m->content_length + 1)) == NULL)
		return fail(p, 500, "out of memory");
	return LINE_END;
}

/* end_line - a line of the header block is complete in hbuf */
static int
end_line(struct http_parser *p)
{
	char *s = p->hbuf + p->line_start;

	p->hbuf[p->hlen++] = '\0';
	p->line_start = p->hlen;
	if (!p->first_done) {
		p->first_done = true;
		return p->mode == HTTP_SERVER ? request_line(p, s)
					      : status_line(p, s);
	}
	if (*s == '\0')
		return headers_done(p);
	return field_line(p, s);
}

/* feed_head - header block bytes, one at a time: every limit and every
 * forbidden byte is checked where it arrives */
static int
feed_head(struct http_parser *p, const uint8_t *d, size_t len, size_t *used)
{
	size_t i;
	int r;

	for (i = 0; i < len; i++) {
		unsigned char c = d[i];

		if (++p->hcount > p->lim.max_header) {
			*used = i;
			if (!p->first_done && p->mode == HTTP_SERVER &&
			    p->st != ST_START && p->st != ST_START_CR)
				fail(p, 414, "request line too long");
			else
				fail(p, 431, "header block too large");
			return HTTP_EV_ERROR;
		}
		r = LINE_MORE;
		switch (p->st) {
		case ST_START:
			if (c == '\n')
				continue;
			if (c == '\r') {
				p->st = ST_START_CR;
				continue;
			}
			p->st = ST_LINE;
			/* FALLTHROUGH */
		case ST_LINE:
			if (c == '\r')
				p->st = ST_CR;
			else if (c == '\n')
				r = end_line(p);
			else if (c == '\0')
				r = fail(p, 400, "NUL in header block");
			else
				p->hbuf[p->hlen++] = (char)c;
			break;
		case ST_START_CR:
		case ST_CR:
			if (c != '\n') {
				r = fail(p, 400, "bare CR");
				break;
			}
			if (p->st == ST_START_CR) {
				p->st = ST_START;
				continue;
			}
			p->st = ST_LINE;
			r = end_line(p);
			break;
		default:
			r = fail(p, 500, "internal error");
			break;
		}
		if (r == LINE_ERR) {
			*used = i;
			return HTTP_EV_ERROR;
		}
		if (r == LINE_SKIP) {
			reset(p);
			continue;
		}
		if (r == LINE_END) {
			*used = i + 1;
			p->st = ST_BODY;
			return HTTP_EV_HEADERS;
		}
	}
	*used = len;
	return HTTP_EV_NEED_MORE;
}

int
http_parser_feed(
    struct http_parser *p, const void *data, size_t len, size_t *used)
{
	const uint8_t *d = data;
	size_t n, skipped = 0;
	int ev;

	*used = 0;
	if (p->st == ST_ERROR)
		return HTTP_EV_ERROR;
	if (p->st == ST_DONE)
		reset(p);
	if (p->st != ST_BODY) {
		ev = feed_head(p, d, len, &skipped);
		*used = skipped;
		return ev;
	}
	n = p->msg.content_length - p->body_got;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(p->body + p->body_got, d, n);
	p->body_got += n;
	*used = n;
	if (p->body_got < p->msg.content_length)
		return HTTP_EV_NEED_MORE;
	if (p->body != NULL) {
		p->body[p->body_got] = '\0';
		p->msg.body = p->body;
		p->msg.body_len = p->body_got;
	}
	p->st = ST_DONE;
	return HTTP_EV_MESSAGE;
}

const struct http_msg *
http_parser_msg(const struct http_parser *p)
{
	return &p->msg;
}

const char *
http_msg_header(const struct http_msg *m, const char *name)
{
	for (unsigned i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

uint8_t *
http_parser_take_body(struct http_parser *p, size_t *len)
{
	uint8_t *b = NULL;

	*len = 0;
	if (p->st != ST_DONE || p->body == NULL)
		return NULL;
	b = p->body;
	*len = p->msg.body_len;
	p->body = NULL;
	p->msg.body = NULL;
	p->msg.body_len = 0;
	return b;
}

int
http_parser_error(const struct http_parser *p, const char **reason)
{
	if (reason != NULL)
		*reason = p->st == ST_ERROR ? p->err_reason : NULL;
	return p->st == ST_ERROR ? p->err_status : 0;
}

bool
http_parser_busy(const struct http_parser *p)
{
	return p->st == ST_LINE || p->st == ST_CR || p->st == ST_BODY;
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Content"},
    {400, "Bad Request"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {417, "Expectation Failed"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

const char *
http_status_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

/* no_body - RFC 9110 §15.2, §15.3.5, §15.4.5: never a body, never a
 * Content-Length */
static bool
no_body(int status)
{
	return status < 200 || status == 204 || status == 304;
}

int
http_response_head(char *buf, size_t bufsize, int status, bool keep_alive,
    size_t body_len, size_t *outlen)
{
	char cl[48] = "";
	int n;

	if (status < 100 || status > 599 || (no_body(status) && body_len > 0))
		return -1;
	if (!no_body(status))
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", body_len);
	n = snprintf(buf, bufsize,
	    "HTTP/1.1 %d %s\r\n%s%s%sConnection: %s\r\n\r\n", status,
	    http_status_reason(status),
	    body_len > 0 ? "Content-Type: application/json\r\n" : "", cl,
	    status == 405 ? "Allow: POST\r\n" : "",
	    keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= bufsize)
		return -1;
	*outlen = (size_t)n;
	return 0;
}

int
http_response_write(char *buf, size_t bufsize, int status, bool keep_alive,
    const void *body, size_t body_len, size_t *outlen)
{
	size_t h;

	if ((body == NULL && body_len > 0) ||
	    http_response_head(
		buf, bufsize, status, keep_alive, body_len, &h) != 0 ||
	    body_len >= bufsize - h)
		return -1;
	if (body_len > 0)
		memcpy(buf + h, body, body_len);
	buf[h + body_len] = '\0';
	*outlen = h + body_len;
	return 0;
}

char *
http_response_alloc(int status, bool keep_alive, const void *body,
    size_t body_len, size_t *outlen)
{
	char head[256], *out;
	size_t h;

	if ((body == NULL && body_len > 0) ||
	    http_response_head(
		head, sizeof(head), status, keep_alive, body_len, &h) != 0 ||
	    body_len > SIZE_MAX - h - 1 ||
	    (out = malloc(h + body_len + 1)) == NULL)
		return NULL;
	memcpy(out, head, h);
	if (body_len > 0)
		memcpy(out + h, body, body_len);
	out[h + body_len] = '\0';
	*outlen = h + body_len;
	return out;
}
