/*
 * snmp_agent.c - net-snmp's AgentX subagent driven by vigil's event loop
 * (see snmp_agent.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "core/ev.h"
#include "core/log.h"
#include "snmp/snmp_agent.h"

#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/large_fd_set.h>

#define APP_NAME "vigild"
#define PING_SECONDS 3          /* AgentX ping, and retry when the master is away */
#define MAX_FDS 16

static struct {
	struct ev_loop *loop;
	struct ev_timer timer;
	int fds[MAX_FDS];
	size_t n_fds;
	bool started, connected, ever_connected;
	bool session_up;        /* between net-snmp's INDEX_START and INDEX_STOP */
	char socket[256];
} A;

/* ---- net-snmp's log into ours ----------------------------------------------- */

static int on_snmp_log(int major, int minor, void *server_arg, void *client_arg)
{
	const struct snmp_log_message *m = server_arg;
	char line[512];
	size_t n;

	snprintf(line, sizeof(line), "%s", m && m->msg ? m->msg : "");
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (!n)
		return 0;
	/* the loss and the return of the master are logged by snmp_agent_pump */
	if (strstr(line, "Failed to connect to the agentx master") || strstr(line, "AgentX master") ||
	    strstr(line, "AgentX subagent connected"))
		log_debug("snmp: %s", line);
	else if (m->priority <= LOG_ERR)
		log_warnx("snmp: %s", line);
	else
		log_debug("snmp: %s", line);
	return 0;
}

/* net-snmp calls these when the AgentX session opens and when it is gone */
static int on_index_start(int major, int minor, void *server_arg, void *client_arg)
{
	A.session_up = true;
	return 0;
}

static int on_index_stop(int major, int minor, void *server_arg, void *client_arg)
{
	A.session_up = false;
	return 0;
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_fd(struct ev_loop *loop, int fd, uint32_t events, void *arg);
static void on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg);

void snmp_agent_pump(void)
{
	netsnmp_large_fd_set set;
	struct timeval tv = { 0, 0 };
	int numfds = 0, block = 1;
	int fds[MAX_FDS];
	size_t n = 0;
	bool connected;

	if (!A.started)
		return;
	netsnmp_check_outstanding_agent_requests();
	netsnmp_large_fd_set_init(&set, FD_SETSIZE);
	snmp_select_info2(&numfds, &set, &tv, &block);
	for (int fd = 0; fd < numfds && n < MAX_FDS; fd++)
		if (NETSNMP_LARGE_FD_ISSET(fd, &set))
			fds[n++] = fd;
	netsnmp_large_fd_set_cleanup(&set);

	/* the watched descriptors follow net-snmp's sessions */
	for (size_t i = 0; i < A.n_fds; i++) {
		bool keep = false;

		for (size_t j = 0; j < n; j++)
			keep |= fds[j] == A.fds[i];
		if (!keep)
			ev_io_del(A.loop, A.fds[i]);
	}
	for (size_t j = 0; j < n; j++) {
		bool had = false;

		for (size_t i = 0; i < A.n_fds; i++)
			had |= fds[j] == A.fds[i];
		if (!had && ev_io_add(A.loop, fds[j], EPOLLIN, on_fd, NULL) < 0)
			log_warn("snmp: cannot watch descriptor %d", fds[j]);
	}
	memcpy(A.fds, fds, n * sizeof(fds[0]));
	A.n_fds = n;

	if (!block)
		ev_timer_start_in(A.loop, &A.timer,
				  (uint64_t)tv.tv_sec * EV_NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000 + 1000);
	else
		ev_timer_stop(A.loop, &A.timer);

	connected = A.session_up;
	if (connected != A.connected) {
		A.connected = connected;
		if (connected)
			log_notice("snmp: AgentX subagent connected to %s%s", A.socket,
				   A.ever_connected ? " again" : "");
		else if (A.ever_connected)
			log_warnx("snmp: lost the AgentX master at %s; retrying every %d s", A.socket,
				  PING_SECONDS);
		A.ever_connected |= connected;
	}
}

