/*
 * cmd_rollover.c - "loradane rollover": replace an identity's key without
 * a single failed handshake (lib/zone/rollover.h describes the steps).
 * Each step is committed to the state file before the next begins, and
 * each is safe to repeat, so the command resumes after any crash: run it
 * again with the same arguments.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "dance.h"
#include "util/strnum.h"
#include "zone/pki.h"
#include "zone/rollover.h"
#include "zone/tlsa_rdata.h"
#include "zone/update.h"
#include "zone/zone_err.h"

#define MAX_RESOLVER_ARGS 32

struct rollover {
	struct op_profile p;
	const struct op_identity *id;
	char opdir[PATH_MAX];
	char owner[OP_DNAME_MAX + 32]; /* TLSA owner name */
	char peer_name[OP_DNAME_MAX];  /* host or ClientName */
	struct zone_update_target target;
	struct zone_tsig *tsig;
	const char *reload_pidfile, *reload_cmd;
	char probe_addr[OP_ADDR_MAX];
	uint16_t probe_port;
	unsigned poll_seconds, wait_timeout;
	int no_wait;
	int nres;
	int res_opt[MAX_RESOLVER_ARGS];
	const char *res_arg[MAX_RESOLVER_ARGS];
	struct rollover_state st;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane rollover --operator NAME --identity ID "
	    "[--pki DIR]\n"
	    "  --server ADDR[@PORT] --tsig FILE [--zone ZONE]\n"
	    "  [--reload-pidfile FILE | --reload-cmd CMD] "
	    "[--probe ADDR[@PORT]]\n"
	    "  [--no-wait] [--stop-after STEP] [--poll SECONDS] "
	    "[--wait-timeout SECONDS]\n" RESOLVER_USAGE "  [status]\n"
	    "  ID: js-server, ns-server, ns-client, as-server, as-client\n"
	    "  STEP: created, published, observed, switched\n"
	    "  exit: 0 done (or stopped as asked), 1 failed (state kept), "
	    "2 usage,\n  3 --no-wait and still waiting\n");
	return CLI_USAGE;
}

static void say(const struct rollover *ro, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct rollover *ro, const char *fmt, ...)
{
	va_list ap;

	printf("rollover %s: ", ro->id->id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "loradane rollover: %s: %s\n", what, why);
	return CLI_FAIL;
}

static int
save_state(struct rollover *ro)
{
	char why[512];

	if (rollover_save(ro->opdir, &ro->st, why, sizeof(why)) != ZONE_OK)
		return fail("state", why);
	return CLI_OK;
}

static int
save(struct rollover *ro, enum rollover_step step)
{
	ro->st.step = step;
	if (save_state(ro) != CLI_OK)
		return CLI_FAIL;
	say(ro, "step %s committed", rollover_step_name(step));
	return CLI_OK;
}

/* tlsa_rr - the zone-file line of generation gen's TLSA record */
static int
tlsa_rr(const struct rollover *ro, int gen, char **rr)
{
	char cert[PATH_MAX], why[512];
	char *rdata = NULL;
	X509 *x;
	int n, r;

	pki_identity_path(
	    ro->opdir, ro->id, gen, "cert.pem", cert, sizeof(cert));
	if ((r = pki_read_certs(cert, &x, NULL, why, sizeof(why))) != ZONE_OK)
		return fail("certificate", why);
	r = zone_tlsa_rdata(x, 3, 1, 1, &rdata);
	X509_free(x);
	if (r != ZONE_OK)
		return fail(cert, zone_strerror(r));
	n = snprintf(NULL, 0, "%s %u IN TLSA %s", ro->owner, ro->p.ttl, rdata);
	if (n < 0 || (*rr = malloc((size_t)n + 1)) == NULL) {
		free(rdata);
		return fail("memory", strerror(errno));
	}
	snprintf(*rr, (size_t)n + 1, "%s %u IN TLSA %s", ro->owner, ro->p.ttl,
	    rdata);
	free(rdata);
	return CLI_OK;
}

