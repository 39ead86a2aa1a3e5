#!/bin/bash
# t_dane_positive.sh - spec §9 positive cases 1-9: every way a client
# certificate may be authenticated by DNSSEC-validated TLSA records, each
# proved on the server's log line "authenticated as NAME by TLSA OWNER
# U S M at depth D".  Case 9 also has its failing half.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dane.sh"

G=good.dance.test
R=_ns-client.r.roll.dance.test

swap_roll v1
srv_start pos -v || not_ok "serve-test starts"

# 1: DANE-EE 3 1 1 on both sides, TLS 1.3, the extension exchanged.
expect_auth "case 1 (3 1 1)" "_ns-client.ee.$G" cli "3 1 1" 0
check "case 1: the client authenticated the server by its 3 1 1 record at depth 0" \
    contains "$TMP/$OUT" "^server authenticated: TLSA _${PORT}\._tcp\.srv\.good\.dance\.test matched by 3 1 1 [0-9a-f]+\.\.\. at depth 0 \(end entity\)"
check "case 1: TLS 1.3" contains "$TMP/$OUT" '^connected: TLSv1\.3,'

# 2: SHA2-512 matching type; full-certificate selector.
expect_auth "case 2 (3 1 2)" "_ns-client.sha512.$G" cli "3 1 2" 0
expect_auth "case 2 (3 0 1)" "_ns-client.full.$G" cli "3 0 1" 0

# 3: DANE-TA 2 1 1 for the org CA; the client sends leaf + CA and its SAN
# is the ClientName; the match is the CA, one level up.
expect_auth "case 3 (DANE-TA 2 1 1)" "_ns-client.ta.$G" clita-chain "2 1 1" 1

# 4: the wildcard *._device TLSA 2 0 1 (device CA certificate digest).
expect_auth "case 4 (wildcard 2 0 1)" "sensor7._device.$G" sensor7-chain \
    "2 0 1" 1

# 6: DANE-EE ignores the dates of a self-signed certificate.
check "case 6: fixture: cliexp.crt has expired" \
    eval "! openssl x509 -checkend 0 -noout -in '$DANCE_CERTS/cliexp.crt' >/dev/null"
expect_auth "case 6 (expired certificate)" "_ns-client.expiredcert.$G" \
    cliexp "3 1 1" 0

# 7: DANE-EE where the ClientName is not in the certificate at all.
check "case 7: fixture: cli.crt names no DNS name and not the ClientName" \
    eval "! openssl x509 -noout -text -in '$DANCE_CERTS/cli.crt' | grep -Eq 'DNS:|_ns-client'"
expect_auth "case 7 (name not in the certificate)" "_ns-client.ee.$G" cli \
    "3 1 1" 0

# 8: the TLSA RRset reached through a CNAME inside the signed zone: the
# identity is the alias the client announced, the records the target's.
expect_auth "case 8 (CNAME)" "_ns-client.cname.$G" cli "3 1 1" 0 \
    "_ns-client.ee.$G"

# 9: digest agility (RFC 7671 §9): a matching 3 1 2 beside a junk 3 1 1
# wins, since SHA2-512 is preferred; a matching 3 1 1 beside a junk 3 1 2
# is ignored for the same reason.
expect_auth "case 9 (agility: good 3 1 2 + junk 3 1 1)" \
    "_ns-client.agility.$G" cli "3 1 2" 0
expect_refused "case 9 (agility: good 3 1 1 + junk 3 1 2)" \
    "_ns-client.agilitybad.$G" cli \
    "certificate matches no TLSA record of _ns-client\.agilitybad\.good\.dance\.test"
srv_stop

# 5: rollover "current + next".  v2 publishes both keys: both work.  v3
# drops the old one: once the 2 s TTL has run out (waited for by polling),
# only the new key works.
swap_roll v2
srv_start roll5 -v || not_ok "serve-test starts (case 5)"
expect_auth "case 5 (v2, current key cli)" "$R" cli "3 1 1" 0
check "case 5: the server saw both records of v2" \
    contains "$SRVLOG" "TLSA $(re "$R"): secure, 2 records"
expect_auth "case 5 (v2, next key cli2)" "$R" cli2 "3 1 1" 0
swap_roll v3
check "case 5: after the swap to v3 the old key cli is refused within the deadline" \
    poll_until refused "$R" cli 20
expect_auth "case 5 (v3, only the next key cli2)" "$R" cli2 "3 1 1" 0
expect_refused "case 5 (v3, the old key cli)" "$R" cli \
    "certificate matches no TLSA record of $(re "$R")"
srv_stop
swap_roll v1

dane_done
