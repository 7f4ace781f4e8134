/*
 * pidfile.h - pid files like keepalived's: one per process, written
 * atomically, removed on a clean stop.
 */
#ifndef VIGIL_PIDFILE_H
#define VIGIL_PIDFILE_H

#include <sys/types.h>

/* Write `pid` to `path` (via a temporary file and rename).  Creates the
 * parent directory when it is missing.  Returns 0 or -1 with errno. */
/* Create the directory `path` is in (and its parents), mode 0755; errors
 * show later, when the file itself is made. */
void make_parent_dir(const char *path);
int pidfile_write(const char *path, pid_t pid);
/* The pid in `path`, or -1 when the file is missing or malformed. */
pid_t pidfile_read(const char *path);
/* The pid in `path` if that process is alive, else -1. */
pid_t pidfile_running(const char *path);
void pidfile_remove(const char *path);

#endif /* VIGIL_PIDFILE_H */
