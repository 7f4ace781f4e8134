#!/bin/bash
#
# t_vm_lvs.sh - vigild against the kernel's real IPVS: tests/vm/setup.sh
# prepares Debian's kernel, tests/vm/run.sh boots it and runs
# tests/vm/guest/lvs.sh inside (a director namespace running vigild, two
# HTTP real servers, a client; ipvsadm -Ln is the independent view), whose
# PASS/FAIL/SKIP lines become the TAP tests below. vigild's logs are shown
# on failure.
#
# Skipped (1..0 # SKIP) when the VM cannot run here (see t_vm_smoke.sh), or
# when vigild is not built.

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -x $VIGILD ]] || skip_all "vigild is not built ($VIGILD)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-vm-lvs.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf -- "$tmp"' EXIT

# --- setup: may download and unpack the kernel (cold cache) ---------------
t0=$EPOCHREALTIME
"$here/setup.sh" >"$tmp/setup.out" 2>"$tmp/setup.err"
setup_status=$?
if [[ $setup_status -eq 77 ]]; then
	skip_all "$(sed -n 's/^SKIP: //p' "$tmp/setup.err" | tail -n 1)"
fi

# The checks of guest/lvs.sh, in its order.
ids=(lab vigild-start ipvs-nat traffic-wrr snmp-ipvs rest-ipvs rs-down rs-down-log rs-down-traffic check-state rs-up
	inhibit-reload inhibit-down inhibit-up restart-adopt drain-ipvs drain-restart undrain-ipvs
	stop-release stop-foreign
	keep-on-stop dr-persist fwmark ipv6 sorry-server sorry-leave extra-release)

tap_plan $((2 + ${#ids[@]}))

if ! ok "$setup_status" "setup.sh prepares the kernel and the initramfs"; then
	diag "setup.sh exited with status $setup_status"
	diag_file "$tmp/setup.err" 30
	bail_out "no VM without setup"
fi

# --- the VM ------------------------------------------------------------------
mkdir -p "$tmp/share"
VIGILD=$VIGILD VIGIL_BUILDDIR=$VIGIL_BUILDDIR "$here/run.sh" -t 300 -o "$tmp/share" \
	"$here/guest/lvs.sh" >"$tmp/console" 2>"$tmp/run.err"
run_status=$?
t2=$EPOCHREALTIME
if ok "$run_status" "the VM boots and guest/lvs.sh exits with status 0"; then
	diag "$(grep -E '^vm: (booted|guest exit)' "$tmp/run.err" | sed 's/^vm: //')"
else
	diag "run.sh exited with status $run_status"
	diag_file "$tmp/run.err" 20
	grep -Eq '^(PASS|FAIL|SKIP) ' "$tmp/console" || diag_file "$tmp/console" 40
fi

# --- the guest's checks --------------------------------------------------------
for id in "${ids[@]}"; do
	line=$(grep -E -m 1 "^(PASS|FAIL|SKIP) $id: " "$tmp/console" | tr -d '\r')
	what=${line#* "$id": }
	case $line in
	PASS*) ok 0 "guest: $what" ;;
	SKIP*) skip "guest: $id" "$what" ;;
	FAIL*)
		ok 1 "guest: $what"
		# The indented lines after it are its details.
		tr -d '\r' <"$tmp/console" | awk -v id="$id" '
			found && /^    / { print "#   " substr($0, 5); next }
			found { exit }
			index($0, "FAIL " id ": ") == 1 { found = 1 }'
		;;
	*)
		ok 1 "guest: $id (the guest reported nothing about it)"
		;;
	esac
done

diag "seconds into lvs.sh at each check: $(sed -n 's/^TIME //p' "$tmp/console" | tr -d '\r' | tr '\n' ' ')"
diag "$(grep -m 1 '^lvs.sh: ' "$tmp/console" | tr -d '\r') in the guest; total $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s (setup + boot + lvs.sh + power off)"
tap_done
