/*
 * test_sdnotify.c - the $NOTIFY_SOCKET address (pure) and one message to a
 * real datagram socket, as systemd would receive it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/sdnotify.h"

static void test_paths_and_abstract_names(void **state)
{
	struct sockaddr_un sa;
	char longpath[200];
	size_t n;

	(void)state;
	n = sdnotify_addr("/run/systemd/notify", &sa);
	assert_int_equal(n, offsetof(struct sockaddr_un, sun_path) + strlen("/run/systemd/notify") + 1);
	assert_string_equal(sa.sun_path, "/run/systemd/notify");

	/* "@name": abstract namespace, a leading NUL and no trailing one */
	n = sdnotify_addr("@vigil/notify", &sa);
	assert_int_equal(n, offsetof(struct sockaddr_un, sun_path) + strlen("@vigil/notify"));
	assert_int_equal(sa.sun_path[0], '\0');
	assert_memory_equal(sa.sun_path + 1, "vigil/notify", strlen("vigil/notify"));

	/* unusable values: not set, empty, relative, "@" alone, too long */
	assert_int_equal(sdnotify_addr(NULL, &sa), 0);
	assert_int_equal(sdnotify_addr("", &sa), 0);
	assert_int_equal(sdnotify_addr("run/notify", &sa), 0);
	assert_int_equal(sdnotify_addr("@", &sa), 0);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(sdnotify_addr(longpath, &sa), 0);
}

/* What vigild sends arrives whole on the socket named by $NOTIFY_SOCKET,
 * and the variable is gone afterwards (scripts must not inherit it). */
static void test_a_message_arrives(void **state)
{
	char dir[] = "/tmp/test_sdnotify.XXXXXX", path[128], buf[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	setenv("NOTIFY_SOCKET", path, 1);
	sdnotify_init();
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(sdnotifyf("READY=1\nSTATUS=%d instances", 3), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=3 instances");

	/* no socket: nothing sent, no error */
	sdnotify_init();
	assert_int_equal(sdnotify("STOPPING=1"), 0);
	assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0);

	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_abstract_names),
		cmocka_unit_test(test_a_message_arrives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