static int
push(struct rollover *ro, int gen, int delete)
{
	const char *const *list;
	char *rr, why[512];
	int r;

	if (tlsa_rr(ro, gen, &rr) != CLI_OK)
		return CLI_FAIL;
	list = (const char *const *)&rr;
	r = delete
	    ? zone_update_send(&ro->target, NULL, 0, list, 1, why, sizeof(why))
	    : zone_update_send(&ro->target, list, 1, NULL, 0, why, sizeof(why));
	if (r != ZONE_OK) {
		free(rr);
		return fail("DNS UPDATE", why);
	}
	say(ro, "%s %s", delete ? "deleted" : "added", rr);
	free(rr);
	return CLI_OK;
}

/*
 * seen - one fresh, validated look at the RRset: does OpenSSL's DANE
 * engine accept both generations' certificates with what the DNS serves
 * now?  A new resolver context each time, so that no cache answers.
 * @return 1 both match, 0 not (yet), -1 set-up failure.
 */
static int
seen(struct rollover *ro, uint32_t *ttl, char *why, size_t whylen)
{
	int gens[2] = {ro->st.old_gen, ro->st.new_gen}, err, r = 0, m;
	struct dance_tlsa *t = NULL;
	struct dance_ctx *ctx = NULL;
	struct event_base *base;
	char cert[PATH_MAX], zwhy[256];
	STACK_OF(X509) * chain;
	X509 *leaf;

	if ((base = event_base_new()) == NULL ||
	    (ctx = dance_ctx_new(base, &err)) == NULL) {
		snprintf(why, whylen, "resolver set-up failed");
		r = -1;
		goto out;
	}
	for (int i = 0; i < ro->nres; i++)
		if (resolver_opt(ctx, ro->res_opt[i], ro->res_arg[i]) != 0) {
			r = -1;
			goto out;
		}
	err = dance_tlsa_lookup_sync(ctx, ro->owner, 10000, &t);
	if (err != DANCE_OK || t == NULL) {
		snprintf(
		    why, whylen, "TLSA %s: %s", ro->owner, dance_strerror(err));
		goto out;
	}
	if (t->status != DANCE_DNS_SECURE) {
		snprintf(why, whylen, "TLSA %s is %s%s%s", ro->owner,
		    dance_dns_status_str(t->status), t->why ? ": " : "",
		    t->why ? t->why : "");
		goto out;
	}
	*ttl = t->ttl;
	for (int g = 0; g < 2; g++) {
		pki_identity_path(
		    ro->opdir, ro->id, gens[g], "cert.pem", cert, sizeof(cert));
		if (pki_read_certs(cert, &leaf, &chain, zwhy, sizeof(zwhy)) !=
		    ZONE_OK) {
			snprintf(why, whylen, "%s", zwhy);
			r = -1;
			goto out;
		}
		m = dance_tlsa_match_chain(ctx, ro->peer_name, t, leaf, chain,
		    !ro->id->client, NULL, NULL);
		X509_free(leaf);
		sk_X509_pop_free(chain, X509_free);
		if (m != DANCE_OK) {
			snprintf(why, whylen,
			    "generation %d does not match TLSA %s yet (%s)",
			    gens[g], ro->owner, dance_strerror(m));
			goto out;
		}
	}
	r = 1;
out:
	if (t != NULL)
		dance_tlsa_unref(t);
	dance_ctx_free(ctx);
	if (base != NULL)
		event_base_free(base);
	return r;
}

/*
 * observe - wait until the new record has been seen secure, without a
 * break, for twice the TTL (the longest any cache can hold an RRset from
 * before the record, plus the same again for one fetched just before).
 */
