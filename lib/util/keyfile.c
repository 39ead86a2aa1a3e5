/*
 * keyfile.c - secret keys in their own files; see keyfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/bytes.h"
#include "util/keyfile.h"

int
keyfile_read(const char *path, const size_t *sizes, size_t nsizes, uint8_t *key,
    size_t max, size_t *len, char *why, size_t whylen)
{
	char buf[160], *s, *e;
	const char *err;
	struct stat st;
	ssize_t n;
	size_t i;
	int fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, whylen,
		    "%s: mode %03o lets others read the key; chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || (size_t)n == sizeof(buf) - 1) {
		snprintf(why, whylen, "%s: %s", path,
		    n < 0 ? strerror(errno) : "too long for a key");
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	buf[n] = '\0';
	for (s = buf; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s + strlen(s); e > s &&
	     (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
		*--e = '\0';
	if (bytes_from_hex(s, key, max, len, &err) != 0)
		snprintf(why, whylen, "%s: not a hex key: %s", path, err);
	else {
		for (i = 0; i < nsizes; i++)
			ok |= *len == sizes[i];
		if (!ok)
			snprintf(why, whylen,
			    "%s: a %zu-byte key is not a usable size", path,
			    *len);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!ok) {
		OPENSSL_cleanse(key, max);
		return -1;
	}
	return 0;
}
