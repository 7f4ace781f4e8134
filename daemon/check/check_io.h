/* check_io.h: being written (issue #4). */
