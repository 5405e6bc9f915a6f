# shellcheck shell=sh
# Writes each secret to a file under the secrets directory. Each argument is VAR=path: ECS puts the secret (or one
# JSON key of it, through valueFrom) in variable VAR, and the file is path, relative to the directory. Files are
# read-only for everyone and directories searchable, as Docker's helper made them.
set -euf
dir=${SECRETS_DIR:-/run/secrets}
umask 022
for a in "$@"; do
	var=${a%%=*} rel=${a#*=}
	# The name is checked before eval reads the variable, and the path must stay under the directory.
	ok=1
	case $a in *=*) ;; *) ok= ;; esac
	case $var in '' | [0-9]* | *[!A-Za-z0-9_]*) ok= ;; esac
	case /$rel/ in *//* | */../* | */./*) ok= ;; esac
	if [ -z "$ok" ]; then
		echo "$0: $a: not VAR=relative/path" >&2
		exit 2
	fi
	path=$dir/$rel
	mkdir -p "${path%/*}"
	value=''
	eval "value=\${$var}"
	printf '%s' "$value" >"$path"
	chmod 0444 "$path"
done
