package stack

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/composestack/composestack/internal/stack/stackfake"
)

// wantPlan is the status table written out again, so that a change to either is a deliberate one.
var wantPlan = map[types.StackStatus]Decision{
	"":                                    {StepCreate, DeleteDone},
	"CREATE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"CREATE_FAILED":                       {StepRecreate, DeleteNow},
	"CREATE_COMPLETE":                     {StepConverge, DeleteNow},
	"ROLLBACK_IN_PROGRESS":                {StepWait, DeleteWait},
	"ROLLBACK_FAILED":                     {StepRecreate, DeleteNow},
	"ROLLBACK_COMPLETE":                   {StepRecreate, DeleteNow},
	"DELETE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"DELETE_FAILED":                       {StepRetryDelete, DeleteRetry},
	"DELETE_COMPLETE":                     {StepCreate, DeleteDone},
	"UPDATE_IN_PROGRESS":                  {StepWait, DeleteWait},
	"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": {StepWait, DeleteWait},
	"UPDATE_COMPLETE":                     {StepConverge, DeleteNow},
	"UPDATE_FAILED":                       {StepRetryUpdate, DeleteNow},
	"UPDATE_ROLLBACK_IN_PROGRESS":         {StepWait, DeleteWait},
	"UPDATE_ROLLBACK_FAILED":              {StepContinueRollback, DeleteNow},
	"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": {StepWait, DeleteWait},
	"UPDATE_ROLLBACK_COMPLETE":                     {StepRetryUpdate, DeleteNow},
	"REVIEW_IN_PROGRESS":                           {StepResume, DeleteNow},
	"IMPORT_IN_PROGRESS":                           {StepWait, DeleteWait},
	"IMPORT_COMPLETE":                              {StepConverge, DeleteNow},
	"IMPORT_ROLLBACK_IN_PROGRESS":                  {StepWait, DeleteWait},
	"IMPORT_ROLLBACK_FAILED":                       {StepStuck, DeleteNow},
	"IMPORT_ROLLBACK_COMPLETE":                     {StepRetryUpdate, DeleteNow},
	// Statuses newer than this build.
	"FUTURE_THING_IN_PROGRESS": {StepWait, DeleteWait},
	"FUTURE_THING_FAILED":      {StepStuck, DeleteNow},
}

func TestPlan(t *testing.T) {
	for status, want := range wantPlan {
		if got := Plan(status); got != want {
			t.Errorf("Plan(%q) = %+v, want %+v", status, got, want)
		}
	}
}

func TestPlanCoversEverySDKStatus(t *testing.T) {
	for _, s := range types.StackStatus("").Values() {
		if _, ok := statusTable[s]; !ok {
			t.Errorf("status %s has no row in the status table", s)
		}
		if _, ok := wantPlan[s]; !ok {
			t.Errorf("status %s has no row in the test's table", s)
		}
	}
}

