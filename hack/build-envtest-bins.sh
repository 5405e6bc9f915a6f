#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy (no download
# site is reachable) into bin/k8s/<k8s version>-etcd<etcd version>/.
# Cached: does nothing when the binaries are already there and run.
# The last stdout line is the directory, e.g.
#   KUBEBUILDER_ASSETS=$(hack/build-envtest-bins.sh | tail -1)
# Progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$ROOT/hack/versions.env"

OUT="$ROOT/bin/k8s/${KUBERNETES_VERSION}-etcd${ETCD_VERSION}"
log() { echo "build-envtest-bins: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'die "failed at line $LINENO (see messages above)"' ERR

cached() {
  "$OUT/kube-apiserver" --version >/dev/null 2>&1 &&
    "$OUT/etcd" --version >/dev/null 2>&1 &&
    "$OUT/kubectl" version --client >/dev/null 2>&1
}

# Serialise concurrent callers (parallel make targets, several shells).
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

if cached; then
  log "up to date: $OUT"
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || die "go is not on PATH"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/envtest-bins.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" # keep every go command away from the project's go.mod/go.sum

# Throwaway modules: never touch the project's go.mod. Keep the user's GOFLAGS
# (e.g. -buildvcs=false) and GOMODCACHE/GOCACHE so reruns are fast.
export CGO_ENABLED=0 GOFLAGS="$(go env GOFLAGS) -mod=mod"
BUILD=(go build -trimpath)

# --- kube-apiserver + kubectl ---------------------------------------------
# k8s.io/kubernetes's go.mod requires its staging modules at v0.0.0 and
# replaces them with ./staging/src/...; a consumer must replace them with the
# published tags. Take the list from that go.mod rather than hardcoding it
# (replaces of modules outside the build graph, e.g. sample-controller, are ignored).
log "resolving k8s.io/kubernetes@$KUBERNETES_VERSION"
KMOD=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
[[ -f "$KMOD" ]] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION"
STAGING=$(go mod edit -print "$KMOD" |
  awk '{sub(/^replace[ \t]+/, "")} $2 == "=>" && $3 ~ /^\.\/staging\// {print $1}')
[[ -n "$STAGING" ]] || die "found no staging modules in $KMOD"

mkdir -p "$WORK/k8s" && cd "$WORK/k8s"
go mod init envtest-bins/k8s >/dev/null 2>&1
go mod edit -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
for m in $STAGING; do go mod edit -replace="$m=$m@$KUBE_STAGING_VERSION"; done

# Stamp the version the way Kubernetes' own build does (hack/lib/version.sh);
# otherwise the binaries report v0.0.0-master.
minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
LDFLAGS="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done

log "building kube-apiserver and kubectl $KUBERNETES_VERSION (slow when cold)"
"${BUILD[@]}" -ldflags "$LDFLAGS" -o "$WORK/out/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl

# --- etcd -------------------------------------------------------------------
# Separate module: k8s.io/kubernetes requires newer etcd client libraries,
# which MVS would otherwise force onto the etcd server.
log "building etcd $ETCD_VERSION"
mkdir -p "$WORK/etcd" && cd "$WORK/etcd"
go mod init envtest-bins/etcd >/dev/null 2>&1
go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
"${BUILD[@]}" -ldflags "-s -w" -o "$WORK/out/etcd" go.etcd.io/etcd/server/v3

# Move into place only after everything built, so a failure leaves no half set.
mv -f "$WORK/out/kube-apiserver" "$WORK/out/kubectl" "$WORK/out/etcd" "$OUT/"
cached || die "built binaries in $OUT do not run"
log "built into $OUT"
echo "$OUT"
