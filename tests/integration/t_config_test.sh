#!/bin/bash
#
# t_config_test.sh - `vigild -t` (check the config and exit), as a user
# switching from keepalived runs it:
#   - every config of the seed documents (tests/configs/seeds/*.conf) is
#     accepted: exit 0 and "configuration OK" on stdout;
#   - `-t -d` prints the config as JSON that parses and names every
#     vrrp_instance of the file;
#   - every config in tests/configs/bad/*.conf is refused: exit 5 and a
#     "FILE:LINE: error: MSG" line on stderr; when NAME.expect exists next
#     to NAME.conf, each of its lines "LINE: error: SUBSTRING" (or
#     "LINE: warning: SUBSTRING") must match a diagnostic for NAME.conf at
#     that line containing SUBSTRING, and "OTHER:LINE: error: SUBSTRING"
#     one for a file (an included one) whose path is OTHER or ends in
#     /OTHER (blank lines and lines starting with # are ignored).
#     vigild runs in the config's directory with the bare file name, as a
#     user does (`cd /etc/keepalived && vigild -t -f keepalived.conf`), so
#     the paths in the messages are the ones the .expect files spell;
#   - a file that cannot be read: exit 8 and a message naming the path;
#   - the migration report (issue 9) after the diagnostics and before
#     "configuration OK": "same (N):", "ignored (N):", "differs (N):" each
#     with its lines "  FILE:LINE: ...". Every seed's vrrp_instance blocks
#     are under "same" at their lines with their VRIDs; the seeds' nat_mask,
#     route_id typo and email settings under "ignored"; a config written
#     here with keepalived keywords vigil skips and things it does
#     otherwise shows each at its line in its section; with -d the report
#     goes to stderr; a config with errors gets no report.
# No root and no namespaces needed.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild

shopt -s nullglob
seeds=("$VIGIL_SRCDIR"/tests/configs/seeds/*.conf)
bads=("$VIGIL_SRCDIR"/tests/configs/bad/*.conf)
shopt -u nullglob

((${#seeds[@]})) || skip_all "no seed configs in $VIGIL_SRCDIR/tests/configs/seeds"

# expect_lines FILE: the expectation lines of a .expect file.
expect_lines() {
	grep -Ev '^[[:space:]]*(#|$)' -- "$1"
}

n_expect=0
for f in "${bads[@]}"; do
	e=${f%.conf}.expect
	[[ -f $e ]] && n_expect=$((n_expect + $(expect_lines "$e" | wc -l)))
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-conftest.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf -- "$tmp"' EXIT

tap_plan $((4 * ${#seeds[@]} + ${#bads[@]} + n_expect + 2 + 12))

have_python=
command -v python3 >/dev/null 2>&1 && have_python=1

# run_t ARGS...: run vigild ARGS; RC, $tmp/out, $tmp/err.
run_t() {
	"$VIGILD" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	RC=$?
}

# run_t_in CONF ARGS...: run vigild ARGS -f BASENAME in CONF's directory.
run_t_in() {
	local conf=$1
	shift
	(cd "$(dirname "$conf")" && exec "$VIGILD" "$@" -f "$(basename "$conf")") \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	RC=$?
}

diag_run() {
	diag "exit status $RC"
	[[ -s $tmp/err ]] && { echo "# stderr:"; head -n 15 "$tmp/err" | sed 's/^/#   /'; }
	[[ -s $tmp/out ]] && { echo "# stdout:"; head -n 5 "$tmp/out" | sed 's/^/#   /'; }
}

# instance_names FILE: the names of the file's vrrp_instance blocks.
instance_names() {
	sed -E 's/[#!].*//' -- "$1" |
		awk '$1 == "vrrp_instance" { sub(/\{.*/, "", $2); if ($2 != "") print $2 }'
}

# The JSON checker: stdin parses as JSON and every argv name occurs in it
# (as a key or a string value, wherever the dump puts instance names).
json_check='
import json, sys
doc = json.load(sys.stdin)
seen = set()
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            seen.add(k); walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
    elif isinstance(x, str):
        seen.add(x)
walk(doc)
missing = [n for n in sys.argv[1:] if n not in seen]
if missing:
    print("instances missing from the JSON: " + ", ".join(missing))
    sys.exit(1)
'

# --- the seeds load as they are --------------------------------------------
for f in "${seeds[@]}"; do
	name=seeds/$(basename "$f")
	run_t_in "$f" -t
	if [[ $RC -eq 0 ]] && grep -q 'configuration OK' "$tmp/out"; then
		ok 0 "vigild -t accepts $name"
		[[ -s $tmp/err ]] && { echo "# (its diagnostics:)"; sed 's/^/#   /' "$tmp/err"; }
	else
		ok 1 "vigild -t accepts $name"
		diag_run
	fi
