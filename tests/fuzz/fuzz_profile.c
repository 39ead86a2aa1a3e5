/*
 * fuzz_profile.c - libFuzzer target: an operator profile (operator.conf),
 * through the table-driven configuration reader, then every name derived
 * from it.  The same reader will parse the daemons' configurations.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zone/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], name[OP_DNAME_MAX + 64];
	struct op_profile p;
	FILE *f;

	if (size == 0 ||
	    (f = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return 0;
	if (op_profile_parse(f, "fuzz", &p, NULL, NULL, why, sizeof(why)) ==
	    0) {
		for (int i = 0; i < OP_NIDENTITIES; i++) {
			(void)op_identity_tlsa_name(
			    &p, &op_identities[i], name, sizeof(name));
			(void)op_identity_dns_name(
			    &p, &op_identities[i], name, sizeof(name));
		}
		for (int i = 0; i < p.njoineui; i++)
			(void)op_joineui_owner(
			    &p, &p.joineui[i], name, sizeof(name));
		for (int i = 0; i < p.nnetid; i++)
			(void)op_netid_owner(
			    &p, p.netid[i], name, sizeof(name));
	}
	fclose(f);
	return 0;
}