static int
observe(struct rollover *ro)
{
	time_t start = time(NULL), now;
	char why[512];
	uint32_t ttl = 0;
	int r;

	for (;;) {
		now = time(NULL);
		if ((r = seen(ro, &ttl, why, sizeof(why))) < 0)
			return fail("observe", why);
		if (r == 1) {
			if (ttl > ro->st.ttl)
				ro->st.ttl = ttl; /* the DNS knows best */
			if (ro->st.secure_since == 0) {
				ro->st.secure_since = now;
				if (save_state(ro) != CLI_OK)
					return CLI_FAIL;
			}
			if (now - ro->st.secure_since >= 2 * (time_t)ro->st.ttl)
				return save(ro, ROLLOVER_OBSERVED);
			say(ro,
			    "new record secure for %llds; switching after "
			    "%llds (2 x TTL %u)",
			    (long long)(now - ro->st.secure_since),
			    (long long)(2 * (time_t)ro->st.ttl), ro->st.ttl);
		} else {
			say(ro, "waiting: %s", why);
			if (ro->st.secure_since != 0) {
				/* A gap restarts the clock. */
				ro->st.secure_since = 0;
				if (save_state(ro) != CLI_OK)
					return CLI_FAIL;
			}
		}
		if (ro->no_wait)
			return 3;
		if (ro->wait_timeout != 0 &&
		    now - start >= (time_t)ro->wait_timeout)
			return fail(
			    "observe", "gave up waiting (--wait-timeout)");
		sleep(ro->poll_seconds); /* the DNS is polled, not pushed */
	}
}

static int
reload(const struct rollover *ro)
{
	char buf[32], why[128];
	const char *errstr;
	pid_t pid;
	FILE *f;

	if (ro->reload_cmd != NULL) {
		if (system(ro->reload_cmd) != 0)
			return fail("--reload-cmd", "command failed");
		return CLI_OK;
	}
	if (ro->reload_pidfile == NULL)
		return CLI_OK;
	if ((f = fopen(ro->reload_pidfile, "r")) == NULL)
		return fail(ro->reload_pidfile, strerror(errno));
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	pid = (pid_t)strnum_parse(buf, 2, INT_MAX, &errstr);
	if (errstr != NULL) {
		snprintf(why, sizeof(why), "pid '%s' is %s", buf, errstr);
		return fail(ro->reload_pidfile, why);
	}
	if (kill(pid, SIGHUP) != 0)
		return fail("SIGHUP", strerror(errno));
	return CLI_OK;
}

/*
 * switch_key - point the identity at the new generation, have the daemon
 * reload, and for a server wait until it really presents the new
 * certificate: only then may the old record go.
 */
static int
switch_key(struct rollover *ro)
{
	char cert[PATH_MAX], why[512];
	X509 *want, *got;
	int r, tries;

	if (pki_switch_generation(
		ro->opdir, ro->id, ro->st.new_gen, why, sizeof(why)) != ZONE_OK)
		return fail("switch", why);
	say(ro, "%s/%s now points to generation %d", ro->opdir, ro->id->id,
	    ro->st.new_gen);
	if (reload(ro) != CLI_OK)
		return CLI_FAIL;
	if (ro->id->client || ro->probe_addr[0] == '\0')
		return save(ro, ROLLOVER_SWITCHED);
	pki_identity_path(
	    ro->opdir, ro->id, ro->st.new_gen, "cert.pem", cert, sizeof(cert));
	if (pki_read_certs(cert, &want, NULL, why, sizeof(why)) != ZONE_OK)
		return fail("certificate", why);
	/* 300 x 100 ms: a reload is quick, a stuck one must be seen. */
	for (tries = 0, r = -1; tries < 300 && r != 0; tries++) {
		if (cli_probe_server_cert(
			ro->probe_addr, ro->probe_port, 2000, &got) == 0) {
			r = X509_cmp(got, want) == 0 ? 0 : -1;
			X509_free(got);
		}
		if (r != 0) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	}
	X509_free(want);
	if (r != 0)
		return fail("switch",
		    "the server still does not present the new certificate; "
		    "reload it, then run the same command again");
	say(ro, "%s@%u presents generation %d", ro->probe_addr, ro->probe_port,
	    ro->st.new_gen);
	return save(ro, ROLLOVER_SWITCHED);
}

