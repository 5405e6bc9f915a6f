#!/usr/bin/env bash
# The tests drive the real cfn-lint and moto_server, and run the helper containers' scripts under BusyBox's
# shell and shellcheck. Say clearly when a Python tool is missing rather than let tests fail one by one; install
# the Debian packages (pinned) when they are missing and we may.
set -euo pipefail
missing=0
for tool in cfn-lint moto_server; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "error: '$tool' is not on PATH; the tests need it. Install it with: pip install 'cfn-lint==1.51.0' 'moto[server]==5.2.1'" >&2
		missing=1
	fi
done

# Debian packages: command -> package=version (bookworm's).
declare -A debs=([busybox]="busybox=1:1.35.0-4+deb12u1+b1" [shellcheck]="shellcheck=0.9.0-1")
want=()
for tool in "${!debs[@]}"; do
	command -v "$tool" >/dev/null 2>&1 || want+=("${debs[$tool]}")
done
if ((${#want[@]})); then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "installing ${want[*]}" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
	else
		echo "error: the tests need ${want[*]} (Debian packages); install them with apt-get" >&2
		missing=1
	fi
fi
exit $missing
