/* check_state.h: being written (issue #4). */
