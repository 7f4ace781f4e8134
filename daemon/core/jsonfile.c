/*
 * jsonfile.c - see jsonfile.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "core/jsonfile.h"

int json_file_write(json_t *root, const char *path)
{
	char tmp[PATH_MAX];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		json_decref(root);
		errno = ENAMETOOLONG;
		return -1;
	}
	r = json_dump_file(root, tmp, JSON_INDENT(2));
	json_decref(root);
	if (r < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