done

# --- -t -d: the config as JSON ---------------------------------------------
for f in "${seeds[@]}"; do
	name=seeds/$(basename "$f")
	mapfile -t inst < <(instance_names "$f")
	label="vigild -t -d dumps $name as JSON naming ${inst[*]:-no instance}"
	if [[ -z $have_python ]]; then
		skip "$label" "no python3 to parse JSON"
		continue
	fi
	run_t_in "$f" -t -d
	# With -d, stdout is the JSON alone ("configuration OK" goes to stderr).
	if [[ $RC -ne 0 ]]; then
		ok 1 "$label"
		diag_run
	elif why=$(python3 -c "$json_check" "${inst[@]}" <"$tmp/out" 2>&1); then
		ok 0 "$label"
	else
		ok 1 "$label"
		diag "$why"
		diag_run
	fi
done

# --- bad configs are refused, at the right place ---------------------------
# has_diag FILE LINE SEV SUBSTRING: stderr has "FILE:LINE: SEV: ..." or
# ".../FILE:LINE: SEV: ..." containing SUBSTRING.
has_diag() {
	local l head="$1:$2: $3: "
	while IFS= read -r l; do
		[[ ($l == "$head"* || $l == */"$head"*) && $l == *"$4"* ]] && return 0
	done <"$tmp/err"
	return 1
}

for f in "${bads[@]}"; do
	name=bad/$(basename "$f")
	run_t_in "$f" -t
	if [[ $RC -eq 5 ]] && grep -Eq '^[^ ]+:[0-9]+: error: ' "$tmp/err"; then
		ok 0 "vigild -t rejects $name: exit 5 and a FILE:LINE: error: line"
	else
		ok 1 "vigild -t rejects $name: exit 5 and a FILE:LINE: error: line"
		diag_run
	fi
	e=${f%.conf}.expect
	[[ -f $e ]] || continue
	while IFS= read -r x; do
		if [[ $x =~ ^[[:space:]]*(([^:[:space:]]+):)?([0-9]+):[[:space:]]*(error|warning):[[:space:]]*(.*)$ ]]; then
			where=${BASH_REMATCH[2]:-$(basename "$f")}
			line=${BASH_REMATCH[3]} sev=${BASH_REMATCH[4]} sub=${BASH_REMATCH[5]}
			if [[ $where == "$(basename "$f")" ]]; then
				label="$name:$line: $sev: $sub"
			else
				label="$name, in $where:$line: $sev: $sub"
			fi
			if has_diag "$where" "$line" "$sev" "$sub"; then
				ok 0 "$label"
			else
				ok 1 "$label"
				diag_run
			fi
		else
			ok 1 "$name: expectation line understood: $x"
			diag "$(basename "$e"): expected '[FILE:]LINE: error|warning: SUBSTRING'"
		fi
	done < <(expect_lines "$e")
done

# --- a file that cannot be read ----------------------------------------------
missing=$tmp/no-such-dir/vigil.conf
run_t -t -f "$missing"
exit_eight() { [[ $RC -eq 8 ]]; }
check "vigild -t on a missing file exits 8" exit_eight || diag_run
check "the message names the missing file's path" grep -qF -- "$missing" "$tmp/err" ||
	diag_run

# --- the migration report ----------------------------------------------------
# section NAME [FILE]: the item lines of the report's section NAME (the
# lines after "NAME (N): ..." up to the next line that is not indented).
section() {
	awk -v s="$1" '/^[^ ]/ { on = (index($0, s " (") == 1); next } on' "${2:-$tmp/out}"
}

# in_section NAME LINE: section NAME has exactly LINE.
in_section() { section "$1" | grep -qxF -- "$2"; }

# header_count NAME [FILE]: the N of "NAME (N):".
header_count() { sed -nE "s/^$1 \(([0-9]+)\):.*/\1/p" "${2:-$tmp/out}"; }

