/*
 * cmd_device.c - "loradane device add|import|list|show|remove": the Join
 * Server's devices in its store (lib/store).  Root keys are read from a
 * file or standard input, never from the command line, where ps(1) and
 * shell history would show them; nothing here ever prints one.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "lorawan/ids.h"
#include "store/store.h"
#include "util/bytes.h"
#include "util/config.h"

#define CSV_HEADER                                                             \
	"DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,"   \
	"ASKEKLabel"
#define CSV_FIELDS 9
#define LINE_MAX_LEN 1024
#define MAC_VERSIONS "not 1.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4 or 1.1"

/* Options by their getopt value; a verb names the ones it needs and
 * allows (--store and --kek are always needed). */
#define OPTCHARS "skdjmnaNArK"

/* bit - the bit of an option in a set of given options */
static unsigned
bit(int ch)
{
	const char *p = strchr(OPTCHARS, ch);

	return ch != 0 && p != NULL ? 1u << (p - OPTCHARS) : 0;
}

/* bits - the set of the options in s */
static unsigned
bits(const char *s)
{
	unsigned b = 0;

	while (*s != '\0')
		b |= bit(*s++);
	return b;
}

/* complain - "loradane device: ..." on stderr */
static void
complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
complain(const char *fmt, ...)
{
	va_list ap;

	fputs("loradane device: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane device add --store URI --kek FILE --deveui EUI "
	    "--joineui EUI\n"
	    "         --mac-version V --home-netid NETID --keys FILE|- "
	    "[--as-id NAME]\n"
	    "         [--ns-kek-label L] [--as-kek-label L] [--replace]\n"
	    "       loradane device import --store URI --kek FILE [--replace] "
	    "FILE|-\n"
	    "       loradane device list --store URI --kek FILE\n"
	    "       loradane device show|remove --store URI --kek FILE "
	    "--deveui EUI\n"
	    "  The keys file holds lines 'AppKey HEX' and 'NwkKey HEX' (1.1 "
	    "needs NwkKey).\n"
	    "  The CSV's first line is\n  " CSV_HEADER "\n");
	return CLI_USAGE;
}

/* text_bad - why an identifier or label is unacceptable, or NULL (the
 * store's own rule, checked here to name the option or column) */
static const char *
text_bad(const char *s, size_t size)
{
	size_t i, len = strlen(s);

	if (len >= size)
		return "too long";
	for (i = 0; i < len; i++)
		if (!isgraph((unsigned char)s[i]))
			return "not printable ASCII (no spaces)";
	return NULL;
}

/* set_text - copy a checked identifier into a device field */
static const char *
set_text(char *dst, size_t size, const char *s)
{
	const char *bad = text_bad(s, size);

	if (bad == NULL)
		snprintf(dst, size, "%s", s);
	return bad;
}

/* parse_netid - 6 hex digits, as NetIDs are written */
static int
parse_netid(const char *s, uint32_t *netid)
{
	uint8_t b[3];
	const char *err;

	if (bytes_from_hex_exact(s, b, sizeof(b), &err) != 0)
		return -1;
	*netid = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	return 0;
}

/* key_line - one "NAME HEX" line of a keys file into d */
static const char *
key_line(char *line, struct store_device *d, bool *app)
{
	char *w[3], *name, *hex;
	const char *err;
	int n;

	/* The configuration files' tokenizer: "#" comments, blank lines. */
	if ((n = cfg_split(line, w, 3, &err)) == 0)
		return NULL;
	if (n != 2)
		return "expected NAME HEX";
	name = w[0];
	hex = w[1];
	if (strcasecmp(name, "AppKey") == 0 && !*app) {
		*app = true;
		if (bytes_from_hex_exact(hex, d->app_key, 16, &err) != 0)
			return "AppKey: not 32 hex digits";
	} else if (strcasecmp(name, "NwkKey") == 0 && !d->has_nwk_key) {
		d->has_nwk_key = true;
		if (bytes_from_hex_exact(hex, d->nwk_key, 16, &err) != 0)
			return "NwkKey: not 32 hex digits";
	} else
		return "expected one AppKey and at most one NwkKey line";
	return NULL;
}

/* read_keys - "AppKey HEX" and "NwkKey HEX" lines, # comments */
static int
read_keys(const char *path, struct store_device *d)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	const char *err = NULL;
	char line[LINE_MAX_LEN];
	bool app = false;
	int lineno = 0;

	if (f == NULL) {
		complain("--keys %s: cannot open", path);
		return -1;
	}
	while (err == NULL && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			err = "line too long";
		else
			err = key_line(line, d, &app);
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (f != stdin)
		fclose(f);
	if (err != NULL)
		complain("%s:%d: %s", name, lineno, err);
	else if (!app)
		complain("%s: AppKey: missing", name);
	return err == NULL && app ? 0 : -1;
}

