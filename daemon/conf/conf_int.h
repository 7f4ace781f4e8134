/*
 * conf_int.h - what the conf_*.c files share and nobody else sees.
 *
 * Loading is three passes over one `struct conf_ctx`:
 *   conf_lex.c    bytes -> tokens -> a tree of statements (includes spliced in)
 *   conf_parse.c  tree -> the structs of conf.h, one keyword table per block
 *   conf_check.c  defaults inherited from global_defs, names resolved to
 *                 indexes, the checks that need the whole configuration
 */
#ifndef VIGIL_CONF_INT_H
#define VIGIL_CONF_INT_H

#include <stdarg.h>
#include <sys/types.h>

#include "conf/conf.h"

/* Limits that keep hostile input linear and the stack bounded. */
#define CONF_MAX_NEST           16        /* blocks inside blocks */
#define CONF_MAX_INCLUDE_DEPTH  8         /* files including files */
#define CONF_MAX_FILE_SIZE      (64u << 20)
#define CONF_MAX_DIAGS          1000      /* stored; the counts go on */
#define CONF_NAME_MAX           15        /* IFNAMSIZ - 1: interface names, labels */

#if defined(__GNUC__)
#define CONF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CONF_PRINTF(f, a)
#endif

/* One statement: a keyword, its arguments, and its block if it has one.
 * w[0] is the keyword; w[1..n_w-1] are the arguments. */
struct cnode {
	char **w;
	size_t n_w;
	struct conf_loc loc;
	bool has_block;
	bool brace_line;        /* shares its line with a '{' before or a '}'
	                           after it: one-line block, words may need
	                           splitting into keyword/value pairs */
	struct cnode *kids;
	size_t n_kids;
	size_t cap_kids;
};

/* Side data about one vrrp_instance that conf.h has no field for: where a
 * keyword was written (for messages in conf_check.c) and whether a value
 * that inherits from global_defs was given.  Parallel to conf->vrrps. */
struct conf_vrrp_extra {
	struct conf_loc vrid_loc;
	struct conf_loc advert_loc;
	struct conf_loc state_loc;
	struct conf_loc nopreempt_loc;
	struct conf_loc priority_loc;
	struct conf_loc mcast_src_loc;
	struct conf_loc unicast_src_loc;
	struct conf_loc auth_loc;
	bool iface_written;              /* given, even if wrongly: no "missing" error */
	bool vrid_written;
	bool auth_type_written;
	bool vips_written;
	bool version_set;
	bool accept_set;
	bool garp_delay_set;
	bool garp_repeat_set;
	bool garp_refresh_set;
	bool garp_refresh_repeat_set;
	struct conf_loc *peer_locs;      /* parallel to unicast_peers */
};

/* The state of one load. */
struct conf_ctx {
	struct conf_diags *d;
	unsigned flags;
	char **files;                    /* every file read; locs point here */
	size_t n_files;
	size_t cap_files;
	int include_depth;
	struct { dev_t dev; ino_t ino; } inc_stack[CONF_MAX_INCLUDE_DEPTH + 2];
	struct conf *c;
	struct conf_vrrp_extra *vx;      /* parallel to c->vrrps */
	struct conf_vs *cur_vs;          /* the virtual_server being read */
	unsigned char *rs_inh_set;       /* per real_server of cur_vs: inhibit_on_failure given */
	char shown[4][96];               /* conf_show() ring */
	char shown_path[4][256];         /* conf_show_path() ring */
	unsigned shown_i;
};

/* conf_diag.c */
void conf_diag_add(struct conf_diags *d, enum conf_severity sev,
		   const struct conf_loc *loc, const char *fmt, ...) CONF_PRINTF(4, 5);
void conf_diag_vadd(struct conf_diags *d, enum conf_severity sev,
		    const struct conf_loc *loc, const char *fmt, va_list ap) CONF_PRINTF(4, 0);
/* Make a message one printable line: control bytes become '?' (a hostile
 * config must not write terminal escapes). */
void conf_sanitize(char *s);
void conf_err(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...) CONF_PRINTF(3, 4);
void conf_warn(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...) CONF_PRINTF(3, 4);
/* Warnings that also tell a keepalived user what switching means (the
 * kinds of conf.h, shown in the sections of conf_report): */
/* a keepalived keyword/option vigil knows and skips */
void conf_warn_ignored(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
	CONF_PRINTF(3, 4);
/* a keyword vigil does not know at all, skipped */
void conf_warn_unknown(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
	CONF_PRINTF(3, 4);
/* taken, but vigil does otherwise than keepalived (a value changed, a
 * setting without effect in vigil, a default that is not keepalived's) */
void conf_warn_differs(struct conf_ctx *x, const struct conf_loc *loc, const char *fmt, ...)
	CONF_PRINTF(3, 4);
/* A word shortened for a message (at most ~60 bytes, cut on a UTF-8
 * boundary, "..." appended); valid until four more calls. */
const char *conf_show(struct conf_ctx *x, const char *word);
/* A file path for a message: whole up to ~250 bytes, else "..." and its
 * end (the file name is what tells); valid until four more calls. */
const char *conf_show_path(struct conf_ctx *x, const char *path);

/* Memory: these abort on exhaustion, as a daemon cannot go on without. */
void *conf_xmalloc(size_t n);
void *conf_xcalloc(size_t n, size_t sz);
void *conf_xrealloc(void *p, size_t n);
char *conf_xstrdup(const char *s);
/* Append one zeroed element to the array *arr holding *n elements of size
 * sz (capacity doubles; implied by *n).  Returns the new element. */
void *conf_push(void *arr, size_t *n, size_t sz);

/* conf_lex.c */
const char *conf_ctx_add_file(struct conf_ctx *x, const char *name);
/* Build the tree of a buffer / a file into root's kids. */
void conf_tree_buffer(struct conf_ctx *x, const char *name, const char *buf,
		      size_t len, struct cnode *root);
/* Returns false when the main file cannot be read (reported in x->d). */
bool conf_tree_file(struct conf_ctx *x, const char *path, struct cnode *root);
void conf_tree_free(struct cnode *n);

/* conf_parse.c */
void conf_interpret(struct conf_ctx *x, const struct cnode *root);
int conf_edit_distance(const char *a, const char *b, int max);

/* conf_check.c */
void conf_check(struct conf_ctx *x);

/* conf_json.c */
#define CONF_ADDR_STRLEN 64
/* "192.0.2.1", "2001:db8::1" or "" when unset. */
const char *conf_addr_str(const struct conf_addr *a, char buf[CONF_ADDR_STRLEN]);
const char *conf_family_name(int family);
const char *conf_scope_name(int scope);   /* NULL when it has no name */

#endif /* VIGIL_CONF_INT_H */
