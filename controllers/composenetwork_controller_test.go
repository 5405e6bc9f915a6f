package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/network"
)

func newNetwork(ns, name string) *csv1.ComposeNetwork {
	return &csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
}

// waitNetwork polls the network until cond holds.
func waitNetwork(t *testing.T, obj *csv1.ComposeNetwork, what string, cond func(*csv1.ComposeNetwork) bool) *csv1.ComposeNetwork {
	t.Helper()
	got := &csv1.ComposeNetwork{}
	eventually(t, what, 60*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
			return false, err.Error()
		}
		return cond(got), networkSummary(got)
	})
	return got
}

func networkSummary(o *csv1.ComposeNetwork) string {
	var b strings.Builder
	b.WriteString("generation " + itoa(o.Generation) + ", observed " + itoa(o.Status.ObservedGeneration) + ", stack " +
		o.Status.StackStatus + ", usedBy " + strings.Join(o.Status.UsedBy, ","))
	for _, c := range o.Status.Conditions {
		b.WriteString("; " + c.Type + "=" + string(c.Status) + " " + c.Reason + ": " + c.Message)
	}
	return b.String()
}

func networkCondition(o *csv1.ComposeNetwork, t string) *metav1.Condition {
	for i := range o.Status.Conditions {
		if o.Status.Conditions[i].Type == t {
			return &o.Status.Conditions[i]
		}
	}
	return nil
}

