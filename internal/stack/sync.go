package stack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Sync takes the stack one step toward want. It returns a TerminalError when only the user can help, a
// plain error when the call may succeed if retried, and otherwise a Result saying what it did and when to
// call again. Throttling is not an error: it gives a Result with Throttled set.
func (d *Driver) Sync(ctx context.Context, want Desired) (Result, error) {
	if err := validate(want.StackName, want.Owner); err != nil {
		return Result{}, err
	}
	if len(want.TemplateBody) == 0 {
		return Result{}, fmt.Errorf("stack %s: the template is empty", want.StackName)
	}
	digest := Digest(want)
	res, err := d.sync(withCallMemo(ctx), want, digest)
	d.touched(want.StackName, res, err)
	res.Digest = digest
	return d.settle(res, err)
}

func (d *Driver) sync(ctx context.Context, want Desired, digest string) (Result, error) {
	// A stable stack is looked at in the pages read for all stacks at most one interval ago.
	st, err := d.describeStack(ctx, want.StackName, want.ResyncInterval)
	if err != nil {
		return Result{}, err
	}
	var status types.StackStatus
	if st != nil {
		status = st.StackStatus
	}
	step := Plan(status).Sync
	if step == StepCreate {
		return d.create(ctx, want, digest)
	}
	res := observed(st)
	own, tags, err := d.owner(ctx, st, want.Owner.UID)
	if err != nil {
		return res, err
	}
	if own == ownedByOther || (own == ownedByNobody && !want.Adopt) {
		return res, conflict(st, own, tags, "updated")
	}
	if followed(st, want) {
		if res.Progress, err = d.progress(ctx, st, want.TemplateBody); err != nil {
			return res, err
		}
	}

	switch step {
	case StepWait:
		return d.waiting(res, "stack %s is %s", want.StackName, st.StackStatus), nil
	case StepResume:
		return d.advance(ctx, want, digest, st, res, types.ChangeSetTypeCreate)
	case StepConverge:
		// An adopted stack is updated even when its template matches, so that it gets the owner tags.
		if own != ownedByUs {
			return d.advance(ctx, want, digest, st, res, types.ChangeSetTypeUpdate)
		}
		// Past the record, the stack runs this spec, but the caller has not recorded it yet, when the stack
		// names this spec's change set as its last, or was created from it and not changed since. Nothing is
		// left to clear: executing a change set deletes the stack's others, and CloudFormation stops listing it.
		runs := d.applied(st, want, digest) || changeSetNameOf(aws.ToString(st.ChangeSetId)) == ChangeSetName(digest)
		if !runs {
			made, err := d.createdFrom(ctx, st, want, digest)
			if err != nil {
				return res, err
			}
			runs = made
		}
		if !runs {
			return d.advance(ctx, want, digest, st, res, types.ChangeSetTypeUpdate)
		}
		if want.RevertDrift != "" {
			return d.revertDrift(ctx, want, digest, st, res)
		}
		return d.converged(res, st, want, "the stack matches the spec"), nil
	case StepRecreate:
		return d.recreate(ctx, want, digest, st, res)
	case StepRetryUpdate:
		return d.retryUpdate(ctx, want, digest, st, res)
	case StepContinueRollback:
		return d.continueRollback(ctx, st, res)
	case StepRetryDelete:
		return d.retryDelete(ctx, st, res)
	default: // StepStuck
		f, err := d.rootCause(ctx, st)
		if err != nil {
			return res, err
		}
		res.FailedResources = f.resources
		return d.failed(res, d.opts.RetryBackoff,
			"stack %s is %s, which CloudFormation cannot recover from by itself; repair or delete it in the CloudFormation console",
			want.StackName, st.StackStatus), nil
	}
}

// applied says whether the caller recorded digest as applied, and nobody changed the stack since through a
// change set of their own (that stack is checked again with a change set of ours).
func (d *Driver) applied(st *types.Stack, want Desired, digest string) bool {
	last := changeSetNameOf(aws.ToString(st.ChangeSetId))
	if last != "" && !strings.HasPrefix(last, changeSetPrefix) {
		return false
	}
	return want.LastAppliedDigest == digest
}

// attempted is the name of the change set behind the stack's last operation, if this driver made it: the
// stack names it, or the token on the events of its creation does, or else it is the one of ours that was
// executed.
func (d *Driver) attempted(ctx context.Context, st *types.Stack) (string, error) {
	if name := changeSetNameOf(aws.ToString(st.ChangeSetId)); name != "" {
		return name, nil
	}
	op, err := d.lastOperation(ctx, st)
	if err != nil {
		return "", err
	}
	if name := tokenChangeSet(op.token()); name != "" {
		return name, nil
	}
	sums, err := d.ourChangeSets(ctx, st)
	if err != nil {
		return "", err
	}
	for _, s := range sums {
		switch s.ExecutionStatus {
		case types.ExecutionStatusExecuteFailed, types.ExecutionStatusExecuteComplete, types.ExecutionStatusExecuteInProgress:
			return aws.ToString(s.ChangeSetName), nil
		}
	}
	return "", nil
}

