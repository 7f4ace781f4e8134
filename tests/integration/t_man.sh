#!/bin/bash
#
# t_man.sh - the manual pages (doc/man/vigild.8, vigil.conf.5, vigilctl.1)
# say what the programs do, as a user reading them would notice:
#   - each page renders without a warning from man/groff (a broken macro,
#     an unknown escape, a line that cannot be broken);
#   - every option `vigild --help` prints is in vigild.8's OPTIONS, and every
#     option there is in --help, with the same short and long names; the
#     same for vigilctl.1, and vigilctl's commands both ways;
#   - every keyword vigil.conf.5 documents for a block is accepted there by
#     `vigild -t` without an "unknown keyword" warning, every keyword it
#     lists as ignored draws the "ignored" warning there, and every keyword
#     of the tables in daemon/conf/conf_parse.c is documented in the page.
# The page marks its keyword lists for this test ('.\" block: NAME' and
# '.\" ignored: NAME' comments, explained at the top of vigil.conf.5); each
# NAME maps to a small configuration below that puts the keywords in that
# block.  No root and no namespaces needed; man(1) (man-db) or groff
# (groff-base) renders the pages.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_vigilctl

MANDIR=$VIGIL_SRCDIR/doc/man
PARSER=$VIGIL_SRCDIR/daemon/conf/conf_parse.c
PAGES=(vigild.8 vigil.conf.5 vigilctl.1)
for p in "${PAGES[@]}"; do
	[[ -r $MANDIR/$p ]] || bail_out "$MANDIR/$p is missing"
done
[[ -r $PARSER ]] || bail_out "$PARSER is missing (VIGIL_SRCDIR=$VIGIL_SRCDIR)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-man.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf -- "$tmp"' EXIT

# ---------------------------------------------------------------- helpers ----

# roff_clean: stdin with roff's font escapes and \- \e \(dq made plain text.
roff_clean() {
	sed -E -e 's/\\f(\[[^]]*\]|\(..|.)//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' \
		-e 's/\\\(dq/"/g' -e 's/\\\(aq/'"'"'/g' -e 's/\\[&~%]//g'
}

