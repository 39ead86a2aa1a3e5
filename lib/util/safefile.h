/*
 * safefile.h - files that are either whole or absent: created exclusively
 * (never overwriting anything), flushed and fsync'ed before they count,
 * removed when writing failed; and directory syncs, so that a create or
 * rename survives a crash.  Keys, profiles and state files go through it.
 */
#ifndef LIB_UTIL_SAFEFILE_H
#define LIB_UTIL_SAFEFILE_H

#include <stdio.h>
#include <sys/types.h>

/**
 * Create path for writing with O_CREAT|O_EXCL|O_NOFOLLOW and exactly mode
 * (the umask does not apply).
 * @return a stream the caller ends with safefile_commit(), or NULL with
 *	errno set (EEXIST when path exists).
 */
FILE *safefile_create(const char *path, mode_t mode);

/**
 * Flush, fsync and close f (always closed); on any failure, unlink path.
 * @return 0, or -1 with errno set (path is then gone).
 */
int safefile_commit(FILE *f, const char *path);

/**
 * Give up: close f and unlink path.
 */
void safefile_abort(FILE *f, const char *path);

/**
 * fsync a directory, making the entries created or renamed in it durable.
 * @return 0, or -1 with errno set.
 */
int safefile_sync_dir(const char *dir);

/**
 * fsync the directory holding path (e.g. after renaming into it).
 * @return 0, or -1 with errno set.
 */
int safefile_sync_parent(const char *path);

#endif /* LIB_UTIL_SAFEFILE_H */
