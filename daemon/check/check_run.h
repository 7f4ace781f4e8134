/*
 * check_run.h - the health-check engine of the check process.
 *
 * Builds one checker per TCP_CHECK / HTTP_GET / SSL_GET / MISC_CHECK block
 * of the configuration, runs each on its own timer in the process's event
 * loop (never blocking it), applies the results through check_state's pure
 * rules and logs every real server transition once, with the reason.
 *
 * The engine reports health; it does not touch IPVS.  The reconcile
 * subscribes with check_engine_set_hook() and reads the health of any real
 * server with check_engine_rs_health(); indexes are those of the
 * configuration in effect (the one given to start or to the last reload).
 */
#ifndef VIGIL_CHECK_RUN_H
#define VIGIL_CHECK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct ev_loop;
struct check_engine;

/* A real server's health changed: conf->vss[vs].rs[rs] is now up or down,
 * and `weight` is the weight it should carry when up (the configured one,
 * or the one a misc_dynamic script set); `why` says what the checkers saw
 * (for the state store's history). */
typedef void (*check_health_fn)(void *arg, size_t vs, size_t rs, bool up, int weight, const char *why);

struct check_engine *check_engine_new(struct ev_loop *loop);
void check_engine_set_hook(struct check_engine *e, check_health_fn fn, void *arg);
/* Called with a real server's first verdict after it was built, when that
 * verdict is no transition (it starts alive and its first check passes):
 * the same arguments as the health hook, for the record only. */
void check_engine_set_seen_hook(struct check_engine *e, check_health_fn fn, void *arg);

/* Build the checkers of `c` and schedule them.  `c` must stay valid until
 * the next reload or stop. */
int check_engine_start(struct check_engine *e, const struct conf *c);

/* Adopt `next`: real servers found again (same virtual server, address
 * and port) keep the state of every checker whose settings did not change,
 * with its timer and a check in flight; the others start afresh. */
int check_engine_reload(struct check_engine *e, const struct conf *next);

/* Cancel every check and timer. */
void check_engine_stop(struct check_engine *e);
void check_engine_free(struct check_engine *e);

/* The checks run and failed on conf->vss[vs].rs[rs], all its checkers
 * together, since they started; false when there is no such one. */
bool check_engine_rs_counters(const struct check_engine *e, size_t vs, size_t rs, uint64_t *checks,
			      uint64_t *failed);

/* The health of conf->vss[vs].rs[rs]; false when there is no such one. */
bool check_engine_rs_health(const struct check_engine *e, size_t vs, size_t rs,
			    bool *up, int *weight);

/* Every virtual server, real server and checker as JSON, written to `path`
 * atomically (SIGUSR2).  Returns 0 or -1 with errno. */
int check_engine_dump(const struct check_engine *e, const char *path);

#endif /* VIGIL_CHECK_RUN_H */