func networkReady(o *csv1.ComposeNetwork) bool {
	c := networkCondition(o, csv1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == o.Generation &&
		o.Status.ObservedGeneration == o.Generation
}

// TestNetworkReady creates a three-zone network with a NAT gateway per zone and every VPC endpoint, and checks
// what its status publishes for ComposeStacks and tools: the exports, the VPC, kstatus Current.
func TestNetworkReady(t *testing.T) {
	ns := newNamespace(t)
	obj := newNetwork(ns, "wide")
	obj.Spec = csv1.ComposeNetworkSpec{Zones: 3, NAT: csv1.NATPerZone, CIDR: "10.20.0.0/16", Endpoints: []csv1.VPCEndpoint{
		csv1.EndpointECRAPI, csv1.EndpointECRDKR, csv1.EndpointLogs, csv1.EndpointSecretsManager, csv1.EndpointS3}}
	create(t, obj)

	got := waitNetwork(t, obj, "Ready", networkReady)
	name := csv1.DefaultNetworkStackName(ns, "wide")
	if got.Status.StackName != name || got.Status.StackStatus != "CREATE_COMPLETE" || got.Status.StackID == "" {
		t.Fatalf("status: stack %q %s id %q, want %q CREATE_COMPLETE", got.Status.StackName, got.Status.StackStatus, got.Status.StackID, name)
	}
	want := network.ExportNames(name, 3)
	if got.Status.Exports == nil || !reflect.DeepEqual(*got.Status.Exports, want) {
		t.Fatalf("exports %+v, want %+v", got.Status.Exports, want)
	}
	if !strings.HasPrefix(got.Status.VPCID, "vpc-") || !strings.Contains(networkCondition(got, csv1.ConditionReady).Message, got.Status.VPCID) {
		t.Fatalf("VPC %q, Ready message %q", got.Status.VPCID, networkCondition(got, csv1.ConditionReady).Message)
	}
	st := describeStack(t, name)
	exported := map[string]bool{}
	for _, o := range st.Outputs {
		if o.ExportName != nil {
			exported[*o.ExportName] = true
		}
	}
	for _, e := range slices.Concat([]string{want.VPC}, want.PublicSubnets, want.PrivateSubnets) {
		if !exported[e] {
			t.Errorf("the stack does not export %s (exports %v)", e, exported)
		}
	}
	if networkCondition(got, csv1.ConditionInUse) != nil || len(got.Status.UsedBy) != 0 {
		t.Fatalf("an unused network says it is in use: %s", networkSummary(got))
	}
	if s := kstatus(t, got); s != status.CurrentStatus {
		t.Fatalf("kstatus %s, want Current", s)
	}
	if h := argoHealth(t, got); h != "Healthy" {
		t.Fatalf("Argo CD health %s, want Healthy", h)
	}
	// As for a ComposeStack: the progress in status, and the stack events and the transition as Events.
	var done, all int
	if _, err := fmt.Sscanf(got.Status.Progress, "%d/%d resources", &done, &all); err != nil || done != all || all < 20 {
		t.Fatalf("progress %q, want N/N resources of the whole template", got.Status.Progress)
	}
	waitEvent(t, got, "Normal", csv1.ReasonStackEvent, "AWS::EC2::NatGateway")
	waitEvent(t, got, "Normal", csv1.ReasonSucceeded, "is CREATE_COMPLETE")
}

// TestStackInPrivateNetwork is the life of a ComposeStack in a ComposeNetwork: it waits for the network, then runs
// in its private subnets behind a load balancer in its public ones; the network cannot be deleted from under it,
// and goes once the stack has.
func TestStackInPrivateNetwork(t *testing.T) {
	ns := newNamespace(t)
	app := newStack(ns, "app", webCompose)
	app.Spec.Network = &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "net"}}
	create(t, app)

	// No network yet: the stack waits and says for what, Reconciling rather than Stalled.
	got := waitStack(t, app, "waiting for the network", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReady)
		r := condition(o, csv1.ConditionReconciling)
		return c != nil && c.Reason == csv1.ReasonNetworkNotReady && r != nil && r.Status == metav1.ConditionTrue &&
			strings.Contains(c.Message, `ComposeNetwork "net" does not exist`)
	})
	if got.Status.StackID != "" || describeStack(t, csv1.DefaultStackName(ns, "app")) != nil {
		t.Fatalf("a stack was made before its network existed: %s", summary(got))
	}

	net := newNetwork(ns, "net")
	create(t, net)
	gotNet := waitNetwork(t, net, "Ready and used by app", func(o *csv1.ComposeNetwork) bool {
		return networkReady(o) && slices.Equal(o.Status.UsedBy, []string{"app"})
	})
	if c := networkCondition(gotNet, csv1.ConditionInUse); c == nil || c.Status != metav1.ConditionTrue ||
		c.Reason != csv1.ReasonNetworkInUse || !strings.Contains(c.Message, "ComposeStack app") {
		t.Fatalf("InUse condition %+v", c)
	}

	waitStack(t, app, "Ready in the network", readyAt)
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(templateOf(t, csv1.DefaultStackName(ns, "app"))), &tpl); err != nil {
		t.Fatal(err)
	}
	exports := gotNet.Status.Exports
	imports := func(names []string) string {
		var out []any
		for _, n := range names {
			out = append(out, map[string]any{"Fn::ImportValue": n})
		}
		js, _ := json.Marshal(out)
		return string(js)
	}
	for id, r := range tpl.Resources {
		switch r.Type {
		case "AWS::ECS::Service":
			vpc := r.Properties["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
			subnets, _ := json.Marshal(vpc["Subnets"])
			if vpc["AssignPublicIp"] != "DISABLED" || string(subnets) != imports(exports.PrivateSubnets) {
				t.Errorf("%s: AssignPublicIp %v in subnets %s; want DISABLED in %s", id, vpc["AssignPublicIp"], subnets, imports(exports.PrivateSubnets))
			}
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			subnets, _ := json.Marshal(r.Properties["Subnets"])
			if r.Properties["Scheme"] != "internet-facing" || string(subnets) != imports(exports.PublicSubnets) {
				t.Errorf("%s: %v in subnets %s; want internet-facing in %s", id, r.Properties["Scheme"], subnets, imports(exports.PublicSubnets))
			}
		case "AWS::EC2::SecurityGroup":
			if vpc, _ := json.Marshal(r.Properties["VpcId"]); string(vpc) != `{"Fn::ImportValue":"`+exports.VPC+`"}` {
				t.Errorf("%s: VpcId %s, want the network's export %s", id, vpc, exports.VPC)
			}
		}
	}

	// Deleting the network while the stack uses it keeps it, saying who uses it; the stack learns it is going.
	if err := env.Client.Delete(context.Background(), net); err != nil {
		t.Fatal(err)
	}
	gotNet = waitNetwork(t, net, "kept while in use", func(o *csv1.ComposeNetwork) bool {
		c := networkCondition(o, csv1.ConditionReady)
		s := networkCondition(o, csv1.ConditionStalled)
		return !o.DeletionTimestamp.IsZero() && c != nil && c.Status == metav1.ConditionFalse && c.Reason == csv1.ReasonNetworkInUse &&
			s != nil && s.Status == metav1.ConditionTrue
	})
	if msg := networkCondition(gotNet, csv1.ConditionReady).Message; !strings.Contains(msg, "ComposeStack app") {
		t.Fatalf("the NetworkInUse message does not name the stack: %q", msg)
	}
	if s, h := kstatus(t, gotNet), argoHealth(t, gotNet); s != status.TerminatingStatus || h != "Degraded" {
		t.Fatalf("a network kept in use: kstatus %s, Argo CD health %s; want Terminating and Degraded, as it waits for the user", s, h)
	}
	if st := describeStack(t, gotNet.Status.StackName); st == nil || string(st.StackStatus) != "CREATE_COMPLETE" {
		t.Fatalf("the network stack was touched while in use: %+v", st)
	}
	waitStack(t, app, "told the network is going", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReady)
		return c != nil && c.Reason == csv1.ReasonNetworkNotReady && strings.Contains(c.Message, "being deleted")
	})

	// Once the stack has gone, so does the network, and its stack with it.
	deleteAndWait(t, app)
	deleteAndWait(t, net)
	if st := describeStack(t, gotNet.Status.StackName); st != nil && string(st.StackStatus) != "DELETE_COMPLETE" {
		t.Fatalf("network stack left %s", st.StackStatus)
	}
}

