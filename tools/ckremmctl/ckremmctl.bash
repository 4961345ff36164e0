# SPDX-License-Identifier: GPL-2.0-only
#
# bash completion for ckremmctl(8): the verbs, gc's and pager's subcommands, each
# verb's options, the values of --kind, files for --device, and for a
# verb's NAME the named pools that "ckremmctl list" shows, when the device
# is there.
#
# Installed as /usr/share/bash-completion/completions/ckremmctl; needs
# nothing from the bash-completion package.  To try it from a checkout:
#   . tools/ckremmctl/ckremmctl.bash
# shellcheck shell=bash

_ckremmctl_verbs="create open alloc free write read clean realloc copy locate reorder stats validate list destroy map gc pager help version"
_ckremmctl_gc_subs="attach type alloc root step collect stats"
_ckremmctl_pager_subs="attach detach purge"
_ckremmctl_global_opts="--device --json --help --version"

# _ckremmctl_options VERB: the long options VERB takes.
_ckremmctl_options() {
	local common="--json --help"

	case $1 in
	create) echo "--size --kind --mode $common" ;;
	open) echo "--read-only $common" ;;
	alloc) echo "--align --count --reorder $common" ;;
	write) echo "--pos --data --pattern --len $common" ;;
	read) echo "--pos --len --hex $common" ;;
	map) echo "--width --rows --ascii --utf8 $common" ;;
	gc) echo "--manual --roots --max-types --max-pins --trigger --budget --repeat --slot --type $common" ;;
	pager) echo "--period --decay --keep --min --step --reorder --store --free-target --budget $common" ;;
	help) ;;
	*) echo "$common" ;;
	esac
}

# _ckremmctl_takes_value VERB OPTION: whether OPTION of VERB (the global
# options when VERB is empty) is followed by a value.
_ckremmctl_takes_value() {
	case $1:$2 in
	:-d | :--device) return 0 ;;
	create:-[skm] | create:--size | create:--kind | create:--mode) return 0 ;;
	alloc:-[an] | alloc:--align | alloc:--count) return 0 ;;
	write:-[pdPl] | write:--pos | write:--data | write:--pattern | write:--len) return 0 ;;
	read:-[pl] | read:--pos | read:--len) return 0 ;;
	map:-[wr] | map:--width | map:--rows) return 0 ;;
	gc:-[RTPbst] | gc:--roots | gc:--max-types | gc:--max-pins | gc:--trigger) return 0 ;;
	gc:--budget | gc:--slot | gc:--type) return 0 ;;
	pager:-[pDkmsbSF] | pager:--period | pager:--decay | pager:--keep) return 0 ;;
	pager:--min | pager:--step | pager:--budget | pager:--store) return 0 ;;
	pager:--free-target) return 0 ;;
	esac
	return 1
}

# _ckremmctl_reply WORD CANDIDATES...: the candidates that begin with WORD.
_ckremmctl_reply() {
	local cur=$1

	shift
	mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# _ckremmctl_files WORD: file names that begin with WORD.
_ckremmctl_files() {
	if declare -F _filedir >/dev/null; then
		_filedir
		return
	fi
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# _ckremmctl_pools CTL DEVICE WORD: the named pools that begin with WORD,
# from "CTL list" on DEVICE; none, and no error, when the device is not
# there or cannot be opened.
_ckremmctl_pools() {
	local ctl=$1 device=$2 cur=$3 names

	[[ -e ${device:-${CKREMM_DEV:-/dev/ckremm}} ]] || return
	command -v -- "$ctl" >/dev/null 2>&1 || return
	if [[ -n $device ]]; then
		names=$("$ctl" --device "$device" list 2>/dev/null) || return
	else
		names=$("$ctl" list 2>/dev/null) || return
	fi
	# Skip the heading; the name is the first column.
	names=$(sed -n '2,$s/[[:space:]].*//p' <<<"$names")
	_ckremmctl_reply "$cur" "$names"
}

_ckremmctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' opt='' device='' verb='' word subs
	local -i i npos=0 options=1

	COMPREPLY=()
	# "--opt=value" may arrive split as "--opt", "=", "value".
	if [[ $cur == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif ((COMP_CWORD >= 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	# Find the verb, the device, and how many of the verb's arguments
	# come before the word being completed.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == = ]]; then
			# the value after a split "--opt="
			((i + 1 < COMP_CWORD)) && ((i++))
			continue
		fi
		if [[ -z $verb ]]; then
			case $word in
			-d | --device)
				if ((i + 1 < COMP_CWORD)) && [[ ${COMP_WORDS[i + 1]} != = ]]; then
					device=${COMP_WORDS[i + 1]}
					((i++))
				elif ((i + 2 < COMP_CWORD)); then
					device=${COMP_WORDS[i + 2]}
				fi
				;;
			--device=*) device=${word#--device=} ;;
			-*) ;;
			*) verb=$word ;;
			esac
		elif ((options)) && [[ $word == -- ]]; then
			options=0
		elif ((options)) && [[ $word == -?* ]]; then
			if _ckremmctl_takes_value "$verb" "$word" &&
				((i + 1 < COMP_CWORD)) && [[ ${COMP_WORDS[i + 1]} != = ]]; then
				((i++))
			fi
		else
			npos+=1
		fi
	done

	# The value of an option.
	if [[ -z $opt ]] && _ckremmctl_takes_value "$verb" "$prev"; then
		opt=$prev
	fi
	if [[ -n $opt ]]; then
		case $verb:$opt in
		:-d | :--device) _ckremmctl_files "$cur" ;;
		create:-k | create:--kind) _ckremmctl_reply "$cur" header table ;;
		esac
		return
	fi

	if [[ -z $verb ]]; then
		if [[ $cur == -* ]]; then
			_ckremmctl_reply "$cur" "$_ckremmctl_global_opts"
		else
			_ckremmctl_reply "$cur" "$_ckremmctl_verbs"
		fi
		return
	fi

	if ((options)) && [[ $cur == -* ]]; then
		_ckremmctl_reply "$cur" "$(_ckremmctl_options "$verb")"
		return
	fi

	case $verb in
	help)
		((npos == 0)) && _ckremmctl_reply "$cur" "$_ckremmctl_verbs"
		((npos == 1)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == gc ]] &&
			_ckremmctl_reply "$cur" "$_ckremmctl_gc_subs"
		((npos == 1)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == pager ]] &&
			_ckremmctl_reply "$cur" "$_ckremmctl_pager_subs"
		;;
	gc | pager)
		# gc|pager SUBCOMMAND NAME ...
		subs=_ckremmctl_${verb}_subs
		((npos == 0)) && _ckremmctl_reply "$cur" "${!subs}"
		((npos == 1)) && _ckremmctl_pools "${COMP_WORDS[0]}" "$device" "$cur"
		;;
	destroy)
		_ckremmctl_pools "${COMP_WORDS[0]}" "$device" "$cur"
		;;
	create | list | version) ;;
	*)
		((npos == 0)) && _ckremmctl_pools "${COMP_WORDS[0]}" "$device" "$cur"
		;;
	esac
}

complete -F _ckremmctl ckremmctl
