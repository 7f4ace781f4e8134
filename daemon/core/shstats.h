/*
 * shstats.h - records one process publishes and another reads through a
 * shared file mapping: the vrrp process's receive counters for mgmt's SNMP
 * statistics tables, refreshed every second.
 *
 * The writer copies its records into the mapping between begin and end
 * (memory writes, no system call); the reader copies them out when it
 * needs them, never waiting for the writer.  A sequence number, odd while
 * the writer copies, tells the reader to try again (a seqlock).
 *
 * The file never shrinks under a reader: a new size, or a new writer
 * process, makes a new file renamed over the old one.  A reader keeps its
 * mapping of the old file (still valid) and maps the new one when it sees
 * another inode at the path.
 */
#ifndef VIGIL_SHSTATS_H
#define VIGIL_SHSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct shstats_w;

/* Create (or replace) the file at `path` for records of `rec_size` bytes,
 * of the layout `kind` (a number the reader checks).  NULL with errno set. */
struct shstats_w *shstats_w_open(const char *path, uint32_t kind, size_t rec_size);
/* Start an update of `n` records: returns where they go (zeroed when the
 * file was remade), NULL when the file cannot grow (the update is skipped;
 * end must not be called). */
void *shstats_w_begin(struct shstats_w *w, size_t n);
/* Publish the update, stamped `now_ms`. */
void shstats_w_end(struct shstats_w *w, int64_t now_ms);
/* Unmap; remove the file too when `unlink_file`. */
void shstats_w_close(struct shstats_w *w, int unlink_file);

struct shstats_r;

struct shstats_r *shstats_r_new(const char *path, uint32_t kind, size_t rec_size);
/* A consistent copy of the records: *recs points into a buffer r owns
 * (valid until the next call), *written_ms is when they were published,
 * *pid the writer's process.  Returns the number of records, or -1 when
 * there is no file (yet), nothing published in it yet, or another layout;
 * -1 with errno EBUSY when an update in progress did not end within 2 ms
 * (the caller keeps what it read before). */
ssize_t shstats_r_read(struct shstats_r *r, const void **recs, int64_t *written_ms, pid_t *pid);
void shstats_r_free(struct shstats_r *r);

#endif /* VIGIL_SHSTATS_H */
