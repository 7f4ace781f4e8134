#!/bin/bash
#
# run.sh - run a script inside a VM whose kernel has IPVS (Debian's kernel,
# see tests/vm/README.md).
#
#   tests/vm/run.sh [-t SECONDS] [-q] [-k] [-o DIR] SCRIPT [ARGS...]
#   tests/vm/run.sh -i [-o DIR] PROGRAM [ARGS...]     (e.g. -i /bin/bash)
#
# Runs tests/vm/setup.sh (idempotent: the kernel and initramfs are cached),
# boots the kernel under qemu-system-x86_64 (KVM when /dev/kvm works, else
# TCG) with the host's root filesystem as the guest's root (read-only 9p
# under a tmpfs overlay), and runs SCRIPT (a path on the host) as root in the
# guest, with ARGS, in the current directory, with the VIGIL_* environment
# variables (and VIGILD, ASAN_/UBSAN_/LSAN_OPTIONS) of the caller. The
# guest's console (kernel messages, the script's stdout and stderr) is
# streamed to stdout; this script's own messages go to stderr, prefixed
# "vm: ".
#
# In the guest, $VIGIL_VM is 1 and $VIGIL_VM_SHARE is a directory shared
# read-write with the host (9p): the host's DIR given with -o, else the run
# directory's share/ (kept with -k): a place for the script to leave files
# for the host.
#
# Options: -t SECONDS  timeout of the whole run (default $VIGIL_VM_TIMEOUT,
#                      else 600; times VIGIL_TEST_TIMEOUT_SCALE)
#          -q          do not stream the console (it is printed if the
#                      guest reports no exit status)
#          -k          keep the run directory (console log, share)
#          -o DIR      the directory shared with the guest as
#                      $VIGIL_VM_SHARE (created if missing)
#          -i          interactive: the terminal is the guest's console and
#                      PROGRAM's terminal (a shell in the VM: -i /bin/bash);
#                      no timeout; Ctrl-A X stops qemu
# Environment: VIGIL_VM_ACCEL=kvm|tcg (default: kvm if it works), VIGIL_VM_MEM
# (default 1G), VIGIL_VM_SMP (default 2), VIGIL_VM_CPU (the CPU model under
# TCG, default qemu64), VIGIL_VM_CACHE, VIGIL_VM_KVER (see
# setup.sh), VIGIL_VM_KEEP=1 (as -k), VIGIL_VM_KVM_WATCHDOG (seconds a KVM
# boot may stay silent before the retry with TCG; default 30).
#
# Exit status: the script's exit status in the guest; 77 when the VM cannot
# run here (setup.sh says why); 124 on timeout; 125 when the VM did not
# report the script's exit status (the console's tail says why).

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "vm: $*" >&2; }

usage() {
	echo "usage: $0 [-t SECONDS] [-q] [-k] [-o DIR] SCRIPT [ARGS...]" >&2
	echo "       $0 -i [-o DIR] PROGRAM [ARGS...]" >&2
	exit 2
}

timeout_s=${VIGIL_VM_TIMEOUT:-600}
quiet=0
keep=${VIGIL_VM_KEEP:-0}
outdir=
interactive=0
while getopts "t:qko:ih" opt; do
	case $opt in
	i) interactive=1 ;;
	o) outdir=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	q) quiet=1 ;;
	k) keep=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 ]] || usage
[[ $timeout_s =~ ^[0-9]+$ ]] || usage
timeout_s=$(awk -v s="$timeout_s" -v k="${VIGIL_TEST_TIMEOUT_SCALE:-1}" \
	'BEGIN { printf "%d", s * k + 0.5 }')

script=$1
shift
[[ -r $script ]] || { say "cannot read $script"; exit 125; }
script=$(realpath -- "$script")
if [[ $script =~ [[:space:]] ]]; then
	say "the script's path must not contain white space (it goes on the kernel command line): $script"
	exit 125
fi

now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- setup ----
t0=$(now)
setup_out=$("$here/setup.sh")
st=$?
case $st in
0) ;;
77) say "the VM cannot run here (see above)"; exit 77 ;;
*) say "setup.sh failed (status $st)"; exit 125 ;;
esac
read -r kver kdir <<<"$(tail -n 1 <<<"$setup_out")"
setup_s=$(since "$t0")
vmlinuz=$kdir/root/boot/vmlinuz-$kver
initrd=$kdir/initramfs.gz
moddir=$kdir/root/lib/modules/$kver
if [[ $moddir =~ [[:space:]] ]]; then
	say "the cache's path must not contain white space: $moddir (set VIGIL_VM_CACHE)"
	exit 125
fi

