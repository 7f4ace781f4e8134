/*
 * jsonfile.h - write a JSON document to a file so that readers never see
 * half of it: a temporary file next to it, then rename(2).
 */
#ifndef VIGIL_JSONFILE_H
#define VIGIL_JSONFILE_H

#include <jansson.h>

/* Writes `root` (and releases it) to `path`.  Returns 0 or -1 (errno). */
int json_file_write(json_t *root, const char *path);

#endif /* VIGIL_JSONFILE_H */
