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
#   - a file that cannot be read: exit 8 and a message naming the path.
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

tap_plan $((2 * ${#seeds[@]} + ${#bads[@]} + n_expect + 2))

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

tap_done
