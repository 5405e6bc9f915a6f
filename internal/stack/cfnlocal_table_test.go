package stack_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// TestLocalStatusTable runs the driver's whole status table (stack.Plan, docs/stack-status.md) through the
// real SDK over HTTP against cfnlocal. Each row brings a real stack into one status of the table: through
// the driver, through direct SDK calls (a change set never executed, a change set executed with rollback
// disabled), through resource faults (failures and failed rollbacks), and, for the *_IN_PROGRESS statuses,
// with cfnlocal's ManualStep, which freezes an operation between two steps. The row checks the status as
// DescribeStacks reports it, calls the driver (Sync on one stack, Delete on another brought into the same
// status), checks what the driver did (phase, action, every API call it made as cfnlocal counted them, the
// root cause) and where the stack then ends.
//
// Statuses cfnlocal cannot produce are listed in statusesNotOnCfnlocal with the reason; the test checks
// that the rows and that list together cover every SDK status, and that the rows exercise every step Plan
// can return except those only such statuses lead to (stepsNotOnCfnlocal).
func TestLocalStatusTable(t *testing.T) {
	for _, r := range localStatusRows {
		t.Run(rowName(r.status), func(t *testing.T) {
			if got := stack.Plan(r.status); got != r.plan {
				t.Fatalf("the row expects Plan(%q) = %+v, Plan says %+v", r.status, r.plan, got)
			}
			t.Run("Sync", func(t *testing.T) {
				e := newLocalEnv(t, r.manual)
				spec := r.setup(t, e)
				e.srv.ClearFaults()
				e.settle(t)
				e.checkStatus(t, r.status)
				for i, c := range r.sync {
					if c.newSpec {
						spec = newerSpec(spec)
					}
					if c.later {
						e.later = laterBy
					}
					before := e.srv.Calls()
					res, err := e.d.Sync(context.Background(), spec)
					if err != nil {
						t.Fatalf("Sync %d: %v", i+1, err)
					}
					c.want.check(t, fmt.Sprintf("Sync %d", i+1), res, callsSince(before, e.srv.Calls()))
					if i == 0 {
						checkSeen(t, res, r.status)
					}
				}
				rs := e.syncToEnd(t, spec)
				last := rs[len(rs)-1]
				if last.Phase != r.syncEnd.phase || last.StackStatus != string(r.syncEnd.status) {
					t.Fatalf("then %v: ends %s in %s, want %s in %s", actionsOf(rs), last.Phase, last.StackStatus, r.syncEnd.phase, r.syncEnd.status)
				}
				e.checkStatus(t, r.syncEnd.status)
			})
			t.Run("Delete", func(t *testing.T) {
				e := newLocalEnv(t, r.manual)
				r.setup(t, e)
				e.srv.ClearFaults()
				e.settle(t)
				e.checkStatus(t, r.status)
				for i, c := range r.del {
					if c.later {
						e.later = laterBy
					}
					before := e.srv.Calls()
					res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
					if err != nil {
						t.Fatalf("Delete %d: %v", i+1, err)
					}
					c.want.check(t, fmt.Sprintf("Delete %d", i+1), res, callsSince(before, e.srv.Calls()))
					if i == 0 {
						checkSeen(t, res, r.status)
					}
				}
				rs := e.deleteToEnd(t)
				if last := rs[len(rs)-1]; last.Phase != stack.PhaseDeleted {
					t.Fatalf("then %v: ends %+v", actionsOf(rs), last)
				}
				if e.stackID == "" {
					e.checkStatus(t, "") // there never was a stack
				} else {
					e.checkStatus(t, cftypes.StackStatusDeleteComplete)
				}
			})
		})
	}

	t.Run("Coverage", func(t *testing.T) {
		rowOf := map[cftypes.StackStatus]bool{}
		syncSteps, deleteSteps := map[stack.Step]bool{}, map[stack.DeleteStep]bool{}
		for _, r := range localStatusRows {
			if rowOf[r.status] {
				t.Errorf("two rows for %q", r.status)
			}
			rowOf[r.status] = true
			syncSteps[stack.Plan(r.status).Sync] = true
			deleteSteps[stack.Plan(r.status).Delete] = true
		}
		allSync, allDelete := map[stack.Step]bool{}, map[stack.DeleteStep]bool{}
		for _, s := range append([]cftypes.StackStatus{""}, cftypes.StackStatus("").Values()...) {
			allSync[stack.Plan(s).Sync] = true
			allDelete[stack.Plan(s).Delete] = true
			_, excluded := statusesNotOnCfnlocal[s]
			switch {
			case rowOf[s] && excluded:
				t.Errorf("%q has a row and is listed as impossible on cfnlocal", s)
			case !rowOf[s] && !excluded:
				t.Errorf("%q has no row; add one, or list it in statusesNotOnCfnlocal with the reason", rowName(s))
			}
		}
		for s := range statusesNotOnCfnlocal {
			if !slices.Contains(cftypes.StackStatus("").Values(), s) {
				t.Errorf("statusesNotOnCfnlocal lists %q, which the SDK does not know", s)
			}
		}
		var missing []stack.Step
		for s := range allSync {
			if !syncSteps[s] {
				missing = append(missing, s)
			}
		}
		slices.Sort(missing)
		if want := slices.Sorted(maps.Keys(stepsNotOnCfnlocal)); !slices.Equal(missing, want) {
			t.Errorf("Sync steps no row exercises: %v; listed as impossible on cfnlocal: %v", missing, want)
		}
		for s := range stepsNotOnCfnlocal {
			for _, st := range cftypes.StackStatus("").Values() {
				if stack.Plan(st).Sync == s && rowOf[st] {
					t.Errorf("step %s is listed as impossible on cfnlocal, but the row %s exercises it", s, st)
				}
			}
		}
		for s := range allDelete {
			if !deleteSteps[s] {
				t.Errorf("Delete step %s: no row exercises it", s)
			}
		}
	})
}

