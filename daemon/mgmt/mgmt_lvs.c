/* mgmt_lvs.c - mgmt's sorted copy of IPVS's counters (mgmt_lvs.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/shstats.h"
#include "mgmt/mgmt_lvs.h"

static int cmp_live(const void *a, const void *b)
{
	const struct lb_live *x = a, *y = b;
	int c = strcmp(x->vs, y->vs);

	return c ? c : strcmp(x->rs, y->rs);
}

void mgmt_lvs_open(struct mgmt_lvs *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->written = -1;
	l->r = path ? shstats_r_new(path, LB_LIVE_KIND, sizeof(struct lb_live)) : NULL;
}

void mgmt_lvs_close(struct mgmt_lvs *l)
{
	if (l->r)
		shstats_r_free(l->r);
	free(l->recs);
	memset(l, 0, sizeof(*l));
	l->written = -1;
}

bool mgmt_lvs_poll(struct mgmt_lvs *l)
{
	const void *recs;
	int64_t written = 0;
	ssize_t n = l->r ? shstats_r_read(l->r, &recs, &written, NULL) : -1;
	struct lb_live *copy;

	if (n < 0 && errno == EBUSY && l->recs)
		return false;           /* being rewritten: keep the last copy */
	if (n < 0) {
		if (!l->recs)
			return false;
		free(l->recs);
		l->recs = NULL;
		l->n = 0;
		l->written = -1;
		l->generation++;
		return true;
	}
	if (written == l->written && l->recs)
		return false;
	copy = malloc((size_t)(n ? n : 1) * sizeof(*copy));
	if (!copy)
		return false;           /* keep the last copy */
	if (n) {
		memcpy(copy, recs, (size_t)n * sizeof(*copy));
		qsort(copy, (size_t)n, sizeof(*copy), cmp_live);
	}
	free(l->recs);
	l->recs = copy;
	l->n = (size_t)n;
	l->written = written;
	l->generation++;
	return true;
}

const struct lb_live *mgmt_lvs_find(const struct mgmt_lvs *l, const char *vs, const char *rs)
{
	struct lb_live key;

	if (!l->recs)
		return NULL;
	snprintf(key.vs, sizeof(key.vs), "%s", vs);
	snprintf(key.rs, sizeof(key.rs), "%s", rs);
	return bsearch(&key, l->recs, l->n, sizeof(*l->recs), cmp_live);
}
