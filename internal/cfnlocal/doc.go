// Package cfnlocal is an in-memory CloudFormation endpoint for tests, demos and
// benchmarks.
//
// It speaks the CloudFormation AWS query protocol (plus the few S3 and EC2
// calls a deployment driver makes before it talks to CloudFormation), so the
// unmodified aws-sdk-go-v2 clients work against it through BaseEndpoint or
// AWS_ENDPOINT_URL. Unlike moto it parses and evaluates templates (intrinsic
// functions, conditions, parameters, exports), runs stack operations
// asynchronously with observable *_IN_PROGRESS states, rolls back on failure,
// and can inject faults per API operation and per resource so a controller's
// retry and recovery paths can be exercised without a cloud account.
//
// One listener serves every service; requests are routed by the service name
// in the SigV4 credential scope, so any credentials are accepted.
package cfnlocal