// statusesNotOnCfnlocal are the statuses cfnlocal cannot bring a stack into, and why.
var statusesNotOnCfnlocal = map[cftypes.StackStatus]string{
	cftypes.StackStatusImportInProgress:         noImport,
	cftypes.StackStatusImportComplete:           noImport,
	cftypes.StackStatusImportRollbackInProgress: noImport,
	cftypes.StackStatusImportRollbackFailed:     noImport,
	cftypes.StackStatusImportRollbackComplete:   noImport,
}

const noImport = "cfnlocal refuses IMPORT change sets (ValidationError \"cfnlocal does not support IMPORT change sets\"), so no stack is ever imported"

// stepsNotOnCfnlocal are the Sync steps of Plan that only statuses in statusesNotOnCfnlocal lead to.
var stepsNotOnCfnlocal = map[stack.Step]string{
	stack.StepStuck: "only IMPORT_ROLLBACK_FAILED (and statuses newer than the SDK) lead to it; " + noImport,
}

// laterBy moves the driver's clock past the retry backoff (localEnv sets RetryBackoff to 5 minutes).
const laterBy = 10 * time.Minute

type localRow struct {
	// status is the status DescribeStacks reports once setup is done; "" is no stack.
	status cftypes.StackStatus
	// plan is the row of stack.Plan this row shows.
	plan stack.Decision
	// manual runs cfnlocal with ManualStep, to keep an operation in progress.
	manual bool
	// setup brings the stack named shop-web into status and returns the spec it was last synced with.
	setup func(t *testing.T, e *localEnv) stack.Desired
	// sync are Sync calls made one after another, without letting anything run between them.
	sync []driverCall
	// syncEnd is where Sync with the last spec of sync then takes the stack.
	syncEnd ending
	// del are the Delete calls made on another stack brought into status; the stack is then deleted.
	del []driverCall
}

type driverCall struct {
	// newSpec syncs a spec the stack was never built from.
	newSpec bool
	// later makes this and every following call after the retry backoff has passed.
	later bool
	want  outcome
}

type ending struct {
	phase  stack.Phase
	status cftypes.StackStatus
}

// outcome is what one driver call must have done.
type outcome struct {
	phase  stack.Phase
	action string
	// calls are every API call the driver made, by operation, as cfnlocal counted them.
	calls map[string]int
	// cause is Result.FailedResources as "LogicalID Status: Reason", oldest first.
	cause []string
}

func (o outcome) check(t *testing.T, what string, res stack.Result, calls map[string]int) {
	t.Helper()
	if res.Phase != o.phase || res.Action != o.action {
		t.Errorf("%s: phase %s, action %s; want %s, %s (%s)", what, res.Phase, res.Action, o.phase, o.action, res.Message)
	}
	if !maps.Equal(calls, o.calls) {
		t.Errorf("%s: API calls %v, want %v", what, calls, o.calls)
	}
	var cause []string
	for _, f := range res.FailedResources {
		cause = append(cause, f.LogicalID+" "+f.Status+": "+f.Reason)
	}
	if !slices.Equal(cause, o.cause) {
		t.Errorf("%s: root cause %q, want %q", what, cause, o.cause)
	}
}

