/*
 * cmd_sim.c - "loradane sim": simulated gateways and devices joining
 * through a Network Server over the Semtech UDP protocol (see sim.h).
 * Exit 0 only when every join started was accepted, no bad join-accept
 * or data downlink was seen and, with --confirmed, every uplink was
 * acknowledged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lorawan/ids.h"
#include "sim.h"
#include "util/bytes.h"

#define DEFAULT_GW_EUI 0x00800000a0000000ull

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane sim --ns ADDR PORT --devices FILE [--gateways M]\n"
	    "  [--gateway-eui EUI] [--region EU868|US915] "
	    "[--gateways-per-frame K]\n"
	    "  [--rate JOINS_PER_S] [--duration SECONDS | --joins N] "
	    "[--dr DR]\n"
	    "  [--keepalive MS] [--ready-timeout MS] [--devnonce-start N]\n"
	    "  [--retries N] [--tmst-start N] [--seed N] [--progress] "
	    "[--json] [-v]\n"
	    "  [--uplinks N] [--uplink-interval MS] [--fport P] "
	    "[--payload HEX]\n"
	    "  [--confirmed] [--mac-commands] [--mac-every K] "
	    "[--fcnt-start N]\n"
	    "  [--replay-uplink]\n"
	    "  FILE: \"DEVEUI JOINEUI MACVERSION APPKEY [NWKKEY] HOMENETID\" "
	    "per line\n");
	return CLI_USAGE;
}

/* real_arg - a positive decimal number (rate, duration) */
static int
real_arg(const char *opt, const char *arg, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*out > 0) ||
	    *out > max) {
		fprintf(stderr, "--%s %s: not a number in (0, %g]\n", opt, arg,
		    max);
		return -1;
	}
	return 0;
}