static void on_fd(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	netsnmp_large_fd_set set;

	netsnmp_large_fd_set_init(&set, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(fd, &set);
	snmp_read2(&set);
	netsnmp_large_fd_set_cleanup(&set);
	run_alarms();
	snmp_agent_pump();
}

static void on_timer(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	snmp_timeout();
	run_alarms();
	snmp_agent_pump();
}

int snmp_agent_start(struct ev_loop *loop, const char *socket)
{
	A.loop = loop;
	snprintf(A.socket, sizeof(A.socket), "%s", socket);
	ev_timer_init(&A.timer, on_timer, NULL);

	/* no MIB files (values are numeric), no configuration files, no
	 * persistent state: mgmt runs unprivileged and owns none of them */
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* alarms from our loop's timer, not SIGALRM */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, A.socket);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, PING_SECONDS);

	snmp_disable_log();
	snmp_enable_calllog();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_snmp_log, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, on_index_start, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, on_index_stop, NULL);
	if (init_agent(APP_NAME) != 0) {
		log_warnx("snmp: the net-snmp agent library did not start");
		return -1;
	}
	return 0;
}

void snmp_agent_ready(void)
{
	init_snmp(APP_NAME);
	/* init_snmp sets its defaults: the retry period is ours */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, PING_SECONDS);
	A.started = true;
	snmp_agent_pump();
	if (!A.connected)
		log_warnx("snmp: no AgentX master at %s yet (is snmpd running with 'master agentx'?); "
			  "retrying every %d s", A.socket, PING_SECONDS);
}

void snmp_agent_stop(void)
{
	if (!A.started)
		return;
	for (size_t i = 0; i < A.n_fds; i++)
		ev_io_del(A.loop, A.fds[i]);
	A.n_fds = 0;
	ev_timer_stop(A.loop, &A.timer);
	snmp_shutdown(APP_NAME);
	A.started = false;
}

bool snmp_agent_connected(void)
{
	return A.connected;
}

/* ---- notifications ------------------------------------------------------------- */

netsnmp_variable_list *snmp_agent_trap_new(const oid *trap, size_t trap_len)
{
	static const oid trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	netsnmp_variable_list *vars = NULL;

	snmp_varlist_add_variable(&vars, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID,
				  (const u_char *)trap, trap_len * sizeof(oid));
	return vars;
}

void snmp_agent_trap_send(netsnmp_variable_list *vars)
{
	if (!vars)
		return;
	if (A.connected)
		send_v2trap(vars);
	else
		log_debug("snmp: a notification not sent: no AgentX master");
	snmp_free_varbind(vars);
	snmp_agent_pump();
}

void snmp_agent_trap_var(netsnmp_variable_list **vars, const oid *entry, size_t entry_len, unsigned col,
			 const oid *index, size_t n_index, const netsnmp_variable_list *val)
{
	oid name[MAX_OID_LEN];

	if (entry_len + 1 + n_index > MAX_OID_LEN)
		return;
	memcpy(name, entry, entry_len * sizeof(oid));
	name[entry_len] = col;
	memcpy(name + entry_len + 1, index, n_index * sizeof(oid));
	snmp_varlist_add_variable(vars, name, entry_len + 1 + n_index, val->type, val->val.string, val->val_len);
}

void snmp_agent_trap_col(netsnmp_variable_list **vars, const oid *entry, size_t entry_len, unsigned col,
			 const oid *index, size_t n_index, snmp_get_fn get, const void *row)
{
	netsnmp_variable_list tmp = { 0 };

	if (get(row, col, &tmp) == 0)
		snmp_agent_trap_var(vars, entry, entry_len, col, index, n_index, &tmp);
	snmp_free_var_internals(&tmp);
}

/* ---- tables ------------------------------------------------------------------- */

/* ifIndex, VRID, address type, then an InetAddress: 1 + 16 */
#define MAX_INDEX 20

struct snmp_row {
	netsnmp_index idx;      /* first: the container compares netsnmp_index */
	oid oids[MAX_INDEX];
	const void *data;
};

struct snmp_table {
	struct snmp_table_def def;
	netsnmp_column_info *columns;   /* NULL: every column min..max */
	netsnmp_container *rows;
	struct snmp_row *store;
	size_t n, cap;
};