/* csv_split - the fields of a record, blanks around each trimmed */
static int
csv_split(char *line, char *f[CSV_FIELDS])
{
	char *p = line, *e;
	int i;

	for (i = 0; i < CSV_FIELDS; i++) {
		f[i] = p + strspn(p, " \t");
		p = strchr(f[i], ',');
		if ((p == NULL) != (i == CSV_FIELDS - 1))
			return -1;
		e = p != NULL ? p++ : f[i] + strlen(f[i]);
		while (e > f[i] && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
	}
	return 0;
}

/* csv_field - column i of a record into d; why it is bad, or NULL */
static const char *
csv_field(int i, const char *v, struct store_device *d)
{
	const char *err;

	switch (i) {
	case 0:
	case 1:
		return lw_eui64_parse(v, i == 0 ? &d->dev_eui : &d->join_eui) !=
			LW_OK
		    ? "not an EUI-64"
		    : NULL;
	case 2:
		if (set_text(d->mac_version, sizeof(d->mac_version), v) !=
			NULL ||
		    !store_mac_version_valid(v))
			return MAC_VERSIONS;
		return NULL;
	case 3:
		return bytes_from_hex_exact(v, d->app_key, 16, &err) != 0
		    ? "not 32 hex digits"
		    : NULL;
	case 4:
		d->has_nwk_key = *v != '\0';
		if (!d->has_nwk_key)
			return strcmp(d->mac_version, "1.1") == 0
			    ? "required for MAC version 1.1"
			    : NULL;
		return bytes_from_hex_exact(v, d->nwk_key, 16, &err) != 0
		    ? "not 32 hex digits"
		    : NULL;
	case 5:
		return parse_netid(v, &d->home_net_id) != 0 ? "not 6 hex digits"
							    : NULL;
	case 6:
		return set_text(d->as_id, sizeof(d->as_id), v);
	case 7:
		return set_text(d->ns_kek_label, sizeof(d->ns_kek_label), v);
	default:
		return set_text(d->as_kek_label, sizeof(d->as_kek_label), v);
	}
}

/* csv_line - one record into d; sets *col to the bad column */
static const char *
csv_line(char *line, struct store_device *d, const char **col)
{
	static const char *const cols[CSV_FIELDS] = {"DevEUI", "JoinEUI",
	    "MACVersion", "AppKey", "NwkKey", "HomeNetID", "ASID", "NSKEKLabel",
	    "ASKEKLabel"};
	const char *bad = NULL;
	char *f[CSV_FIELDS];
	int i;

	memset(d, 0, sizeof(*d));
	*col = "line";
	if (csv_split(line, f) != 0)
		bad = "expected 9 comma-separated fields";
	for (i = 0; bad == NULL && i < CSV_FIELDS; i++) {
		*col = cols[i];
		bad = csv_field(i, f[i], d);
	}
	OPENSSL_cleanse(line, strlen(line));
	return bad;
}

struct csv {
	struct store_device *d;
	int *line;
	size_t n, cap;
};

/* by_eui - qsort order of line indexes by DevEUI, to find duplicates */
static const struct csv *sort_csv;
static int
by_eui(const void *a, const void *b)
{
	uint64_t x = sort_csv->d[*(const size_t *)a].dev_eui;
	uint64_t y = sort_csv->d[*(const size_t *)b].dev_eui;

	return x < y ? -1 : x > y;
}

/* read_csv - every record, every bad line reported; -1 if any */
static int
read_csv(FILE *f, const char *name, struct csv *c)
{
	char line[LINE_MAX_LEN];
	const char *bad, *col;
	size_t *idx, i;
	int lineno = 0, errors = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			complain("%s:%d: line: too long", name, lineno);
			return -1;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, CSV_HEADER) == 0)
				continue;
			complain("%s:1: header: expected %s", name, CSV_HEADER);
			return -1;
		}
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			struct store_device *d =
			    realloc(c->d, cap * sizeof(*c->d));
			int *l = d ? realloc(c->line, cap * sizeof(int)) : NULL;

			if (d != NULL)
				c->d = d;
			if (l == NULL) {
				complain("%s: out of memory", name);
				return -1;
			}
			c->line = l;
			c->cap = cap;
		}
		if ((bad = csv_line(line, &c->d[c->n], &col)) != NULL) {
			complain("%s:%d: %s: %s", name, lineno, col, bad);
			errors++;
			continue;
		}
		c->line[c->n++] = lineno;
	}
	if (lineno == 0) {
		complain("%s: empty (expected the header line)", name);
		return -1;
	}
	if ((idx = calloc(c->n + 1, sizeof(*idx))) == NULL)
		return -1;
	for (i = 0; i < c->n; i++)
		idx[i] = i;
	sort_csv = c;
	qsort(idx, c->n, sizeof(*idx), by_eui);
	for (i = 1; i < c->n; i++)
		if (c->d[idx[i]].dev_eui == c->d[idx[i - 1]].dev_eui) {
			size_t a = idx[i] > idx[i - 1] ? idx[i] : idx[i - 1];

			complain("%s:%d: DevEUI: also on line %d", name,
			    c->line[a], c->line[idx[i] + idx[i - 1] - a]);
			errors++;
		}
	free(idx);
	return errors == 0 ? 0 : -1;
}

