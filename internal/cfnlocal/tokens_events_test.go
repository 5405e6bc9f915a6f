package cfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// TestEventsCarryTheRequestToken checks that every event of an operation carries the ClientRequestToken of
// the request that started it, as CloudFormation's do, and that the next operation's carry its own.
func TestEventsCarryTheRequestToken(t *testing.T) {
	e := newEnv(t, Options{})
	body := `{"Resources":{"Log":{"Type":"AWS::Logs::LogGroup"}}}`
	created, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{
		StackName: aws.String("tok"), TemplateBody: aws.String(body), ClientRequestToken: aws.String("create-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{
		StackName: aws.String("tok"), ClientRequestToken: aws.String("delete-1"),
	}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	out, err := e.cfn.DescribeStackEvents(e.ctx, &cloudformation.DescribeStackEventsInput{StackName: created.StackId})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]int{}
	for _, ev := range out.StackEvents {
		tokens[aws.ToString(ev.ClientRequestToken)]++
	}
	// Creation: the stack's CREATE_IN_PROGRESS and CREATE_COMPLETE and the log group's two; deletion the same.
	if tokens["create-1"] != 4 || tokens["delete-1"] != 4 || len(tokens) != 2 {
		t.Errorf("events per token = %v", tokens)
	}
}
