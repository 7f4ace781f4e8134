/* check_misc.c: being written (issue #4). */
#include "config.h"
