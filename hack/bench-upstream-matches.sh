#!/usr/bin/env bash
# Measures what the load+render benchmarks would be if compose-go's tree.Path.Matches did not allocate.
#
# Matches splits both of its paths with strings.Split on every call, and compose-go calls it for every node of
# a compose model against every pattern of several tables; that is about 38 % of the bytes BenchmarkRenderUtopia
# allocates (docs/benchmarks.md). This script copies the pinned compose-go from the module cache into a
# temporary directory, replaces Matches with a segment-by-segment comparison that allocates nothing (same
# results: compose-go's own tree tests pass on the copy), and runs the benchmarks twice, alternately: against
# the pinned module and against the copy (through a temporary go.mod replace in a temporary clone). Nothing in
# the repository changes. It is an experiment for an upstream proposal, not a build step.
#
# Usage: hack/bench-upstream-matches.sh [rounds]   (default 8; needs git, python3, network access to the module proxy)
set -euo pipefail

rounds=${1:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(cd "$root" && go list -m -f '{{.Version}}' github.com/compose-spec/compose-go/v2)
src=$(cd "$root" && go mod download -json "github.com/compose-spec/compose-go/v2@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
cp -r "$src" "$work/compose-go"
chmod -R u+w "$work/compose-go"

python3 - "$work/compose-go/tree/path.go" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()
start = s.index("func (p Path) Matches(pattern Path) bool {")
end = s.index("\n}\n", start) + 3
s = s[:start] + '''func (p Path) Matches(pattern Path) bool {
	rest, pat := string(p), string(pattern)
	for {
		i := strings.Index(rest, pathSeparator)
		j := strings.Index(pat, pathSeparator)
		if (i < 0) != (j < 0) {
			return false
		}
		seg, want := rest, pat
		if i >= 0 {
			seg, want = rest[:i], pat[:j]
		}
		if want != PathMatchAll && want != seg {
			return false
		}
		if i < 0 {
			return true
		}
		rest, pat = rest[i+1:], pat[j+1:]
	}
}
''' + s[end:]
open(path, "w").write(s)
PY
(cd "$work/compose-go" && go test ./tree/ >/dev/null)

git clone -q "$root" "$work/repo"
cd "$work/repo"
for p in render compose; do go test -c -o "$work/pinned-$p.test" "./internal/$p/"; done
go mod edit -replace "github.com/compose-spec/compose-go/v2=$work/compose-go"
for p in render compose; do go test -c -o "$work/patched-$p.test" "./internal/$p/"; done
git checkout -q go.mod

for _ in $(seq "$rounds"); do
	for v in pinned patched; do
		(cd internal/render && "$work/$v-render.test" -test.run '^$' -test.bench 'RenderUtopia|RenderOnly' -test.benchmem -test.count 1 2>/dev/null) >>"$work/$v.txt"
		(cd internal/compose && "$work/$v-compose.test" -test.run '^$' -test.bench 'LoadUtopia' -test.benchmem -test.count 1 2>/dev/null) >>"$work/$v.txt"
	done
done
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$work/pinned.txt" "$work/patched.txt"
