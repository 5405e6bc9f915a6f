// Package cfnlocal is an in-memory CloudFormation endpoint for tests, demos and
// benchmarks.
//
// It speaks the CloudFormation AWS query protocol (plus the few S3 and EC2
// calls a deployment driver makes before it talks to CloudFormation, and the
// Elastic Load Balancing v2 lookup of load balancers its stacks created), so the
// unmodified aws-sdk-go-v2 clients work against it through BaseEndpoint or
// AWS_ENDPOINT_URL. Unlike moto it parses and evaluates templates (intrinsic
// functions, conditions, parameters, exports), runs stack operations
// asynchronously with observable *_IN_PROGRESS states, rolls back on failure,
// and can inject faults per API operation and per resource so a controller's
// retry and recovery paths can be exercised without a cloud account.
//
// # Serving
//
// One listener serves every service; requests are routed by the service name
// in the SigV4 credential scope (cloudformation, s3, ec2,
// elasticloadbalancing), and any credentials are accepted; an unsigned form
// POST goes to EC2 or ELBv2 when its Version is theirs (2016-11-15,
// 2015-12-01), else to CloudFormation, and any other unsigned request to S3.
// In a Go test either mount the handler:
//
//	srv := cfnlocal.New(cfnlocal.Options{})
//	ts := httptest.NewServer(srv)
//	defer ts.Close(); defer srv.Close()
//
// or let it listen: srv, err := cfnlocal.NewServer(opts); url := srv.URL().
// Give SDK clients cfnlocal.HTTPClient() as their HTTP client (see its doc
// for why). S3 is path-style: an endpoint given as an IP address makes the
// SDK use path-style requests; for a hostname set UsePathStyle, although
// bucket.localhost hosts are understood too. The command cmd/cfnlocal runs
// the same server as a process.
//
// # Supported calls
//
// CloudFormation: CreateChangeSet, DescribeChangeSet, ExecuteChangeSet,
// DeleteChangeSet, ListChangeSets, CreateStack, DescribeStacks,
// DescribeStackEvents (newest first, 100 a page), DescribeStackResources,
// ListStackResources, GetTemplate, DeleteStack, ContinueUpdateRollback and
// UpdateTerminationProtection, and drift detection (see Drift). S3: CreateBucket, HeadBucket, PutObject,
// GetObject, HeadObject; a TemplateURL naming a stored object is read from
// it. EC2: DescribeVpcs and DescribeSubnets over one default VPC with a
// subnet in each of three availability zones, plus the AWS::EC2::VPC and
// AWS::EC2::Subnet resources of live stacks (a network stack's VPC is found by
// ID, its subnets by the vpc-id filter). Elastic Load Balancing v2:
// DescribeLoadBalancers (by Names or LoadBalancerArns, or all; PageSize and
// Marker) over the AWS::ElasticLoadBalancingV2::LoadBalancer resources that
// exist in live stacks, with the ARN, name, DNS name and hosted zone
// Fn::GetAtt gives, the SecurityGroups property (else, for an application
// load balancer, the group Fn::GetAtt gives), the Type, Scheme and
// IpAddressType properties (defaults application, internet-facing, ipv4),
// state active,
// and the availability zones of its Subnets or SubnetMappings (default
// subnets, or AWS::EC2::Subnet resources of live stacks, give the zone and
// VPC); unknown names or ARNs fail with LoadBalancerNotFound. Other ELBv2
// actions fail with InvalidAction and are counted as
// "elasticloadbalancing:Unsupported".
//
// # Time
//
// Every resource operation, and each phase of computing a change set, takes
// one pause: Options.ResourceDelay (zero by default), or, with
// Options.ManualStep, one call to Server.Step. Server.Settle waits until
// every operation is finished or paused, so a test can read each
// intermediate state exactly; Server.WaitIdle waits for all operations to
// finish. Operations run on goroutines the server owns; Close and Reset stop
// them.
//
// # Faults
//
// APIFault makes calls to an operation ("DescribeStacks", "s3:PutObject",
// "ec2:DescribeSubnets", "elasticloadbalancing:DescribeLoadBalancers", or
// every call) throttle, fail with a 500, drop the
// connection, serve the call and then drop the connection (so the client
// cannot tell whether it took effect; S3, EC2 and ELBv2 calls are dropped
// unserved instead) or wait, a number of times or with a
// probability drawn from the seeded generator. Calls that carry an
// idempotency token (ClientToken, ClientRequestToken) and succeeded are
// answered again, unchanged, when retried with the same token; as in CloudFormation, every event of an
// operation carries the ClientRequestToken of the request that started it. ResourceFault makes a resource's CREATE, UPDATE or
// DELETE fail, which drives CloudFormation's failure paths: ROLLBACK_COMPLETE
// after a failed create, UPDATE_ROLLBACK_COMPLETE after a failed update,
// UPDATE_ROLLBACK_FAILED when the rollback's own update fails (resolved by
// ContinueUpdateRollback, optionally with ResourcesToSkip) and DELETE_FAILED.
// Calls and CallOutcomes count every call by operation and by outcome.
//
// The same controls are JSON endpoints for the binary: POST
// /_cfnlocal/faults with {"api": [...], "resources": [...]} (field names as
// in the JSON tags of APIFault and ResourceFault), DELETE /_cfnlocal/faults,
// GET /_cfnlocal/calls, POST /_cfnlocal/reset and GET /_cfnlocal/health.
//
// # Drift
//
// Each resource keeps what the stack last wrote to it apart from what it
// actually is. DriftResource (or POST /_cfnlocal/drift with
// {"stackName", "logicalResourceId", "properties": {...}} or "delete": true)
// changes top-level properties of a live resource (null removes one) or
// deletes it, outside CloudFormation. DetectStackDrift (whole stacks only;
// LogicalResourceIds is refused) runs asynchronously: DETECTION_IN_PROGRESS
// for one pause (ResourceDelay or a Step), then DETECTION_COMPLETE with
// IN_SYNC or DRIFTED, or DETECTION_FAILED if an operation started meanwhile.
// It is refused on a stack in progress or under review, and while another
// detection of the stack runs. DescribeStackDriftDetectionStatus reads it by
// ID; DescribeStackResourceDrifts lists the last completed detection's
// resources (filters, MaxResults up to 100, NextToken) with MODIFIED
// resources' PropertyDifferences as JSON pointers (ADD, REMOVE, NOT_EQUAL;
// strings as they are, other values as JSON); DescribeStacks shows
// DriftInformation. A plain update writes only the top-level properties
// whose template values changed, so drift elsewhere survives it and a change
// set with an unchanged template has no changes, as in CloudFormation; a
// change set with DeploymentMode REVERT_DRIFT (UPDATE only) modifies the
// drifted resources and writes every property back. A resource deleted out
// of band is not recreated by it, and an update of it fails with NotFound.
// Unlike CloudFormation, every resource type supports drift detection, every
// property is compared (none is ignored or defaulted), and the exact wording
// of the validation messages for busy stacks is cfnlocal's own.
//
// # EC2 networks
//
// A region has three availability zones, <region>a to c: Fn::GetAZs lists
// them and subnets may use no other. Stacks may create VPCs, subnets,
// internet gateways and their attachments, route tables, routes, route table
// associations, Elastic IPs, NAT gateways and VPC endpoints, and EC2's checks
// fail the resource with EC2's error code in the reason, as CloudFormation
// reports it: a VPC range wider than /16 or narrower than /28
// (InvalidVpc.Range); a subnet outside its VPC's range (InvalidSubnet.Range),
// overlapping another subnet of the VPC (InvalidSubnet.Conflict, which also
// fails a replacement that keeps the range, as on AWS), in an unknown zone
// (InvalidParameterValue) or in an unknown VPC (InvalidVpcID.NotFound); a
// route to an internet gateway not attached to the table's VPC
// (InvalidParameterValue: CloudFormation needs the route to depend on the
// attachment) or to a destination the table already routes
// (RouteAlreadyExists); a public NAT gateway in a VPC without an internet
// gateway (Gateway.NotAttached) or without its Elastic IP; a gateway
// attached twice (Resource.AlreadyAssociated); a VPC endpoint for a service
// the local EC2 does not know or of a type it does not offer
// (InvalidServiceName), with two subnets in one zone
// (DuplicateSubnetsInSameZone), or with private DNS in a VPC without DNS
// support and DNS hostnames (InvalidParameter). Deleting a VPC that still has
// subnets, route tables, security groups, gateway attachments or endpoints, a
// subnet that NAT gateways, endpoints, load balancers, EFS mount targets or
// ECS services use, an attached internet gateway or a route table with
// associations fails with DependencyViolation, as does detaching an internet
// gateway while NAT gateways of the VPC hold public addresses.
// CloudFormation's deletion order avoids these within a stack; they catch a
// missing dependency and resources of other stacks. The subnets of load
// balancers (SubnetNotFound; one per zone and one VPC,
// InvalidConfigurationRequest), awsvpc ECS services
// (InvalidParameterException) and EFS mount targets (SubnetNotFound; one per
// zone and file system, MountTargetConflict) must exist: the default subnets
// or those of live stacks. Not modelled: IPv6, network ACLs and address
// exhaustion in a subnet.
//
// # Fidelity
//
// Error codes, HTTP statuses and messages follow AWS's documented wording.
// Resources are not provisioned anywhere: each gets a deterministic physical
// ID and Fn::GetAtt values shaped like the real ones (ARNs, DNS names, hosted
// zone IDs). Attribute names are not checked against the resource schemas;
// Options.LintTemplates runs cfn-lint for that. A change to a resource's
// Metadata alone is an update without replacement, as in AWS; the Metadata
// is compared as written, where AWS compares it with its intrinsic functions
// resolved. A change set's Modify names, in its Details, each changed
// top-level property (and Metadata) with RequiresRecreation Always or Never
// from the replacement table; unlike AWS it gives no Conditionally, no
// CausingEntity and no Dynamic evaluation. Templates with a Transform
// (macros, AWS::LanguageExtensions) are refused, and IMPORT change sets are
// not supported.
package cfnlocal