func (d *Driver) converged(res Result, st *types.Stack, want Desired, msg string) Result {
	res.Phase = PhaseConverged
	if res.Action == "" {
		res.Action = ActionNone
	}
	if st != nil {
		res.Outputs = outputs(st)
	}
	if res.Progress == nil {
		res.Progress = finished(want.TemplateBody)
	}
	res.Progress.Done = res.Progress.Total
	res.RequeueAfter = want.ResyncInterval
	res.Message = msg
	return res
}

func (d *Driver) failed(res Result, after time.Duration, format string, args ...any) Result {
	res.Phase = PhaseFailed
	if res.Action == "" {
		res.Action = ActionNone
	}
	res.RequeueAfter = after
	res.Message = fmt.Sprintf(format, args...)
	return res
}

// recreate handles a stack whose creation failed. CloudFormation cannot update such a stack, so it is deleted
// and created again, but only for a new spec: the same spec would fail the same way.
func (d *Driver) recreate(ctx context.Context, want Desired, digest string, st *types.Stack, res Result) (Result, error) {
	f, err := d.rootCause(ctx, st)
	if err != nil {
		return res, err
	}
	res.FailedResources = f.resources
	if !f.started && aws.ToString(st.ChangeSetId) == "" {
		// Which spec the stack was created from is on the first of its events, beyond the pages read: making
		// it again could repeat the same failure without end.
		return d.failed(res, want.ResyncInterval,
			"creating stack %s failed (%s), and its first events are beyond the %d pages read; delete the stack in CloudFormation to have it created again",
			want.StackName, st.StackStatus, d.opts.MaxEventPages), nil
	}
	last, err := d.attempted(ctx, st)
	if err != nil {
		return res, err
	}
	if last == ChangeSetName(digest) {
		return d.failed(res, want.ResyncInterval,
			"creating stack %s failed (%s); it is deleted and created again once the spec changes", want.StackName, st.StackStatus), nil
	}
	if err := d.deleteStack(ctx, st); err != nil {
		return res, err
	}
	res.Action = ActionDeleteStack
	return d.waiting(res, "stack %s is %s from an earlier spec; deleting it to create it again", want.StackName, st.StackStatus), nil
}

// retryUpdate handles a stack whose update failed and was rolled back: a new spec is applied at once, the
// same one again after the retry backoff, counted from when the stack reached its status.
func (d *Driver) retryUpdate(ctx context.Context, want Desired, digest string, st *types.Stack, res Result) (Result, error) {
	last, err := d.attempted(ctx, st)
	if err != nil {
		return res, err
	}
	if reverting(last, digest) && want.LastAppliedDigest == digest {
		// A correction of drift failed and was rolled back, so the stack runs this spec again: there is nothing
		// to retry but a new correction.
		if want.RevertDrift != "" && last != revertChangeSetName(digest, want.RevertDrift) {
			return d.revertDrift(ctx, want, digest, st, res)
		}
		return d.converged(res, st, want, "the stack matches the spec; the update correcting its drift was rolled back"), nil
	}
	if last != ChangeSetName(digest) {
		return d.advance(ctx, want, digest, st, res, types.ChangeSetTypeUpdate)
	}
	f, err := d.rootCause(ctx, st)
	if err != nil {
		return res, err
	}
	res.FailedResources = f.resources
	if wait := d.opts.RetryBackoff - d.opts.Now().Sub(f.since); wait > 0 {
		return d.failed(res, d.jitter(wait),
			"updating stack %s failed (%s); the update is tried again in %s, or at once when the spec changes",
			want.StackName, st.StackStatus, wait.Round(time.Second)), nil
	}
	return d.advance(ctx, want, digest, st, res, types.ChangeSetTypeUpdate)
}

// continueRollback resumes a rollback that failed. It is called at most once per backoff, as a rollback
// that fails again would otherwise be restarted in a tight loop.
func (d *Driver) continueRollback(ctx context.Context, st *types.Stack, res Result) (Result, error) {
	f, err := d.rootCause(ctx, st)
	if err != nil {
		return res, err
	}
	res.FailedResources = f.resources
	name := aws.ToString(st.StackName)
	if _, err := d.cf.ContinueUpdateRollback(ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: st.StackId}); err != nil {
		return res, fmt.Errorf("continuing the rollback of stack %s: %w", name, err)
	}
	res.Action = ActionContinueUpdateRollback
	return d.failed(res, d.jitter(d.opts.RetryBackoff),
		"updating stack %s failed and so did its rollback; the rollback was continued, and the stack is looked at again later", name), nil
}

// retryDelete deletes again a stack whose deletion failed, once the backoff has passed since it failed.
func (d *Driver) retryDelete(ctx context.Context, st *types.Stack, res Result) (Result, error) {
	f, err := d.rootCause(ctx, st)
	if err != nil {
		return res, err
	}
	res.FailedResources = f.resources
	name := aws.ToString(st.StackName)
	if wait := d.opts.RetryBackoff - d.opts.Now().Sub(f.since); wait > 0 {
		return d.failed(res, d.jitter(wait),
			"CloudFormation could not delete stack %s; deleting it is tried again in %s", name, wait.Round(time.Second)), nil
	}
	if err := d.deleteStack(ctx, st); err != nil {
		return res, err
	}
	res.Action = ActionDeleteStack
	return d.waiting(res, "deleting stack %s again", name), nil
}
