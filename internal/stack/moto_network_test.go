package stack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// TestMotoResolvesNetwork resolves VPCs that cfnlocal's fixed account does not have: one of the user's with
// and without subnets, and an account without a default VPC.
func TestMotoResolvesNetwork(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	ec := e.clients.EC2
	vpc, err := ec.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	terminal := func(vpc, msg string) {
		t.Helper()
		_, _, err := stack.NewNetworkResolver(ec, 0, nil).Resolve(ctx, vpc)
		if terminalReason(err) != csv1.ReasonNetworkNotFound || !strings.Contains(err.Error(), msg) {
			t.Fatalf("Resolve(%q): err = %v, want a NetworkNotFound TerminalError saying %q", vpc, err, msg)
		}
	}
	terminal(vpcID, "has no subnets")

	var want []string
	for _, cidr := range []string{"10.1.1.0/24", "10.1.0.0/24"} {
		sn, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, aws.ToString(sn.Subnet.SubnetId))
	}
	slices.Sort(want)
	got, subnets, err := stack.NewNetworkResolver(ec, 0, nil).Resolve(ctx, vpcID)
	if err != nil || got != vpcID || !slices.Equal(subnets, want) {
		t.Fatalf("Resolve(%s) = %s %v %v; want the VPC's own subnets %v", vpcID, got, subnets, err, want)
	}

	// Without a default VPC, the user must name one.
	def, err := ec.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatalf("default VPC: %v %v", def, err)
	}
	defID := def.Vpcs[0].VpcId
	sns, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{aws.ToString(defID)}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range sns.Subnets {
		if _, err := ec.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ec.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: defID}); err != nil {
		t.Fatal(err)
	}
	terminal("", "set spec.network.vpcID or x-aws-vpc")
}
