package stack_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/composestack/composestack/internal/stack"
)

func TestRiskyChangesNameReplacedOrRemovedStatefulResources(t *testing.T) {
	change := func(id, typ string, action types.ChangeAction, repl types.Replacement) types.Change {
		return types.Change{ResourceChange: &types.ResourceChange{
			LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), Action: action, Replacement: repl}}
	}
	got := stack.RiskyChanges([]types.Change{
		change("WebService", "AWS::ECS::Service", types.ChangeActionModify, types.ReplacementTrue),
		change("WebTaskDefinition", "AWS::ECS::TaskDefinition", types.ChangeActionModify, types.ReplacementTrue),
		change("Default80Ingress", "AWS::EC2::SecurityGroupIngress", types.ChangeActionModify, types.ReplacementTrue),
		change("DataFilesystem", "AWS::EFS::FileSystem", types.ChangeActionRemove, ""),
		change("LogGroup", "AWS::Logs::LogGroup", types.ChangeActionModify, types.ReplacementFalse),
		change("WebTCP80Listener", "AWS::ElasticLoadBalancingV2::Listener", types.ChangeActionModify, types.ReplacementConditional),
		change("CloudMap", "AWS::ServiceDiscovery::PrivateDnsNamespace", types.ChangeActionAdd, ""),
	})
	want := []string{
		"WebService (AWS::ECS::Service): replaced",
		"DataFilesystem (AWS::EFS::FileSystem): removed",
		"WebTCP80Listener (AWS::ElasticLoadBalancingV2::Listener): may be replaced",
	}
	if !slices.Equal(got, want) {
		t.Errorf("RiskyChanges = %q, want %q", got, want)
	}
}