/* do_import - the whole file in one transaction, or nothing */
static int
do_import(struct store *st, const char *path, bool replace)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	struct csv c = {NULL, NULL, 0, 0};
	struct store_device got;
	char why[512];
	int rc = CLI_FAIL, r;
	size_t i;

	if (f == NULL) {
		complain("%s: cannot open", path);
		return CLI_FAIL;
	}
	r = read_csv(f, name, &c);
	if (f != stdin)
		fclose(f);
	if (r != 0)
		complain("%s: nothing imported", name);
	else if ((r = store_device_import(st, c.d, c.n, replace, why,
		      sizeof(why))) == STORE_ERR_EXISTS) {
		/* Name the line: the first device the store already has. */
		for (i = 0; i < c.n; i++)
			if (store_device_get(st, c.d[i].dev_eui, &got, why,
				sizeof(why)) != STORE_ERR_NOTFOUND)
				break;
		OPENSSL_cleanse(&got, sizeof(got));
		complain("%s:%d: DevEUI: exists (--replace replaces it)", name,
		    i < c.n ? c.line[i] : 0);
		complain("%s: nothing imported", name);
	} else if (r != STORE_OK)
		complain("%s: %s; nothing imported", name, why);
	else {
		printf("imported %zu device%s\n", c.n, c.n == 1 ? "" : "s");
		rc = CLI_OK;
	}
	if (c.d != NULL)
		OPENSSL_cleanse(c.d, c.cap * sizeof(*c.d));
	free(c.d);
	free(c.line);
	return rc;
}

/* print_line - "loradane device list": never a key */
static int
print_line(void *arg, const struct store_device *d)
{
	char dev[LW_EUI64_STRLEN], join[LW_EUI64_STRLEN];

	(void)arg;
	lw_eui64_format(d->dev_eui, dev, sizeof(dev));
	lw_eui64_format(d->join_eui, join, sizeof(join));
	printf("%s %s %-5s %06x %s %u %u\n", dev, join, d->mac_version,
	    d->home_net_id, d->as_id[0] != '\0' ? d->as_id : "-", d->joins,
	    d->last_join_nonce);
	return 0;
}

/* print_show - every field but the keys */
static void
print_show(const struct store_device *d)
{
	char dev[LW_EUI64_STRLEN], join[LW_EUI64_STRLEN];

	lw_eui64_format(d->dev_eui, dev, sizeof(dev));
	lw_eui64_format(d->join_eui, join, sizeof(join));
	printf("DevEUI         %s\nJoinEUI        %s\nMACVersion     %s\n"
	       "HomeNetID      %06x\nASID           %s\nNSKEKLabel     %s\n"
	       "ASKEKLabel     %s\nAppKey         set (not shown)\n"
	       "NwkKey         %s\nJoins          %u\nLastJoinNonce  %u\n",
	    dev, join, d->mac_version, d->home_net_id,
	    d->as_id[0] ? d->as_id : "-",
	    d->ns_kek_label[0] ? d->ns_kek_label : "-",
	    d->as_kek_label[0] ? d->as_kek_label : "-",
	    d->has_nwk_key ? "set (not shown)" : "not set", d->joins,
	    d->last_join_nonce);
	if (d->last_dev_nonce < 0)
		printf("LastDevNonce   none\n");
	else
		printf("LastDevNonce   %d\n", (int)d->last_dev_nonce);
	if (d->last_rj_count1 < 0)
		printf("LastRJcount1   none\n");
	else
		printf("LastRJcount1   %d\n", (int)d->last_rj_count1);
}

