#!/usr/bin/env bash
# Regenerates deepcopy, CRD, RBAC and the API reference (docs/api.md) and fails if that changed anything:
# generated files must be committed as generated. Works on a dirty tree, because it compares content before and after rather than asking git.
set -euo pipefail
make_cmd=${1:-make}
cd "$(dirname "$0")/.."
files() { { find api config/crd/bases config/rbac charts/composestack/crds charts/composestack/files -type f \( -name 'zz_generated*.go' -o -name '*.yaml' \) 2>/dev/null; find docs -maxdepth 1 -name api.md; } | sort; }
sum() { files | xargs -r sha256sum; }
before=$(sum)
$make_cmd --no-print-directory generate manifests api-docs >/dev/null
after=$(sum)
if [ "$before" != "$after" ]; then
	echo "error: generated files were stale and have now been regenerated; commit them:" >&2
	diff <(echo "$before") <(echo "$after") >&2 || true
	exit 1
fi
echo "generated files are up to date"
