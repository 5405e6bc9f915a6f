package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack/stackfake"
)

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

func TestCreateChangeSetErrors(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		body     []byte
		terminal string
		phase    Phase
	}{
		{name: "template rejected", body: []byte(`{"Resources":{}}`), terminal: csv1.ReasonChangeSetFailed},
		{name: "not JSON", body: []byte(`Resources: {}`), terminal: csv1.ReasonChangeSetFailed},
		{name: "parameter rejected", err: apiErr("ValidationError", "Parameters: [Nope] do not exist in the template"), terminal: csv1.ReasonChangeSetFailed},
		{name: "capabilities", err: apiErr("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"), terminal: csv1.ReasonChangeSetFailed},
		{name: "stack busy", err: apiErr("ValidationError", "Stack:arn:x is in UPDATE_IN_PROGRESS state and can not be updated.")},
		{name: "stack vanished", err: apiErr("ValidationError", "Stack [shop-web] does not exist")},
		{name: "quota", err: apiErr("LimitExceededException", "Limit on the number of stacks exceeded")},
		{name: "lost response", err: apiErr("AlreadyExistsException", "ChangeSet composestack-x already exists"), phase: PhaseInProgress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			want := desired(1)
			if c.body != nil {
				want.TemplateBody = c.body
			}
			if c.err != nil {
				e.cf.InjectError("CreateChangeSet", c.err)
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
				if err == nil || IsTerminal(err) || !strings.Contains(err.Error(), "creating change set") {
					t.Fatalf("err = %v, want a plain error to retry", err)
				}
			}
		})
	}
}

// TestFailuresWithoutChangeSetID runs the failure paths against an endpoint that does not say which change
// set a stack last ran (moto): the driver finds out from its own change sets.
func TestFailuresWithoutChangeSetID(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		e := newEnv(t)
		e.cf.OmitChangeSetID = true
		e.cf.FailResource("Service", "boom")
		rs, err := converge(t, e.d, desired(1), 20)
		if err != nil || rs[len(rs)-1].StackStatus != "ROLLBACK_COMPLETE" {
			t.Fatalf("%v, %v", actions(rs), err)
		}
		if res, err := e.d.Sync(context.Background(), desired(1)); err != nil || res.Action != ActionNone || res.Phase != PhaseFailed {
			t.Fatalf("same spec: %+v, %v", res, err)
		}
		if e.cf.Calls("DeleteStack") != 0 {
			t.Fatal("deleted the stack for the spec that failed")
		}
	})
	t.Run("update", func(t *testing.T) {
		e := newEnv(t)
		e.cf.OmitChangeSetID = true
		if _, err := converge(t, e.d, desired(1), 20); err != nil {
			t.Fatal(err)
		}
		e.cf.FailResource("Service", "boom")
		rs, err := converge(t, e.d, desired(2), 20)
		if err != nil || rs[len(rs)-1].StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
			t.Fatalf("%v, %v", actions(rs), err)
		}
		creates := e.cf.Calls("CreateChangeSet")
		if res, err := e.d.Sync(context.Background(), desired(2)); err != nil || res.Phase != PhaseFailed || e.cf.Calls("CreateChangeSet") != creates {
			t.Fatalf("same spec within the backoff: %+v, %v", res, err)
		}
	})
}

// TestBackoffWithoutEvents counts the backoff from the stack's own timestamps when it has no events.
func TestBackoffWithoutEvents(t *testing.T) {
	e := newEnv(t)
	e.cf.Seed(stackfake.Seed{Name: "shop-web", Status: types.StackStatusDeleteFailed, Tags: stackTags(desired(1)), TemplateBody: string(template(1))})
	e.clock.Add(time.Minute)
	res, err := e.d.Delete(context.Background(), "shop-web", owner)
	if err != nil || res.Phase != PhaseFailed || res.RequeueAfter != 4*time.Minute+time.Minute { // 4m left, plus a quarter of jitter
		t.Fatalf("within the backoff: %+v, %v", res, err)
	}
	e.clock.Add(4 * time.Minute)
	res, err = e.d.Delete(context.Background(), "shop-web", owner)
	if err != nil || res.Action != ActionDeleteStack {
		t.Fatalf("after the backoff: %+v, %v", res, err)
	}
}
