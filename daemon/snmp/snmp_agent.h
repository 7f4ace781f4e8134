/*
 * snmp_agent.h - the AgentX subagent inside mgmt's event loop, and the
 * tables the MIB modules fill.
 *
 * net-snmp runs without signals or threads: its sockets are watched by the
 * loop, its alarms (AgentX pings, reconnects) run from one loop timer, so a
 * walk or a dead snmpd never blocks mgmt.  When the master is away at start
 * or goes away later, the subagent retries every few seconds and logs the
 * loss and the return.
 *
 * A table is a sorted array of rows (net-snmp's table container): GET and
 * GETNEXT cost a binary search whatever the table's size.  A MIB module
 * refills its tables from each new snapshot; a SET of a writable column is
 * checked, then applied asynchronously (the request waits, delegated, for
 * the engine's answer) and finished with snmp_set_finish().
 */
#ifndef VIGIL_SNMP_AGENT_H
#define VIGIL_SNMP_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

struct ev_loop;

/* Start the subagent of the master at `socket` (unix:PATH, PATH,
 * tcp:HOST:PORT).  The MIB modules register after this.  Returns 0 or -1. */
int snmp_agent_start(struct ev_loop *loop, const char *socket);
/* Register everything, connect; call after the MIB modules registered. */
void snmp_agent_ready(void);
void snmp_agent_stop(void);
bool snmp_agent_connected(void);
/* Run what net-snmp has pending (after an outside event finished a
 * delegated request) and re-arm the loop's watches. */
void snmp_agent_pump(void);

/* Send a notification: the trap OID, then its objects (appended by the
 * caller with snmp_varlist_add_variable to *vars after this returns the
 * list head).  snmp_agent_trap_send sends and frees the list. */
netsnmp_variable_list *snmp_agent_trap_new(const oid *trap, size_t trap_len);
void snmp_agent_trap_send(netsnmp_variable_list *vars);

struct snmp_table_def;
typedef int (*snmp_get_fn)(const void *row, unsigned col, netsnmp_variable_list *vb);
/* Append ENTRY.col.INDEX = `val` (a typed varbind) to a notification's
 * objects; _col: with the value get() gives for `row`. */
void snmp_agent_trap_var(netsnmp_variable_list **vars, const oid *entry, size_t entry_len, unsigned col,
			 const oid *index, size_t n_index, const netsnmp_variable_list *val);
void snmp_agent_trap_col(netsnmp_variable_list **vars, const oid *entry, size_t entry_len, unsigned col,
			 const oid *index, size_t n_index, snmp_get_fn get, const void *row);

/* ---- tables ------------------------------------------------------------------ */

struct snmp_table;

/* snmp_get_fn (above): fill vb (snmp_set_var_typed_value) with column `col`
 * of `row`.  Return 0, or SNMP_NOSUCHINSTANCE when the row has no such
 * column. */
/* Check a SET: return SNMP_ERR_NOERROR or an SNMP error (wrongType, ...). */
typedef int (*snmp_check_fn)(const void *row, unsigned col, const netsnmp_variable_list *vb);
/* Apply a checked SET; the request waits until snmp_set_finish(token, err).
 * Return SNMP_ERR_NOERROR when started, else an error (nothing waits). */
typedef int (*snmp_apply_fn)(const void *row, unsigned col, const netsnmp_variable_list *vb, void *token);

struct snmp_table_def {
	const char *name;
	const oid *base;              /* the table's entry OID (...Table.1) */
	size_t base_len;
	unsigned n_index;             /* indexes */
	const u_char *index_types;    /* ASN_INTEGER, ASN_IPADDRESS, ASN_OCTET_STR (with its
					 length first); NULL: n_index integers */
	unsigned min_col, max_col;
	snmp_get_fn get;
	snmp_check_fn check;          /* NULL: read-only */
	snmp_apply_fn apply;
	const unsigned *writable;     /* 0-terminated columns accepting SET */
	const unsigned *columns;      /* 0-terminated columns served; NULL: min..max */
};

struct snmp_table *snmp_table_register(const struct snmp_table_def *def);
/* The columns served from now on (0-terminated, ascending, within
 * min..max; the table must have been registered with a column list). */
void snmp_table_columns(struct snmp_table *t, const unsigned *cols);
/* Replace all rows: begin, one row() per row (any order), end. */
void snmp_table_begin(struct snmp_table *t, size_t n_rows);
void snmp_table_row(struct snmp_table *t, const uint32_t *index, const void *data);
/* The same with the index as sub-identifiers, as it appears in the OID
 * (an address: its 4 octets; an OCTET STRING: its length, then octets). */
void snmp_table_row_oid(struct snmp_table *t, const oid *index, size_t len, const void *data);
void snmp_table_end(struct snmp_table *t);

void snmp_set_finish(void *token, int snmp_err);

/* ---- scalars ------------------------------------------------------------------- */

/* A read-only scalar (OID without .0) whose value get() fills. */
typedef void (*snmp_scalar_fn)(netsnmp_variable_list *vb);
void snmp_scalar_register(const char *name, const oid *o, size_t len, snmp_scalar_fn get);

/* ---- values ------------------------------------------------------------------- */

void snmp_val_int(netsnmp_variable_list *vb, u_char type, long v);
void snmp_val_str(netsnmp_variable_list *vb, const char *s);
void snmp_val_bytes(netsnmp_variable_list *vb, const void *p, size_t n);
void snmp_val_u64(netsnmp_variable_list *vb, uint64_t v);
/* DateAndTime, 8 octets, UTC, from milliseconds since the epoch. */
void snmp_val_time(netsnmp_variable_list *vb, int64_t ms);

#endif /* VIGIL_SNMP_AGENT_H */