# --------------------------------------------------------- accelerator ----
# /dev/kvm may exist and still not boot this kernel:
#  - under some hypervisors KVM refuses the MSR IA32_ARCH_CAPABILITIES that
#    "-cpu host" sets (qemu aborts: "failed to set MSR 0x10a"); without that
#    CPU feature the machine starts;
#  - /dev/kvm may be PVM (module kvm_pvm: nested virtualisation without
#    hardware support, as on the Firecracker VMs these tests were written
#    on), which runs only guest kernels built for PVM: Debian's kernel hangs
#    right after the boot loader. Such a KVM counts as not working.
# And whatever the probe says, a KVM guest that has not printed a line of
# the kernel within VIGIL_VM_KVM_WATCHDOG seconds (default 30) is killed and
# the boot retried with TCG.
kvm_cpu=
kvm_why=
kvm_probe() {
	local cpu
	if [[ ! -e /dev/kvm ]]; then
		kvm_why="no /dev/kvm"
		return 1
	fi
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		kvm_why="no permission on /dev/kvm"
		return 1
	fi
	if [[ -d /sys/module/kvm_pvm ]]; then
		kvm_why="/dev/kvm is PVM (kvm_pvm), which cannot run Debian's kernel"
		return 1
	fi
	for cpu in host host,-arch-capabilities; do
		# In a subshell: qemu may abort, and bash would say so.
		if (echo quit | timeout 20 qemu-system-x86_64 -accel kvm -cpu "$cpu" -M pc \
			-nodefaults -no-user-config -display none -monitor stdio -S \
			>/dev/null 2>&1) 2>/dev/null; then
			kvm_cpu=$cpu
			return 0
		fi
	done
	kvm_why="qemu cannot start a KVM machine"
	return 1
}
# TCG: qemu64 boots about 0.5 s faster than "max" (measured here: 6.4-7.1 s
# against 7.2-7.3 s); binaries built with -march=native may need
# VIGIL_VM_CPU=max.
tcg_args=(-accel tcg -cpu "${VIGIL_VM_CPU:-qemu64}")
accel=${VIGIL_VM_ACCEL:-}
case $accel in
'')
	if kvm_probe; then
		accel=kvm
	else
		accel=tcg
		say "KVM not used: $kvm_why"
	fi
	;;
kvm) kvm_probe || { say "VIGIL_VM_ACCEL=kvm but KVM does not work here: $kvm_why"; exit 125; } ;;
tcg) ;;
*) say "VIGIL_VM_ACCEL must be kvm or tcg, not '$accel'"; exit 125 ;;
esac

# -------------------------------------------------------- run directory ----
rundir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-vm.XXXXXX") || exit 125
share=$rundir/share
if [[ -n $outdir ]]; then
	mkdir -p -- "$outdir" || exit 125
	share=$(cd "$outdir" && pwd)
	# qemu's option parser splits at commas.
	[[ $share != *,* ]] || { say "-o: no commas in the path, please: $share"; exit 125; }
else
	mkdir -p "$share"
fi
console=$rundir/console.log
: >"$console"
qpid=
cleanup() {
	[[ -n $qpid ]] && kill -TERM "$qpid" 2>/dev/null
	if [[ $keep == 1 ]]; then
		say "run directory kept: $rundir"
	else
		rm -rf -- "$rundir"
	fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# The run's parameters, for stage2: share/.vigil-vm/{args,cwd,env}.
ctl=$share/.vigil-vm
mkdir -p "$ctl"
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
	printf 'set --'
	for a in "$@"; do printf ' %s' "$(shq "$a")"; done
	printf '\n'
} >"$ctl/args"
pwd >"$ctl/cwd"
rm -f "$ctl/exit"
{
	for v in $(compgen -e); do
		case $v in
		VIGIL_VM*) ;;
		VIGIL_* | VIGILD | ASAN_OPTIONS | UBSAN_OPTIONS | LSAN_OPTIONS)
			printf 'export %s=%s\n' "$v" "$(shq "${!v}")" ;;
		esac
	done
} >"$ctl/env"

# ----------------------------------------------------------------- boot ----
append="console=ttyS0 quiet loglevel=4 panic=-1 edd=off random.trust_cpu=on"
append+=" vigil.test=$script vigil.moddir=$moddir vigil.share=1"
# shellcheck disable=SC2054 # the commas are qemu's
qemu_args=(
	-M pc -m "${VIGIL_VM_MEM:-1G}" -smp "${VIGIL_VM_SMP:-2}"
	-nodefaults -no-user-config -nographic -no-reboot
	-kernel "$vmlinuz" -initrd "$initrd"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$share,mount_tag=vigilrun,security_model=none,multidevs=remap"
)
# qboot (in qemu-system-data) starts a -kernel faster than SeaBIOS and
# prints nothing.
qboot=/usr/share/qemu/qboot.rom
[[ -r $qboot ]] && qemu_args+=(-bios "$qboot")

