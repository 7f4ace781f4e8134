#!/bin/bash
#
# setup.sh - prepare what tests/vm/run.sh boots: Debian's kernel (which has
# IPVS, unlike the kernel of the build machines) and a busybox initramfs.
#
# Idempotent; a second run does nothing but check. Steps:
#   1. the host tools (qemu-system-x86_64, a static busybox, ipvsadm, cpio,
#      depmod) - installed through scripts/install-deps.sh when missing;
#   2. the kernel version: the package that linux-image-amd64 depends on
#      (VIGIL_VM_KVER overrides, e.g. 6.1.0-56-amd64);
#   3. `apt-get download linux-image-$KVER`, `dpkg -x` into the cache,
#      `depmod` (the .deb has no modules.dep), the .deb is then deleted;
#   4. the initramfs: busybox, tests/vm/init (its /init), tests/vm/stage2,
#      and the modules needed before the host's root is mounted (virtio_pci,
#      9p, overlay), listed in load order. Rebuilt when an input changes.
#
# The cache: $VIGIL_VM_CACHE, default tests/vm/cache/ (gitignored); when that
# is not writable (make distcheck's read-only source tree),
# ${XDG_CACHE_HOME:-~/.cache}/vigil-vm. Layout:
#   cache/KVER/root/           the unpacked package (boot/vmlinuz-KVER, lib/modules/KVER)
#   cache/KVER/initramfs.gz    the initramfs
#   cache/KVER/initramfs.stamp checksum of its inputs
#   cache/current              KVER of the last successful setup
#   cache/apt-kver             what apt said KVER is, for which package lists
#
# Output: the last line on stdout is "KVER CACHE_DIR/KVER" on success.
# Exit status: 0 ready; 77 the VM cannot run here (the reason is on stderr,
# on a line starting "SKIP: "); 1 any other failure.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

say() { echo "vm-setup: $*" >&2; }
skip() { echo "SKIP: $*" >&2; exit 77; }
die() { say "error: $*"; exit 1; }

# ------------------------------------------------------------ cache dir ----
cache_dir() {
	if [[ -n ${VIGIL_VM_CACHE:-} ]]; then
		echo "$VIGIL_VM_CACHE"
		return
	fi
	local d=$here/cache
	if mkdir -p "$d" 2>/dev/null && [[ -w $d ]]; then
		echo "$d"
	else
		echo "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vigil-vm"
	fi
}
CACHE=$(cache_dir)
mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
CACHE=$(cd "$CACHE" && pwd)

# One setup at a time (make -j check may start several VM tests at once).
exec 9>"$CACHE/.lock"
flock 9

# ------------------------------------------------------------ host tools ----
is_root() { [[ $(id -u) -eq 0 ]]; }

static_busybox() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		[[ -x $b ]] || continue
		# A dynamic busybox (package busybox) cannot run in the initramfs.
		if ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

missing_tools() {
	local t miss=""
	for t in qemu-system-x86_64 ipvsadm cpio depmod modprobe gzip flock; do
		command -v "$t" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null 2>&1 ||
			miss+=" $t"
	done
	static_busybox >/dev/null || miss+=" busybox(static)"
	echo "$miss"
}

export PATH=$PATH:/usr/sbin:/sbin
miss=$(missing_tools)
if [[ -n $miss ]]; then
	say "missing:$miss; running scripts/install-deps.sh"
	if ! sh "$top/scripts/install-deps.sh" >&2; then
		say "scripts/install-deps.sh failed"
	fi
	miss=$(missing_tools)
	[[ -z $miss ]] || skip "missing host tools:$miss (scripts/install-deps.sh installs them, as root)"
fi
BUSYBOX=$(static_busybox)

# ------------------------------------------------------ kernel version ----
apt_updated=
apt_update() {
	[[ -z $apt_updated ]] || return 1
	is_root || return 1
	apt_updated=1
	say "apt-get update"
	apt-get update -q >&2 || return 1
}

newest_cached() {
	local d best=""
	for d in "$CACHE"/*/root/boot/vmlinuz-*; do
		[[ -e $d ]] || continue
		best=${d##*/vmlinuz-}
	done
	[[ -n $best ]] && echo "$best"
}

# apt-cache takes most of a second here (no pkgcache.bin: it parses the
# lists each time), so its answer is kept in the cache with a fingerprint of
# the package lists, and reused until the lists change.
apt_lists_id() {
	ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null | sha256sum | cut -d' ' -f1
}
kver_from_apt() {
	local id k saved
	id=$(apt_lists_id)
	saved=$(cat "$CACHE/apt-kver" 2>/dev/null)
	if [[ -n $saved && ${saved%% *} == "$id" ]]; then
		echo "${saved#* }"
		return
	fi
	k=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -En 's/^ *Depends: linux-image-(.*-amd64)$/\1/p' | head -n 1)
	[[ -n $k ]] && echo "$id $k" >"$CACHE/apt-kver"
	echo "$k"
}

# Sets KVER (and the paths that follow from it).
set_kver() {
	KVER=$1
	[[ $KVER =~ ^[A-Za-z0-9.+~_-]+$ ]] || die "odd kernel version '$KVER'"
	KDIR=$CACHE/$KVER
	ROOT=$KDIR/root
	VMLINUZ=$ROOT/boot/vmlinuz-$KVER
	MODDIR=$ROOT/lib/modules/$KVER
}

resolve_kver() {
	local k
	if [[ -n ${VIGIL_VM_KVER:-} ]]; then
		set_kver "$VIGIL_VM_KVER"
		return 0
	fi
	k=$(kver_from_apt)
	if [[ -z $k ]] && apt_update; then
		k=$(kver_from_apt)
	fi
	if [[ -z $k ]]; then
		# apt knows nothing (no index, offline): whatever is cached will do.
		k=$(newest_cached) || return 1
		say "apt-cache does not know linux-image-amd64; using the cached $k"
	fi
	set_kver "$k"
}

