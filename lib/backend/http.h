/*
 * http.h - a bounded, incremental HTTP/1.1 message parser, independent of
 * sockets (feed bytes, get events), for the Backend Interfaces server
 * (requests) and our NS/test client (responses); and a response writer.
 *
 * Decisions (RFC 9112 unless said otherwise):
 * - Bodies are framed by Content-Length only.  A request with any
 *   Transfer-Encoding is refused with 411 Length Required: the one framing
 *   we accept is Content-Length, and 411 tells a client exactly that
 *   (501 would suggest that nothing could work).  A POST without
 *   Content-Length gets 411 too; other methods without it have no body.
 * - Content-Length: digits only; two Content-Length fields, even equal
 *   ones, or a list ("5, 5") -> 400; over the body limit -> 413.
 * - Limits (struct http_limits): the header block, request line included,
 *   at most 8 KiB (431, or 414 while still in the request line); at most
 *   64 header fields (431); the body at most 64 KiB (413).
 * - Lines end in CRLF or, as RFC 9112 §2.2 allows, a bare LF.  A bare CR,
 *   a NUL, another control character in a field, obs-fold (a line that
 *   starts with white space), white space before the colon, a missing or
 *   repeated Host in HTTP/1.1 -> 400.  Empty lines before the request
 *   line are skipped (§2.2), within the header limit.
 * - HTTP/1.0 and 1.1 only; another HTTP/x.y -> 505.
 * - Keep-alive: HTTP/1.1 keeps the connection unless "Connection: close";
 *   HTTP/1.0 closes unless "Connection: keep-alive".  After an error the
 *   connection must close: the parser stays in error.
 * - "Expect: 100-continue" is reported (expect_continue) at the headers
 *   event; any other expectation -> 417.  HTTP/1.0 expectations are
 *   ignored (RFC 9110 §10.1.1).
 * - One message at a time: bytes after the end of a message are not
 *   consumed, and the next feed starts the next message (pipelining).
 * - Client mode (responses): status line "HTTP/1.x NNN [reason]"; 1xx
 *   responses are skipped; 204 and 304 have no body; any other response
 *   needs Content-Length (no chunked, no read-until-close).
 *
 * Nothing here prints, exits or touches a socket.
 */
#ifndef LIB_BACKEND_HTTP_H
#define LIB_BACKEND_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_DEFAULT_MAX_HEADER (8 * 1024)
#define HTTP_DEFAULT_MAX_HEADERS 64
#define HTTP_DEFAULT_MAX_BODY (64 * 1024)
/* The largest limits http_parser_new() accepts: sanity, and no size
 * arithmetic near SIZE_MAX. */
#define HTTP_MAX_HEADERS_CAP 256
#define HTTP_MAX_HEADER_CAP (1024 * 1024)
#define HTTP_MAX_BODY_CAP (1024 * 1024 * 1024)

/* Limits of one parser; a zero member takes its default. */
struct http_limits {
	size_t max_header;    /* bytes of request/status line + fields */
	unsigned max_headers; /* header fields, at most HTTP_MAX_HEADERS_CAP */
	size_t max_body;      /* bytes of body */
};

enum http_mode {
	HTTP_SERVER, /* parse requests */
	HTTP_CLIENT, /* parse responses */
};

/* What http_parser_feed() reports. */
enum http_event {
	HTTP_EV_ERROR = -1,    /* see http_parser_error(); close */
	HTTP_EV_NEED_MORE = 0, /* every byte given was consumed */
	HTTP_EV_HEADERS = 1,   /* header block complete, body follows */
	HTTP_EV_MESSAGE = 2,   /* a whole message is ready */
};

struct http_header {
	const char *name;  /* as received; compare case-insensitively */
	const char *value; /* without surrounding white space */
};

/*
 * A parsed message.  Every pointer points into the parser and stays valid
 * until the next http_parser_feed() after HTTP_EV_MESSAGE, or
 * http_parser_free().
 */
