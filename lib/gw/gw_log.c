/*
 * gw_log.c - gw_server's log lines, rate-limited: whatever a sender
 * does, the log gets at most a few lines a minute from it (see
 * gw_server.h), and a line says how many were suppressed before it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gw/gw_server_int.h"

#define RATE_PERIOD_MS 60000u

void
gw_log(struct gw_server *srv, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (srv->cb.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	srv->cb.log(srv->arg, prio, msg);
}

/* ratelim_take - may another line be logged this minute? */
static bool
ratelim_take(struct gw_ratelim *rl, uint64_t now)
{
	if (now - rl->start_ms >= RATE_PERIOD_MS || now < rl->start_ms) {
		rl->start_ms = now;
		rl->n = 0;
	}
	if (rl->n < rl->max) {
		rl->n++;
		return true;
	}
	rl->suppressed++;
	return false;
}

/* ratelim_note - " (N more suppressed)" for the line about to be logged,
 * so that an operator knows the log is not the whole story */
static void
ratelim_note(struct gw_ratelim *rl, char *buf, size_t len)
{
	buf[0] = '\0';
	if (rl->suppressed > 0)
		snprintf(buf, len, " (%u similar suppressed before)",
		    rl->suppressed);
	rl->suppressed = 0;
}

static void
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	host[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s port %u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
		snprintf(buf, len, "%s port %u", host, port);
	} else
		snprintf(buf, len, "(address family %d)", (int)sa->sa_family);
}

/* report_unknown - once per EUI per minute, and within the global
 * budget; EUIs are remembered in a small ring, so a flood of made-up
 * EUIs costs the budget, not memory */
void
gw_report_unknown(
    struct gw_server *srv, uint64_t eui, const struct sockaddr *sa)
{
	uint64_t now = gw_now_ms(srv);
	char addr[80], note[64];
	unsigned i, slot = srv->unknown_next;
	bool found = false;

	for (i = 0; i < GW_UNKNOWN_RING; i++) {
		if (srv->unknown[i].used && srv->unknown[i].eui == eui) {
			if (now - srv->unknown[i].ms < RATE_PERIOD_MS)
				return;
			slot = i;
			found = true;
			break;
		}
	}
	if (!ratelim_take(&srv->rl_unknown, now))
		return;
	srv->unknown[slot].used = true;
	srv->unknown[slot].eui = eui;
	srv->unknown[slot].ms = now;
	if (!found)
		srv->unknown_next = (srv->unknown_next + 1) % GW_UNKNOWN_RING;
	addr_str(sa, addr, sizeof(addr));
	ratelim_note(&srv->rl_unknown, note, sizeof(note));
	gw_log(srv, GW_SERVER_LOG_WARNING,
	    "gw_server: datagram from gateway %016llx at %s dropped: not an "
	    "allowed gateway%s",
	    (unsigned long long)eui, addr, note);
}

void
gw_report_malformed(struct gw_server *srv, const struct sockaddr *sa,
    const struct gw_udp_error *e)
{
	char addr[80], note[64];

	if (!ratelim_take(&srv->rl_malformed, gw_now_ms(srv)))
		return;
	addr_str(sa, addr, sizeof(addr));
	ratelim_note(&srv->rl_malformed, note, sizeof(note));
	gw_log(srv, GW_SERVER_LOG_WARNING,
	    "gw_server: malformed datagram from %s dropped: %s%s", addr,
	    e->text[0] != '\0' ? e->text : gw_udp_strerror(e->code), note);
}