static int
status(struct rollover *ro)
{
	char why[512];
	int cur = 0, r;

	(void)pki_current_generation(ro->opdir, ro->id, &cur);
	r = rollover_load(ro->opdir, ro->id, &ro->st, why, sizeof(why));
	if (r == ZONE_ERR_NOTFOUND) {
		say(ro, "no rollover in progress; current generation %d", cur);
		return CLI_OK;
	}
	if (r != ZONE_OK)
		return fail("state", why);
	say(ro,
	    "generation %d -> %d, step %s, current %d, ttl %u, "
	    "secure since %lld",
	    ro->st.old_gen, ro->st.new_gen, rollover_step_name(ro->st.step),
	    cur, ro->st.ttl, (long long)ro->st.secure_since);
	return CLI_OK;
}

static int
run(struct rollover *ro, int stop_after)
{
	char why[512];
	int r, cur;

	r = rollover_load(ro->opdir, ro->id, &ro->st, why, sizeof(why));
	if (r == ZONE_ERR_NOTFOUND) {
		if (pki_current_generation(ro->opdir, ro->id, &cur) != ZONE_OK)
			return fail(ro->id->id, "no current generation link");
		memset(&ro->st, 0, sizeof(ro->st));
		snprintf(
		    ro->st.identity, sizeof(ro->st.identity), "%s", ro->id->id);
		ro->st.old_gen = cur;
		ro->st.ttl = ro->p.ttl;
		if (pki_new_generation(&ro->p, ro->opdir, ro->id,
			&ro->st.new_gen, why, sizeof(why)) != ZONE_OK)
			return fail("new key", why);
		say(ro, "generation %d made (%s)", ro->st.new_gen,
		    op_key_type_name(ro->p.key_type));
		if (save(ro, ROLLOVER_CREATED) != CLI_OK)
			return CLI_FAIL;
	} else if (r != ZONE_OK)
		return fail("state", why);
	else
		say(ro, "resuming at step %s (generation %d -> %d)",
		    rollover_step_name(ro->st.step), ro->st.old_gen,
		    ro->st.new_gen);
	for (;;) {
		if ((int)ro->st.step == stop_after) {
			say(ro,
			    "stopped after step %s, as asked; run again "
			    "to continue",
			    rollover_step_name(ro->st.step));
			return CLI_OK;
		}
		switch (ro->st.step) {
		case ROLLOVER_CREATED:
			if (push(ro, ro->st.new_gen, 0) != CLI_OK)
				return CLI_FAIL;
			ro->st.published_at = time(NULL);
			r = save(ro, ROLLOVER_PUBLISHED);
			break;
		case ROLLOVER_PUBLISHED:
			r = observe(ro);
			break;
		case ROLLOVER_OBSERVED:
			r = switch_key(ro);
			break;
		case ROLLOVER_SWITCHED:
			if (push(ro, ro->st.old_gen, 1) != CLI_OK)
				return CLI_FAIL;
			r = save(ro, ROLLOVER_RETIRED);
			break;
		case ROLLOVER_RETIRED:
			if (rollover_finish(
				ro->opdir, ro->id, why, sizeof(why)) != ZONE_OK)
				return fail("state", why);
			say(ro,
			    "done: generation %d in service; generation %d's "
			    "record is gone, and its key is refused once "
			    "caches drop it (TTL %u s)",
			    ro->st.new_gen, ro->st.old_gen, ro->st.ttl);
			return CLI_OK;
		}
		if (r != CLI_OK)
			return r;
	}
}

