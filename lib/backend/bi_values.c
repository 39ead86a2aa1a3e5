/*
 * bi_values.c - the value syntaxes of the roaming messages: RFRegion
 * names, RFC 3339 time stamps, ClassMode and RoamingActivationType.
 */
#include <stdio.h>
#include <string.h>

#include "backend/bi.h"

/* Both name sets for the same regions: TS002 Note 2 on the left, where
 * it differs, and the RP002 common name (ChirpStack's) on the right. */
static const struct {
	const char *alias, *canon;
} region_alias[] = {
    {"US902", "US915"},
    {"CHINA779", "CN779"},
    {"AUSTRALIA915", "AU915"},
    {"CHINA470", "CN470"},
    {"AS923-1", "AS923"},
};

int
bi_rf_region_canon(const char *s, char *out, size_t outsize)
{
	char n[BI_REGION_MAX + 1];
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= BI_REGION_MAX)
			return -1;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '_')
			c = '-';
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '-'))
			return -1;
		n[i] = c;
	}
	if (i == 0)
		return -1;
	n[i] = '\0';
	for (size_t k = 0; k < sizeof(region_alias) / sizeof(region_alias[0]);
	     k++)
		if (strcmp(n, region_alias[k].alias) == 0) {
			snprintf(out, outsize, "%s", region_alias[k].canon);
			return 0;
		}
	snprintf(out, outsize, "%s", n);
	return 0;
}

/* digits - exactly n decimal digits at *p, advancing it */
static int
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
 * (the era arithmetic avoids any table and any library time call) */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
bi_time_parse(const char *s, int64_t *sec, uint32_t *nsec)
{
	static const int mdays[12] = {
	    31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	uint32_t ns = 0;
	bool leap;

	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) ||
	    expect(&p, '-') || digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if (digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) ||
	    expect(&p, ':') || digits(&p, 2, &se))
		return -1;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			if (n >= 9)
				return -1;
			ns = ns * 10 + (uint32_t)(*p - '0');
		}
		if (n == 0)
			return -1;
		for (; n < 9; n++)
			ns *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') ||
		    digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 60)
		return -1;
	if (sec != NULL)
		*sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		    se - sign * (oh * 3600 + om * 60);
	if (nsec != NULL)
		*nsec = ns;
	return 0;
}

const char *
bi_class_mode_name(enum bi_class_mode c)
{
	switch (c) {
	case BI_CLASS_A:
		return "A";
	case BI_CLASS_B:
		return "B";
	case BI_CLASS_C:
		return "C";
	default:
		return NULL;
	}
}

const char *
bi_roaming_type_name(enum bi_roaming_type t)
{
	switch (t) {
	case BI_ROAMING_PASSIVE:
		return "Passive";
	case BI_ROAMING_HANDOVER:
		return "Handover";
	default:
		return NULL;
	}
}
