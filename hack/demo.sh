#!/usr/bin/env bash
# The demo: the Utopia sample deployed end to end on this machine, with no cloud account.
# A local control plane (kube-apiserver + etcd), the local CloudFormation endpoint, and the real manager
# binary talking to it through the real AWS SDK over HTTP. It applies the sample, waits for Ready, changes
# an image tag and waits for the update, deletes it and waits for the stack to go. It cleans up after
# itself and exits 0 only if every step happened.
#
# With --private (make demo-private), the sample goes into a ComposeNetwork instead: the stack waits for the
# network, then runs in its private subnets without public IPs behind a load balancer in its public subnets;
# the network is kept while the stack uses it, and goes after it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
NS=demo
TIMEOUT=${DEMO_TIMEOUT:-240}
case "${1:-}" in
"") PRIVATE=false ;;
--private) PRIVATE=true ;;
*)
	echo "usage: hack/demo.sh [--private]" >&2
	exit 2
	;;
esac
KINDS=composestacks
if $PRIVATE; then KINDS=composestacks,composenetworks; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/composestack-demo.XXXXXX")
pids=()
cleanup() {
	local code=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ "$code" -ne 0 ]; then
		echo "--- demo failed; last lines of the manager's log:" >&2
		tail -n 40 "$WORK/manager.log" >&2 2>/dev/null || true
	fi
	rm -rf "$WORK"
	exit "$code"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ASSETS=$("$ROOT/hack/build-envtest-bins.sh" | tail -n 1)
KUBECTL=$ASSETS/kubectl
export KUBECONFIG=$WORK/kubeconfig
k() { "$KUBECTL" -n "$NS" "$@"; }

# wait_for DESCRIPTION COMMAND...: polls until the command succeeds, showing the stack as it goes.
wait_for() {
	local what=$1; shift
	local deadline=$((SECONDS + TIMEOUT)) last=""
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || die "timed out after ${TIMEOUT}s waiting for: $what"
		local now
		now=$(k get "$KINDS" -o wide --no-headers 2>/dev/null || true)
		if [ -n "$now" ] && [ "$now" != "$last" ]; then echo "   ${now//$'\n'/$'\n'   }"; last=$now; fi
		sleep 1
	done
}

step "Starting a local control plane (kube-apiserver and etcd, with the ComposeStack and ComposeNetwork CRDs)"
go build -o "$BIN/controlplane" "$ROOT/hack/controlplane"
KUBEBUILDER_ASSETS=$ASSETS "$BIN/controlplane" --write-kubeconfig "$KUBECONFIG" >"$WORK/controlplane.log" 2>&1 &
pids+=($!)
wait_for "the control plane" "$KUBECTL" get crd composestacks.composestack.dev

step "Starting the local CloudFormation endpoint"
CFN_PORT=$(free_port)
"$BIN/cfnlocal" -listen "127.0.0.1:$CFN_PORT" -resource-delay 150ms >"$WORK/cfnlocal.log" 2>&1 &
pids+=($!)
wait_for "the CloudFormation endpoint" curl -fsS "http://127.0.0.1:$CFN_PORT/_cfnlocal/calls"

step "Starting the manager (the real binary and AWS SDK, pointed at the local endpoint)"
PROBE_PORT=$(free_port)
AWS_ENDPOINT_URL="http://127.0.0.1:$CFN_PORT" AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true \
	"$BIN/manager" --poll-interval=2s --metrics-bind-address=0 --health-probe-bind-address="127.0.0.1:$PROBE_PORT" \
	>"$WORK/manager.log" 2>&1 &
pids+=($!)
wait_for "the manager" curl -fsS "http://127.0.0.1:$PROBE_PORT/readyz"

if $PRIVATE; then
	# shellcheck source=hack/demo-private.sh
	. "$ROOT/hack/demo-private.sh"
	exit 0
fi

step "Applying the Utopia sample (seven services, its x-aws-cloudformation overlay, an env file and a Secret)"
"$KUBECTL" create namespace "$NS" >/dev/null
k apply -f "$ROOT/config/samples/utopia-secret.yaml" -f "$ROOT/config/samples/composestack_v1alpha1_utopia.yaml"
ready() { [ "$(k get composestack utopia -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
wait_for "Ready" ready
k wait --for=condition=Ready composestack/utopia --timeout=10s >/dev/null || die "kubectl wait disagrees: not Ready"
k get composestacks
endpoint=$(k get composestack utopia -o jsonpath='{.status.endpoints.loadBalancerDNSName}')
[ -n "$endpoint" ] || die "Ready, but no endpoint in status"
echo "   endpoint: $endpoint; listeners: $(k get composestack utopia -o jsonpath='{range .status.endpoints.listeners[*]}{.service}:{.port}/{.protocol} {end}')"
first=$(k get composestack utopia -o jsonpath='{.status.lastAppliedDigest}')

step "Bumping the orchestrator's image tag, the GitOps way (spec.compose.images)"
k patch composestack utopia --type merge -p \
	'{"spec":{"compose":{"images":{"orchestrator":"247293358719.dkr.ecr.us-east-1.amazonaws.com/main/ss-utopia/orchestrator-service:v2"}}}}' >/dev/null
updated() {
	[ "$(k get composestack utopia -o jsonpath='{.status.observedGeneration}/{.metadata.generation}/{.status.conditions[?(@.type=="Ready")].status}/{.status.stackStatus}')" = "2/2/True/UPDATE_COMPLETE" ]
}
wait_for "the update to roll through" updated
k get composestacks
[ "$(k get composestack utopia -o jsonpath='{.status.lastAppliedDigest}')" != "$first" ] || die "the applied template did not change"

step "Deleting it (deletionPolicy Delete: the stack goes first, then the object)"
k delete composestack utopia --wait=false >/dev/null
gone() { ! k get composestack utopia >/dev/null 2>&1; }
wait_for "the stack to be deleted" gone
calls=$(curl -fsS "http://127.0.0.1:$CFN_PORT/_cfnlocal/calls")
echo "   CloudFormation calls: $calls"
grep -q '"DeleteStack"' <<<"$calls" || die "the manager never called DeleteStack"

step "Done: created, updated and deleted through CloudFormation; every step checked"
