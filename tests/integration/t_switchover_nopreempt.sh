#!/bin/bash
#
# t_switchover_nopreempt.sh - the switch-over of t_switchover.sh without its
# second handover: the master's vigild reads its file with `state BACKUP`
# and `nopreempt` (doc/migration.md), so each VIP moves once, on
# keepalived's priority-0 advert, and no moment has two holders.
SWITCHOVER=nopreempt exec bash "$(dirname "$0")/t_switchover.sh"
