/*
 * kern_ipvs.h - IPVS through generic netlink (family "IPVS", libnl-genl-3).
 *
 * The only place in vigil that talks to IPVS.  Requests are synchronous
 * round trips on a socket of their own: each waits for the kernel's ack
 * and returns the kernel's errno, so a failure names its real cause
 * (-EEXIST, -ESRCH, -ENOENT, -EINVAL, -EPERM, ...).
 *
 * Building a message is split from sending it: kern_ipvs_build_*() fill a
 * struct nl_msg from the model (unit tested without a kernel) and
 * kern_ipvs_parse_*() read the kernel's replies back into the model.
 */
#ifndef VIGIL_KERN_IPVS_H
#define VIGIL_KERN_IPVS_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "lb/lb_diff.h"
#include "lb/lb_model.h"

#define KERN_IPVS_ERRLEN 384

struct kern_ipvs;

/* Connect and resolve the family.  NULL on failure, with a message in err
 * that says what to do (load the ip_vs module, run with CAP_NET_ADMIN). */
struct kern_ipvs *kern_ipvs_open(char err[KERN_IPVS_ERRLEN]);
void kern_ipvs_close(struct kern_ipvs *ipvs);
/* IPVS version as the kernel reports it (0x010201 = 1.2.1), 0 if unknown. */
uint32_t kern_ipvs_version(const struct kern_ipvs *ipvs);

/* Each returns 0 or the kernel's negative errno. */
int kern_ipvs_add_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_svc_conf *c);
int kern_ipvs_edit_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_svc_conf *c);
int kern_ipvs_del_service(struct kern_ipvs *ipvs, const struct lb_svc_key *k);
int kern_ipvs_add_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k,
		       const struct lb_dest_key *d, const struct lb_dest_conf *c);
int kern_ipvs_edit_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k,
			const struct lb_dest_key *d, const struct lb_dest_conf *c);
int kern_ipvs_del_dest(struct kern_ipvs *ipvs, const struct lb_svc_key *k, const struct lb_dest_key *d);
int kern_ipvs_do(struct kern_ipvs *ipvs, const struct lb_op *op);

/* Apply ops in order and stop at the first failure.  Returns 0, or that
 * op's negative errno with *done = its index (the ops before it were
 * applied) and err = "add destination 192.0.2.11:80 to TCP 192.0.2.1:80
 * (NAT, weight 1): destination already exists".  On success *done = n. */
int kern_ipvs_apply(struct kern_ipvs *ipvs, const struct lb_op *ops, size_t n,
		    size_t *done, char err[KERN_IPVS_ERRLEN]);

/* Every service with its destinations and counters.  0 or a negative errno;
 * on success free `out` with kern_ipvs_list_free. */
int kern_ipvs_list(struct kern_ipvs *ipvs, struct lb_kernel *out);
void kern_ipvs_list_free(struct lb_kernel *k);

/* What an errno from an IPVS command means, as ipvsadm words it. */
const char *kern_ipvs_strerror(enum lb_op_kind kind, int err);

/* ---- messages (no socket) ------------------------------------------------
 * `family` is the resolved generic netlink id of "IPVS".  Each build
 * function appends the generic netlink header and attributes to an empty
 * message and returns 0, -EINVAL (a key or conf IPVS cannot take) or
 * -EMSGSIZE.  Requests that change something carry NLM_F_ACK; listings
 * carry NLM_F_DUMP. */

/* IPVS_CMD_NEW_SERVICE / SET_SERVICE (c required) or DEL_SERVICE (c NULL). */
int kern_ipvs_build_service(struct nl_msg *msg, int family, uint8_t cmd,
			    const struct lb_svc_key *k, const struct lb_svc_conf *c);
/* IPVS_CMD_NEW_DEST / SET_DEST (c required) or DEL_DEST (c NULL). */
int kern_ipvs_build_dest(struct nl_msg *msg, int family, uint8_t cmd, const struct lb_svc_key *k,
			 const struct lb_dest_key *d, const struct lb_dest_conf *c);
/* The message for one lb_diff operation. */
int kern_ipvs_build_op(struct nl_msg *msg, int family, const struct lb_op *op);
/* IPVS_CMD_GET_SERVICE dump; IPVS_CMD_GET_DEST dump of one service;
 * IPVS_CMD_GET_INFO. */
int kern_ipvs_build_list_services(struct nl_msg *msg, int family);
int kern_ipvs_build_list_dests(struct nl_msg *msg, int family, const struct lb_svc_key *k);
int kern_ipvs_build_get_info(struct nl_msg *msg, int family);

/* One IPVS_CMD_NEW_SERVICE reply of a service dump (dests left empty), one
 * IPVS_CMD_NEW_DEST reply of a destination dump (svc_af: the family of its
 * service, for kernels that do not send IPVS_DEST_ATTR_ADDR_FAMILY).
 * 0 or -EINVAL for a message that lacks what identifies the object. */
int kern_ipvs_parse_service(struct nl_msg *msg, struct lb_kservice *out);
int kern_ipvs_parse_dest(struct nl_msg *msg, int svc_af, struct lb_kdest *out);

#endif /* VIGIL_KERN_IPVS_H */