# section FILE NAME: the source lines of section .SH NAME (up to the next .SH).
section() {
	awk -v want="$2" '
		/^\.SH / { name = substr($0, 5); gsub(/"/, "", name); on = (name == want); next }
		on { print }' "$1"
}

# tags: stdin a section; print the tag line of each .TP / .TQ item, cleaned.
tags() {
	awk '/^\.(TP|TQ)/ { getline; print }' | roff_clean
}

# help_options: stdin a --help text; print one entry per option as
# "-s/--long", "--long" or "-s", from the lines that start with an option.
help_options() {
	sed -nE 's/^[[:space:]]+(-[[:alnum:]])(,[[:space:]]+(--[[:alnum:]][[:alnum:]_-]*))?([=[:space:]].*)?$/\1\/\3/p
		s/^[[:space:]]+(--[[:alnum:]][[:alnum:]_-]*)([=[:space:]].*)?$/\1/p' |
		sed -E 's,/$,,' | sort -u
}

# page_options PAGE: the same entries from the tag lines of PAGE's OPTIONS.
page_options() {
	section "$1" OPTIONS | tags |
		sed -E 's/^\.[A-Z]+[[:space:]]*//; s/"//g' |
		awk '{
			s = ""; l = ""
			for (i = 1; i <= NF; i++) {
				w = $i; sub(/[=,].*$/, "", w)
				if (w ~ /^--[[:alnum:]][[:alnum:]_-]*$/) { if (l == "") l = w }
				else if (w ~ /^-[[:alnum:]]$/) { if (s == "") s = w }
			}
			if (s != "" && l != "") print s "/" l
			else if (l != "") print l
			else if (s != "") print s
		}' | sort -u
}

# compare WHAT A_NAME A_FILE B_NAME B_FILE: one test point, ok when every
# line of A_FILE is in B_FILE; the missing ones are named.
compare() {
	local what=$1 an=$2 af=$3 bn=$4 bf=$5 missing
	missing=$(comm -23 <(sort -u "$af") <(sort -u "$bf"))
	if [[ ! -s $af ]]; then
		ok 1 "$what: every one in $an is in $bn"
		diag "found none in $an: the extraction is broken"
	elif [[ -z $missing ]]; then
		ok 0 "$what: every one in $an is in $bn"
	else
		ok 1 "$what: every one in $an is in $bn"
		diag "in $an but not in $bn: $(tr '\n' ' ' <<<"$missing")"
	fi
}

# ------------------------------------------------ the keyword lists of vigil.conf.5

# page_keywords: "MODE CONTEXT KEYWORD" for every keyword the page lists;
# MODE is block (documented as read) or ignored.
page_keywords() {
	awk '
		function clean(s) {
			gsub(/\\f\(../, "", s); gsub(/\\f./, "", s); gsub(/\\-/, "-", s); gsub(/"/, "", s)
			return s
		}
		/^\.\\" block: / { mode = "block"; ctx = $3; next }
		/^\.\\" ignored: / { mode = "ignored"; ctx = $3; next }
		/^\.(SH|SS)/ { mode = ""; next }
		mode == "ignored" && /^\.PP/ { mode = ""; next }
		mode == "block" && /^\.(TP|TQ)/ {
			if ((getline line) > 0) {
				sub(/^\.[A-Z]+[ \t]*/, "", line)
				line = clean(line)
				split(line, w, /[ \t]+/)
				if (w[1] != "") print "block", ctx, w[1]
			}
			next
		}
		mode == "ignored" && /^\.(B|BR)[ \t]/ {
			line = $0; sub(/^\.[A-Z]+[ \t]*/, "", line)
			line = clean(line)
			split(line, w, /[ \t]+/)
			if (w[1] != "") print "ignored", ctx, w[1]
		}' "$MANDIR/vigil.conf.5" | sort -u
}

# source_keywords: every keyword of conf_parse.c's tables: the names of the
# `struct kw` arrays (and the CHK_* macros that fill them) and the strings
# of the *unsupported* lists.
source_keywords() {
	awk '
		/^static const struct kw [a-z_0-9]+\[\] = \{/ { kw = 1 }
		/^#define CHK_/ { kw = 1; macro = 1 }
		/^static const char \*const [a-z_0-9]*unsupported[a-z_0-9]*\[\] = \{/ { un = 1 }
		kw {
			s = $0
			while (match(s, /\{ "[^"]+"/)) {
				print substr(s, RSTART + 3, RLENGTH - 4)
				s = substr(s, RSTART + RLENGTH)
			}
		}
		un {
			s = $0
			sub(/^[^{]*\{/, "", s)
			while (match(s, /"[^"]+"/)) {
				print substr(s, RSTART + 1, RLENGTH - 2)
				s = substr(s, RSTART + RLENGTH)
			}
		}
		macro && !/\\$/ { kw = 0; macro = 0; next }
		/^\};/ { kw = 0; un = 0 }' "$PARSER" | sort -u
}

# The configuration that puts keywords into block CONTEXT: '@' lines take
# the keywords, one per line; LINE_FORM's %s is the keyword.
declare -A TEMPLATE=(
	[top]='@'
	[global_defs]=$'global_defs {\n@\n}'
	[vrrp_script]=$'vrrp_script chk {\n@\n}'
	[track_file]=$'track_file tf1 {\n@\n}\nvrrp_track_file tf2 {\n@\n}'
	[vrrp_instance]=$'vrrp_instance VI_1 {\n@\n}'
	[authentication]=$'vrrp_instance VI_1 {\n authentication {\n@\n }\n}'
	[virtual_ipaddress]=$'vrrp_instance VI_1 {\n virtual_ipaddress {\n@\n }\n virtual_ipaddress_excluded {\n@\n }\n}'
	[unicast_peer]=$'vrrp_instance VI_1 {\n unicast_peer {\n@\n }\n}'
	[vrrp_sync_group]=$'vrrp_sync_group G1 {\n@\n}'
	[virtual_server]=$'virtual_server 192.0.2.1 80 {\n@\n}'
	[real_server]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n@\n }\n}'
	[checker]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  TCP_CHECK {\n@\n  }\n  HTTP_GET {\n@\n  }\n  SSL_GET {\n@\n  }\n  MISC_CHECK {\n@\n  }\n }\n}'
	[checker-connect]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  TCP_CHECK {\n@\n  }\n  HTTP_GET {\n@\n  }\n  SSL_GET {\n@\n  }\n }\n}'
	[checker-http]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  HTTP_GET {\n@\n  }\n  SSL_GET {\n@\n  }\n }\n}'
	[MISC_CHECK]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  MISC_CHECK {\n@\n  }\n }\n}'
	[url]=$'virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  HTTP_GET {\n   url {\n@\n   }\n  }\n  SSL_GET {\n   url {\n@\n   }\n  }\n }\n}'
	[vigil_split_brain]=$'vigil_split_brain {\n@\n}'
)
declare -A LINE_FORM=(
	[virtual_ipaddress]='192.0.2.10 %s 1'
	[unicast_peer]='192.0.2.3 %s 1'
)
# A keyword no block has: each '@' also gets it, and it must draw a
# diagnostic that names it (the unknown-keyword warning, or for an address
# list the complaint about an unexpected word), which proves that the block
# was read as the context it stands for.
PROBE=vigil_no_such_keyword

