/*
 * mgmt_split.c - see mgmt_split.h.
 *
 * The poller thread owns the curl handles and parses the answers; it hands
 * a finished round (every peer answered or timed out) to the loop under a
 * mutex and wakes it with an eventfd.  The loop owns every decision and
 * everything the API reads, so readers need no lock.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/ev.h"
#include "core/log.h"
#include "mgmt/mgmt_split.h"

#define PEER_MAX 32
#define ANSWER_MAX (4 * 1024 * 1024)

static char *peer_tokens[PEER_MAX];     /* read as root by mgmt_split_prepare */

void mgmt_split_prepare(const struct conf_split_brain *c)
{
	for (size_t i = 0; i < c->n_peers && i < PEER_MAX; i++) {
		FILE *f;
		char buf[256] = "";

		free(peer_tokens[i]);
		peer_tokens[i] = NULL;
		if (!c->peers[i].token_file)
			continue;
		f = fopen(c->peers[i].token_file, "re");
		if (!f || !fgets(buf, sizeof(buf), f)) {
			log_warnx("vigil_split_brain: peer %s: cannot read token_file %s: %s; polling it without a token",
				  c->peers[i].name, c->peers[i].token_file, f ? "empty" : strerror(errno));
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		buf[strcspn(buf, "\r\n")] = '\0';
		peer_tokens[i] = strdup(buf);
	}
}

/* One peer's answer, as the thread parsed it. */
struct answer {
	bool ok;
	char error[160];
	struct sb_inst *insts;
	size_t n;
	json_t *doc;                 /* owns the strings insts point to, but the VIPs' */
	char **vips;                 /* all the instances' VIPs (without prefix), one array */
	size_t n_vips;
};

struct peer {
	struct mgmt_split_peer pub;
	char *name, *url;
	/* the thread's */
	CURL *easy;
	char *buf;
	size_t len;
	bool too_big;
	struct curl_slist *headers;
	/* the round in use by the loop */
	struct answer cur;
};

struct mgmt_split {
	struct ev_loop *loop;
	struct peer *peers;
	size_t n_peers;
	double interval;
	mgmt_split_locals_fn locals;
	mgmt_split_change_fn change;
	mgmt_split_yield_fn yield;   /* NULL: policy is not yield */
	void *arg;
	/* the loop's decisions, by instance id */
	struct track {
		int64_t id;
		char name[64];
		struct sb_track t;
		bool seen;
		bool yielded;            /* gave way to peer yielded_to (policy yield) */
		char yielded_to[64];
	} *tracks;
	size_t n_tracks;
	struct ev_timer timer;       /* rounds without peers */
	/* the thread */
	pthread_t thread;
	bool thread_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int efd;
	struct answer *ready;        /* a finished round, n_peers answers, or NULL */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void answer_free(struct answer *a)
{
	for (size_t i = 0; i < a->n_vips; i++)
		free(a->vips[i]);
	free(a->insts);
	free(a->vips);
	json_decref(a->doc);
	memset(a, 0, sizeof(*a));
}

/* ---- the thread ------------------------------------------------------------------ */

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct peer *pr = arg;
	size_t len = size * n;
	char *b;

	if (pr->len + len > ANSWER_MAX) {
		pr->too_big = true;
		return 0;
	}
	b = realloc(pr->buf, pr->len + len + 1);
	if (!b)
		return 0;
	pr->buf = b;
	memcpy(pr->buf + pr->len, p, len);
	pr->len += len;
	pr->buf[pr->len] = '\0';
	return len;
}

/* "ADDR/PREFIX" -> "ADDR" (malloc'd), NULL when there is none */
static char *vip_addr(json_t *v)
{
	const char *a = json_string_value(json_object_get(v, "address"));

	return a ? strndup(a, strcspn(a, "/")) : NULL;
}

static void parse(struct peer *pr, struct answer *a)
{
	json_error_t jerr;
	json_t *list, *in;
	size_t i, n_vips = 0, k = 0;

	a->doc = json_loadb(pr->buf ? pr->buf : "", pr->len, 0, &jerr);
	list = json_object_get(a->doc, "instances");
	if (!json_is_array(list)) {
		snprintf(a->error, sizeof(a->error), "its answer has no instances list (%.100s)",
			 a->doc ? "not vigil's API?" : jerr.text);
		return;
	}
	json_array_foreach(list, i, in)
		n_vips += json_array_size(json_object_get(in, "vips"));
	a->insts = calloc(json_array_size(list) + 1, sizeof(*a->insts));
	a->vips = calloc(n_vips + 1, sizeof(*a->vips));
	if (!a->insts || !a->vips) {
		snprintf(a->error, sizeof(a->error), "out of memory");
		return;
	}
	json_array_foreach(list, i, in) {
		struct sb_inst *s = &a->insts[a->n++];
		const char *state = json_string_value(json_object_get(in, "state"));
		const char *fam = json_string_value(json_object_get(in, "family"));
		json_t *vips = json_object_get(in, "vips"), *v;
		size_t j;

		s->name = json_string_value(json_object_get(in, "name"));
		s->vrid = (int)json_integer_value(json_object_get(in, "vrid"));
		s->family = fam && strcmp(fam, "inet6") == 0 ? AF_INET6 : AF_INET;
		s->master = state && strcmp(state, "MASTER") == 0;
		s->priority = (int)json_integer_value(json_object_get(in, "effective_priority"));
		s->address = json_string_value(json_object_get(in, "master"));
		s->vips = (const char *const *)&a->vips[k];
		json_array_foreach(vips, j, v) {
			char *addr = k < n_vips ? vip_addr(v) : NULL;

			if (addr)
				a->vips[k++] = addr;
		}
		a->n_vips = k;
		s->n_vips = (size_t)((const char *const *)&a->vips[k] - s->vips);
		if (!s->name)
			s->name = "?";
	}
	a->ok = true;
}

static void *poller(void *arg)
{
	struct mgmt_split *s = arg;
	CURLM *m = curl_multi_init();
	long budget_ms = (long)(s->interval * 900);   /* a round ends before the next begins */

	while (m) {
		struct timespec until;
		struct answer *round = calloc(s->n_peers, sizeof(*round));
		int running = 0;
		int64_t t0 = now_ms();

		for (size_t i = 0; i < s->n_peers; i++) {
			struct peer *pr = &s->peers[i];

			pr->len = 0;
			pr->too_big = false;
			curl_easy_setopt(pr->easy, CURLOPT_TIMEOUT_MS, budget_ms);
			curl_easy_setopt(pr->easy, CURLOPT_CONNECTTIMEOUT_MS, budget_ms);
			curl_multi_add_handle(m, pr->easy);
		}
		do {
			if (curl_multi_perform(m, &running) != CURLM_OK)
				break;
			if (running)
				curl_multi_poll(m, NULL, 0, 100, NULL);
			pthread_mutex_lock(&s->mu);
			if (s->stop)
				running = 0;
			pthread_mutex_unlock(&s->mu);
		} while (running);
		for (CURLMsg *msg; (msg = curl_multi_info_read(m, &running));) {
			for (size_t i = 0; i < s->n_peers && round; i++) {
				struct peer *pr = &s->peers[i];
				long code = 0;

				if (msg->easy_handle != pr->easy)
					continue;
				curl_easy_getinfo(pr->easy, CURLINFO_RESPONSE_CODE, &code);
				if (msg->data.result != CURLE_OK)
					snprintf(round[i].error, sizeof(round[i].error), "%s",
						 pr->too_big ? "its answer is larger than 4 MiB"
							     : curl_easy_strerror(msg->data.result));
				else if (code == 401 || code == 403)
					snprintf(round[i].error, sizeof(round[i].error),
						 "HTTP %ld: it wants a token (token_file in its peer line)", code);
				else if (code != 200)
					snprintf(round[i].error, sizeof(round[i].error), "HTTP %ld", code);
				else
					parse(pr, &round[i]);
			}
		}
		for (size_t i = 0; i < s->n_peers; i++) {
			curl_multi_remove_handle(m, s->peers[i].easy);
			if (round && !round[i].ok && !round[i].error[0])
				snprintf(round[i].error, sizeof(round[i].error), "no answer within %ld ms", budget_ms);
		}
		pthread_mutex_lock(&s->mu);
		if (s->ready) {              /* the loop has not taken the last one: replace it */
			for (size_t i = 0; i < s->n_peers; i++)
				answer_free(&s->ready[i]);
			free(s->ready);
		}
		s->ready = round;
		if (round) {
			uint64_t one = 1;

			if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
				log_warn("split brain: eventfd");
		}
		/* the next round one interval after this one began */
		{
			int64_t next = t0 + (int64_t)(s->interval * 1000);

			until.tv_sec = (time_t)(next / 1000);
			until.tv_nsec = (long)(next % 1000) * 1000000;
		}
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
			;
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
	}
	curl_multi_cleanup(m);
	return NULL;
}

/* ---- the loop --------------------------------------------------------------------- */

static struct track *track_of(struct mgmt_split *s, int64_t id, const char *name)
{
	struct track *t;

	for (size_t i = 0; i < s->n_tracks; i++)
		if (s->tracks[i].id == id)
			return &s->tracks[i];
	t = realloc(s->tracks, (s->n_tracks + 1) * sizeof(*t));
	if (!t)
		return NULL;
	s->tracks = t;
	t = &s->tracks[s->n_tracks++];
	memset(t, 0, sizeof(*t));
	t->id = id;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

/* policy yield: give way once a split is confirmed and another master has
 * the better claim; take the VIPs back once that master is gone. */
static void yield_decide(struct mgmt_split *s, struct track *t, const struct sb_inst *self,
			 const struct sb_peer_view *views)
{
	char why[SB_EVIDENCE_LEN];

	if (!t->yielded && t->t.status == SB_SPLIT &&
	    sb_should_yield(self, views, s->n_peers, t->yielded_to, sizeof(t->yielded_to), why, sizeof(why))) {
		t->yielded = true;
		s->yield(s->arg, t->name, true, why);
	} else if (t->yielded && !sb_still_master(self, views, s->n_peers, t->yielded_to)) {
		snprintf(why, sizeof(why), "peer %s is no longer master, or does not answer", t->yielded_to);
		t->yielded = false;
		s->yield(s->arg, t->name, false, why);
	}
}

static void round_decide(struct mgmt_split *s)
{
	struct mgmt_split_local *loc = NULL;
	size_t n_loc = s->locals(s->arg, &loc);
	struct sb_peer_view views[PEER_MAX];
	int64_t now = now_ms();

	for (size_t i = 0; i < s->n_peers; i++) {
		struct peer *pr = &s->peers[i];

		views[i] = (struct sb_peer_view){ pr->name, pr->cur.ok, pr->cur.insts, pr->cur.n };
	}
	for (size_t i = 0; i < s->n_tracks; i++)
		s->tracks[i].seen = false;
	for (size_t i = 0; i < n_loc; i++) {
		char ev[SB_EVIDENCE_MAX][SB_EVIDENCE_LEN];
		size_t n_ev;
		struct track *t = track_of(s, loc[i].id, loc[i].inst.name);
		enum sb_status raw, before;

		if (!t)
			continue;
		raw = sb_condition(&loc[i].inst, loc[i].have_ev ? &loc[i].ev : NULL, views, s->n_peers, &t->t, now,
				   ev, &n_ev);
		t->seen = true;
		before = t->t.status;
		if (sb_step(&t->t, raw, ev, n_ev, loc[i].ev.advert_ms, now) && s->change)
			s->change(s->arg, t->id, t->name, &t->t, before);
		if (s->yield)
			yield_decide(s, t, &loc[i].inst, views);
	}
	/* instances gone from the configuration */
	for (size_t i = 0; i < s->n_tracks;)
		if (!s->tracks[i].seen)
			s->tracks[i] = s->tracks[--s->n_tracks];
		else
			i++;
}

static void on_round(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct mgmt_split *s = arg;
	struct answer *round;
	uint64_t n;
	int64_t now = now_ms();

	(void)loop;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->mu);
	round = s->ready;
	s->ready = NULL;
	pthread_mutex_unlock(&s->mu);
	if (!round)
		return;
	for (size_t i = 0; i < s->n_peers; i++) {
		struct peer *pr = &s->peers[i];

		if (pr->pub.polled && pr->pub.reachable != round[i].ok)
			log_notice("split brain: peer %s (%s) is %s%s%s", pr->name, pr->url,
				   round[i].ok ? "reachable again" : "unreachable", round[i].ok ? "" : ": ",
				   round[i].ok ? "" : round[i].error);
		answer_free(&pr->cur);
		pr->cur = round[i];
		pr->pub.polled = true;
		pr->pub.reachable = round[i].ok;
		snprintf(pr->pub.error, sizeof(pr->pub.error), "%s", round[i].ok ? "" : round[i].error);
		if (round[i].ok)
			pr->pub.last_ok_ms = now;
	}
	free(round);
	round_decide(s);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct mgmt_split *s = arg;

	round_decide(s);
	ev_timer_start_in(loop, t, (uint64_t)(s->interval * EV_NSEC_PER_SEC));
}

struct mgmt_split *mgmt_split_start(struct ev_loop *loop, const struct conf_split_brain *c,
				    mgmt_split_locals_fn locals, mgmt_split_change_fn change,
				    mgmt_split_yield_fn yield, void *arg)
{
	struct mgmt_split *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);   /* before any thread: not thread-safe */
	s->loop = loop;
	s->locals = locals;
	s->change = change;
	s->yield = c->policy == CONF_SB_YIELD ? yield : NULL;
	s->arg = arg;
	s->interval = c->interval > 0 ? c->interval : 1;
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	ev_timer_init(&s->timer, on_timer, s);
	s->n_peers = c->n_peers < PEER_MAX ? c->n_peers : PEER_MAX;
	if (!s->n_peers) {
		ev_timer_start_in(loop, &s->timer, (uint64_t)(s->interval * EV_NSEC_PER_SEC));
		return s;
	}
	s->peers = calloc(s->n_peers, sizeof(*s->peers));
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!s->peers || s->efd < 0 || ev_io_add(loop, s->efd, EPOLLIN, on_round, s) < 0) {
		log_warn("split brain: cannot start the peers' poller");
		mgmt_split_stop(s);
		return NULL;
	}
	for (size_t i = 0; i < s->n_peers; i++) {
		struct peer *pr = &s->peers[i];
		char url[1024];

		pr->name = strdup(c->peers[i].name);
		pr->url = strdup(c->peers[i].url);
		pr->pub.name = pr->name;
		pr->pub.url = pr->url;
		pr->easy = curl_easy_init();
		if (!pr->name || !pr->url || !pr->easy) {
			log_warnx("split brain: out of memory");
			mgmt_split_stop(s);
			return NULL;
		}
		snprintf(url, sizeof(url), "%s/api/v1/instances", pr->url);
		curl_easy_setopt(pr->easy, CURLOPT_URL, url);
		curl_easy_setopt(pr->easy, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(pr->easy, CURLOPT_WRITEDATA, pr);
		curl_easy_setopt(pr->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(pr->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(pr->easy, CURLOPT_USERAGENT, "vigild-mgmt (split-brain peer poll)");
		if (peer_tokens[i]) {
			char h[320];

			snprintf(h, sizeof(h), "Authorization: Bearer %s", peer_tokens[i]);
			pr->headers = curl_slist_append(NULL, h);
			curl_easy_setopt(pr->easy, CURLOPT_HTTPHEADER, pr->headers);
		}
	}
	if (pthread_create(&s->thread, NULL, poller, s) != 0) {
		log_warnx("split brain: cannot start the peers' poller thread");
		mgmt_split_stop(s);
		return NULL;
	}
	s->thread_on = true;
	log_info("split brain: polling %zu peer%s every %g s", s->n_peers, s->n_peers == 1 ? "" : "s", s->interval);
	return s;
}

void mgmt_split_stop(struct mgmt_split *s)
{
	if (!s)
		return;
	ev_timer_stop(s->loop, &s->timer);
	if (s->thread_on) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	if (s->efd >= 0) {
		ev_io_del(s->loop, s->efd);
		close(s->efd);
	}
	if (s->ready) {
		for (size_t i = 0; i < s->n_peers; i++)
			answer_free(&s->ready[i]);
		free(s->ready);
	}
	for (size_t i = 0; s->peers && i < s->n_peers; i++) {
		struct peer *pr = &s->peers[i];

		if (pr->easy)
			curl_easy_cleanup(pr->easy);
		curl_slist_free_all(pr->headers);
		free(pr->buf);
		free(pr->name);
		free(pr->url);
		answer_free(&pr->cur);
	}
	free(s->peers);
	free(s->tracks);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct sb_track *mgmt_split_track(const struct mgmt_split *s, int64_t inst_id)
{
	for (size_t i = 0; s && i < s->n_tracks; i++)
		if (s->tracks[i].id == inst_id)
			return &s->tracks[i].t;
	return NULL;
}

size_t mgmt_split_peers(const struct mgmt_split *s, const struct mgmt_split_peer **peers)
{
	static struct mgmt_split_peer pub[PEER_MAX];

	if (!s)
		return 0;
	for (size_t i = 0; i < s->n_peers; i++)
		pub[i] = s->peers[i].pub;
	*peers = pub;
	return s->n_peers;
}
