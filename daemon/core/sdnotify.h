/*
 * sdnotify.h - tell systemd how vigild is doing (Type=notify units).
 *
 * systemd passes the path of a datagram socket in $NOTIFY_SOCKET ("@name"
 * for the abstract namespace); a message is lines of KEY=VALUE, e.g.
 * "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...".  No libsystemd
 * needed: one sendto() per message.  Without $NOTIFY_SOCKET every call is
 * a no-op, so vigild behaves the same with or without systemd.
 */
#ifndef VIGIL_SDNOTIFY_H
#define VIGIL_SDNOTIFY_H

#include <stddef.h>
#include <sys/un.h>

/* Pure: the socket address for a $NOTIFY_SOCKET value.  Returns the
 * address length to pass to sendto(), or 0 if the value is not usable
 * (empty, relative, too long). */
size_t sdnotify_addr(const char *value, struct sockaddr_un *sa);

/* Read $NOTIFY_SOCKET once and remove it from the environment, so the
 * children and the scripts they run do not talk to systemd in vigild's
 * name.  Call in the parent before anything forks. */
void sdnotify_init(void);

/* Send one message (several lines allowed).  Returns 0 when sent or when
 * there is no socket, -1 with errno when sending failed. */
int sdnotify(const char *msg);
int sdnotifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VIGIL_SDNOTIFY_H */