// checkSeen checks that the driver saw the stack in status. A deleted stack is only visible by its ID;
// the driver looks stacks up by name, so it sees none.
func checkSeen(t *testing.T, res stack.Result, status cftypes.StackStatus) {
	t.Helper()
	if status == cftypes.StackStatusDeleteComplete {
		status = ""
	}
	if res.StackStatus != string(status) {
		t.Errorf("the driver saw status %q, want %q", res.StackStatus, status)
	}
}

func callsSince(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range after {
		if d := n - before[op]; d != 0 {
			out[op] = d
		}
	}
	return out
}

func rowName(s cftypes.StackStatus) string {
	if s == "" {
		return "NO_STACK"
	}
	return string(s)
}

// newerSpec is spec with another image: a spec the stack was never built from.
func newerSpec(spec stack.Desired) stack.Desired {
	spec.Parameters = []stack.Parameter{{Key: "Image", Value: "nginx:1.29"}}
	return spec
}

// Outcomes that recur.
var (
	waited = outcome{phase: stack.PhaseInProgress, action: stack.ActionNone, calls: map[string]int{"DescribeStacks": 1}}
	// followed is a Sync during an operation: it also reads that operation's events, for its progress.
	followed       = outcome{phase: stack.PhaseInProgress, action: stack.ActionNone, calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1}}
	deleteStarted  = outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack, calls: map[string]int{"DescribeStacks": 1, "DeleteStack": 1}}
	createStarted  = outcome{phase: stack.PhaseInProgress, action: stack.ActionCreateStack, calls: map[string]int{"DescribeStacks": 1, "CreateStack": 1}}
	updateStarted  = outcome{phase: stack.PhaseInProgress, action: stack.ActionCreateChangeSet, calls: map[string]int{"DescribeStacks": 1, "ListChangeSets": 1, "GetTemplate": 1, "CreateChangeSet": 1}}
	waitThenDelete = []driverCall{{want: waited}}
	deleteNow      = []driverCall{{want: deleteStarted}}
)

// Root causes the faults of the rows give.
const (
	createFault         = "subnet missing"
	updateFault         = "service did not stabilize"
	rollbackUpdateFault = "rollback failed"
	rollbackDeleteFault = "cluster still has services"
	deleteFault         = "services are active"
)

func failedOn(cause ...string) outcome {
	return outcome{phase: stack.PhaseFailed, action: stack.ActionNone,
		calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1}, cause: cause}
}

func v1(t *testing.T) stack.Desired { return motoDesired(t, "app-v1.json") }
func v2(t *testing.T) stack.Desired { return motoDesired(t, "app-v2.json") }

// created brings a stack built from app-v1 to CREATE_COMPLETE and returns its spec.
func created(t *testing.T, e *localEnv) stack.Desired {
	t.Helper()
	want := v1(t)
	e.reach(t, cftypes.StackStatusCreateComplete, func() { e.syncOnce(t, want) })
	return want
}

// updating creates the stack from app-v1 and syncs app-v2 until the stack is in status.
func updating(status cftypes.StackStatus, faults ...cfnlocal.ResourceFault) func(t *testing.T, e *localEnv) stack.Desired {
	return func(t *testing.T, e *localEnv) stack.Desired {
		created(t, e)
		e.fault(t, faults...)
		want := v2(t)
		e.reach(t, status, func() { e.syncOnce(t, want) })
		return want
	}
}

// creating syncs app-v1 until the stack is in status.
func creating(status cftypes.StackStatus, faults ...cfnlocal.ResourceFault) func(t *testing.T, e *localEnv) stack.Desired {
	return func(t *testing.T, e *localEnv) stack.Desired {
		e.fault(t, faults...)
		want := v1(t)
		e.reach(t, status, func() { e.syncOnce(t, want) })
		return want
	}
}

// deleting creates the stack from app-v1 and deletes it until the stack is in status.
func deleting(status cftypes.StackStatus, faults ...cfnlocal.ResourceFault) func(t *testing.T, e *localEnv) stack.Desired {
	return func(t *testing.T, e *localEnv) stack.Desired {
		want := created(t, e)
		e.fault(t, faults...)
		e.reach(t, status, func() { e.deleteOnce(t) })
		return want
	}
}

