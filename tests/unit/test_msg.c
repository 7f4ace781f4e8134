/*
 * test_msg.c - typed messages: every check a receiver makes before it reads
 * a payload, and a round trip over a real socketpair.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/msg.h"

static size_t encode(uint8_t *buf, uint32_t type, uint32_t len, const void *payload)
{
	struct msg_hdr h = { .type = type, .len = len };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

static void test_decode_accepts_valid_message(void **state)
{
	struct msg_reload r = { .generation = 7 };
	uint8_t buf[64];
	const char *why = NULL;
	struct msg m;
	size_t n = encode(buf, MSG_RELOAD, sizeof(r), &r);

	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_VRRP, &m, &why), 0);
	assert_int_equal(m.hdr.type, MSG_RELOAD);
	assert_int_equal(m.u.reload.generation, 7);
}

static void test_decode_rejects_bad_sizes(void **state)
{
	struct msg_reload r = { .generation = 1 };
	uint8_t buf[64] = { 0 };
	const char *why = NULL;
	struct msg m;
	size_t n;

	/* shorter than a header */
	assert_int_equal(msg_decode(buf, 3, PROC_PARENT, PROC_VRRP, &m, &why), -1);
	assert_non_null(strstr(why, "shorter"));

	/* header claims more than the datagram carries */
	n = encode(buf, MSG_RELOAD, sizeof(r), &r);
	assert_int_equal(msg_decode(buf, n - 1, PROC_PARENT, PROC_VRRP, &m, &why), -1);
	assert_non_null(strstr(why, "header length"));

	/* consistent framing, but not the size this type has */
	n = encode(buf, MSG_RELOAD, 2, &r);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_VRRP, &m, &why), -1);
	assert_non_null(strstr(why, "payload size"));
}

static void test_decode_rejects_unknown_type(void **state)
{
	uint8_t buf[64];
	const char *why = NULL;
	struct msg m;

	assert_int_equal(msg_decode(buf, encode(buf, 0, 0, NULL), PROC_PARENT, PROC_MGMT, &m, &why), -1);
	assert_non_null(strstr(why, "unknown"));
	assert_int_equal(msg_decode(buf, encode(buf, MSG__MAX, 0, NULL), PROC_PARENT, PROC_MGMT, &m, &why), -1);
	assert_non_null(strstr(why, "unknown"));
}

static void test_decode_enforces_direction(void **state)
{
	struct msg_hello h = { .proc = PROC_MGMT, .pid = 42 };
	uint8_t buf[64];
	const char *why = NULL;
	struct msg m;
	size_t n = encode(buf, MSG_HELLO, sizeof(h), &h);

	/* HELLO goes child -> parent only */
	assert_int_equal(msg_decode(buf, n, PROC_MGMT, PROC_PARENT, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_MGMT, &m, &why), -1);
	assert_non_null(strstr(why, "not allowed"));
	/* SHUTDOWN goes parent -> child only: mgmt may not stop vrrp */
	n = encode(buf, MSG_SHUTDOWN, 0, NULL);
	assert_int_equal(msg_decode(buf, n, PROC_MGMT, PROC_VRRP, &m, &why), -1);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_VRRP, &m, &why), 0);
}

/* Edits are relayed by the parent: mgmt never reaches an engine directly,
 * an engine cannot start an edit, and answers go back to mgmt only. */
static void test_edits_go_through_the_parent(void **state)
{
	static uint8_t buf[sizeof(struct msg) + 16];
	static struct msg m;
	struct msg_edit e = { .id = 1, .proc = PROC_CHECK, .text = "{}" };
	struct msg_edit_done d = { .id = 1 };
	const char *why = NULL;
	size_t n = encode(buf, MSG_EDIT, sizeof(e), &e);

	assert_int_equal(msg_decode(buf, n, PROC_MGMT, PROC_PARENT, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_CHECK, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_VRRP, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_MGMT, PROC_CHECK, &m, &why), -1);
	assert_int_equal(msg_decode(buf, n, PROC_CHECK, PROC_PARENT, &m, &why), -1);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_MGMT, &m, &why), -1);
	n = encode(buf, MSG_EDIT_DONE, sizeof(d), &d);
	assert_int_equal(msg_decode(buf, n, PROC_CHECK, PROC_PARENT, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_MGMT, &m, &why), 0);
	assert_int_equal(msg_decode(buf, n, PROC_CHECK, PROC_MGMT, &m, &why), -1);
	assert_int_equal(msg_decode(buf, n, PROC_PARENT, PROC_VRRP, &m, &why), -1);
	assert_int_equal(msg_decode(buf, n, PROC_MGMT, PROC_PARENT, &m, &why), -1);
}

static void test_send_refuses_what_table_forbids(void **state)
{
	int sv[2];
	struct msg_reload r = { 0 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	errno = 0;
	assert_int_equal(msg_send(sv[0], PROC_PARENT, PROC_VRRP, MSG_RELOAD, &r, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msg_send(sv[0], PROC_VRRP, PROC_PARENT, MSG_RELOAD, &r, sizeof(r)), -1);
	assert_int_equal(errno, EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void test_socketpair_round_trip_and_eof(void **state)
{
	struct msg_reload_done d = { .generation = 3, .errors = 2 };
	const char *why = NULL;
	struct msg m;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(msg_send(sv[0], PROC_CHECK, PROC_PARENT, MSG_RELOAD_DONE, &d, sizeof(d)), 0);
	assert_int_equal(msg_send(sv[0], PROC_CHECK, PROC_PARENT, MSG_HELLO,
				  &(struct msg_hello){ PROC_CHECK, 9 }, sizeof(struct msg_hello)), 0);
	assert_int_equal(msg_recv(sv[1], PROC_CHECK, PROC_PARENT, &m, &why), 1);
	assert_int_equal(m.hdr.type, MSG_RELOAD_DONE);
	assert_int_equal(m.u.reload_done.generation, 3);
	assert_int_equal(m.u.reload_done.errors, 2);
	assert_int_equal(msg_recv(sv[1], PROC_CHECK, PROC_PARENT, &m, &why), 1);
	assert_int_equal(m.hdr.type, MSG_HELLO);
	assert_int_equal(m.u.hello.pid, 9);
	/* nothing pending */
	assert_int_equal(msg_recv(sv[1], PROC_CHECK, PROC_PARENT, &m, &why), -1);
	assert_int_equal(errno, EAGAIN);
	close(sv[0]);
	assert_int_equal(msg_recv(sv[1], PROC_CHECK, PROC_PARENT, &m, &why), 0);
	close(sv[1]);
}

static void test_recv_rejects_oversized_datagram(void **state)
{
	static uint8_t big[sizeof(struct msg) + 100];
	const char *why = NULL;
	struct msg m;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	int sndbuf = 1 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	struct msg_hdr h = { .type = MSG_HELLO, .len = sizeof(big) - sizeof(struct msg_hdr) };

	memcpy(big, &h, sizeof(h));
	assert_int_equal(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(msg_recv(sv[1], PROC_VRRP, PROC_PARENT, &m, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(strstr(why, "larger"));
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_accepts_valid_message),
		cmocka_unit_test(test_decode_rejects_bad_sizes),
		cmocka_unit_test(test_decode_rejects_unknown_type),
		cmocka_unit_test(test_decode_enforces_direction),
		cmocka_unit_test(test_edits_go_through_the_parent),
		cmocka_unit_test(test_send_refuses_what_table_forbids),
		cmocka_unit_test(test_socketpair_round_trip_and_eof),
		cmocka_unit_test(test_recv_rejects_oversized_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