// TestDocsTableMatchesPlan keeps docs/stack-status.md and the code in step.
func TestDocsTableMatchesPlan(t *testing.T) {
	f, err := os.Open("../../docs/stack-status.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[types.StackStatus]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		status := types.StackStatus(strings.Trim(strings.TrimSpace(cells[1]), "`"))
		doc := Decision{Step(strings.TrimSpace(cells[2])), DeleteStep(strings.TrimSpace(cells[3]))}
		if got := Plan(status); got != doc {
			t.Errorf("docs say %s -> %+v, code says %+v", status, doc, got)
		}
		seen[status] = true
	}
	for _, s := range types.StackStatus("").Values() {
		if !seen[s] {
			t.Errorf("docs/stack-status.md has no row for %s", s)
		}
	}
}

// seedIn puts a stack of ours in status into the fake. Its last change set is of the desired spec when
// current, else of an older one.
func seedIn(cf *stackfake.CloudFormation, status types.StackStatus, current bool) {
	cs := ChangeSetName(Digest(desired(0)))
	if current {
		cs = ChangeSetName(Digest(desired(1)))
	}
	exec := types.ExecutionStatusExecuteFailed
	if strings.HasSuffix(string(status), "_COMPLETE") && !strings.Contains(string(status), "ROLLBACK") {
		exec = types.ExecutionStatusExecuteComplete
	}
	if status == types.StackStatusReviewInProgress {
		cs = ""
	}
	cf.Seed(stackfake.Seed{
		Name: "shop-web", Status: status, TemplateBody: string(template(0)),
		Tags:          stackTags(desired(1)),
		ChangeSetName: cs, ChangeSetExecution: exec,
		Events: []stackfake.SeedEvent{
			{Status: types.ResourceStatusCreateInProgress, Reason: "User Initiated"},
			{LogicalID: "Service", Type: "AWS::ECS::Service", Status: types.ResourceStatusCreateFailed, Reason: "boom"},
			{LogicalID: "Cluster", Type: "AWS::ECS::Cluster", Status: types.ResourceStatusCreateFailed, Reason: "Resource creation cancelled"},
			{Status: types.ResourceStatus(status)},
		},
	})
}

func TestSyncInEveryStatus(t *testing.T) {
	type outcome struct {
		phase  Phase
		action string
		cause  bool // reports the root cause
	}
	byStep := map[Step]outcome{
		StepCreate:           {PhaseInProgress, ActionCreateChangeSet, false},
		StepWait:             {PhaseInProgress, ActionNone, false},
		StepResume:           {PhaseInProgress, ActionCreateChangeSet, false},
		StepConverge:         {PhaseInProgress, ActionCreateChangeSet, false},
		StepRecreate:         {PhaseInProgress, ActionDeleteStack, true},
		StepRetryUpdate:      {PhaseInProgress, ActionCreateChangeSet, false},
		StepContinueRollback: {PhaseFailed, ActionContinueUpdateRollback, true},
		StepRetryDelete:      {PhaseFailed, ActionNone, true},
		StepStuck:            {PhaseFailed, ActionNone, true},
	}
	// With the spec that failed already: no action, only the report.
	sameSpec := map[Step]outcome{
		StepRecreate:    {PhaseFailed, ActionNone, true},
		StepRetryUpdate: {PhaseFailed, ActionNone, true},
	}
	for _, status := range types.StackStatus("").Values() {
		step := Plan(status).Sync
		for _, current := range []bool{false, true} {
			want, ok := byStep[step], true
			if current {
				want, ok = sameSpec[step]
			}
			if !ok {
				continue
			}
			t.Run(string(status)+map[bool]string{true: "/same spec"}[current], func(t *testing.T) {
				e := newEnv(t)
				seedIn(e.cf, status, current)
				res, err := e.d.Sync(context.Background(), desired(1))
				if err != nil {
					t.Fatal(err)
				}
				if res.Phase != want.phase || res.Action != want.action {
					t.Fatalf("Sync = %s/%s (%s), want %s/%s", res.Phase, res.Action, res.Message, want.phase, want.action)
				}
				if got := len(res.FailedResources) > 0; got != want.cause {
					t.Fatalf("failed resources = %+v", res.FailedResources)
				}
				if want.cause && (res.FailedResources[0].LogicalID != "Service" || res.FailedResources[0].Reason != "boom" || len(res.FailedResources) != 1) {
					t.Errorf("root cause = %+v", res.FailedResources)
				}
				if res.RequeueAfter <= 0 {
					t.Errorf("requeue = %v", res.RequeueAfter)
				}
			})
		}
	}
}

func TestSyncRetriesDeleteAfterBackoff(t *testing.T) {
	e := newEnv(t)
	seedIn(e.cf, types.StackStatusDeleteFailed, false)
	e.clock.Add(6 * time.Minute)
	res, err := e.d.Sync(context.Background(), desired(1))
	if err != nil || res.Action != ActionDeleteStack || res.Phase != PhaseInProgress {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
}

func TestDeleteInEveryStatus(t *testing.T) {
	byStep := map[DeleteStep]struct {
		phase  Phase
		action string
	}{
		DeleteDone:  {PhaseDeleted, ActionNone},
		DeleteWait:  {PhaseInProgress, ActionNone},
		DeleteNow:   {PhaseInProgress, ActionDeleteStack},
		DeleteRetry: {PhaseFailed, ActionNone},
	}
	for _, status := range types.StackStatus("").Values() {
		t.Run(string(status), func(t *testing.T) {
			e := newEnv(t)
			seedIn(e.cf, status, false)
			want := byStep[Plan(status).Delete]
			res, err := e.d.Delete(context.Background(), "shop-web", owner)
			if err != nil {
				t.Fatal(err)
			}
			if res.Phase != want.phase || res.Action != want.action {
				t.Fatalf("Delete = %s/%s (%s), want %s/%s", res.Phase, res.Action, res.Message, want.phase, want.action)
			}
		})
	}
}