static bool writable(const struct snmp_table *t, unsigned col)
{
	for (const unsigned *w = t->def.writable; w && *w; w++)
		if (*w == col)
			return true;
	return false;
}

static int table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			 netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct snmp_table *t = handler->myvoid;

	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct snmp_row *row;
		netsnmp_table_request_info *ti;
		int err;

		if (r->processed)
			continue;
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		switch (reqinfo->mode) {
		case MODE_GET:
			if (!row || !ti || t->def.get(row->data, ti->colnum, r->requestvb) != 0)
				netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			break;
		case MODE_SET_RESERVE1:
			if (!row || !ti) {
				netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOCREATION);
				break;
			}
			if (!t->def.check || !writable(t, ti->colnum)) {
				netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
				break;
			}
			err = t->def.check(row->data, ti->colnum, r->requestvb);
			if (err != SNMP_ERR_NOERROR)
				netsnmp_set_request_error(reqinfo, r, err);
			break;
		case MODE_SET_ACTION: {
			netsnmp_delegated_cache *dc;

			if (!row || !ti)
				break;
			dc = netsnmp_create_delegated_cache(handler, reg, reqinfo, r, NULL);
			if (!dc) {
				netsnmp_set_request_error(reqinfo, r, SNMP_ERR_RESOURCEUNAVAILABLE);
				break;
			}
			r->delegated = 1;
			err = t->def.apply(row->data, ti->colnum, r->requestvb, dc);
			if (err != SNMP_ERR_NOERROR) {
				r->delegated = 0;
				netsnmp_free_delegated_cache(dc);
				netsnmp_set_request_error(reqinfo, r, err);
			}
			break;
		}
		default:        /* RESERVE2, FREE, COMMIT, UNDO: nothing held */
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

void snmp_set_finish(void *token, int snmp_err)
{
	netsnmp_delegated_cache *dc = netsnmp_handler_check_cache(token);

	if (!dc) {
		log_debug("snmp: an edit's answer for a request that timed out");
		return;
	}
	dc->requests->delegated = 0;
	if (snmp_err != SNMP_ERR_NOERROR)
		netsnmp_set_request_error(dc->reqinfo, dc->requests, snmp_err);
	netsnmp_free_delegated_cache(dc);
	snmp_agent_pump();
}

struct snmp_table *snmp_table_register(const struct snmp_table_def *def)
{
	struct snmp_table *t = calloc(1, sizeof(*t));
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;
	netsnmp_mib_handler *h;

	if (!t)
		return NULL;
	t->def = *def;
	t->rows = netsnmp_container_find("table_container");
	h = netsnmp_create_handler(def->name, table_handler);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (!t->rows || !h || !ti) {
		free(t);
		return NULL;
	}
	h->myvoid = t;
	/* the table helper serves TABLE.1.column.index: register the table */
	reg = netsnmp_handler_registration_create(def->name, h, def->base, def->base_len - 1,
						  def->check ? HANDLER_CAN_RWRITE : HANDLER_CAN_RONLY);
	for (unsigned i = 0; i < def->n_index; i++)
		netsnmp_table_helper_add_index(ti, def->index_types ? def->index_types[i] : ASN_INTEGER);
	ti->min_column = def->min_col;
	ti->max_column = def->max_col;
	if (def->columns) {
		/* GETNEXT skips the columns not served; room for all, so that
		 * snmp_table_columns can change the list */
		netsnmp_column_info *ci = SNMP_MALLOC_TYPEDEF(netsnmp_column_info);

		if (ci && (ci->details.list = calloc(def->max_col + 1, sizeof(unsigned))) != NULL) {
			ti->valid_columns = ci;
			t->columns = ci;
			snmp_table_columns(t, def->columns);
		}
	}
	if (!reg || netsnmp_container_table_register(reg, ti, t->rows, TABLE_CONTAINER_KEY_NETSNMP_INDEX) !=
			    MIB_REGISTERED_OK) {
		log_warnx("snmp: cannot register %s", def->name);
		return NULL;
	}
	return t;
}

