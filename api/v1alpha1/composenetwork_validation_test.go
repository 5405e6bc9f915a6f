package v1alpha1_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

func TestNetworkDefaults(t *testing.T) {
	ns := namespace(t)
	n := &csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{Name: "net", Namespace: ns}}
	if err := env.Client.Create(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := &csv1.ComposeNetwork{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(n), got); err != nil {
		t.Fatal(err)
	}
	s := got.Spec
	if s.CIDR != "10.0.0.0/16" || s.Zones != 2 || s.NAT != csv1.NATSingle || s.Stack.DeletionPolicy != csv1.DeletionPolicyDelete {
		t.Errorf("defaults: %+v", s)
	}
	if got.ZoneCount() != 2 || got.Interval() != 10*time.Minute || got.StackName() != csv1.DefaultNetworkStackName(ns, "net") {
		t.Errorf("derived: zones %d, interval %v, stack %q", got.ZoneCount(), got.Interval(), got.StackName())
	}
}

func TestNetworkValidationRejects(t *testing.T) {
	ns := namespace(t)
	cases := []struct {
		name   string
		mutate func(*csv1.ComposeNetwork)
		want   string
	}{
		{"four zones", func(n *csv1.ComposeNetwork) { n.Spec.Zones = 4 }, "spec.zones"},
		{"unknown NAT mode", func(n *csv1.ComposeNetwork) { n.Spec.NAT = "Shared" }, "spec.nat"},
		{"unknown endpoint", func(n *csv1.ComposeNetwork) { n.Spec.Endpoints = []csv1.VPCEndpoint{"dynamodb"} }, "spec.endpoints[0]"},
		{"endpoint twice", func(n *csv1.ComposeNetwork) { n.Spec.Endpoints = []csv1.VPCEndpoint{"s3", "s3"} }, "spec.endpoints[1]"},
		{"range too wide", func(n *csv1.ComposeNetwork) { n.Spec.CIDR = "10.0.0.0/8" }, "spec.cidr"},
		{"bad stack name", func(n *csv1.ComposeNetwork) { n.Spec.Stack.Name = "1-net" }, "spec.stack.name"},
		{"reserved tag", func(n *csv1.ComposeNetwork) { n.Spec.Stack.Tags = map[string]string{"aws:x": "y"} }, "must not start with"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := &csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{GenerateName: "net-", Namespace: ns}}
			tc.mutate(n)
			err := env.Client.Create(context.Background(), n)
			if err == nil || !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an Invalid error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestNetworkRefIsExclusive(t *testing.T) {
	ns := namespace(t)
	ref := &csv1.NetworkReference{Name: "net"}
	for name, spec := range map[string]*csv1.NetworkSpec{
		"vpcID":         {NetworkRef: ref, VPCID: "vpc-12345678"},
		"vpcImport":     {NetworkRef: ref, VPCImport: "net-VpcId"},
		"subnetImports": {NetworkRef: ref, VPCImport: "net-VpcId", SubnetImports: []string{"net-PrivateSubnet1"}},
	} {
		t.Run(name, func(t *testing.T) {
			cs := valid(ns)
			cs.Spec.Network = spec
			err := env.Client.Create(context.Background(), cs)
			if err == nil || !strings.Contains(err.Error(), "networkRef names the VPC and subnets") {
				t.Fatalf("got %v, want the networkRef rule", err)
			}
		})
	}
	cs := valid(ns)
	cs.Spec.Network = &csv1.NetworkSpec{NetworkRef: ref, LoadBalancerScheme: "internal", IngressCIDR: "10.0.0.0/8"}
	if err := env.Client.Create(context.Background(), cs); err != nil {
		t.Fatalf("networkRef with a scheme and an ingress range: %v", err)
	}
}
