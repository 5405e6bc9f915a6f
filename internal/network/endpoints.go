package network

import (
	"maps"
	"slices"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// endpoint is how one VPC endpoint appears in the template.
type endpoint struct {
	id      string // logical ID
	service string // the part of the service name after com.amazonaws.<region>.
	gateway bool   // a gateway endpoint on the private route tables, not an interface in the private subnets
}

// endpoints are the VPC endpoints a network may have: what private tasks need to pull images from ECR (its API,
// its registry, and S3 where it keeps layers), write logs and read secrets without going through NAT.
var endpoints = map[csv1.VPCEndpoint]endpoint{
	csv1.EndpointECRAPI:         {id: "EcrApiEndpoint", service: "ecr.api"},
	csv1.EndpointECRDKR:         {id: "EcrDkrEndpoint", service: "ecr.dkr"},
	csv1.EndpointLogs:           {id: "LogsEndpoint", service: "logs"},
	csv1.EndpointSecretsManager: {id: "SecretsManagerEndpoint", service: "secretsmanager"},
	csv1.EndpointS3:             {id: "S3Endpoint", service: "s3", gateway: true},
}

// EndpointNames lists the endpoints a network may have, sorted, for errors, help texts and completion.
func EndpointNames() []string {
	names := make([]string, 0, len(endpoints))
	for _, e := range slices.Sorted(maps.Keys(endpoints)) {
		names = append(names, string(e))
	}
	return names
}
