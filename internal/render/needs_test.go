package render

import (
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func TestNeedsOf(t *testing.T) {
	const vpcARN = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d4e5f67890"
	cases := []struct {
		name string
		ext  types.Extensions
		net  Network
		want Needs
	}{
		{"nothing given: default VPC and its subnets", nil, Network{}, Needs{Subnets: true}},
		{"x-aws-vpc by ID", types.Extensions{xVPC: "vpc-1"}, Network{}, Needs{Subnets: true, VPCID: "vpc-1"}},
		{"x-aws-vpc by ARN, as Docker read it", types.Extensions{xVPC: vpcARN}, Network{},
			Needs{Subnets: true, VPCID: "vpc-0a1b2c3d4e5f67890"}},
		{"the network's VPC wins over x-aws-vpc", types.Extensions{xVPC: "vpc-1"}, Network{VPCID: "vpc-2"},
			Needs{Subnets: true, VPCID: "vpc-2"}},
		{"an imported VPC has no ID", types.Extensions{xVPC: "vpc-1"}, Network{VPCImport: "net-VPC"},
			Needs{Subnets: true}},
		{"an imported VPC is not checked against x-aws-vpc", types.Extensions{xVPC: "not-a-vpc"},
			Network{VPCImport: "net-VPC", SubnetImports: []string{"net-A"}}, Needs{}},
		{"subnet IDs given", nil, Network{VPCID: "vpc-2", SubnetIDs: []string{"subnet-1"}}, Needs{VPCID: "vpc-2"}},
		{"subnet exports given", nil, Network{SubnetImports: []string{"net-A"}}, Needs{}},
		{"load balancer by name, trimmed", types.Extensions{xLoadBalancer: " edge "}, Network{},
			Needs{LoadBalancer: "edge", Subnets: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NeedsOf(&types.Project{Extensions: c.ext}, c.net)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("NeedsOf = %+v; want %+v", got, c.want)
			}
		})
	}
}

func TestNeedsOfRejects(t *testing.T) {
	cases := []struct {
		name  string
		ext   types.Extensions
		net   Network
		wants []string
	}{
		{"x-aws-loadbalancer not a string", types.Extensions{xLoadBalancer: 5}, Network{},
			[]string{"x-aws-loadbalancer:", "non-empty string", "5"}},
		{"x-aws-loadbalancer empty", types.Extensions{xLoadBalancer: "  "}, Network{},
			[]string{"x-aws-loadbalancer:", "non-empty string"}},
		{"x-aws-vpc not a string", types.Extensions{xVPC: []any{"vpc-1"}}, Network{VPCID: "vpc-2"},
			[]string{"x-aws-vpc:", "non-empty string"}},
		{"x-aws-vpc not a VPC", types.Extensions{xVPC: "my-vpc"}, Network{}, []string{"x-aws-vpc:", `"my-vpc"`, "vpc-"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NeedsOf(&types.Project{Extensions: c.ext}, c.net)
			if err == nil {
				t.Fatal("NeedsOf succeeded; want an error")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := NeedsOf(nil, Network{}); err == nil {
		t.Error("NeedsOf(nil) succeeded; want an error")
	}
}

// Named volumes are looked up for a retained file system; external ones name theirs already.
func TestNeedsOfVolumes(t *testing.T) {
	got, err := NeedsOf(&types.Project{Volumes: types.Volumes{
		"db": {}, "cache": {}, "shared": {External: true, Name: "fs-0123"},
	}}, Network{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cache", "db"}; !reflect.DeepEqual(got.Volumes, want) {
		t.Errorf("Volumes = %v, want %v", got.Volumes, want)
	}
}
