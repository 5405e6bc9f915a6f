package stackfake

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 is an in-memory EC2 with DescribeVpcs and DescribeSubnets.
type EC2 struct {
	// Vpcs and Subnets are what the account has.
	Vpcs    []ec2types.Vpc
	Subnets []ec2types.Subnet
	// Err, when set, is returned by every call.
	Err error

	callCounter
}

func filterValues(fs []ec2types.Filter, name string) ([]string, bool) {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return f.Values, true
		}
	}
	return nil, false
}

// DescribeVpcs honours VpcIds and the is-default filter; an unknown ID is InvalidVpcID.NotFound.
func (e *EC2) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	e.count("DescribeVpcs")
	if e.Err != nil {
		return nil, e.Err
	}
	out := &ec2.DescribeVpcsOutput{}
	def, byDefault := filterValues(in.Filters, "is-default")
	for _, v := range e.Vpcs {
		if len(in.VpcIds) > 0 && !slices.Contains(in.VpcIds, aws.ToString(v.VpcId)) {
			continue
		}
		if byDefault && !slices.Contains(def, map[bool]string{true: "true", false: "false"}[aws.ToBool(v.IsDefault)]) {
			continue
		}
		out.Vpcs = append(out.Vpcs, v)
	}
	if len(in.VpcIds) > 0 && len(out.Vpcs) == 0 {
		return nil, apiError("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", in.VpcIds[0])
	}
	return out, nil
}

// DescribeSubnets honours the vpc-id filter.
func (e *EC2) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	e.count("DescribeSubnets")
	if e.Err != nil {
		return nil, e.Err
	}
	out := &ec2.DescribeSubnetsOutput{}
	vpcs, byVPC := filterValues(in.Filters, "vpc-id")
	for _, s := range e.Subnets {
		if byVPC && !slices.Contains(vpcs, aws.ToString(s.VpcId)) {
			continue
		}
		out.Subnets = append(out.Subnets, s)
	}
	return out, nil
}
