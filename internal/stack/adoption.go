package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// holdsStateOrTraffic are the resource types whose replacement or removal loses data or interrupts traffic: a
// replaced service starts new tasks beside the old ones, a replaced file system is a new, empty one.
var holdsStateOrTraffic = map[string]bool{
	"AWS::ECS::Service":                          true,
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  true,
	"AWS::ElasticLoadBalancingV2::Listener":      true,
	"AWS::ElasticLoadBalancingV2::TargetGroup":   true,
	"AWS::EFS::FileSystem":                       true,
	"AWS::EFS::MountTarget":                      true,
	"AWS::Logs::LogGroup":                        true,
	"AWS::ServiceDiscovery::PrivateDnsNamespace": true,
	"AWS::ServiceDiscovery::PublicDnsNamespace":  true,
	"AWS::ServiceDiscovery::HttpNamespace":       true,
	"AWS::SecretsManager::Secret":                true,
}

// maxListedRisks caps the resources an adoption stop names, as every list that reaches status is capped.
const maxListedRisks = 20

// RiskyChanges lists, as "LogicalID (Type): replaced|removed", the changes that replace or remove a resource
// holding state or traffic.
func RiskyChanges(changes []types.Change) []string {
	var out []string
	for _, c := range changes {
		rc := c.ResourceChange
		if rc == nil || !holdsStateOrTraffic[aws.ToString(rc.ResourceType)] {
			continue
		}
		var what string
		switch {
		case rc.Action == types.ChangeActionRemove:
			what = "removed"
		case rc.Action == types.ChangeActionModify && rc.Replacement == types.ReplacementTrue:
			what = "replaced"
		case rc.Action == types.ChangeActionModify && rc.Replacement == types.ReplacementConditional:
			what = "may be replaced"
		default:
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s): %s", aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType), what))
	}
	return out
}

// adoptionRisks reads the adoption change set id and says what it would replace or remove that holds state or
// traffic.
func (d *Driver) adoptionRisks(ctx context.Context, id string) ([]string, error) {
	var risks []string
	in := &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)}
	for {
		out, err := d.cf.DescribeChangeSet(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describing change set %s: %w", id, err)
		}
		risks = append(risks, RiskyChanges(out.Changes)...)
		if aws.ToString(out.NextToken) == "" {
			return risks, nil
		}
		in.NextToken = out.NextToken
	}
}

// adoptionStopped is the error that keeps an adoption change set from being executed.
func adoptionStopped(stackName string, risks []string) *TerminalError {
	listed := risks
	more := ""
	if len(listed) > maxListedRisks {
		listed, more = listed[:maxListedRisks], fmt.Sprintf(" and %d more", len(risks)-maxListedRisks)
	}
	return terminal(csv1.ReasonAdoptionWouldReplace, nil,
		"adopting stack %s would replace or remove resources that hold state or traffic: %s%s; the change set is left unexecuted: make the compose project match the stack, or set spec.stack.allowAdoptionReplacements to go ahead",
		stackName, strings.Join(listed, ", "), more)
}
