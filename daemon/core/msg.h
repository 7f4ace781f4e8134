/*
 * msg.h - typed messages between vigil's processes.
 *
 * Each pair of processes shares a SOCK_SEQPACKET socketpair: one datagram is
 * one message, a header followed by a fixed-size payload.  The table in
 * msg.c declares, for every type, its payload size and which process may
 * send it to which.  A receiver checks both before it reads the payload; a
 * message that fails the check is a bug in the sender and the receiver
 * treats it as fatal (relayd's rule), so the supervisor restarts it.
 */
#ifndef VIGIL_MSG_H
#define VIGIL_MSG_H

#include <stddef.h>
#include <stdint.h>

/* The processes (DESIGN.md "Processes"). */
enum proc_id {
	PROC_PARENT = 0,
	PROC_VRRP = 1,
	PROC_CHECK = 2,
	PROC_MGMT = 3,
	PROC__COUNT
};

const char *proc_name(enum proc_id p);

enum msg_type {
	MSG_HELLO = 1,        /* child -> parent: I am up */
	MSG_RELOAD,           /* parent -> child: configuration changed */
	MSG_RELOAD_DONE,      /* child -> parent: reload applied (or not) */
	MSG_SHUTDOWN,         /* parent -> child: stop cleanly */
	MSG_EDIT,             /* mgmt -> parent -> engine: an operator's edit */
	MSG_EDIT_DONE,        /* engine -> parent -> mgmt: its outcome */
	MSG__MAX
};

struct msg_hdr {
	uint32_t type;
	uint32_t len;         /* payload bytes after the header */
};

struct msg_hello {
	uint32_t proc;        /* enum proc_id of the sender */
	int32_t pid;
};

struct msg_reload {
	uint32_t generation;  /* counts reloads since start */
};

struct msg_reload_done {
	uint32_t generation;
	int32_t errors;       /* 0: the new configuration is in effect */
};

/* An operator's edit (drain, weight, ...) as a JSON object, relayed by the
 * parent to the engine named in `proc`; the answer comes back with the
 * same id.  The engine acknowledges only what it applied and stored. */
#define MSG_EDIT_TEXT 2048
struct msg_edit {
	uint32_t id;          /* chosen by mgmt */
	uint32_t proc;        /* enum proc_id of the engine */
	char text[MSG_EDIT_TEXT];   /* NUL-terminated JSON */
};

struct msg_edit_done {
	uint32_t id;
	int32_t status;       /* 0 done, else an HTTP-like code: 400, 404, 409, 500, 503 */
	char text[MSG_EDIT_TEXT];   /* NUL-terminated: what happened, one line */
};

#define MSG_MAX_PAYLOAD 4160

struct msg {
	struct msg_hdr hdr;
	union {
		uint8_t raw[MSG_MAX_PAYLOAD];
		struct msg_hello hello;
		struct msg_reload reload;
		struct msg_reload_done reload_done;
		struct msg_edit edit;
		struct msg_edit_done edit_done;
	} u;
};

const char *msg_type_name(uint32_t type);

/*
 * Check `len` received bytes in `buf` as a message that `from` sent to `to`,
 * and copy it into `out`.  Returns 0, or -1 with *why set to a sentence.
 * Pure: the unit tests and fuzzers call it directly.
 */
int msg_decode(const void *buf, size_t len, enum proc_id from, enum proc_id to,
	       struct msg *out, const char **why);

/* Send one message.  Returns 0 or -1 (errno set; EINVAL when the payload
 * size or direction does not match the table: a programming error). */
int msg_send(int fd, enum proc_id from, enum proc_id to, enum msg_type type,
	     const void *payload, size_t len);

/* Receive and check one message.  Returns 1 with *out filled, 0 when the
 * peer closed the socket, -1 on error (EAGAIN when nothing is pending; EPROTO
 * with *why set when the message is invalid). */
int msg_recv(int fd, enum proc_id from, enum proc_id to, struct msg *out, const char **why);

#endif /* VIGIL_MSG_H */