void snmp_table_columns(struct snmp_table *t, const unsigned *cols)
{
	unsigned n = 0;

	if (!t || !t->columns)
		return;
	for (; cols[n] && cols[n] <= t->def.max_col; n++)
		t->columns->details.list[n] = cols[n];
	t->columns->list_count = (char)n;
}

void snmp_table_begin(struct snmp_table *t, size_t n_rows)
{
	if (!t)
		return;
	CONTAINER_CLEAR(t->rows, NULL, NULL);
	if (n_rows > t->cap) {
		struct snmp_row *p = realloc(t->store, n_rows * sizeof(*p));

		if (!p)
			n_rows = t->cap;
		else {
			t->store = p;
			t->cap = n_rows;
		}
	}
	t->n = 0;
}

void snmp_table_row(struct snmp_table *t, const uint32_t *index, const void *data)
{
	oid o[MAX_INDEX];

	for (unsigned i = 0; i < t->def.n_index && i < MAX_INDEX; i++)
		o[i] = index[i];
	snmp_table_row_oid(t, o, t->def.n_index, data);
}

void snmp_table_row_oid(struct snmp_table *t, const oid *index, size_t len, const void *data)
{
	struct snmp_row *r;

	if (!t || t->n >= t->cap || len > MAX_INDEX)
		return;
	r = &t->store[t->n++];
	memcpy(r->oids, index, len * sizeof(oid));
	r->idx.oids = r->oids;
	r->idx.len = len;
	r->data = data;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct snmp_row *x = a, *y = b;

	return snmp_oid_compare(x->oids, x->idx.len, y->oids, y->idx.len);
}

void snmp_table_end(struct snmp_table *t)
{
	if (!t)
		return;
	/* in order, each insert is a binary search and an append */
	if (t->n)
		qsort(t->store, t->n, sizeof(*t->store), cmp_rows);
	for (size_t i = 0; i < t->n; i++) {
		t->store[i].idx.oids = t->store[i].oids;   /* qsort moved the rows */
		CONTAINER_INSERT(t->rows, &t->store[i]);
	}
}

/* ---- scalars ------------------------------------------------------------------- */

static int scalar_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			  netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	snmp_scalar_fn get = (snmp_scalar_fn)(uintptr_t)handler->myvoid;

	if (reqinfo->mode == MODE_GET)
		for (netsnmp_request_info *r = requests; r; r = r->next)
			get(r->requestvb);
	return SNMP_ERR_NOERROR;
}

void snmp_scalar_register(const char *name, const oid *o, size_t len, snmp_scalar_fn get)
{
	netsnmp_mib_handler *h = netsnmp_create_handler(name, scalar_handler);
	netsnmp_handler_registration *reg;

	if (!h)
		return;
	h->myvoid = (void *)(uintptr_t)get;
	reg = netsnmp_handler_registration_create(name, h, o, len, HANDLER_CAN_RONLY);
	if (!reg || netsnmp_register_scalar(reg) != MIB_REGISTERED_OK)
		log_warnx("snmp: cannot register %s", name);
}

/* ---- values ------------------------------------------------------------------- */

void snmp_val_int(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof(v));
}

void snmp_val_str(netsnmp_variable_list *vb, const char *s)
{
	s = s ? s : "";
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

void snmp_val_bytes(netsnmp_variable_list *vb, const void *p, size_t n)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, p, n);
}

void snmp_val_u64(netsnmp_variable_list *vb, uint64_t v)
{
	struct counter64 c = { .high = (u_long)(v >> 32), .low = (u_long)(v & 0xffffffffu) };

	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof(c));
}

void snmp_val_time(netsnmp_variable_list *vb, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	unsigned char b[8];
	int year;

	gmtime_r(&t, &tm);
	year = tm.tm_year + 1900;
	b[0] = (unsigned char)(year >> 8);
	b[1] = (unsigned char)year;
	b[2] = (unsigned char)(tm.tm_mon + 1);
	b[3] = (unsigned char)tm.tm_mday;
	b[4] = (unsigned char)tm.tm_hour;
	b[5] = (unsigned char)tm.tm_min;
	b[6] = (unsigned char)tm.tm_sec;
	b[7] = (unsigned char)((ms % 1000) / 100);
	snmp_val_bytes(vb, b, sizeof(b));
}