/* parse - the options into o; CLI_OK or CLI_USAGE */
static int
parse(int argc, char **argv, struct sim_opts *o)
{
	static const struct option longopts[] = {
	    {"ns", required_argument, NULL, 'n'},
	    {"devices", required_argument, NULL, 'f'},
	    {"gateways", required_argument, NULL, 'g'},
	    {"gateway-eui", required_argument, NULL, 'e'},
	    {"region", required_argument, NULL, 'R'},
	    {"gateways-per-frame", required_argument, NULL, 'k'},
	    {"rate", required_argument, NULL, 'r'},
	    {"duration", required_argument, NULL, 'd'},
	    {"joins", required_argument, NULL, 'j'},
	    {"dr", required_argument, NULL, 'D'},
	    {"keepalive", required_argument, NULL, 'K'},
	    {"ready-timeout", required_argument, NULL, 'T'},
	    {"devnonce-start", required_argument, NULL, 'N'},
	    {"retries", required_argument, NULL, 'y'},
	    {"tmst-start", required_argument, NULL, 't'},
	    {"seed", required_argument, NULL, 's'},
	    {"progress", no_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'J'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"uplinks", required_argument, NULL, 'u'},
	    {"uplink-interval", required_argument, NULL, 'i'},
	    {"fport", required_argument, NULL, 'P'},
	    {"payload", required_argument, NULL, 'x'},
	    {"confirmed", no_argument, NULL, 'c'},
	    {"mac-commands", no_argument, NULL, 'm'},
	    {"mac-every", required_argument, NULL, 'M'},
	    {"fcnt-start", required_argument, NULL, 'F'},
	    {"replay-uplink", no_argument, NULL, 'X'},
	    {NULL, 0, NULL, 0},
	};
	const char *why;
	bool mac = false;
	unsigned long long v;
	struct lw_dr_params p;
	int ch, gpf = 0;

	o->ngw = 1;
	o->gw_eui = DEFAULT_GW_EUI;
	o->region = LW_REGION_EU868;
	o->rate = 10;
	o->keepalive_ms = 2000;
	o->ready_ms = 5000;
	o->devnonce_start = 1;
	o->retries = 2;
	o->interval_ms = 1000;
	o->fport = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			/* Two words, ADDR PORT, as a forwarder's config. */
			if (optind >= argc)
				return usage();
			o->ns_addr = optarg;
			o->ns_port = argv[optind++];
			if (cli_number("ns", o->ns_port, 1, 65535, &v) != 0)
				return CLI_USAGE;
			break;
		case 'f':
			o->devices = optarg;
			break;
		case 'g':
			if (cli_number("gateways", optarg, 1, SIM_GW_MAX, &v) !=
			    0)
				return CLI_USAGE;
			o->ngw = (int)v;
			break;
		case 'e':
			if (lw_eui64_parse(optarg, &o->gw_eui) != LW_OK) {
				fprintf(stderr,
				    "--gateway-eui %s: not an EUI-64\n",
				    optarg);
				return CLI_USAGE;
			}
			break;
		case 'R':
			if (lw_region_parse(optarg, &o->region, NULL) !=
			    LW_OK) {
				fprintf(stderr,
				    "--region %s: not EU868 or US915\n",
				    optarg);
				return CLI_USAGE;
			}
			break;
		case 'k':
			if (cli_number("gateways-per-frame", optarg, 1,
				SIM_GPF_MAX, &v) != 0)
				return CLI_USAGE;
			gpf = (int)v;
			break;
		case 'r':
			if (real_arg("rate", optarg, 1e6, &o->rate) != 0)
				return CLI_USAGE;
			break;
		case 'd':
			if (real_arg("duration", optarg, 1e7, &o->duration) !=
			    0)
				return CLI_USAGE;
			break;
		case 'j':
			if (cli_number("joins", optarg, 1, UINT32_MAX, &v) != 0)
				return CLI_USAGE;
			o->joins = v;
			break;
		case 'D':
			if (cli_number("dr", optarg, 0, 15, &v) != 0)
				return CLI_USAGE;
			o->has_dr = true;
			o->dr = (unsigned)v;
			break;
		case 'K':
		case 'T':
			if (cli_number(
				ch == 'K' ? "keepalive" : "ready-timeout",
				optarg, 10, 3600000, &v) != 0)
				return CLI_USAGE;
			*(ch == 'K' ? &o->keepalive_ms : &o->ready_ms) =
			    (unsigned)v;
			break;
		case 'N':
			if (cli_number(
				"devnonce-start", optarg, 0, 65535, &v) != 0)
				return CLI_USAGE;
			o->devnonce_start = (uint32_t)v;
			break;
		case 'y':
			if (cli_number("retries", optarg, 0, 1000, &v) != 0)
				return CLI_USAGE;
			o->retries = (unsigned)v;
			break;
		case 't':
			if (cli_number(
				"tmst-start", optarg, 0, UINT32_MAX, &v) != 0)
				return CLI_USAGE;
			o->has_tmst_start = true;
			o->tmst_start = (uint32_t)v;
			break;
		case 's':
			if (cli_number("seed", optarg, 0, UINT64_MAX, &v) != 0)
				return CLI_USAGE;
			o->seed = v;
			o->has_seed = true;
			break;
		case 'p':
			o->progress = true;
			break;
		case 'J':
			o->json = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'u':
			if (cli_number("uplinks", optarg, 0, UINT32_MAX, &v) !=
			    0)
				return CLI_USAGE;
			o->uplinks = (uint32_t)v;
			break;
		case 'i':
			if (cli_number(
				"uplink-interval", optarg, 0, 3600000, &v) != 0)
				return CLI_USAGE;
			o->interval_ms = (unsigned)v;
			break;
		case 'P':
			/* 0 is MAC commands only, 224 the test port */
			if (cli_number("fport", optarg, 1, 223, &v) != 0)
				return CLI_USAGE;
			o->fport = (uint8_t)v;
			break;
		case 'x':
			if (bytes_from_hex(optarg, o->payload,
				sizeof(o->payload), &o->payload_len,
				&why) != 0) {
				fprintf(stderr, "--payload: %s\n", why);
				return CLI_USAGE;
			}
			o->has_payload = true;
			break;
		case 'c':
			o->confirmed = true;
			break;
		case 'm':
			mac = true;
			break;
		case 'M':
			if (cli_number(
				"mac-every", optarg, 1, UINT32_MAX, &v) != 0)
				return CLI_USAGE;
			o->mac_every = (unsigned)v;
			break;
		case 'F':
			if (cli_number(
				"fcnt-start", optarg, 0, UINT32_MAX, &v) != 0)
				return CLI_USAGE;
			o->fcnt_start = (uint32_t)v;
			break;
		case 'X':
			o->replay = true;
			break;
		case 'h':
			usage();
			return -1;
		default:
			return usage();
		}
	}
	if (optind != argc || o->ns_addr == NULL || o->devices == NULL)
		return usage();
	if (o->duration > 0 && o->joins > 0) {
		fprintf(stderr, "--duration and --joins exclude each other\n");
		return CLI_USAGE;
	}
	if (o->gw_eui + (uint64_t)(o->ngw - 1) < o->gw_eui) {
		fprintf(stderr, "--gateway-eui: EUIs would wrap around\n");
		return CLI_USAGE;
	}
	o->gpf = gpf == 0 ? (o->ngw < 2 ? o->ngw : 2) : gpf;
	if (o->gpf > o->ngw) {
		fprintf(stderr, "--gateways-per-frame %d: only %d gateways\n",
		    o->gpf, o->ngw);
		return CLI_USAGE;
	}
	/* --mac-every alone implies the commands; alone, every uplink */
	if (mac && o->mac_every == 0)
		o->mac_every = 1;
	if (!o->has_dr)
		o->dr = o->region == LW_REGION_US915 ? 3 : 5; /* SF7 BW125 */
	/* Join-requests go on the default channels: EU868 DR0..5, US915
	 * DR0..4. */
	if (lw_region_dr(o->region, true, o->dr, &p, NULL) != LW_OK || p.fsk ||
	    (o->region == LW_REGION_EU868 && o->dr > 5)) {
		fprintf(stderr, "--dr %u: not a join data rate in %s\n", o->dr,
		    lw_region_name(o->region));
		return CLI_USAGE;
	}
	return CLI_OK;
}

int
cmd_sim(int argc, char **argv)
{
	struct sim *s = calloc(1, sizeof(*s));
	const struct sim_stats *t;
	int rc;

	if (s == NULL) {
		fprintf(stderr, "loradane sim: out of memory\n");
		return CLI_FAIL;
	}
	if ((rc = parse(argc, argv, &s->o)) != CLI_OK) {
		free(s);
		return rc < 0 ? CLI_OK : rc;
	}
	if (sim_run(s) != 0) {
		sim_free(s);
		free(s);
		return CLI_FAIL;
	}
	sim_summary(s);
	t = &s->st;
	rc = t->joins > 0 && t->joins_failed == 0 && t->bad_accepts == 0 &&
		t->joins_accepted == t->joins && !s->stopping &&
		t->bad_downlinks == 0 &&
		(!s->o.confirmed || t->ack_missing == 0)
	    ? CLI_OK
	    : CLI_FAIL;
	sim_free(s);
	free(s);
	return rc;
}