# report_shape [FILE]: the report's title, then same, ignored and differs
# in that order, each header's count equal to its lines, each line
# "  FILE:LINE: ...", then "configuration OK" as the last line.
report_shape() {
	local f=${1:-$tmp/out} s n got
	got=$(grep -E '^(keepalived migration report:|same \(|ignored \(|differs \(|configuration OK$)' "$f" |
		sed -E 's/^([a-z]+).*/\1/' | tr '\n' ' ')
	[[ $got == "keepalived same ignored differs configuration " ]] || {
		echo "the report's parts in this order: $got"
		return 1
	}
	[[ $(tail -n 1 "$f") == "configuration OK" ]] || { echo "last line: $(tail -n 1 "$f")"; return 1; }
	for s in same ignored differs; do
		n=$(header_count "$s" "$f")
		[[ $n == "$(section "$s" "$f" | grep -c '^  ')" ]] || {
			echo "$s ($n): but $(section "$s" "$f" | grep -c '^  ') lines"
			return 1
		}
		if section "$s" "$f" | grep -vqE '^  [^ :]+:[0-9]+: '; then
			echo "$s: a line without FILE:LINE: first"
			return 1
		fi
	done
}

# instance_lines FILE: "LINE NAME VRID" for each vrrp_instance block (the
# no-break spaces some seeds indent with count as blanks).
instance_lines() {
	LC_ALL=C sed -E $'s/\xc2\xa0/ /g; s/[#!].*//' -- "$1" | awk '
		$1 == "vrrp_instance" { name = $2; sub(/\{.*/, "", name); line = NR; next }
		$1 == "virtual_router_id" && name != "" { print line, name, $2; name = "" }'
}

# all_in NAME LINE...: every LINE is in section NAME (else says which not).
all_in() {
	local sec=$1 l
	shift
	for l in "$@"; do
		in_section "$sec" "$l" || { echo "not under $sec: $l"; return 1; }
	done
}

# check_all NAME SECTION LINE...: one test point, all LINEs in SECTION.
check_all() {
	local label=$1 why
	shift
	if why=$(all_in "$@"); then
		ok 0 "$label"
	else
		ok 1 "$label"
		diag "$why"
		diag_run
	fi
}

# Each seed: the report has its shape, and each instance is under "same"
# at its line with its VRID.
for f in "${seeds[@]}"; do
	b=$(basename "$f")
	run_t_in "$f" -t
	if [[ $RC -ne 0 ]]; then
		ok 1 "seeds/$b: the report has same, ignored, differs with their counts"
		diag_run
	elif why=$(report_shape); then
		ok 0 "seeds/$b: the report has same, ignored, differs with their counts"
	else
		ok 1 "seeds/$b: the report has same, ignored, differs with their counts"
		diag "$why"
		diag_run
	fi
	missing_inst=
	n_inst=0
	while read -r line name vrid; do
		n_inst=$((n_inst + 1))
		section same | grep -qF -- "  $b:$line: vrrp_instance $name: VRID $vrid on " ||
			missing_inst+=" $name@$line(VRID $vrid)"
	done < <(instance_lines "$f")
	mapfile -t inst < <(instance_names "$f")
	[[ $n_inst -eq ${#inst[@]} ]] || missing_inst+=" (found $n_inst of ${#inst[@]}: ${inst[*]})"
	if [[ -z $missing_inst ]]; then
		ok 0 "seeds/$b: its $n_inst vrrp_instance(s) under same, at their lines, with their VRIDs"
	else
		ok 1 "seeds/$b: its $n_inst vrrp_instance(s) under same, at their lines, with their VRIDs"
		diag "missing:$missing_inst"
		diag_run
	fi
done

# What the seeds tell a keepalived user.
s1=$VIGIL_SRCDIR/tests/configs/seeds/seed001-lvs-dr-master.conf
run_t_in "$s1" -t
check_all "seed001-lvs-dr-master: nat_mask under ignored, at line 30" ignored \
	"  seed001-lvs-dr-master.conf:30: nat_mask is obsolete and ignored: IPVS takes no netmask for a virtual server; remove the line"
check_all "seed001-lvs-dr-master: the LVS-DR service under same with scheduler, method and checkers" same \
	"  seed001-lvs-dr-master.conf:26: virtual_server 192.168.46.100:80/TCP: rr, DR, persistent 50 s, 3 real servers, checks TCP_CHECK x3"

s3=$VIGIL_SRCDIR/tests/configs/seeds/seed003-mcast-group4.conf
run_t_in "$s3" -t
check_all "seed003-mcast-group4: the route_id typo under ignored, marked unknown, at line 10" ignored \
	"  seed003-mcast-group4.conf:10: [unknown] unknown keyword 'route_id' in global_defs: ignored; did you mean 'router_id'?"
check "seed003-mcast-group4: its diagnostic line is printed as before" \
	grep -qxF "seed003-mcast-group4.conf:10: warning: unknown keyword 'route_id' in global_defs: ignored; did you mean 'router_id'?" "$tmp/err" ||
	diag_run

s4=$VIGIL_SRCDIR/tests/configs/seeds/seed003-lb01-master.conf
run_t_in "$s4" -t
check_all "seed003-lb01-master: the email settings under ignored (vigil sends no email)" ignored \
	"  seed003-lb01-master.conf:$(grep -n '^notification_email {' "$s4" | cut -d: -f1): notification_email, smtp_server: vigil sends no email alerts; have notify scripts (notify_master, notify_fault) alert you instead"

# A keepalived.conf with keywords vigil skips and things it does otherwise.
mig=$tmp/migrate.conf
cat >"$mig" <<'CONF'
global_defs {
    router_id lb1
    vrrp_version 3
    vrrp_iptables
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 0.123
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        192.0.2.10/24 dev eth0 noprefixroute
    }
    track_bfd {
        bfd1
    }
    notify_master_rx_lower_pri /bin/true
}
virtual_server 192.0.2.10 80 {
    lb_algo wrr
    lb_kind NAT
    one_packet_scheduling
    real_server 192.0.2.11 80 {
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
        }
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        192.0.2.20
    }
    dynamic_interfaces
}
CONF
run_t_in "$mig" -t
check "migrate.conf: exit 0 and a report of the right shape" report_shape || diag_run
counts() { [[ "$(header_count same) $(header_count ignored) $(header_count differs)" == "3 6 2" ]]; }
check "migrate.conf: same (3), ignored (6), differs (2)" counts || diag_run
check_all "migrate.conf: the keepalived keywords vigil skips under ignored, at their lines" ignored \
	"  migrate.conf:4: 'vrrp_iptables' in global_defs is a keepalived option vigil does not support yet: ignored" \
	"  migrate.conf:17: virtual_ipaddress: option 'noprefixroute' is not supported by vigil yet: ignored" \
	"  migrate.conf:19: 'track_bfd' in vrrp_instance VI_1 is a keepalived option vigil does not support yet: ignored with its block" \
	"  migrate.conf:22: 'notify_master_rx_lower_pri' in vrrp_instance VI_1 is a keepalived option vigil does not support yet: ignored" \
	"  migrate.conf:27: 'one_packet_scheduling' in virtual_server 192.0.2.10 80 is a keepalived option vigil does not support yet: ignored" \
	"  migrate.conf:43: [unknown] unknown keyword 'dynamic_interfaces' in vrrp_instance VI_2: ignored"
check_all "migrate.conf: the rounded advert_int and the VRRPv3 authentication under differs" differs \
	"  migrate.conf:11: advert_int 0.123 is not a multiple of 0.01 s: rounded to 0.12 (VRRPv3 counts centiseconds); write that" \
	"  migrate.conf:13: authentication is ignored: VRRPv3 (RFC 5798) has none, and vrrp_instance VI_1 uses version 3; remove the authentication block"
check_all "migrate.conf: both instances and the virtual server under same" same \
	"  migrate.conf:6: vrrp_instance VI_1: VRID 51 on eth0, VRRPv3, MASTER priority 150, 1 VIP, no trackers" \
	"  migrate.conf:24: virtual_server 192.0.2.10:80/TCP: wrr, NAT, 1 real server, checks HTTP_GET x1" \
	"  migrate.conf:37: vrrp_instance VI_2: VRID 52 on eth0, VRRPv3, BACKUP priority 100, 1 VIP, no trackers"

# -d: stdout stays JSON only; the report goes to stderr, after the diagnostics.
run_t_in "$mig" -t -d
stderr_report() {
	local w r
	[[ $RC -eq 0 ]] || return 1
	! grep -qE '^(keepalived migration report:|same \(|ignored \(|differs \()' "$tmp/out" || return 1
	report_shape "$tmp/err" || return 1
	w=$(grep -n "warning: unknown keyword 'dynamic_interfaces'" "$tmp/err" | cut -d: -f1)
	r=$(grep -n '^keepalived migration report:' "$tmp/err" | cut -d: -f1)
	[[ -n $w && -n $r && $w -lt $r ]]
}
check "-t -d: the report on stderr after the diagnostics, none on stdout" stderr_report || diag_run

# A config with errors: diagnostics and exit 5 as before, and no report.
bad1=$tmp/bad.conf
printf 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n    promote_secondaries\n}\n' >"$bad1"
run_t_in "$bad1" -t
no_report() {
	[[ $RC -eq 5 ]] &&
		! grep -qE '^(keepalived migration report:|same \(|ignored \(|differs \()' "$tmp/out" "$tmp/err"
}
check "a config with errors: exit 5 and no report" no_report || diag_run

tap_done
