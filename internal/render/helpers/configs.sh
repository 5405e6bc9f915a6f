# shellcheck shell=sh
# Writes a service's config files into the task volumes its container mounts. Each argument is one of:
#   +DIR=DEST      copies what the image has in DIR, if anything, into DEST, so that a file placed in DIR does not
#                  hide the image's other files there (the helper then runs the service's own image);
#   VAR=MODE=PATH  writes variable VAR, byte for byte, to the file PATH with the octal MODE.
# Paths are absolute, without '.', '..' or empty parts; parent directories are made 0755.
set -euf
umask 022
bad() {
	echo "$0: $1: not +DIR=DEST or VAR=MODE=/path" >&2
	exit 2
}
abs() {
	case $1 in /*) ;; *) return 1 ;; esac
	case $1/ in *//* | */../* | */./*) return 1 ;; esac
}
for a in "$@"; do
	case $a in
	+*=*)
		rest=${a#+}
		src=${rest%=*} dest=${rest##*=}
		if ! abs "$src" || ! abs "$dest"; then bad "$a"; fi
		mkdir -p "$dest"
		if [ -d "$src" ]; then
			cp -a "$src/." "$dest/"
		fi
		;;
	*=*=*)
		var=${a%%=*} rest=${a#*=}
		mode=${rest%%=*} path=${rest#*=}
		# The name is checked before eval reads the variable.
		case $var in '' | [0-9]* | *[!A-Za-z0-9_]*) bad "$a" ;; esac
		case $mode in '' | *[!0-7]*) bad "$a" ;; esac
		abs "$path" || bad "$a"
		mkdir -p "${path%/*}/."
		value=''
		eval "value=\${$var}"
		printf '%s' "$value" >"$path"
		chmod "$mode" "$path"
		;;
	*) bad "$a" ;;
	esac
done
