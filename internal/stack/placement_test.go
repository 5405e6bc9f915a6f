package stack_test

import (
	"reflect"
	"testing"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

func TestRefNetwork(t *testing.T) {
	exports := csv1.NetworkExports{
		VPC:            "net-VpcId",
		PublicSubnets:  []string{"net-PublicSubnet1", "net-PublicSubnet2"},
		PrivateSubnets: []string{"net-PrivateSubnet1", "net-PrivateSubnet2"},
	}
	cases := []struct {
		name string
		spec *csv1.NetworkSpec
		want render.Network
	}{{
		name: "internet-facing load balancer in the public subnets, tasks private",
		// The API's default for assignPublicIP is Enabled; a network reference overrides it.
		spec: &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "net"}, AssignPublicIP: "Enabled",
			LoadBalancerScheme: "internet-facing", IngressCIDR: "10.1.0.0/16"},
		want: render.Network{VPCImport: "net-VpcId", SubnetImports: exports.PrivateSubnets,
			LoadBalancerSubnetImports: exports.PublicSubnets, IngressCIDR: "10.1.0.0/16"},
	}, {
		name: "internal load balancer with the tasks",
		spec: &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "net"}, LoadBalancerScheme: "internal"},
		want: render.Network{VPCImport: "net-VpcId", SubnetImports: exports.PrivateSubnets, InternalLoadBalancer: true},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := stack.RefNetwork(c.spec, exports); !reflect.DeepEqual(got, c.want) {
				t.Errorf("RefNetwork:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}