resolve_kver || skip "no kernel: apt-cache does not know linux-image-amd64 and nothing is cached in $CACHE"

# ------------------------------------------------ download and unpack ----
have_kernel() { [[ -r $VMLINUZ && -s $MODDIR/modules.dep ]]; }

DEB=
download_kernel() {
	local dl=$KDIR/dl pkg=linux-image-$KVER
	local aptopt=()
	rm -rf "$dl"
	mkdir -p "$dl"
	# As root, apt drops to user _apt to download, who cannot write here.
	is_root && aptopt=(-o APT::Sandbox::User=root)
	say "downloading $pkg"
	if ! (cd "$dl" && apt-get "${aptopt[@]}" -q download "$pkg" >&2); then
		rm -rf "$KDIR"
		return 1
	fi
	DEB=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	[[ -n $DEB ]] || die "apt-get download left no ${pkg}_*.deb in $dl"
}

unpack_kernel() {
	local tmp=$KDIR/root.tmp
	say "unpacking $(basename "$DEB")"
	rm -rf "$tmp"
	dpkg -x "$DEB" "$tmp" || die "dpkg -x $DEB failed"
	[[ -r $tmp/boot/vmlinuz-$KVER ]] || die "$DEB has no boot/vmlinuz-$KVER"
	[[ -d $tmp/lib/modules/$KVER ]] || die "$DEB has no lib/modules/$KVER"
	# The package has no modules.dep (its postinst makes one).
	depmod -b "$tmp" "$KVER" || die "depmod failed"
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
	rm -rf "$KDIR/dl"
}

if ! have_kernel; then
	if ! download_kernel; then
		# Old package lists may name a kernel the archive no longer has.
		apt_update || skip "cannot download linux-image-$KVER (apt-get download failed)"
		[[ -n ${VIGIL_VM_KVER:-} ]] || resolve_kver ||
			skip "apt-cache does not know linux-image-amd64"
		have_kernel || download_kernel ||
			skip "cannot download linux-image-$KVER (apt-get download failed, after apt-get update)"
	fi
	have_kernel || unpack_kernel
fi

# ------------------------------------------------------------ initramfs ----
# Modules loaded by /init before the host's root can be mounted. The rest
# (ip_vs, schedulers, veth...) are loaded later from $MODDIR over 9p.
EARLY_MODULES="virtio_pci 9pnet_virtio 9p overlay"

initramfs_inputs() {
	# Everything the initramfs is made of; its checksum is the stamp.
	echo "kver $KVER"
	echo "modules $EARLY_MODULES"
	sha256sum "$here/init" "$here/stage2" "$BUSYBOX" "$MODDIR/modules.dep"
}

build_initramfs() {
	local w=$KDIR/initramfs.d m path rel order=()
	rm -rf "$w"
	mkdir -p "$w"/{bin,dev,proc,sys,lower,share,rw,newroot,etc/vigil-vm} "$w/lib/modules/$KVER"
	cp "$BUSYBOX" "$w/bin/busybox"
	cp "$here/init" "$w/init"
	cp "$here/stage2" "$w/etc/vigil-vm/stage2"
	chmod 755 "$w/init" "$w/etc/vigil-vm/stage2"
	# modprobe --show-depends prints "insmod PATH" in load order, deps first.
	for m in $EARLY_MODULES; do
		local deps
		deps=$(modprobe -d "$ROOT" -S "$KVER" --show-depends "$m") ||
			die "modprobe --show-depends $m failed"
		while read -r what path _; do
			[[ $what == insmod ]] || continue
			rel=${path#"$ROOT"/lib/modules/"$KVER"/}
			local seen=
			for p in "${order[@]}"; do [[ $p == "$rel" ]] && seen=1; done
			[[ -n $seen ]] && continue
			order+=("$rel")
		done <<<"$deps"
	done
	((${#order[@]})) || die "no early modules found in $MODDIR"
	: >"$w/etc/vigil-vm/modules"
	for rel in "${order[@]}"; do
		mkdir -p "$w/lib/modules/$KVER/$(dirname "$rel")"
		# busybox insmod may lack xz/zstd: store them uncompressed.
		case $rel in
		*.ko.xz) xz -dc "$MODDIR/$rel" >"$w/lib/modules/$KVER/${rel%.xz}"; rel=${rel%.xz} ;;
		*.ko.zst) zstd -qdc "$MODDIR/$rel" >"$w/lib/modules/$KVER/${rel%.zst}"; rel=${rel%.zst} ;;
		*.ko.gz) gzip -dc "$MODDIR/$rel" >"$w/lib/modules/$KVER/${rel%.gz}"; rel=${rel%.gz} ;;
		*) cp "$MODDIR/$rel" "$w/lib/modules/$KVER/$rel" ;;
		esac
		echo "$rel" >>"$w/etc/vigil-vm/modules"
	done
	(cd "$w" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -6 >"$KDIR/initramfs.gz.tmp"
	mv "$KDIR/initramfs.gz.tmp" "$KDIR/initramfs.gz"
	rm -rf "$w"
}

stamp=$(initramfs_inputs | sha256sum | cut -d' ' -f1)
if [[ ! -s $KDIR/initramfs.gz || $(cat "$KDIR/initramfs.stamp" 2>/dev/null) != "$stamp" ]]; then
	say "building the initramfs"
	build_initramfs
	echo "$stamp" >"$KDIR/initramfs.stamp"
fi

echo "$KVER" >"$CACHE/current"
echo "$KVER $KDIR"