// TestStackInNetworkInternalLoadBalancer: with loadBalancerScheme internal, the load balancer stays in the
// private subnets with the tasks.
func TestStackInNetworkInternalLoadBalancer(t *testing.T) {
	ns := newNamespace(t)
	net := newNetwork(ns, "net")
	net.Spec.NAT = csv1.NATNone
	net.Spec.Endpoints = []csv1.VPCEndpoint{csv1.EndpointECRAPI, csv1.EndpointECRDKR, csv1.EndpointLogs, csv1.EndpointS3}
	create(t, net)
	app := newStack(ns, "inside", webCompose)
	app.Spec.Network = &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "net"}, LoadBalancerScheme: "internal"}
	create(t, app)
	waitStack(t, app, "Ready", readyAt)
	gotNet := waitNetwork(t, net, "Ready", networkReady)
	tpl := templateOf(t, csv1.DefaultStackName(ns, "inside"))
	if strings.Contains(tpl, "PublicSubnet") || !strings.Contains(tpl, `"internal"`) {
		t.Fatalf("an internal load balancer should be in the private subnets only:\n%s", tpl)
	}
	for _, e := range gotNet.Status.Exports.PrivateSubnets {
		if !strings.Contains(tpl, e) {
			t.Fatalf("the template does not import %s", e)
		}
	}

	// An update of the network (another endpoint) does not hold up the stack that runs in it.
	before := condition(waitStack(t, app, "Ready", readyAt), csv1.ConditionReady).LastTransitionTime
	latest := &csv1.ComposeNetwork{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(net), latest); err != nil {
		t.Fatal(err)
	}
	latest.Spec.Endpoints = append(latest.Spec.Endpoints, csv1.EndpointSecretsManager)
	if err := env.Client.Update(context.Background(), latest); err != nil {
		t.Fatal(err)
	}
	waitNetwork(t, net, "updated", func(o *csv1.ComposeNetwork) bool {
		return networkReady(o) && o.Generation == 2 && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	if after := condition(waitStack(t, app, "Ready", readyAt), csv1.ConditionReady); !after.LastTransitionTime.Equal(&before) {
		t.Fatalf("the stack's Ready changed while its network updated: %+v", after)
	}
}

// TestNetworkSpecErrorStalls: a spec the template cannot be made from stalls with the field named, and a fixed
// spec goes on.
func TestNetworkSpecErrorStalls(t *testing.T) {
	ns := newNamespace(t)
	net := newNetwork(ns, "bad")
	net.Spec.CIDR = "10.0.0.1/16" // the pattern lets it through; the host bits are wrong
	create(t, net)
	got := waitNetwork(t, net, "Stalled", func(o *csv1.ComposeNetwork) bool {
		c := networkCondition(o, csv1.ConditionStalled)
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == csv1.ReasonInvalidNetwork
	})
	if msg := networkCondition(got, csv1.ConditionReady).Message; !strings.Contains(msg, "spec.cidr") || !strings.Contains(msg, "10.0.0.0/16") {
		t.Fatalf("the message should name spec.cidr and the fix: %q", msg)
	}
	if describeStack(t, got.Status.StackName) != nil {
		t.Fatal("a stack was made from a bad spec")
	}
	got.Spec.CIDR = "10.0.0.0/16"
	if err := env.Client.Update(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	waitNetwork(t, net, "Ready once fixed", networkReady)
}

// TestNetworkSuspended: a suspended network makes no stack and says so; resumed, it goes on.
func TestNetworkSuspended(t *testing.T) {
	ns := newNamespace(t)
	net := newNetwork(ns, "later")
	net.Spec.Suspend = true
	create(t, net)
	got := waitNetwork(t, net, "Suspended", func(o *csv1.ComposeNetwork) bool {
		c := networkCondition(o, csv1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == csv1.ReasonSuspended && o.Status.ObservedGeneration == o.Generation
	})
	if describeStack(t, got.Status.StackName) != nil || got.Status.Exports != nil {
		t.Fatalf("a suspended network made its stack: %s", networkSummary(got))
	}
	got.Spec.Suspend = false
	if err := env.Client.Update(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	waitNetwork(t, net, "Ready once resumed", networkReady)
}

// TestNetworkRetained: with deletionPolicy Retain, deleting an unused network leaves its stack in place.
func TestNetworkRetained(t *testing.T) {
	ns := newNamespace(t)
	net := newNetwork(ns, "kept")
	net.Spec.Stack.DeletionPolicy = csv1.DeletionPolicyRetain
	create(t, net)
	got := waitNetwork(t, net, "Ready", networkReady)
	deleteAndWait(t, net)
	if st := describeStack(t, got.Status.StackName); st == nil || string(st.StackStatus) != "CREATE_COMPLETE" {
		t.Fatalf("the retained network's stack: %+v", st)
	}
	if _, err := cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: &got.Status.StackName}); err != nil {
		t.Fatal(err)
	}
}

// TestNetworkUsersFollowTheReference: a stack that moves to another network leaves the first one unused.
func TestNetworkUsersFollowTheReference(t *testing.T) {
	ns := newNamespace(t)
	a, b := newNetwork(ns, "a"), newNetwork(ns, "b")
	a.Spec.Suspend, b.Spec.Suspend = true, true // no stacks needed to count users
	create(t, a)
	create(t, b)
	app := newStack(ns, "mover", webCompose)
	app.Spec.Network = &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "a"}}
	create(t, app)
	usedBy := func(users ...string) func(*csv1.ComposeNetwork) bool {
		return func(o *csv1.ComposeNetwork) bool {
			return slices.Equal(o.Status.UsedBy, users) && (networkCondition(o, csv1.ConditionInUse) != nil) == (len(users) > 0)
		}
	}
	waitNetwork(t, a, "used by mover", usedBy("mover"))
	update(t, app, func(o *csv1.ComposeStack) { o.Spec.Network.NetworkRef.Name = "b" })
	waitNetwork(t, a, "unused", usedBy())
	waitNetwork(t, b, "used by mover", usedBy("mover"))
	waitStack(t, app, "waiting for b", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReady)
		return c != nil && c.Reason == csv1.ReasonNetworkNotReady && strings.Contains(c.Message, `ComposeNetwork "b"`)
	})
}
