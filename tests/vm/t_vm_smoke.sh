#!/bin/bash
#
# t_vm_smoke.sh - the VM of the IPVS tests works: tests/vm/setup.sh prepares
# Debian's kernel and the initramfs, tests/vm/run.sh boots it and runs
# tests/vm/guest/smoke.sh inside (ipvsadm against the kernel's IPVS, the
# schedulers, network namespaces, the host's tree and vigild), whose
# PASS/FAIL/SKIP lines become the TAP tests below.
#
# Skipped (1..0 # SKIP) when the VM cannot run here: no qemu and no way to
# install it, or no kernel package to download.

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-vm-smoke.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf -- "$tmp"' EXIT

# --- setup: may download and unpack the kernel (cold cache) ---------------
t0=$EPOCHREALTIME
"$here/setup.sh" >"$tmp/setup.out" 2>"$tmp/setup.err"
setup_status=$?
if [[ $setup_status -eq 77 ]]; then
	skip_all "$(sed -n 's/^SKIP: //p' "$tmp/setup.err" | tail -n 1)"
fi

# The checks of guest/smoke.sh, in its order.
ids=(in-vm args env root-writable ip-vs-module schedulers twos ipvsadm
	ipvs-nat ipvs-kinds ipvs-clear netns-veth ipvs-netns module-autoload
	host-tree vigild share)

tap_plan $((3 + ${#ids[@]}))

if ! ok "$setup_status" "setup.sh prepares the kernel and the initramfs"; then
	diag "setup.sh exited with status $setup_status"
	diag_file "$tmp/setup.err" 30
	bail_out "no VM without setup"
fi
t1=$EPOCHREALTIME
diag "setup: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, kernel $(tail -n 1 "$tmp/setup.out")"

# --- the VM ------------------------------------------------------------------
VIGIL_SMOKE_TOKEN="token 42" "$here/run.sh" -t 300 -o "$tmp/share" \
	"$here/guest/smoke.sh" one "two words" "it's" \
	>"$tmp/console" 2>"$tmp/run.err"
run_status=$?
t2=$EPOCHREALTIME
if ok "$run_status" "the VM boots and guest/smoke.sh exits with status 0"; then
	diag "$(grep -E '^vm: (booted|guest exit|KVM)' "$tmp/run.err" | sed 's/^vm: //')"
else
	diag "run.sh exited with status $run_status"
	diag_file "$tmp/run.err" 40
	diag_file "$tmp/console" 40
fi

# --- the guest's checks --------------------------------------------------------
for id in "${ids[@]}"; do
	line=$(grep -E -m 1 "^(PASS|FAIL|SKIP) $id: " "$tmp/console")
	what=${line#* "$id": }
	case $line in
	PASS*) ok 0 "guest: $what" ;;
	SKIP*) skip "guest: $id" "$what" ;;
	FAIL*)
		ok 1 "guest: $what"
		# The indented lines after it are its details.
		awk -v id="$id" '
			found && /^    / { print "#   " substr($0, 5); next }
			found { exit }
			index($0, "FAIL " id ": ") == 1 { found = 1 }' "$tmp/console"
		;;
	*)
		ok 1 "guest: $id (the guest reported nothing about it)"
		;;
	esac
done

share_ok() {
	local want
	want="smoke $(tail -n 1 "$tmp/setup.out" | cut -d' ' -f1)"
	[[ -r $tmp/share/smoke.txt && $(cat "$tmp/share/smoke.txt") == "$want" ]] ||
		{ diag "share/smoke.txt: '$(cat "$tmp/share/smoke.txt" 2>&1)', want '$want'"; return 1; }
}
check "the host reads what the guest wrote into the share" share_ok

diag "total $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s (setup + boot + smoke + power off)"
tap_done