struct http_msg {
	const char *method; /* server: "POST" (case-sensitive token) */
	const char *target; /* server: "/" or whatever was asked */
	int status;         /* client: 100..599 */
	const char *reason; /* client: may be "" */
	int minor;          /* HTTP/1.minor: 0 or 1 */
	struct http_header *headers;
	unsigned nheaders;
	bool has_content_length;
	size_t content_length;
	bool keep_alive;
	bool expect_continue; /* server: answer "100 Continue" first */
	const uint8_t *body;  /* NUL-terminated (not counted); NULL if none */
	size_t body_len;
};

struct http_parser;

/**
 * Create a parser.
 * @param lim: borrowed, copied; NULL for the defaults.
 * @return a parser to free with http_parser_free(), or NULL (out of memory,
 *	or a limit over its HTTP_MAX_*_CAP).
 */
struct http_parser *
http_parser_new(enum http_mode mode, const struct http_limits *lim);

/** Free a parser and anything it holds; NULL is fine. */
void http_parser_free(struct http_parser *p);

/**
 * Feed bytes.  Call again after HTTP_EV_HEADERS and HTTP_EV_MESSAGE with
 * the bytes not consumed (possibly none) until HTTP_EV_NEED_MORE or
 * HTTP_EV_ERROR; the call after HTTP_EV_MESSAGE starts the next message.
 * @param data: borrowed; len bytes.  NULL only with len 0.
 * @param used: set to the number of bytes consumed.
 * @return an enum http_event.
 */
int http_parser_feed(
    struct http_parser *p, const void *data, size_t len, size_t *used);

/**
 * The message being parsed: complete after HTTP_EV_MESSAGE; after
 * HTTP_EV_HEADERS everything but the body.
 * @return borrowed from p.
 */
const struct http_msg *http_parser_msg(const struct http_parser *p);

/**
 * Find a header field (case-insensitive name); the first of several.
 * @return the value, borrowed from the message, or NULL.
 */
const char *http_msg_header(const struct http_msg *m, const char *name);

/**
 * Take the body of the complete message, so that it outlives the parser.
 * @param len: set to its length.
 * @return the body, NUL-terminated, to free() by the caller; NULL if it
 *	had none.  Afterwards the message has no body.
 */
uint8_t *http_parser_take_body(struct http_parser *p, size_t *len);

/**
 * Why the parser failed.
 * @param reason: if not NULL, set to a static string ("bare CR").
 * @return the HTTP status to answer (400, 411, 413, 414, 417, 431, 505),
 *	or 0 if no error.  In client mode the status is 502 (the peer sent a
 *	bad response).
 */
int http_parser_error(const struct http_parser *p, const char **reason);

/**
 * @return true if part of a message has been received and not yet
 *	completed: an end of stream now truncates a message.
 */
bool http_parser_busy(const struct http_parser *p);

/**
 * The reason phrase of a status.
 * @return a static string ("Unknown" for a status not listed).
 */
const char *http_status_reason(int status);

/**
 * Write a response head: status line, Content-Type: application/json (if
 * body_len > 0), Content-Length (except for 1xx, 204 and 304), Allow: POST
 * (405), Connection: keep-alive or close, and the empty line.
 * @param buf: caller's; filled with bufsize bytes at most, NUL-terminated.
 * @param outlen: set to the length written (NUL not counted).
 * @return 0, or -1 if the status is not 100..599, if a body is given for
 *	1xx/204/304, or if buf is too small.
 */
int http_response_head(char *buf, size_t bufsize, int status, bool keep_alive,
    size_t body_len, size_t *outlen);

/**
 * Write a whole response, head and body, into a caller buffer.
 * @param body: borrowed, body_len bytes; NULL only with body_len 0.
 * @param buf: caller's; NUL-terminated.
 * @return 0, or -1 as http_response_head(), or if buf is too small.
 */
int http_response_write(char *buf, size_t bufsize, int status, bool keep_alive,
    const void *body, size_t body_len, size_t *outlen);

/**
 * Build a whole response in a new buffer.
 * @param body: borrowed, body_len bytes; NULL only with body_len 0.
 * @param outlen: set to the length (NUL not counted).
 * @return a NUL-terminated string to free() by the caller, or NULL (bad
 *	arguments, out of memory).
 */
char *http_response_alloc(int status, bool keep_alive, const void *body,
    size_t body_len, size_t *outlen);

#endif /* LIB_BACKEND_HTTP_H */
