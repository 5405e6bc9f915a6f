package stack

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// DefaultNetworkTTL is how long a NetworkResolver trusts what it found. VPCs and subnets change rarely, and
// every reconcile of every stack needs them.
const DefaultNetworkTTL = 10 * time.Minute

// NetworkResolver finds the VPC and subnets that rendering needs, for one region and account (one EC2
// client), and caches them for a while.
type NetworkResolver struct {
	ec2   EC2API
	cache *ttlCache[network]
}

type network struct {
	vpcID   string
	subnets []string
}

// NewNetworkResolver returns a resolver over client. ttl <= 0 takes DefaultNetworkTTL; now nil takes
// time.Now.
func NewNetworkResolver(client EC2API, ttl time.Duration, now func() time.Time) *NetworkResolver {
	return &NetworkResolver{ec2: client, cache: newTTLCache[network](ttl, now)}
}

// Resolve returns the VPC vpcID, or the account's default VPC when vpcID is empty, with its subnets sorted
// by ID. An account without a default VPC, a VPC that does not exist and a VPC without subnets are
// TerminalErrors: the user has to name a usable VPC.
func (r *NetworkResolver) Resolve(ctx context.Context, vpcID string) (string, []string, error) {
	if n, ok := r.cache.get(vpcID); ok {
		return n.vpcID, slices.Clone(n.subnets), nil
	}
	id, err := r.vpc(ctx, vpcID)
	if err != nil {
		return "", nil, err
	}
	subnets, err := r.subnets(ctx, id)
	if err != nil {
		return "", nil, err
	}
	r.cache.put(vpcID, network{vpcID: id, subnets: subnets})
	return id, slices.Clone(subnets), nil
}

func (r *NetworkResolver) vpc(ctx context.Context, vpcID string) (string, error) {
	in := &ec2.DescribeVpcsInput{}
	if vpcID == "" {
		in.Filters = []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}
	} else {
		in.VpcIds = []string{vpcID}
	}
	out, err := r.ec2.DescribeVpcs(ctx, in)
	if vpcID != "" && apiCode(err) == "InvalidVpcID.NotFound" {
		return "", terminal(csv1.ReasonNetworkNotFound, nil,
			"VPC %s does not exist in this region and account; correct spec.network.vpcID or x-aws-vpc", vpcID)
	}
	if err != nil {
		return "", fmt.Errorf("describing VPCs: %w", err)
	}
	if len(out.Vpcs) == 0 {
		if vpcID != "" {
			return "", terminal(csv1.ReasonNetworkNotFound, nil,
				"VPC %s does not exist in this region and account; correct spec.network.vpcID or x-aws-vpc", vpcID)
		}
		return "", terminal(csv1.ReasonNetworkNotFound, nil,
			"the account has no default VPC in this region; set spec.network.vpcID or x-aws-vpc in the compose file")
	}
	return aws.ToString(out.Vpcs[0].VpcId), nil
}

func (r *NetworkResolver) subnets(ctx context.Context, vpcID string) ([]string, error) {
	var ids []string
	in := &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}}
	for {
		out, err := r.ec2.DescribeSubnets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describing the subnets of VPC %s: %w", vpcID, err)
		}
		for _, s := range out.Subnets {
			ids = append(ids, aws.ToString(s.SubnetId))
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(ids) == 0 {
		return nil, terminal(csv1.ReasonNetworkNotFound, nil,
			"VPC %s has no subnets; add subnets to it, or set spec.network.subnetIDs", vpcID)
	}
	slices.Sort(ids)
	return ids, nil
}
