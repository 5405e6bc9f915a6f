package stack

import "context"

// Client is everything the reconciler needs from AWS for one region and role: the stack driver and the
// network lookups.
type Client struct {
	*Driver
	Network       *NetworkResolver
	LoadBalancers *LoadBalancerResolver
	FileSystems   *FileSystemFinder
}

// ResolveNetwork resolves vpcID (or the default VPC, when empty) and its subnets; see NetworkResolver.
func (c *Client) ResolveNetwork(ctx context.Context, vpcID string) (string, []string, error) {
	return c.Network.Resolve(ctx, vpcID)
}

// ResolveLoadBalancer finds an existing load balancer by name or ARN; see LoadBalancerResolver.
func (c *Client) ResolveLoadBalancer(ctx context.Context, nameOrARN string) (LoadBalancer, error) {
	return c.LoadBalancers.Resolve(ctx, nameOrARN)
}

// FindRetainedFileSystems finds, per volume, a file system an earlier stack of project retained; see
// FileSystemFinder.
func (c *Client) FindRetainedFileSystems(ctx context.Context, project string, volumes []string) (map[string]string, error) {
	return c.FileSystems.Retained(ctx, project, volumes)
}