// createdWithoutRollback creates the stack for want as the driver does (its tags, its token), but with
// DisableRollback, as a person could: the failure then leaves CREATE_FAILED instead of a rollback.
func createdWithoutRollback(t *testing.T, e *localEnv, want stack.Desired) {
	t.Helper()
	var tags []cftypes.Tag
	for k, v := range stack.StackTags(want) {
		tags = append(tags, cftypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := e.cf.CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName: aws.String(want.StackName), TemplateBody: aws.String(string(want.TemplateBody)),
		Parameters: cfnParameters(want.Parameters), Tags: tags, DisableRollback: aws.Bool(true),
		ClientRequestToken: aws.String(stack.CreateToken(stack.Digest(want))),
	}); err != nil {
		t.Fatal(err)
	}
	e.release(t)
}

// withoutRollback has the driver create the change set for want, and executes it with DisableRollback,
// as a person could: the failure then leaves CREATE_FAILED or UPDATE_FAILED instead of a rollback.
func withoutRollback(t *testing.T, e *localEnv, want stack.Desired) {
	t.Helper()
	res := e.syncOnce(t, want)
	if res.Action != stack.ActionCreateChangeSet || res.ChangeSet == nil {
		t.Fatalf("Sync: %+v, want a new change set", res)
	}
	e.release(t)
	if _, err := e.cf.ExecuteChangeSet(context.Background(), &cloudformation.ExecuteChangeSetInput{
		ChangeSetName: aws.String(res.ChangeSet.ID), DisableRollback: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	e.release(t)
}

var (
	createFails = cfnlocal.ResourceFault{LogicalResourceID: "WebService", Operation: "CREATE", Reason: createFault, Times: 1}
	updateFails = cfnlocal.ResourceFault{LogicalResourceID: "WebService", Operation: "UPDATE", Reason: updateFault, Times: 1}
)

var localStatusRows = []localRow{
	{
		status:  "",
		plan:    stack.Decision{Sync: stack.StepCreate, Delete: stack.DeleteDone},
		setup:   func(t *testing.T, _ *localEnv) stack.Desired { return v1(t) },
		sync:    []driverCall{{want: createStarted}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del: []driverCall{{want: outcome{phase: stack.PhaseDeleted, action: stack.ActionNone,
			calls: map[string]int{"DescribeStacks": 1}}}},
	},
	{
		status:  cftypes.StackStatusCreateInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   creating(cftypes.StackStatusCreateInProgress),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del:     waitThenDelete,
	},
	{
		// The driver never disables rollback; the stack is created as the driver would, with DisableRollback.
		status: cftypes.StackStatusCreateFailed,
		plan:   stack.Decision{Sync: stack.StepRecreate, Delete: stack.DeleteNow},
		setup: func(t *testing.T, e *localEnv) stack.Desired {
			e.fault(t, createFails)
			want := v1(t)
			createdWithoutRollback(t, e, want)
			return want
		},
		sync: []driverCall{
			{want: failedOn("WebService CREATE_FAILED: " + createFault)},
			{newSpec: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "DeleteStack": 1},
				cause: []string{"WebService CREATE_FAILED: " + createFault}}},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del:     deleteNow,
	},
	{
		status: cftypes.StackStatusCreateComplete,
		plan:   stack.Decision{Sync: stack.StepConverge, Delete: stack.DeleteNow},
		setup:  created,
		sync: []driverCall{
			// The stack was created from the spec, which the token on its creation's events says (the
			// caller has not recorded the spec as applied): it converges with no change set to make.
			{want: outcome{phase: stack.PhaseConverged, action: stack.ActionNone, calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1}}},
			{newSpec: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionCreateChangeSet,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "ListChangeSets": 1, "GetTemplate": 1, "CreateChangeSet": 1}}},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     deleteNow,
	},
	{
		status:  cftypes.StackStatusRollbackInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   creating(cftypes.StackStatusRollbackInProgress, createFails),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseFailed, cftypes.StackStatusRollbackComplete},
		del:     waitThenDelete,
	},
	{
		// The create fails, and so does deleting the cluster in its rollback.
		status: cftypes.StackStatusRollbackFailed,
		plan:   stack.Decision{Sync: stack.StepRecreate, Delete: stack.DeleteNow},
		setup: creating(cftypes.StackStatusRollbackFailed, createFails,
			cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", DuringRollback: true, Reason: rollbackDeleteFault, Times: 1}),
		sync: []driverCall{
			{want: failedOn("WebService CREATE_FAILED: "+createFault, "Cluster DELETE_FAILED: "+rollbackDeleteFault)},
			{newSpec: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "DeleteStack": 1},
				cause: []string{"WebService CREATE_FAILED: " + createFault, "Cluster DELETE_FAILED: " + rollbackDeleteFault}}},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del:     deleteNow,
	},
	{
		status: cftypes.StackStatusRollbackComplete,
		plan:   stack.Decision{Sync: stack.StepRecreate, Delete: stack.DeleteNow},
		setup:  creating(cftypes.StackStatusRollbackComplete, createFails),
		sync: []driverCall{
			{want: failedOn("WebService CREATE_FAILED: " + createFault)},
			{newSpec: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "DeleteStack": 1},
				cause: []string{"WebService CREATE_FAILED: " + createFault}}},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del:     deleteNow,
	},
	{
		// Sync waits for the deletion, then creates the stack anew.
		status:  cftypes.StackStatusDeleteInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   deleting(cftypes.StackStatusDeleteInProgress),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		// The deletion under way is followed: its events and how many resources are gone.
		del: []driverCall{{want: outcome{phase: stack.PhaseInProgress, action: stack.ActionNone,
			calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "ListStackResources": 1}}}},
	},
	{
		status: cftypes.StackStatusDeleteFailed,
		plan:   stack.Decision{Sync: stack.StepRetryDelete, Delete: stack.DeleteRetry},
		setup:  deleting(cftypes.StackStatusDeleteFailed, cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", Reason: deleteFault, Times: 1}),
		sync: []driverCall{
			{want: failedOn("Cluster DELETE_FAILED: " + deleteFault)},
			{later: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "DeleteStack": 1},
				cause: []string{"Cluster DELETE_FAILED: " + deleteFault}}},
		},
		// Sync deleted the stack, so it creates it again.
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del: []driverCall{
			{want: failedOn("Cluster DELETE_FAILED: " + deleteFault)},
			{later: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "DeleteStack": 1},
				cause: []string{"Cluster DELETE_FAILED: " + deleteFault}}},
		},
	},
	{
		// Only DescribeStacks by stack ID shows DELETE_COMPLETE; by name, which is how the driver looks, the
		// stack does not exist, and the driver does what it does without a stack.
		status:  cftypes.StackStatusDeleteComplete,
		plan:    stack.Decision{Sync: stack.StepCreate, Delete: stack.DeleteDone},
		setup:   deleting(""),
		sync:    []driverCall{{want: createStarted}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del: []driverCall{{want: outcome{phase: stack.PhaseDeleted, action: stack.ActionNone,
			calls: map[string]int{"DescribeStacks": 1}}}},
	},
	{
		status:  cftypes.StackStatusUpdateInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   updating(cftypes.StackStatusUpdateInProgress),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     waitThenDelete,
	},
	{
		// app-v2 replaces the task definition; the cleanup deletes the old one.
		status:  cftypes.StackStatusUpdateCompleteCleanupInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   updating(cftypes.StackStatusUpdateCompleteCleanupInProgress),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     waitThenDelete,
	},
	{
		status: cftypes.StackStatusUpdateComplete,
		plan:   stack.Decision{Sync: stack.StepConverge, Delete: stack.DeleteNow},
		setup:  updating(cftypes.StackStatusUpdateComplete),
		sync: []driverCall{
			// The stack runs the spec's change set: it converges with nothing to list or clear.
			{want: outcome{phase: stack.PhaseConverged, action: stack.ActionNone, calls: map[string]int{"DescribeStacks": 1}}},
			{newSpec: true, want: updateStarted},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     deleteNow,
	},
	{
		// The driver's UPDATE change set is executed with DisableRollback.
		status: cftypes.StackStatusUpdateFailed,
		plan:   stack.Decision{Sync: stack.StepRetryUpdate, Delete: stack.DeleteNow},
		setup: func(t *testing.T, e *localEnv) stack.Desired {
			created(t, e)
			e.fault(t, updateFails)
			want := v2(t)
			withoutRollback(t, e, want)
			return want
		},
		sync: []driverCall{
			{want: failedOn("WebService UPDATE_FAILED: " + updateFault)},
			{newSpec: true, want: updateStarted},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     deleteNow,
	},
	{
		status:  cftypes.StackStatusUpdateRollbackInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   updating(cftypes.StackStatusUpdateRollbackInProgress, updateFails),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseFailed, cftypes.StackStatusUpdateRollbackComplete},
		del:     waitThenDelete,
	},
	{
		// The update fails, and so does restoring the service in its rollback. The continued rollback
		// completes, and the same spec then waits for the backoff.
		status: cftypes.StackStatusUpdateRollbackFailed,
		plan:   stack.Decision{Sync: stack.StepContinueRollback, Delete: stack.DeleteNow},
		setup: updating(cftypes.StackStatusUpdateRollbackFailed, updateFails,
			cfnlocal.ResourceFault{LogicalResourceID: "WebService", Operation: "UPDATE", DuringRollback: true, Reason: rollbackUpdateFault, Times: 1}),
		sync: []driverCall{{want: outcome{phase: stack.PhaseFailed, action: stack.ActionContinueUpdateRollback,
			calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "ContinueUpdateRollback": 1},
			cause: []string{"WebService UPDATE_FAILED: " + updateFault, "WebService UPDATE_FAILED: " + rollbackUpdateFault}}}},
		syncEnd: ending{stack.PhaseFailed, cftypes.StackStatusUpdateRollbackComplete},
		del:     deleteNow,
	},
	{
		// app-v2 replaced the task definition before the service failed; the rollback's cleanup deletes the
		// new one.
		status:  cftypes.StackStatusUpdateRollbackCompleteCleanupInProgress,
		plan:    stack.Decision{Sync: stack.StepWait, Delete: stack.DeleteWait},
		manual:  true,
		setup:   updating(cftypes.StackStatusUpdateRollbackCompleteCleanupInProgress, updateFails),
		sync:    []driverCall{{want: followed}},
		syncEnd: ending{stack.PhaseFailed, cftypes.StackStatusUpdateRollbackComplete},
		del:     waitThenDelete,
	},
	{
		// The same spec fails until the backoff has passed, then is tried again (and succeeds).
		status: cftypes.StackStatusUpdateRollbackComplete,
		plan:   stack.Decision{Sync: stack.StepRetryUpdate, Delete: stack.DeleteNow},
		setup:  updating(cftypes.StackStatusUpdateRollbackComplete, updateFails),
		sync: []driverCall{
			{want: failedOn("WebService UPDATE_FAILED: " + updateFault)},
			{later: true, want: outcome{phase: stack.PhaseInProgress, action: stack.ActionCreateChangeSet,
				calls: map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 1, "ListChangeSets": 1, "GetTemplate": 1, "CreateChangeSet": 1},
				cause: []string{"WebService UPDATE_FAILED: " + updateFault}}},
		},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusUpdateComplete},
		del:     deleteNow,
	},
	{
		// A CREATE change set for an earlier spec, made with SDK calls and never executed. The stack shows
		// the change set's tags, so whose it is costs no call; the stale change set is replaced.
		status: cftypes.StackStatusReviewInProgress,
		plan:   stack.Decision{Sync: stack.StepResume, Delete: stack.DeleteNow},
		setup: func(t *testing.T, e *localEnv) stack.Desired {
			old := v2(t)
			tags := []cftypes.Tag{
				{Key: aws.String(csv1.TagOwnerNamespace), Value: aws.String(motoOwner.Namespace)},
				{Key: aws.String(csv1.TagOwnerName), Value: aws.String(motoOwner.Name)},
				{Key: aws.String(csv1.TagOwnerUID), Value: aws.String(motoOwner.UID)},
			}
			if _, err := e.cf.CreateChangeSet(context.Background(), &cloudformation.CreateChangeSetInput{
				StackName: aws.String(old.StackName), ChangeSetName: aws.String(stack.ChangeSetName(stack.Digest(old))),
				ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(string(old.TemplateBody)), Tags: tags,
			}); err != nil {
				t.Fatal(err)
			}
			e.release(t)
			return v1(t)
		},
		sync: []driverCall{{want: outcome{phase: stack.PhaseInProgress, action: stack.ActionCreateChangeSet,
			calls: map[string]int{"DescribeStacks": 1, "ListChangeSets": 1, "DeleteChangeSet": 1, "CreateChangeSet": 1}}}},
		syncEnd: ending{stack.PhaseConverged, cftypes.StackStatusCreateComplete},
		del: []driverCall{{want: outcome{phase: stack.PhaseInProgress, action: stack.ActionDeleteStack,
			calls: map[string]int{"DescribeStacks": 1, "DeleteStack": 1}}}},
	},
}
