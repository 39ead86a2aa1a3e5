/*
 * cmd_pki.c - "loradane pki init": an operator's own root CA, optional
 * issuing CA, and a key and certificate per backend identity, plus the
 * operator profile that the zone and rollover verbs read.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zone/pki.h"
#include "zone/zone_err.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane pki init --operator NAME --domain DOMAIN "
	    "[--out DIR]\n"
	    "  [--key-type ec-p256|ed25519|rsa2048] [--self-signed] "
	    "[--no-intermediate]\n"
	    "  [--address ADDR]... [--host ROLE=HOST]... "
	    "[--port ROLE=PORT]... [--roles LIST]\n"
	    "  [--joineui EUI64[/BITS]]... [--netid NETID]... [--ttl SECONDS] "
	    "[--days DAYS]\n"
	    "  ROLE is js, ns or as; DIR defaults to ./pki; the operator's "
	    "files go\n  to DIR/NAME.\n");
	return CLI_USAGE;
}

/* role_value - split "ROLE=VALUE" into a role index and the value */
static int
role_value(const char *opt, const char *arg, int *role, const char **value)
{
	const char *eq = strchr(arg, '=');
	static const char *const names[OP_NROLES] = {"js", "ns", "as"};

	for (int r = 0; eq != NULL && r < OP_NROLES; r++)
		if ((size_t)(eq - arg) == strlen(names[r]) &&
		    strncmp(arg, names[r], 2) == 0) {
			*role = r;
			*value = eq + 1;
			return 0;
		}
	fprintf(stderr, "loradane pki: --%s %s: expected js=, ns= or as=\n",
	    opt, arg);
	return -1;
}

static int
pki_init(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"operator", required_argument, NULL, 'o'},
	    {"domain", required_argument, NULL, 'd'},
	    {"out", required_argument, NULL, 'O'},
	    {"key-type", required_argument, NULL, 'k'},
	    {"self-signed", no_argument, NULL, 's'},
	    {"no-intermediate", no_argument, NULL, 'I'},
	    {"address", required_argument, NULL, 'a'},
	    {"host", required_argument, NULL, 'H'},
	    {"port", required_argument, NULL, 'p'},
	    {"roles", required_argument, NULL, 'r'},
	    {"joineui", required_argument, NULL, 'j'},
	    {"netid", required_argument, NULL, 'n'},
	    {"ttl", required_argument, NULL, 't'},
	    {"days", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *name = NULL, *domain = NULL, *out = "pki", *v;
	const char *hosts[OP_NROLES] = {"js", "ns", "as"}, *roles = "js,ns,as";
	char ports[OP_NROLES][8], why[512], *addrs[OP_MAX_ADDRS];
	char *joineuis[OP_MAX_JOINEUI], *netids[OP_MAX_NETID];
	int naddrs = 0, nje = 0, nnet = 0, ch, r, role;
	unsigned long long ttl = 0, days = 0;
	enum op_key_type key_type = OP_KEY_EC_P256;
	bool self_signed = false, intermediate = true;
	struct op_profile p;

	for (r = 0; r < OP_NROLES; r++)
		snprintf(ports[r], sizeof(ports[r]), "%u",
		    op_role_default_port((enum op_role)r));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			name = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'O':
			out = optarg;
			break;
		case 'k':
			if (op_key_type_parse(optarg, &key_type) != 0) {
				fprintf(stderr,
				    "loradane pki: --key-type %s: expected "
				    "ec-p256, ed25519 or rsa2048\n",
				    optarg);
				return CLI_USAGE;
			}
			break;
		case 's':
			self_signed = true;
			break;
		case 'I':
			intermediate = false;
			break;
		case 'a':
			if (naddrs == OP_MAX_ADDRS) {
				fprintf(stderr,
				    "loradane pki: at most %d "
				    "--address\n",
				    OP_MAX_ADDRS);
				return CLI_USAGE;
			}
			addrs[naddrs++] = optarg;
			break;
		case 'H':
		case 'p':
			if (role_value(ch == 'H' ? "host" : "port", optarg,
				&role, &v) != 0)
				return CLI_USAGE;
			if (ch == 'H')
				hosts[role] = v;
			else
				snprintf(
				    ports[role], sizeof(ports[role]), "%s", v);
			break;
		case 'r':
			roles = optarg;
			break;
		case 'j':
			if (nje == OP_MAX_JOINEUI)
				return usage();
			joineuis[nje++] = optarg;
			break;
		case 'n':
			if (nnet == OP_MAX_NETID)
				return usage();
			netids[nnet++] = optarg;
			break;
		case 't':
			if (cli_number("ttl", optarg, 1, 86400, &ttl) != 0)
				return CLI_USAGE;
			break;
		case 'D':
			if (cli_number("days", optarg, 1, 36500, &days) != 0)
				return CLI_USAGE;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || name == NULL || domain == NULL)
		return usage();
	if (op_profile_init(&p, name, domain, why, sizeof(why)) != ZONE_OK) {
		fprintf(stderr, "loradane pki init: %s\n", why);
		return CLI_USAGE;
	}
	p.key_type = key_type;
	p.self_signed = self_signed;
	p.intermediate = intermediate && !self_signed;
	if (ttl != 0)
		p.ttl = (uint32_t)ttl;
	if (days != 0)
		p.cert_days = (unsigned)days;
	for (r = 0; r < OP_NROLES; r++) {
		const char *rn = op_role_name((enum op_role)r);
		const char *hit = strstr(roles, rn);

		/* "--roles js,ns": whole words of a comma-separated list */
		if (hit == NULL || (hit != roles && hit[-1] != ',') ||
		    (hit[2] != '\0' && hit[2] != ','))
			continue;
		if (op_profile_set_element(&p, rn, hosts[r], ports[r], addrs,
			naddrs, why, sizeof(why)) != ZONE_OK) {
			fprintf(stderr, "loradane pki init: %s: %s\n", rn, why);
			return CLI_USAGE;
		}
	}
	for (r = 0; r < nje; r++)
		if (op_profile_add_joineui(&p, joineuis[r], why, sizeof(why)) !=
		    ZONE_OK) {
			fprintf(
			    stderr, "loradane pki init: --joineui: %s\n", why);
			return CLI_USAGE;
		}
	for (r = 0; r < nnet; r++)
		if (op_profile_add_netid(&p, netids[r], why, sizeof(why)) !=
		    ZONE_OK) {
			fprintf(
			    stderr, "loradane pki init: --netid: %s\n", why);
			return CLI_USAGE;
		}
	if ((r = pki_init_operator(&p, out, why, sizeof(why))) != ZONE_OK) {
		fprintf(stderr, "loradane pki init: %s\n", why);
		return CLI_FAIL;
	}
	printf("operator %s: %s/%s (%s keys, %s)\n", p.name, out, p.name,
	    op_key_type_name(p.key_type),
	    p.self_signed        ? "self-signed"
		: p.intermediate ? "root and issuing CA"
				 : "root CA");
	for (r = 0; r < OP_NIDENTITIES; r++) {
		char tlsa[OP_DNAME_MAX + 32];

		if (op_identity_tlsa_name(
			&p, &op_identities[r], tlsa, sizeof(tlsa)) == ZONE_OK)
			printf("  %-10s %s/%s/%s/{key,cert}.pem  TLSA at %s\n",
			    op_identities[r].id, out, p.name,
			    op_identities[r].id, tlsa);
	}
	printf("next: loradane zone records --pki %s --operator %s\n", out,
	    p.name);
	return CLI_OK;
}

int
cmd_pki(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return pki_init(argc - 1, argv + 1);
	return usage();
}