shopt -s extglob
# console_line LINE: log it, show it, note the boot time.
console_line() {
	local line=${1%$'\r'}
	# Terminal control sequences (from SeaBIOS: reset, clear screen).
	line=${line//$'\e'[c]/}
	line=${line//$'\e'\[*([0-9;?])[a-zA-Z]/}
	printf '%s\n' "$line" >>"$console"
	[[ $quiet == 1 ]] || printf '%s\n' "$line"
	if [[ -z $booted && $line == VIGIL-VM-READY:* ]]; then
		booted=$(since "$tboot")
		say "booted in $booted s ($accel; guest uptime ${line#VIGIL-VM-READY: } s)"
	fi
	# The firmware's and the boot loader's lines do not count.
	case $line in
	'' | *SeaBIOS* | "Booting from"* | "Probing EDD"*) ;;
	*) kernel_seen=1 ;;
	esac
	return 0
}

# boot ACCEL_ARGS...: run qemu until it exits; qst is its status. With
# $watchdog set, give up (status 200) when the kernel has printed nothing
# after that many seconds.
boot() {
	local line='' part rc
	: >"$console"
	: >"$rundir/qemu.err"
	rm -f "$rundir/fifo"
	mkfifo "$rundir/fifo"
	tboot=$(now)
	booted=
	kernel_seen=
	timeout -k 5 "$timeout_s" qemu-system-x86_64 "$@" "${qemu_args[@]}" \
		-serial stdio -monitor none -append "$append" \
		</dev/null >"$rundir/fifo" 2>"$rundir/qemu.err" &
	qpid=$!
	exec 8<"$rundir/fifo"
	while :; do
		part=
		IFS= read -r -t 1 part <&8
		rc=$?
		if ((rc == 0)); then
			console_line "$line$part"
			line=
			continue
		fi
		line+=$part
		if ((rc <= 128)); then
			# End of file: qemu is gone.
			[[ -n $line ]] && console_line "$line"
			break
		fi
		if [[ -n $watchdog && -z $kernel_seen ]] &&
			(($(awk -v a="$tboot" -v b="$(now)" -v w="$watchdog" 'BEGIN { print (b - a > w) }'))); then
			say "KVM: no output from the kernel after $watchdog s; killing qemu"
			kill -TERM "$qpid" 2>/dev/null
			wait "$qpid"
			qpid=
			exec 8<&-
			qst=200
			return
		fi
	done
	exec 8<&-
	wait "$qpid"
	qst=$?
	qpid=
}

if [[ $interactive == 1 ]]; then
	say "kernel $kver, $accel, interactive: $script (Ctrl-A X stops qemu)"
	cpu_args=("${tcg_args[@]}")
	[[ $accel == kvm ]] && cpu_args=(-accel kvm -cpu "$kvm_cpu")
	qemu-system-x86_64 "${cpu_args[@]}" "${qemu_args[@]}" \
		-append "$append vigil.interactive=1" -serial mon:stdio
	status=$(cat "$ctl/exit" 2>/dev/null)
	if [[ -n $status ]]; then
		say "guest exit status $status"
		exit "$status"
	fi
	say "the guest reported no exit status"
	exit 125
fi

say "kernel $kver, $accel, timeout ${timeout_s} s, script $script"
if [[ $accel == kvm ]]; then
	watchdog=${VIGIL_VM_KVM_WATCHDOG:-30}
	boot -accel kvm -cpu "$kvm_cpu"
	if [[ $qst == 200 ]] || { [[ -z $booted ]] && grep -q 'KVM' "$rundir/qemu.err"; }; then
		say "KVM failed to boot the kernel; retrying with TCG"
		accel=tcg
		watchdog=
		boot "${tcg_args[@]}"
	fi
else
	watchdog=
	boot "${tcg_args[@]}"
fi

status=$(sed -En 's/^VIGIL-VM-EXIT: ([0-9]+)$/\1/p' "$console" | tail -n 1)
elapsed=$(since "$tboot")

tail_console() {
	if [[ -s $rundir/qemu.err ]]; then
		say "qemu's stderr:"
		sed 's/^/vm:   /' "$rundir/qemu.err" >&2
	fi
	say "last 30 lines of the console:"
	tail -n 30 "$console" | sed 's/^/vm:   /' >&2
}

if [[ -n $status ]]; then
	say "guest exit status $status after $elapsed s (setup.sh took $setup_s s)"
	exit "$status"
fi
if [[ $qst == 124 || $qst == 137 ]]; then
	say "timeout: no exit status after ${timeout_s} s"
	tail_console
	exit 124
fi
err=$(sed -n 's/^VIGIL-VM-ERROR: //p' "$console" | tail -n 1)
say "the guest reported no exit status (qemu status $qst)${err:+: $err}"
tail_console
exit 125