# write_conf CONTEXT FILE KEYWORD...: the configuration, and FILE.map with
# "LINE KEYWORD" for each keyword line.
write_conf() {
	local ctx=$1 file=$2 form=${LINE_FORM[$1]:-%s} line n=0 kw
	shift 2
	: >"$file" && : >"$file.map"
	while IFS= read -r line; do
		if [[ $line == @ ]]; then
			for kw in "$@" "$PROBE"; do
				n=$((n + 1))
				# shellcheck disable=SC2059 # the form is ours
				printf "    $form\n" "$kw" >>"$file"
				echo "$n $kw" >>"$file.map"
			done
		else
			n=$((n + 1))
			echo "$line" >>"$file"
		fi
	done <<<"${TEMPLATE[$ctx]}"
}

# The diagnostics that say a keyword is not read (unknown) or is a
# keepalived keyword vigil ignores.
is_unknown() { [[ $2 == *"unknown keyword '$1'"* || $2 == *"unknown block '$1'"* || $2 == *"unknown option '$1'"* ]]; }
is_ignored() {
	[[ $2 == *"'$1' "*"does not support yet: ignored"* ||
		$2 == *"option '$1' is not supported by vigil yet: ignored"* ||
		$2 == *"'$1' is not supported by vigil yet: ignored"* ||
		$2 == "$1 is obsolete and ignored"* ||
		$2 == "$1 is not supported yet: the block is skipped"* ]]
}

# check_context MODE CONTEXT KEYWORD...: run vigild -t on the context's
# configuration; one test point.
check_context() {
	local mode=$1 ctx=$2 conf="$tmp/$1-$2.conf" label bad='' ln kw d rc
	shift 2
	if [[ $mode == block ]]; then
		label="vigil.conf.5, $ctx: $# keywords documented as read are read by vigild -t"
	else
		label="vigil.conf.5, $ctx: $# keywords documented as ignored draw the 'ignored' warning"
	fi
	if [[ -z ${TEMPLATE[$ctx]+set} ]]; then
		ok 1 "$label"
		diag "the page has a keyword list for '$ctx', which t_man.sh has no configuration for: add one to TEMPLATE"
		return
	fi
	write_conf "$ctx" "$conf" "$@"
	(cd "$tmp" && exec "$VIGILD" -t -f "$(basename "$conf")") >"$conf.out" 2>"$conf.err" </dev/null
	rc=$?
	if [[ $rc -ne 0 && $rc -ne 5 ]]; then
		ok 1 "$label"
		diag "vigild -t exited with status $rc"
		diag_file "$conf.err" 5
		return
	fi
	# the diagnostics of each line, as "FILE:LINE: SEVERITY: MESSAGE" says
	local -A at=()
	local re
	re="^$(basename "$conf"):([0-9]+): (error|warning): (.*)$"
	while IFS= read -r d; do
		[[ $d =~ $re ]] && at[${BASH_REMATCH[1]}]+="${BASH_REMATCH[3]}"$'\n'
	done <"$conf.err"
	while read -r ln kw; do
		local msgs=() hit_unknown='' hit_ignored='' named=''
		[[ -n ${at[$ln]:-} ]] && mapfile -t msgs <<<"${at[$ln]%$'\n'}"
		for d in "${msgs[@]}"; do
			is_unknown "$kw" "$d" && hit_unknown=1
			is_ignored "$kw" "$d" && hit_ignored=1
			[[ $d == *"'$kw'"* ]] && named=1
		done
		if [[ $kw == "$PROBE" ]]; then
			[[ -n $named ]] || bad+=" (line $ln: no diagnostic names the probe '$PROBE': the block was not read as '$ctx')"
		elif [[ $mode == block ]]; then
			[[ -n $hit_unknown ]] && bad+=" $kw (unknown)"
			[[ -n $hit_ignored ]] && bad+=" $kw (ignored: list it as ignored)"
		else
			[[ -n $hit_ignored ]] || bad+=" $kw (no 'ignored' warning${msgs[0]:+: ${msgs[0]}})"
		fi
	done <"$conf.map"
	if [[ -z $bad ]]; then
		ok 0 "$label"
	else
		ok 1 "$label"
		diag "wrong:$bad"
	fi
}

# ---------------------------------------------------------------- the plan ----