int
cmd_rollover(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"operator", required_argument, NULL, 'o'},
	    {"identity", required_argument, NULL, 'i'},
	    {"pki", required_argument, NULL, 'P'},
	    {"server", required_argument, NULL, 's'},
	    {"tsig", required_argument, NULL, 'k'},
	    {"zone", required_argument, NULL, 'z'},
	    {"reload-pidfile", required_argument, NULL, 'p'},
	    {"reload-cmd", required_argument, NULL, 'c'},
	    {"probe", required_argument, NULL, 'b'},
	    {"no-wait", no_argument, NULL, 'n'},
	    {"stop-after", required_argument, NULL, 'S'},
	    {"poll", required_argument, NULL, 'l'},
	    {"wait-timeout", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    RESOLVER_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static struct rollover ro;
	const char *name = NULL, *idname = NULL, *pkidir = "pki";
	const char *server = NULL, *tsig = NULL, *probe = NULL;
	char server_addr[OP_DNAME_MAX], why[512];
	unsigned long long v;
	int ch, r, stop_after = -1;

	memset(&ro, 0, sizeof(ro));
	ro.poll_seconds = 5;
	ro.wait_timeout = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			name = optarg;
			break;
		case 'i':
			idname = optarg;
			break;
		case 'P':
			pkidir = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'k':
			tsig = optarg;
			break;
		case 'z':
			ro.target.zone = optarg;
			break;
		case 'p':
			ro.reload_pidfile = optarg;
			break;
		case 'c':
			ro.reload_cmd = optarg;
			break;
		case 'b':
			probe = optarg;
			break;
		case 'n':
			ro.no_wait = 1;
			break;
		case 'S':
			for (r = ROLLOVER_CREATED; r < ROLLOVER_RETIRED; r++)
				if (strcmp(optarg, rollover_step_name(r)) == 0)
					stop_after = r;
			if (stop_after < 0) {
				fprintf(stderr,
				    "--stop-after %s: unknown "
				    "step\n",
				    optarg);
				return CLI_USAGE;
			}
			break;
		case 'l':
		case 'w':
			if (cli_number(ch == 'l' ? "poll" : "wait-timeout",
				optarg, ch == 'l' ? 1 : 0, 86400, &v) != 0)
				return CLI_USAGE;
			*(ch == 'l' ? &ro.poll_seconds : &ro.wait_timeout) =
			    (unsigned)v;
			break;
		default:
			if (ch >= RESOLVER_OPT_BASE &&
			    ro.nres < MAX_RESOLVER_ARGS) {
				/* Replayed on each fresh resolver context. */
				ro.res_opt[ro.nres] = ch;
				ro.res_arg[ro.nres++] = optarg;
				break;
			}
			return usage();
		}
	}
	if (idname == NULL || argc - optind > 1 ||
	    (optind < argc && strcmp(argv[optind], "status") != 0))
		return usage();
	if ((ro.id = op_identity_find(idname)) == NULL) {
		fprintf(stderr,
		    "loradane rollover: --identity %s: expected js-server, "
		    "ns-server, ns-client, as-server or as-client\n",
		    idname);
		return CLI_USAGE;
	}
	if (cli_load_operator("rollover", pkidir, name, &ro.p, ro.opdir,
		sizeof(ro.opdir)) != 0)
		return CLI_FAIL;
	if (op_identity_tlsa_name(&ro.p, ro.id, ro.owner, sizeof(ro.owner)) !=
		ZONE_OK ||
	    op_identity_dns_name(
		&ro.p, ro.id, ro.peer_name, sizeof(ro.peer_name)) != ZONE_OK)
		return fail(idname, "its element is not in the profile");
	if (optind < argc)
		return status(&ro);
	if (server == NULL || tsig == NULL) {
		fprintf(stderr,
		    "loradane rollover: --server and --tsig are "
		    "required: the records are published by DNS "
		    "UPDATE\n");
		return CLI_USAGE;
	}
	if (cli_addr_port("server", server, server_addr, sizeof(server_addr),
		&ro.target.port, 53) != 0)
		return CLI_USAGE;
	ro.target.server = server_addr;
	if (ro.target.zone == NULL)
		ro.target.zone = ro.p.domain;
	ro.target.timeout_ms = 5000;
	if (probe != NULL) {
		if (cli_addr_port("probe", probe, ro.probe_addr,
			sizeof(ro.probe_addr), &ro.probe_port,
			ro.p.el[ro.id->role].port) != 0)
			return CLI_USAGE;
	} else if (!ro.id->client && ro.p.el[ro.id->role].naddrs > 0) {
		snprintf(ro.probe_addr, sizeof(ro.probe_addr), "%s",
		    ro.p.el[ro.id->role].addrs[0]);
		ro.probe_port = ro.p.el[ro.id->role].port;
	}
	if (zone_tsig_load(tsig, &ro.tsig, why, sizeof(why)) != ZONE_OK)
		return fail("--tsig", why);
	ro.target.tsig = ro.tsig;
	r = run(&ro, stop_after);
	zone_tsig_free(ro.tsig);
	return r;
}
