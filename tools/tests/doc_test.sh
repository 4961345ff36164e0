#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The man pages and the bash completion against what they describe, on the
# host, no device needed:
#   - doc/ckremmctl.8.scd documents every verb "ckremmctl --help" lists,
#     each under a heading that reads as the verb's usage line, with every
#     option "ckremmctl help VERB" prints (the options every verb takes
#     once, in OPTIONS OF EVERY VERB), and every global option;
#   - tools/ckremmctl/ckremmctl.bash offers every verb, each verb's options,
#     the kinds, the global options and the pools "ckremmctl list" prints,
#     and knows which options take a value;
#   - doc/ckremm.4.scd documents every module parameter of ckremm/dev/*.c
#     and every CKREMM_IOC_ request of include/uapi/linux/ckremm.h with its
#     struct;
#   - doc/libckremm.3.scd names every function tools/lib/libckremm.h
#     declares;
#   - each page converts with scdoc, and groff (when installed) finds
#     nothing to warn about in the result.
# TAP output, then "doc: N passed, M failed"; the exit status is non-zero
# if M > 0.
#
#   tools/tests/doc_test.sh [path/to/ckremmctl]
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTL=${1:-${CKREMMCTL:-$ROOT/tools/build/ckremmctl}}
CTL_PAGE=$ROOT/doc/ckremmctl.8.scd
DEV_PAGE=$ROOT/doc/ckremm.4.scd
LIB_PAGE=$ROOT/doc/libckremm.3.scd
LIB_HEADER=$ROOT/tools/lib/libckremm.h
COMPLETION=$ROOT/tools/ckremmctl/ckremmctl.bash
TMP=$(mktemp -d "${TMPDIR:-/tmp}/doc_test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
passed=0
failed=0

# result NAME WHY: one TAP result, failed if WHY (what is missing) is not
# empty.
result() {
	n=$((n + 1))
	if [[ -z $2 ]]; then
		echo "ok $n - $1"
		passed=$((passed + 1))
	else
		echo "not ok $n - $1"
		printf '# %s\n' "${2//$'\n'/$'\n'# }"
		failed=$((failed + 1))
	fi
}

# section FILE TITLE: the lines of the "# TITLE" section of a page, with
# scdoc's backslash escapes removed.
section() {
	sed 's/\\\([*_\\]\)/\1/g' "$1" |
		awk -v title="# $2" '/^# / { on = ($0 == title); next } on'
}

# entry TEXT HEAD: the lines of TEXT from the first line that starts with
# HEAD up to the next line that is not indented (the next entry).
entry() {
	awk -v head="$2" '
		found && /^[^\t ]/ { exit }
		!found && index($0, head) == 1 { found = 1 }
		found' <<<"$1"
}

# missing TEXT WORD...: the WORDs that TEXT does not contain, one a line.
missing() {
	local text=$1 word

	shift
	for word in "$@"; do
		[[ $text == *"$word"* ]] || echo "missing: $word"
	done
}

# ---------------------------------------------------------------- scdoc

if ! command -v scdoc >/dev/null; then
	result "scdoc is installed (Debian: apt-get install scdoc)" "scdoc not found"
else
	for page in "$CTL_PAGE" "$DEV_PAGE" "$LIB_PAGE"; do
		out=$TMP/$(basename "$page" .scd)
		why=
		if ! scdoc <"$page" >"$out" 2>"$TMP/err" || [[ -s $TMP/err ]]; then
			why="scdoc says: $(cat "$TMP/err")"
			rm -f "$out"
		fi
		result "scdoc converts $(basename "$page")" "$why"
	done
fi

# groff -ww warns of every roff problem; -z formats without output.
if command -v groff >/dev/null; then
	for page in "$CTL_PAGE" "$DEV_PAGE" "$LIB_PAGE"; do
		out=$TMP/$(basename "$page" .scd)
		if [[ -f $out ]]; then
			why=$(groff -man -Tutf8 -ww -z "$out" 2>&1)
		else
			why="no roff to check: scdoc failed"
		fi
		result "groff -ww finds nothing to warn about in $(basename "$out")" "$why"
	done
else
	echo "# groff not found: the roff output is not linted"
fi

# ------------------------------------------------------------ ckremmctl(8)

if ! "$CTL" --help >"$TMP/help" 2>&1; then
	result "$CTL --help" "$(cat "$TMP/help")"
	verbs=()
else
	# The verbs are the first words of the lines under "verbs:".
	mapfile -t verbs < <(awk '/^verbs:/ { on = 1; next } on && /^$/ { exit }
		on { print $1 }' "$TMP/help")
	result "ckremmctl --help lists verbs (${#verbs[@]})" \
		"$( ((${#verbs[@]})) || echo "no verb under 'verbs:'")"
fi

# options FILE: the options of a help text, as the page writes them:
# "*-s*, *--size*", or "*--size*" for an option with no short form.
options() {
	sed -nE 's/^ +(-[A-Za-z]), (--[a-z0-9-]+).*/*\1*, *\2*/p
		s/^ +(--[a-z0-9-]+).*/*\1*/p' "$1"
}

# long_options OPTION...: ", with --a --b" for the options as the page
# writes them, for a result's name.
long_options() {
	(($#)) && printf ', with %s' "$(printf '%s\n' "$@" |
		grep -oE -- '--[a-z0-9-]+' | paste -sd' ')"
}

# The options every verb with options prints are documented once.
declare -A verb_opts
common=
first=1
for verb in "${verbs[@]}"; do
	"$CTL" help "$verb" >"$TMP/help-$verb" 2>&1
	verb_opts[$verb]=$(options "$TMP/help-$verb")
	[[ -n ${verb_opts[$verb]} ]] || continue
	if ((first)); then
		common=${verb_opts[$verb]}
		first=0
	else
		common=$(grep -Fx -f <(printf '%s\n' "${verb_opts[$verb]}") \
			<<<"$common")
	fi
done

commands=$(section "$CTL_PAGE" COMMANDS)
for verb in "${verbs[@]}"; do
	text=$(entry "$commands" "*$verb*")
	mapfile -t opts < <(grep -Fxv -f <(printf '%s\n' "$common") \
		<<<"${verb_opts[$verb]}" | grep .)
	usage=$(sed -n '1s/^usage: ckremmctl //p' "$TMP/help-$verb")
	if [[ -z $text ]]; then
		why="no entry '*$verb*' in COMMANDS"
	else
		why=$(missing "$text" "${opts[@]}")
		heading=$(head -n1 <<<"$text" | tr -d '*_')
		[[ $heading == "$usage" ]] ||
			why+=$'\n'"heading '$heading' is not the usage '$usage'"
	fi
	result "ckremmctl.8 documents $verb$(long_options "${opts[@]}")" "${why#$'\n'}"
done

mapfile -t opts <<<"$common"
result "ckremmctl.8 documents the options of every verb$(long_options "${opts[@]}")" \
	"$(missing "$(section "$CTL_PAGE" "OPTIONS OF EVERY VERB")" "${opts[@]}")"

mapfile -t opts < <(awk '/^options:/ { on = 1; next } on && /^$/ { exit }
	on' "$TMP/help" | options /dev/stdin)
result "ckremmctl.8 documents the global options$(long_options "${opts[@]}")" \
	"$(missing "$(section "$CTL_PAGE" "GLOBAL OPTIONS")" "${opts[@]}")"

# ------------------------------------------------------------- completion

# The completion, loaded into this shell: it defines only _ckremmctl*.
why=$(bash -c '. "$1"' bash "$COMPLETION" 2>&1) || why=${why:-"cannot be loaded"}
result "the completion loads" "$why"
# shellcheck source=tools/ckremmctl/ckremmctl.bash
. "$COMPLETION" 2>/dev/null

# complete_words WORD...: what the completion offers for the last WORD of
# the command line WORD..., one a line.
complete_words() {
	local -a COMP_WORDS=("$@") COMPREPLY=()
	local COMP_CWORD=$(($# - 1))

	_ckremmctl 2>&1
	printf '%s\n' "${COMPREPLY[@]}"
}

# value_mismatch VERB HELP: the options of a help text that take a value
# (a word in capitals follows them) which the completion does not know to
# take one, and the other way round; VERB is empty for the global options.
value_mismatch() {
	local short long value opt

	sed -nE 's/^ +(-[A-Za-z]), (--[a-z0-9-]+)( [A-Z]+)?.*/\1 \2 \3/p' <<<"$2" |
		while read -r short long value; do
			for opt in "$short" "$long"; do
				if _ckremmctl_takes_value "$1" "$opt" 2>/dev/null; then
					[[ -n $value ]] || echo "$opt taken to have a value"
				else
					[[ -z $value ]] || echo "$opt not taken to have a value"
				fi
			done
		done
}

for verb in "${verbs[@]}"; do
	why=$(grep -qFx -- "$verb" < <(complete_words ckremmctl "") ||
		echo "not offered as a verb")
	mapfile -t opts < <(grep -oE -- '--[a-z0-9-]+' <<<"${verb_opts[$verb]}")
	offered=$(complete_words ckremmctl "$verb" --)
	for opt in "${opts[@]}"; do
		grep -qFx -- "$opt" <<<"$offered" || why+=$'\n'"option not offered: $opt"
	done
	mismatch=$(value_mismatch "$verb" "$(cat "$TMP/help-$verb")")
	[[ -z $mismatch ]] || why+=$'\n'$mismatch
	result "completion offers $verb and its options" "${why#$'\n'}"
done

mapfile -t opts < <(awk '/^options:/ { on = 1; next } on && /^$/ { exit }
	on' "$TMP/help" | grep -oE -- '--[a-z0-9-]+')
offered=$(complete_words ckremmctl --)
why=$(missing "$offered" "${opts[@]}")
mismatch=$(value_mismatch "" "$(awk '/^options:/ { on = 1; next }
	on && /^$/ { exit } on' "$TMP/help")")
[[ -z $mismatch ]] || why+=$'\n'$mismatch
result "completion offers the global options" "${why#$'\n'}"

# The kinds are what "help create" shows after --kind.
mapfile -t kinds < <(sed -nE 's/.*--kind ([a-z|]+).*/\1/p' "$TMP/help-create" 2>/dev/null |
	head -n1 | tr '|' '\n')
offered=$(complete_words ckremmctl create demo --kind "")
why=$(missing "$offered" "${kinds[@]}")
((${#kinds[@]})) || why="no --kind values in 'ckremmctl help create'"
result "completion offers the kinds after --kind: ${kinds[*]}" "$why"

# Pool names come from "ckremmctl list" when the device exists: a stand-in
# ckremmctl lists two pools, and the device is any file that exists.
cat >"$TMP/ckremmctl" <<'EOF'
#!/bin/sh
[ "$1" = list ] || exit 2
printf '%s\n' "NAME KIND ARENA" "alpha header 4096" "beta table 8192"
EOF
chmod +x "$TMP/ckremmctl"
offered=$(CKREMM_DEV=$TMP/ckremmctl complete_words "$TMP/ckremmctl" stats "")
why=$(missing "$offered" alpha beta)
[[ $offered == *NAME* ]] && why+="the heading offered as a pool"
offered=$(CKREMM_DEV=$TMP/absent complete_words "$TMP/ckremmctl" stats "")
[[ -z $offered ]] || why+="pools offered with no device: $offered"
result "completion offers the pools ckremmctl list prints, when the device exists" \
	"$why"

# --------------------------------------------------------------- ckremm(4)

mapfile -t params < <(sed -nE \
	's/.*module_param(_named|_cb)?\(([a-z0-9_]+),.*/\2/p' "$ROOT"/ckremm/dev/*.c)
result "ckremm/dev/*.c has module parameters (${#params[@]})" \
	"$( ((${#params[@]})) || echo "no module_param found")"
text=$(section "$DEV_PAGE" "MODULE PARAMETERS")
for param in "${params[@]}"; do
	result "ckremm.4 documents the module parameter $param" \
		"$([[ -n $(entry "$text" "*$param*=") ]] ||
			echo "no entry '*$param*=' in MODULE PARAMETERS")"
done

# Each request as "NAME struct": #define CKREMM_IOC_X _IOWR(..., struct s)
mapfile -t requests < <(sed -nE \
	's/^#define[[:space:]]+(CKREMM_IOC_[A-Z0-9_]+)[[:space:]]+_IO[RW]*\(.*struct ([a-z0-9_]+)\).*/\1 \2/p' \
	"$ROOT/include/uapi/linux/ckremm.h")
result "include/uapi/linux/ckremm.h has requests (${#requests[@]})" \
	"$( ((${#requests[@]})) || echo "no CKREMM_IOC_ request found")"
text=$(section "$DEV_PAGE" IOCTLS)
for request in "${requests[@]}"; do
	read -r name struct <<<"$request"
	result "ckremm.4 documents $name with struct $struct" \
		"$([[ -n $(entry "$text" "*$name* (*struct $struct*)") ]] ||
			echo "no entry '*$name* (*struct $struct*)' in IOCTLS")"
done

# ------------------------------------------------------------ libckremm(3)

# Every function the header declares: "name(" at the start of a
# declaration, after its return type.
mapfile -t calls < <(sed -nE \
	's/^[a-z_][a-z0-9_ ]*[ *](ckremm_[a-z0-9_]+)\(.*/\1/p' "$LIB_HEADER" | sort -u)
result "tools/lib/libckremm.h declares functions (${#calls[@]})" \
	"$( ((${#calls[@]})) || echo "no function found")"
why=
for call in "${calls[@]}"; do
	grep -qF "*$call*" "$LIB_PAGE" || why+=" $call"
done
result "libckremm.3 names every function of libckremm.h" "${why:+not named:$why}"

echo "1..$n"
echo "doc: $passed passed, $failed failed"
((failed == 0))