/* run - open the store and do the verb; options already checked */
static int
run(const char *verb, const struct store_opts *o, struct store_device *d,
    const char *keys, const char *file, bool replace)
{
	struct store *st;
	char why[512], eui[LW_EUI64_STRLEN];
	int r, rc = CLI_FAIL;

	if (strcmp(verb, "add") == 0 && read_keys(keys, d) != 0)
		return CLI_FAIL;
	if (strcmp(verb, "add") == 0 && strcmp(d->mac_version, "1.1") == 0 &&
	    !d->has_nwk_key) {
		complain(
		    "--keys %s: NwkKey: required for MAC version 1.1", keys);
		return CLI_FAIL;
	}
	if (store_open(o, &st, why, sizeof(why)) != STORE_OK) {
		complain("%s", why);
		return CLI_FAIL;
	}
	lw_eui64_format(d->dev_eui, eui, sizeof(eui));
	if (strcmp(verb, "add") == 0)
		r = store_device_add(st, d, replace, why, sizeof(why));
	else if (strcmp(verb, "import") == 0) {
		rc = do_import(st, file, replace);
		r = STORE_OK;
	} else if (strcmp(verb, "list") == 0)
		r = store_device_list(st, print_line, NULL, why, sizeof(why));
	else if (strcmp(verb, "show") == 0) {
		if ((r = store_device_get(
			 st, d->dev_eui, d, why, sizeof(why))) == STORE_OK)
			print_show(d);
	} else
		r = store_device_remove(st, d->dev_eui, why, sizeof(why));
	if (r == STORE_ERR_EXISTS)
		complain("--deveui %s: exists (--replace replaces it)", eui);
	else if (r != STORE_OK)
		complain("%s", why);
	else if (strcmp(verb, "import") != 0) {
		if (strcmp(verb, "add") == 0)
			printf("%s %s\n", replace ? "replaced" : "added", eui);
		else if (strcmp(verb, "remove") == 0)
			printf("removed %s\n", eui);
		rc = CLI_OK;
	}
	store_close(st);
	return rc;
}

/* option - apply one option to o, d, keys; why it is bad, or NULL */
static const char *
option(int ch, const char *arg, struct store_opts *o, struct store_device *d,
    const char **keys)
{
	switch (ch) {
	case 's':
		o->uri = arg;
		return NULL;
	case 'k':
		o->kek_file = arg;
		return NULL;
	case 'd':
	case 'j':
		return lw_eui64_parse(
			   arg, ch == 'd' ? &d->dev_eui : &d->join_eui) != LW_OK
		    ? "not an EUI-64"
		    : NULL;
	case 'm':
		return set_text(d->mac_version, sizeof(d->mac_version), arg) !=
			    NULL ||
			!store_mac_version_valid(arg)
		    ? MAC_VERSIONS
		    : NULL;
	case 'n':
		return parse_netid(arg, &d->home_net_id) != 0
		    ? "not 6 hex digits"
		    : NULL;
	case 'a':
		return set_text(d->as_id, sizeof(d->as_id), arg);
	case 'N':
		return set_text(d->ns_kek_label, sizeof(d->ns_kek_label), arg);
	case 'A':
		return set_text(d->as_kek_label, sizeof(d->as_kek_label), arg);
	case 'K':
		*keys = arg;
		return NULL;
	}
	return NULL; /* 'r' */
}

int
cmd_device(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"store", required_argument, NULL, 's'},
	    {"kek", required_argument, NULL, 'k'},
	    {"deveui", required_argument, NULL, 'd'},
	    {"joineui", required_argument, NULL, 'j'},
	    {"mac-version", required_argument, NULL, 'm'},
	    {"home-netid", required_argument, NULL, 'n'},
	    {"as-id", required_argument, NULL, 'a'},
	    {"ns-kek-label", required_argument, NULL, 'N'},
	    {"as-kek-label", required_argument, NULL, 'A'},
	    {"replace", no_argument, NULL, 'r'},
	    {"keys", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct {
		const char *verb, *need, *allow;
	} verbs[] = {
	    {"add", "skdjmnK", "aNAr"},
	    {"import", "sk", "r"},
	    {"list", "sk", ""},
	    {"show", "skd", ""},
	    {"remove", "skd", ""},
	};
	struct store_opts o = {NULL, NULL, 0};
	struct store_device d;
	const char *keys = NULL, *bad;
	unsigned have = 0;
	size_t v;
	int ch, li = 0;

	for (v = 0; argc >= 2 && v < sizeof(verbs) / sizeof(*verbs); v++)
		if (strcmp(argv[1], verbs[v].verb) == 0)
			break;
	if (argc < 2 || v == sizeof(verbs) / sizeof(*verbs))
		return usage();
	memset(&d, 0, sizeof(d));
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (bit(ch) == 0)
			return usage();
		have |= bit(ch);
		if ((bad = option(ch, optarg, &o, &d, &keys)) != NULL) {
			complain("--%s %s: %s", longopts[li].name, optarg, bad);
			return CLI_USAGE;
		}
	}
	if ((have & bits(verbs[v].need)) != bits(verbs[v].need) ||
	    (have & ~bits(verbs[v].need) & ~bits(verbs[v].allow)) != 0 ||
	    optind != argc - (strcmp(verbs[v].verb, "import") == 0))
		return usage();
	ch = run(verbs[v].verb, &o, &d, keys, argv[argc - 1],
	    (have & bit('r')) != 0);
	OPENSSL_cleanse(&d, sizeof(d)); /* add and show held root keys */
	return ch;
}