page_keywords >"$tmp/keywords"
mapfile -t contexts < <(awk '{ print $1 " " $2 }' "$tmp/keywords" | sort -u)
tap_plan $((${#PAGES[@]} + 2 + 4 + ${#contexts[@]} + 2))

# --- 1. each page renders without a warning -----------------------------------
render() {
	if command -v man >/dev/null 2>&1; then
		# stderr alone: the rendered page goes to /dev/null
		{ LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings=w -l "$1" >/dev/null; } 2>&1
	else
		{ LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$1"; } 2>&1
	fi
}
for p in "${PAGES[@]}"; do
	if ! command -v man >/dev/null 2>&1 && ! command -v groff >/dev/null 2>&1; then
		skip "$p renders without warnings" "neither man (man-db) nor groff (groff-base) is installed"
		continue
	fi
	out=$(render "$MANDIR/$p")
	if [[ -z $out ]]; then
		ok 0 "$p renders without warnings"
	else
		ok 1 "$p renders without warnings"
		diag "$out"
	fi
done

# --- 2. options and commands: --help and the pages agree ----------------------
"$VIGILD" --help >"$tmp/vigild.help" 2>&1 || bail_out "vigild --help failed"
"$VIGILCTL" --help >"$tmp/vigilctl.help" 2>&1 || bail_out "vigilctl --help failed"

help_options <"$tmp/vigild.help" >"$tmp/vigild.help.opts"
page_options "$MANDIR/vigild.8" >"$tmp/vigild.page.opts"
compare "vigild options" "vigild --help" "$tmp/vigild.help.opts" "vigild.8 OPTIONS" "$tmp/vigild.page.opts"
compare "vigild options" "vigild.8 OPTIONS" "$tmp/vigild.page.opts" "vigild --help" "$tmp/vigild.help.opts"

help_options <"$tmp/vigilctl.help" >"$tmp/vigilctl.help.opts"
page_options "$MANDIR/vigilctl.1" >"$tmp/vigilctl.page.opts"
compare "vigilctl options" "vigilctl --help" "$tmp/vigilctl.help.opts" "vigilctl.1 OPTIONS" "$tmp/vigilctl.page.opts"
compare "vigilctl options" "vigilctl.1 OPTIONS" "$tmp/vigilctl.page.opts" "vigilctl --help" "$tmp/vigilctl.help.opts"

# Commands: in --help, the indented words of the "Read ...:" and "Edit ...:"
# lists, and their "(also: NAME)"; in the page, the first word of each item
# (.TP or .TQ) of COMMANDS.
awk '
	/^(Read|Edit)[ (].*:$/ { on = 1; next }
	/^$/ { on = 0 }
	on && /^  [a-z]/ { print $1 }
	on { s = $0; while (match(s, /also: [a-z]+/)) { print substr(s, RSTART + 6, RLENGTH - 6); s = substr(s, RSTART + RLENGTH) } }
' "$tmp/vigilctl.help" | sort -u >"$tmp/vigilctl.help.cmds"
section "$MANDIR/vigilctl.1" COMMANDS | tags | sed -E 's/^\.[A-Z]+[[:space:]]*//; s/"//g' |
	awk '{ print $1 }' | sort -u >"$tmp/vigilctl.page.cmds"
compare "vigilctl commands" "vigilctl --help" "$tmp/vigilctl.help.cmds" "vigilctl.1 COMMANDS" "$tmp/vigilctl.page.cmds"
compare "vigilctl commands" "vigilctl.1 COMMANDS" "$tmp/vigilctl.page.cmds" "vigilctl --help" "$tmp/vigilctl.help.cmds"

# --- 3. vigil.conf.5's keywords against vigild -t and conf_parse.c ------------
for c in "${contexts[@]}"; do
	read -r mode ctx <<<"$c"
	mapfile -t kws < <(awk -v m="$mode" -v c="$ctx" '$1 == m && $2 == c { print $3 }' "$tmp/keywords")
	check_context "$mode" "$ctx" "${kws[@]}"
done

source_keywords >"$tmp/source.kws"
awk '{ print $3 }' "$tmp/keywords" | sort -u >"$tmp/page.kws"
n_src=$(wc -l <"$tmp/source.kws")
label="every keyword of conf_parse.c's tables ($n_src) is documented in vigil.conf.5"
if ((n_src < 100)); then
	ok 1 "$label"
	diag "only $n_src keywords read from $PARSER: the extraction no longer matches its tables"
else
	compare "keywords ($n_src)" "conf_parse.c's tables" "$tmp/source.kws" "vigil.conf.5" "$tmp/page.kws"
fi
n_page=$(wc -l <"$tmp/page.kws")
label="vigil.conf.5 documents $n_page keywords in ${#contexts[@]} lists (at least 150 in 20)"
if ((n_page >= 150 && ${#contexts[@]} >= 20)); then
	ok 0 "$label"
else
	ok 1 "$label"
	diag "the page's '.\\\" block:' / '.\\\" ignored:' markers are missing or the extraction is broken"
fi

tap_done
