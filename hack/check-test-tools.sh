#!/usr/bin/env bash
# The tests drive the real cfn-lint and moto_server; say clearly when either is missing rather than let
# tests fail one by one.
set -euo pipefail
missing=0
for tool in cfn-lint moto_server; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "error: '$tool' is not on PATH; the tests need it. Install it with: pip install 'cfn-lint==1.51.0' 'moto[server]==5.2.1'" >&2
		missing=1
	fi
done
exit $missing
