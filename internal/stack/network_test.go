package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack/stackfake"
)

func account() *stackfake.EC2 {
	return &stackfake.EC2{
		Vpcs: []ec2types.Vpc{
			{VpcId: aws.String("vpc-default"), IsDefault: aws.Bool(true)},
			{VpcId: aws.String("vpc-app"), IsDefault: aws.Bool(false)},
		},
		Subnets: []ec2types.Subnet{
			{SubnetId: aws.String("subnet-b"), VpcId: aws.String("vpc-default")},
			{SubnetId: aws.String("subnet-a"), VpcId: aws.String("vpc-default")},
			{SubnetId: aws.String("subnet-app"), VpcId: aws.String("vpc-app")},
		},
	}
}

func TestResolveNetwork(t *testing.T) {
	cases := []struct {
		name, vpc, wantVPC string
		wantSubnets        []string
	}{
		{"default VPC", "", "vpc-default", []string{"subnet-a", "subnet-b"}},
		{"given VPC", "vpc-app", "vpc-app", []string{"subnet-app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewNetworkResolver(account(), 0, nil)
			vpc, subnets, err := r.Resolve(context.Background(), c.vpc)
			if err != nil || vpc != c.wantVPC || !slices.Equal(subnets, c.wantSubnets) {
				t.Fatalf("Resolve = %s %v %v", vpc, subnets, err)
			}
		})
	}
}

func TestResolveNetworkErrors(t *testing.T) {
	noDefault := account()
	noDefault.Vpcs = noDefault.Vpcs[1:]
	noSubnets := account()
	noSubnets.Subnets = nil
	broken := account()
	broken.Err = errors.New("connection reset")
	cases := []struct {
		name     string
		ec2      *stackfake.EC2
		vpc      string
		terminal bool
		msg      string
	}{
		{"no default VPC", noDefault, "", true, "set spec.network.vpcID or x-aws-vpc"},
		{"unknown VPC", account(), "vpc-nope", true, "VPC vpc-nope does not exist"},
		{"no subnets", noSubnets, "vpc-app", true, "has no subnets"},
		{"EC2 down", broken, "", false, "connection reset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := NewNetworkResolver(c.ec2, 0, nil).Resolve(context.Background(), c.vpc)
			if err == nil || IsTerminal(err) != c.terminal || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if c.terminal && terminalReason(err) != csv1.ReasonNetworkNotFound {
				t.Errorf("reason = %s", terminalReason(err))
			}
		})
	}
}

func TestResolveNetworkCachesUntilTTL(t *testing.T) {
	c := newClock()
	ec2 := account()
	r := NewNetworkResolver(ec2, time.Minute, c.Now)
	for range 3 {
		if _, _, err := r.Resolve(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if ec2.Calls("DescribeVpcs") != 1 || ec2.Calls("DescribeSubnets") != 1 {
		t.Fatalf("calls: vpcs %d subnets %d", ec2.Calls("DescribeVpcs"), ec2.Calls("DescribeSubnets"))
	}
	// A cached answer cannot be changed through the slice it handed out.
	_, subnets, _ := r.Resolve(context.Background(), "")
	subnets[0] = "changed"
	if _, again, _ := r.Resolve(context.Background(), ""); again[0] != "subnet-a" {
		t.Fatal("cache was changed by a caller")
	}
	c.Add(time.Minute)
	if _, _, err := r.Resolve(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if ec2.Calls("DescribeVpcs") != 2 {
		t.Fatalf("not looked up again after the TTL: %d", ec2.Calls("DescribeVpcs"))
	}
}

func TestClientResolvesNetwork(t *testing.T) {
	c := &Client{Network: NewNetworkResolver(account(), 0, nil)}
	vpc, subnets, err := c.ResolveNetwork(context.Background(), "vpc-app")
	if err != nil || vpc != "vpc-app" || len(subnets) != 1 {
		t.Fatalf("%s %v %v", vpc, subnets, err)
	}
}
