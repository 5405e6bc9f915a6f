# shellcheck shell=sh
# Puts the task's search domains (the arguments) first on the one search line of resolv.conf, so a container
# reaches another service by its short name. The file is shared by the task's containers and bind-mounted, so it
# is rewritten in place; the domains it had are kept after ours, and a domain line joins them (the resolver
# honours only the last of search and domain).
set -euf
f=${RESOLV_CONF:-/etc/resolv.conf}
# BusyBox ash goes on past a failed redirection of a loop, so the file is checked first.
if [ ! -r "$f" ] || [ ! -w "$f" ]; then
	echo "$0: cannot read and write $f" >&2
	exit 1
fi
list=''
add() {
	for d in "$@"; do
		case " $list " in *" $d "*) ;; *) list=${list:+$list }$d ;; esac
	done
}
old='' rest=''
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	search[[:blank:]]* | domain[[:blank:]]*) old="$old ${line#*[[:blank:]]}" ;;
	*) rest="$rest$line
" ;;
	esac
done <"$f"
add "$@"
# shellcheck disable=SC2086 # split the old line into its domains; -f keeps them from globbing
add $old
printf '%ssearch %s\n' "$rest" "$list" >"$f"
