/* check_run.h: being written (issue #4). */
