/*
 * msg.c - see msg.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/msg.h"

#define TO(p) (1u << (p))

struct msg_spec {
	const char *name;
	size_t size;          /* exact payload size */
	unsigned from;        /* bit set of senders */
	unsigned to;          /* bit set of receivers */
};

#define PARENT TO(PROC_PARENT)
#define CHILDREN (TO(PROC_VRRP) | TO(PROC_CHECK) | TO(PROC_MGMT))
#define ENGINES (TO(PROC_VRRP) | TO(PROC_CHECK))

/* Who may say what to whom.  Adding a message means adding a line here. */
static const struct msg_spec msg_specs[MSG__MAX] = {
	[MSG_HELLO] = { "HELLO", sizeof(struct msg_hello), CHILDREN, PARENT },
	[MSG_RELOAD] = { "RELOAD", sizeof(struct msg_reload), PARENT, CHILDREN },
	[MSG_RELOAD_DONE] = { "RELOAD_DONE", sizeof(struct msg_reload_done), CHILDREN, PARENT },
	[MSG_SHUTDOWN] = { "SHUTDOWN", 0, PARENT, CHILDREN },
	/* relayed by the parent: mgmt -> parent -> engine, and back */
	[MSG_EDIT] = { "EDIT", sizeof(struct msg_edit), TO(PROC_MGMT) | PARENT, PARENT | ENGINES },
	[MSG_EDIT_DONE] = { "EDIT_DONE", sizeof(struct msg_edit_done), ENGINES | PARENT,
			    PARENT | TO(PROC_MGMT) },
};

const char *proc_name(enum proc_id p)
{
	static const char *const names[PROC__COUNT] = { "parent", "vrrp", "check", "mgmt" };

	return (unsigned)p < PROC__COUNT ? names[p] : "?";
}

const char *msg_type_name(uint32_t type)
{
	if (type == 0 || type >= MSG__MAX)
		return "unknown";
	return msg_specs[type].name;
}

static const char *spec_check(uint32_t type, size_t len, enum proc_id from, enum proc_id to)
{
	const struct msg_spec *s;

	if (type == 0 || type >= MSG__MAX)
		return "unknown message type";
	s = &msg_specs[type];
	if (len != s->size)
		return "payload size does not match the message type";
	if ((unsigned)from >= PROC__COUNT || !(s->from & TO(from)))
		return "message type not allowed from this sender";
	if ((unsigned)to >= PROC__COUNT || !(s->to & TO(to)) || to == from)
		return "message type not allowed to this receiver";
	/* a relayed message goes through the parent: never child to child */
	if (from != PROC_PARENT && to != PROC_PARENT)
		return "children talk through the parent";
	return NULL;
}

int msg_decode(const void *buf, size_t len, enum proc_id from, enum proc_id to,
	       struct msg *out, const char **why)
{
	struct msg_hdr hdr;
	const char *err;

	if (len < sizeof(hdr)) {
		*why = "message shorter than its header";
		return -1;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.len != len - sizeof(hdr)) {
		*why = "header length does not match the datagram";
		return -1;
	}
	err = spec_check(hdr.type, hdr.len, from, to);
	if (err) {
		*why = err;
		return -1;
	}
	out->hdr = hdr;
	memcpy(out->u.raw, (const uint8_t *)buf + sizeof(hdr), hdr.len);
	return 0;
}

int msg_send(int fd, enum proc_id from, enum proc_id to, enum msg_type type,
	     const void *payload, size_t len)
{
	struct msg m;
	ssize_t n;

	if (spec_check(type, len, from, to)) {
		errno = EINVAL;
		return -1;
	}
	m.hdr.type = type;
	m.hdr.len = (uint32_t)len;
	if (len)
		memcpy(m.u.raw, payload, len);
	do
		n = send(fd, &m, sizeof(m.hdr) + len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int msg_recv(int fd, enum proc_id from, enum proc_id to, struct msg *out, const char **why)
{
	uint8_t buf[sizeof(struct msg) + 1];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if ((size_t)n > sizeof(struct msg)) {
		*why = "message larger than any message type";
		errno = EPROTO;
		return -1;
	}
	if (msg_decode(buf, (size_t)n, from, to, out, why) < 0) {
		errno = EPROTO;
		return -1;
	}
	return 1;
}
