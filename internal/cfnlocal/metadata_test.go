package cfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

const taskDefinitionTemplate = `{"Resources": {"Web": {"Type": "AWS::ECS::TaskDefinition",%s "Properties": {
  "Family": "web", "Cpu": "256", "Memory": "512", "ContainerDefinitions": [{"Name": "web", "Image": "nginx"}]}}}}`

// A change to a resource's Metadata alone is an update that replaces nothing, as in AWS: the change set says
// Modify with Replacement False, the resource keeps its physical ID, and the stack's template has the new Metadata.
func TestMetadataOnlyChangeUpdatesWithoutReplacing(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "web", strings.Replace(taskDefinitionTemplate, "%s", "", 1), nil)
	before := e.physicalID(t, "web", "Web")

	withMeta := strings.Replace(taskDefinitionTemplate, "%s", ` "Metadata": {"note": "kept"},`, 1)
	csID := e.changeSet(t, "web", "cs2", cfntypes.ChangeSetTypeUpdate, withMeta, nil)
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusCreateComplete || len(cs.Changes) != 1 {
		t.Fatalf("change set %s (%s), changes %d", cs.Status, aws.ToString(cs.StatusReason), len(cs.Changes))
	}
	if rc := cs.Changes[0].ResourceChange; rc.Action != cfntypes.ChangeActionModify || rc.Replacement != cfntypes.ReplacementFalse {
		t.Fatalf("Web: %s, replacement %s; want Modify, False", rc.Action, rc.Replacement)
	}
	e.execute(t, csID)
	if after := e.physicalID(t, "web", "Web"); after != before {
		t.Errorf("the task definition was replaced: %s -> %s", before, after)
	}
	out, err := e.cfn.GetTemplate(e.ctx, &cloudformation.GetTemplateInput{StackName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(out.TemplateBody), `"note": "kept"`) {
		t.Errorf("the stack's template lacks the new Metadata: %s", aws.ToString(out.TemplateBody))
	}

	// The same Metadata again is no change.
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("web"),
		ChangeSetName: aws.String("cs3"), ChangeSetType: cfntypes.ChangeSetTypeUpdate, TemplateBody: aws.String(withMeta)})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	cs, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("cs3"), StackName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusFailed || !strings.Contains(aws.ToString(cs.StatusReason), "didn't contain changes") {
		t.Errorf("unchanged Metadata: change set %s (%s)", cs.Status, aws.ToString(cs.StatusReason))
	}
}
