package stack

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Step is what a Sync call does about a stack in a given status.
type Step string

const (
	// StepCreate means no stack (or a deleted one): create it through a CREATE change set.
	StepCreate Step = "Create"
	// StepWait means an operation is running; look again soon.
	StepWait Step = "Wait"
	// StepResume means a stack made by a change set that was never executed: execute our change set, or
	// replace a stale one.
	StepResume Step = "Resume"
	// StepConverge means a stable stack: converged if it was built from the desired digest, else update it.
	StepConverge Step = "Converge"
	// StepRecreate means a stack whose creation failed, which CloudFormation cannot update: report the cause,
	// and delete it (to create it again) once the spec changes.
	StepRecreate Step = "Recreate"
	// StepRetryUpdate means an update failed and was rolled back: report the cause; update again on a new spec
	// or after the retry backoff.
	StepRetryUpdate Step = "RetryUpdate"
	// StepContinueRollback means the rollback of an update failed: ContinueUpdateRollback, then report.
	StepContinueRollback Step = "ContinueRollback"
	// StepRetryDelete means a delete failed: report the resources that failed; delete again after the backoff.
	StepRetryDelete Step = "RetryDelete"
	// StepStuck means CloudFormation offers no way forward without a person: report and look again after the
	// backoff.
	StepStuck Step = "Stuck"
)

// DeleteStep is what a Delete call does about a stack in a given status.
type DeleteStep string

const (
	// DeleteDone means the stack is gone.
	DeleteDone DeleteStep = "Done"
	// DeleteWait means an operation is running; delete once it ends.
	DeleteWait DeleteStep = "Wait"
	// DeleteNow means call DeleteStack.
	DeleteNow DeleteStep = "Delete"
	// DeleteRetry means a delete failed: report the resources that failed; delete again after the backoff.
	DeleteRetry DeleteStep = "RetryDelete"
)

// Decision is the row of the status table for one stack status.
type Decision struct {
	Sync   Step
	Delete DeleteStep
}

// statusTable decides every status of types.StackStatus. docs/stack-status.md has the same table, and a
// test checks both against the SDK's list of statuses.
var statusTable = map[types.StackStatus]Decision{
	types.StackStatusCreateInProgress:                        {StepWait, DeleteWait},
	types.StackStatusCreateFailed:                            {StepRecreate, DeleteNow},
	types.StackStatusCreateComplete:                          {StepConverge, DeleteNow},
	types.StackStatusRollbackInProgress:                      {StepWait, DeleteWait},
	types.StackStatusRollbackFailed:                          {StepRecreate, DeleteNow},
	types.StackStatusRollbackComplete:                        {StepRecreate, DeleteNow},
	types.StackStatusDeleteInProgress:                        {StepWait, DeleteWait},
	types.StackStatusDeleteFailed:                            {StepRetryDelete, DeleteRetry},
	types.StackStatusDeleteComplete:                          {StepCreate, DeleteDone},
	types.StackStatusUpdateInProgress:                        {StepWait, DeleteWait},
	types.StackStatusUpdateCompleteCleanupInProgress:         {StepWait, DeleteWait},
	types.StackStatusUpdateComplete:                          {StepConverge, DeleteNow},
	types.StackStatusUpdateFailed:                            {StepRetryUpdate, DeleteNow},
	types.StackStatusUpdateRollbackInProgress:                {StepWait, DeleteWait},
	types.StackStatusUpdateRollbackFailed:                    {StepContinueRollback, DeleteNow},
	types.StackStatusUpdateRollbackCompleteCleanupInProgress: {StepWait, DeleteWait},
	types.StackStatusUpdateRollbackComplete:                  {StepRetryUpdate, DeleteNow},
	types.StackStatusReviewInProgress:                        {StepResume, DeleteNow},
	types.StackStatusImportInProgress:                        {StepWait, DeleteWait},
	types.StackStatusImportComplete:                          {StepConverge, DeleteNow},
	types.StackStatusImportRollbackInProgress:                {StepWait, DeleteWait},
	types.StackStatusImportRollbackFailed:                    {StepStuck, DeleteNow},
	types.StackStatusImportRollbackComplete:                  {StepRetryUpdate, DeleteNow},
}

// Plan decides what to do about a stack in status. "" means there is no stack. A status newer than this
// build is waited on if it looks like an operation in progress, and otherwise reported without action.
func Plan(status types.StackStatus) Decision {
	if status == "" {
		return Decision{StepCreate, DeleteDone}
	}
	if d, ok := statusTable[status]; ok {
		return d
	}
	if strings.HasSuffix(string(status), "_IN_PROGRESS") {
		return Decision{StepWait, DeleteWait}
	}
	return Decision{StepStuck, DeleteNow}
}
