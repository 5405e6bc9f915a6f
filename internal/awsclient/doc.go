// Package awsclient builds the AWS SDK clients the controller uses, one set per region and role, and keeps
// them: credentials of an assumed role are cached until they expire, and the network lookups of a region and
// account stay cached as long as its clients live.
//
// Credentials come from the default chain (IRSA, EKS Pod Identity, environment, shared config), or from a
// role assumed through STS with them. AWS_ENDPOINT_URL is honoured, and Options.Endpoint overrides every
// service's endpoint, so moto or another local endpoint can stand in for AWS. Requests are retried in the
// SDK's adaptive mode, which also slows down after throttling. CloudFormation calls are paced by
// Options.RateLimits, one budget of reads and one of writes per account and Region, shared in turns by the
// tenants (namespaces) that WithTenant names.
package awsclient
