package stack

import "context"

// Client is everything the reconciler needs from AWS for one region and role: the stack driver and the
// network lookup.
type Client struct {
	*Driver
	Network *NetworkResolver
}

// ResolveNetwork resolves vpcID (or the default VPC, when empty) and its subnets; see NetworkResolver.
func (c *Client) ResolveNetwork(ctx context.Context, vpcID string) (string, []string, error) {
	return c.Network.Resolve(ctx, vpcID)
}
