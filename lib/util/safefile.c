/*
 * safefile.c - whole-or-absent files; see safefile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safefile.h"

FILE *
safefile_create(const char *path, mode_t mode)
{
	FILE *f;
	int fd, saved;

	/* No symbolic link is followed: the file is created here or not. */
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		return NULL;
	/* Exactly mode, whatever the umask; then a stream over it. */
	if (fchmod(fd, mode) == 0 && (f = fdopen(fd, "w")) != NULL)
		return f;
	saved = errno;
	close(fd);
	unlink(path);
	errno = saved;
	return NULL;
}

int
safefile_commit(FILE *f, const char *path)
{
	int ok, saved;

	ok = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
	saved = errno;
	if (fclose(f) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok)
		return 0;
	unlink(path);
	errno = saved != 0 ? saved : EIO;
	return -1;
}

void
safefile_abort(FILE *f, const char *path)
{
	fclose(f);
	unlink(path);
}

int
safefile_sync_dir(const char *dir)
{
	int fd, r, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
safefile_sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len = slash == NULL ? 0 : (size_t)(slash - path);

	if (slash == NULL)
		return safefile_sync_dir(".");
	if (len == 0)
		len = 1; /* "/x" lives in "/" */
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return safefile_sync_dir(dir);
}
