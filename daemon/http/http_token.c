/*
 * http_token.c - see http_token.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_token.h"

static int read_token(const char *path, char token[HTTP_TOKEN_LEN + 1], char *err, size_t errlen)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s is readable by others (mode %03o): chmod 600 %s", path,
			 (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -2;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -2;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 16 || strlen(buf) > HTTP_TOKEN_LEN) {
		snprintf(err, errlen, "%s holds no token (16 to %d characters on its first line)", path,
			 HTTP_TOKEN_LEN);
		return -2;
	}
	snprintf(token, HTTP_TOKEN_LEN + 1, "%s", buf);
	return 0;
}

int http_token_load(const char *path, char token[HTTP_TOKEN_LEN + 1], int *created, char *err, size_t errlen)
{
	unsigned char raw[HTTP_TOKEN_LEN / 2];
	int fd, r;

	*created = 0;
	token[0] = '\0';
	r = read_token(path, token, err, errlen);
	if (r == 0 || r == -2)
		return r == 0 ? 0 : -1;
	if (errno != ENOENT) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "no random bytes for a token: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, token, HTTP_TOKEN_LEN) != HTTP_TOKEN_LEN || write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		token[0] = '\0';
		return -1;
	}
	close(fd);
	*created = 1;
	return 0;
}

int http_token_equal(const char *given, const char *token)
{
	size_t n = strlen(token), m = strlen(given);
	unsigned char d = (unsigned char)(n != m);

	/* as long as the token whatever the input: no timing hint */
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(token[i] ^ (i < m ? given[i] : 0));
	return n > 0 && d == 0;
}
