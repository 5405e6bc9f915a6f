# shellcheck shell=bash
# The steps of `hack/demo.sh --private` (make demo-private), sourced by it once the control plane, the local
# CloudFormation endpoint and the manager run: the Utopia sample in a private ComposeNetwork.

step "Applying the Utopia sample with spec.network.networkRef, before its ComposeNetwork exists"
"$KUBECTL" create namespace "$NS" >/dev/null
k apply -f "$ROOT/config/samples/utopia-secret.yaml"
"$KUBECTL" patch --local -o yaml -f "$ROOT/config/samples/composestack_v1alpha1_utopia.yaml" --type merge \
	-p '{"spec":{"network":{"networkRef":{"name":"private"}}}}' | k apply -f -
reason() { k get "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'; }
waiting_for_network() { [ "$(reason composestack/utopia)" = NetworkNotReady ]; }
wait_for "the stack to wait for its network" waiting_for_network
k get composestacks -o wide

step "Applying the ComposeNetwork (a VPC over two zones, private subnets behind NAT, VPC endpoints)"
k apply -f "$ROOT/config/samples/composenetwork_v1alpha1_composenetwork.yaml"
ready() { [ "$(k get "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
wait_for "the network to be Ready" ready composenetwork/private
wait_for "the stack to be Ready in it" ready composestack/utopia
k wait --for=condition=Ready composenetwork/private composestack/utopia --timeout=10s >/dev/null ||
	die "kubectl wait disagrees: not Ready"
k get composenetworks -o wide
k get composestacks
used=$(k get composenetwork private -o jsonpath='{.status.usedBy}')
[ "$used" = '["utopia"]' ] || die "the network's status.usedBy is $used, not [\"utopia\"]"
echo "   exports: $(k get composenetwork private -o jsonpath='{.status.exports}')"

step "Checking the deployed template: tasks in the private subnets without public IPs, the load balancer in the public ones"
stack=$(k get composestack utopia -o jsonpath='{.status.stackName}')
# The CloudFormation query API, as the SDK calls it; the local endpoint reads the Region from the credential
# scope and checks no signature.
curl -fsS "http://127.0.0.1:$CFN_PORT/" \
	-H "Authorization: AWS4-HMAC-SHA256 Credential=demo/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=0" \
	--data-urlencode Action=GetTemplate --data-urlencode Version=2010-05-15 --data-urlencode "StackName=$stack" \
	>"$WORK/template.xml"
k get composenetwork private -o jsonpath='{.status.exports}' >"$WORK/exports.json"
python3 - "$WORK/template.xml" "$WORK/exports.json" <<'PY' || die "the stack is not placed in the private network"
import json, sys, xml.etree.ElementTree as ET
body = next(e.text for e in ET.parse(sys.argv[1]).iter() if e.tag.endswith("TemplateBody"))
resources = json.loads(body)["Resources"]
exports = json.load(open(sys.argv[2]))
imports = lambda names: [{"Fn::ImportValue": n} for n in names]
services = lbs = 0
for rid, r in resources.items():
    p = r.get("Properties", {})
    if r["Type"] == "AWS::ECS::Service":
        services += 1
        vpc = p["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert vpc["AssignPublicIp"] == "DISABLED", f"{rid}: AssignPublicIp {vpc['AssignPublicIp']}"
        assert vpc["Subnets"] == imports(exports["privateSubnets"]), f"{rid}: subnets {vpc['Subnets']}"
    elif r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        lbs += 1
        assert p["Scheme"] == "internet-facing", f"{rid}: scheme {p['Scheme']}"
        assert p["Subnets"] == imports(exports["publicSubnets"]), f"{rid}: subnets {p['Subnets']}"
assert services > 0 and lbs == 1, f"{services} services, {lbs} load balancers"
print(f"   {services} services: AssignPublicIp DISABLED in {', '.join(exports['privateSubnets'])}")
print(f"   load balancer: internet-facing in {', '.join(exports['publicSubnets'])}")
PY

step "Deleting the network while the stack uses it: it stays, and says who uses it"
k delete composenetwork private --wait=false >/dev/null
in_use() { [ "$(reason composenetwork/private)" = NetworkInUse ]; }
wait_for "the network to refuse to go" in_use
echo "   $(k get composenetwork private -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"
k get composenetworks -o wide

step "Deleting the stack: it goes, and then the network"
k delete composestack utopia --wait=false >/dev/null
gone() { ! k get "$1" >/dev/null 2>&1; }
wait_for "the stack to be deleted" gone composestack/utopia
wait_for "the network to be deleted" gone composenetwork/private
calls=$(curl -fsS "http://127.0.0.1:$CFN_PORT/_cfnlocal/calls")
echo "   CloudFormation calls: $calls"
[ "$(grep -o '"DeleteStack":[0-9]*' <<<"$calls" | cut -d: -f2)" -ge 2 ] || die "the manager did not delete both stacks"

step "Done: a stack in a private network, the network kept while in use and deleted after; every step checked"
