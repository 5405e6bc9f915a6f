package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// TestCreateErrors answers the call that creates the stack (CreateStack) with each kind of error.
func TestCreateErrors(t *testing.T) {
	cases := []struct {
		name string
		// body and params replace those of the spec; cfnlocal rejects them as CloudFormation does.
		body   []byte
		params []stack.Parameter
		// err is an answer cfnlocal cannot be brought to give, put in place of its own.
		err      error
		terminal string
		phase    stack.Phase
	}{
		{name: "template rejected", body: []byte(`{"Resources":{}}`), terminal: csv1.ReasonChangeSetFailed},
		{name: "unresolved reference", body: []byte(`{"Resources":{"C":{"Type":"AWS::ECS::Cluster","Properties":{"ClusterName":{"Ref":"Nope"}}}}}`), terminal: csv1.ReasonChangeSetFailed},
		{name: "parameter rejected", params: []stack.Parameter{{Key: "Nope", Value: "x"}}, terminal: csv1.ReasonChangeSetFailed},
		{name: "capabilities", err: apiErr("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"), terminal: csv1.ReasonChangeSetFailed},
		{name: "stack busy", err: apiErr("ValidationError", "Stack:arn:x is in UPDATE_IN_PROGRESS state and can not be updated.")},
		{name: "stack vanished", err: apiErr("ValidationError", "Stack [shop-web] does not exist")},
		{name: "quota", err: apiErr("LimitExceededException", "Limit on the number of stacks exceeded")},
		{name: "lost response", err: apiErr("AlreadyExistsException", "Stack [shop-web] already exists"), phase: stack.PhaseInProgress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLocalEnv(t, false)
			want := desired(1)
			if c.body != nil {
				want.TemplateBody, want.Parameters = c.body, nil
			}
			if c.params != nil {
				want.Parameters = c.params
			}
			if c.err != nil {
				e.d = e.driver(createErrs{e.cf, c.err}, stack.Options{})
			}
			res, err := e.d.Sync(context.Background(), want)
			switch {
			case c.terminal != "":
				if terminalReason(err) != c.terminal {
					t.Fatalf("err = %v, want a %s TerminalError", err, c.terminal)
				}
			case c.phase != "":
				if err != nil || res.Phase != c.phase || res.Throttled {
					t.Fatalf("Sync = %+v, %v", res, err)
				}
			default:
				if err == nil || stack.IsTerminal(err) || !strings.Contains(err.Error(), "creating stack") {
					t.Fatalf("err = %v, want a plain error to retry", err)
				}
			}
		})
	}
}

// createErrs answers every CreateStack and CreateChangeSet with err, without calling cfnlocal.
type createErrs struct {
	stack.CloudFormationAPI
	err error
}

func (c createErrs) CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	return nil, c.err
}

func (c createErrs) CreateStack(context.Context, *cloudformation.CreateStackInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error) {
	return nil, c.err
}
