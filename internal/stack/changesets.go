package stack

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// ourChangeSets lists the change sets of st that this driver made. The list is filtered by stack ID as
// well as asked for by it, because some endpoints (moto) answer with every stack's change sets.
func (d *Driver) ourChangeSets(ctx context.Context, st *types.Stack) ([]types.ChangeSetSummary, error) {
	memo := memoOf(ctx)
	if ours, ok := memo.get(aws.ToString(st.StackId)); ok {
		return ours, nil
	}
	var ours []types.ChangeSetSummary
	in := &cloudformation.ListChangeSetsInput{StackName: st.StackId}
	for {
		out, err := d.cf.ListChangeSets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing the change sets of stack %s: %w", aws.ToString(st.StackName), err)
		}
		for _, s := range out.Summaries {
			if aws.ToString(s.StackId) == aws.ToString(st.StackId) && strings.HasPrefix(aws.ToString(s.ChangeSetName), changeSetPrefix) {
				ours = append(ours, s)
			}
		}
		if aws.ToString(out.NextToken) == "" {
			memo.put(aws.ToString(st.StackId), ours)
			return ours, nil
		}
		in.NextToken = out.NextToken
	}
}

func summaryOf(s types.ChangeSetSummary, csType types.ChangeSetType) *ChangeSet {
	return &ChangeSet{
		Name:            aws.ToString(s.ChangeSetName),
		ID:              aws.ToString(s.ChangeSetId),
		Status:          string(s.Status),
		ExecutionStatus: string(s.ExecutionStatus),
		Type:            string(csType),
		StatusReason:    aws.ToString(s.StatusReason),
	}
}

// deleteChangeSet deletes a change set by ARN (by name, some endpoints look across stacks).
func (d *Driver) deleteChangeSet(ctx context.Context, id string) error {
	memoOf(ctx).forget()
	_, err := d.cf.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(id)})
	if err != nil && !isChangeSetNotFound(err) {
		return fmt.Errorf("deleting change set %s: %w", id, err)
	}
	return nil
}

// advance takes the change set for digest one step: create it, wait for it, execute it, or clear it away
// once it is spent. Change sets of ours for other digests are stale and deleted on the way.
func (d *Driver) advance(ctx context.Context, want Desired, digest string, st *types.Stack, res Result, csType types.ChangeSetType) (Result, error) {
	return d.advanceNamed(ctx, want, digest, ChangeSetName(digest), st, res, csType)
}

// advanceNamed is advance for the change set called name: the one for digest, or the one reverting drift.
func (d *Driver) advanceNamed(ctx context.Context, want Desired, digest, name string, st *types.Stack, res Result, csType types.ChangeSetType) (Result, error) {
	sums, err := d.ourChangeSets(ctx, st)
	if err != nil {
		return res, err
	}
	var cur *types.ChangeSetSummary
	for i, s := range sums {
		if aws.ToString(s.ChangeSetName) == name {
			cur = &sums[i]
			continue
		}
		if s.ExecutionStatus == types.ExecutionStatusExecuteInProgress {
			continue // CloudFormation deletes it with the others once it is done
		}
		if err := d.deleteChangeSet(ctx, aws.ToString(s.ChangeSetId)); err != nil {
			return res, err
		}
	}
	if cur == nil {
		return d.start(ctx, want, digest, name, st, res, csType)
	}
	res.ChangeSet = summaryOf(*cur, csType)
	id := aws.ToString(cur.ChangeSetId)
	switch cur.Status {
	case types.ChangeSetStatusCreatePending, types.ChangeSetStatusCreateInProgress:
		return d.waiting(res, "waiting for change set %s to be computed", name), nil
	case types.ChangeSetStatusFailed:
		reason := aws.ToString(cur.StatusReason)
		if isNoChanges(reason) {
			if err := d.deleteChangeSet(ctx, id); err != nil {
				return res, err
			}
			res.Action = ActionDeleteChangeSet
			return d.converged(res, st, want, "the stack already matches the spec"), nil
		}
		// The failed change set stays: it marks this spec as rejected, so the same spec is not tried again
		// after a restart. A new spec makes a new change set, and this one is deleted as stale.
		return res, terminal(csv1.ReasonChangeSetFailed, nil,
			"CloudFormation rejected change set %s for stack %s: %s; correct the compose project, overlays or parameters",
			name, want.StackName, reason)
	case types.ChangeSetStatusCreateComplete:
	default: // DELETE_*: it is going away; make a new one once it is gone
		return d.waiting(res, "waiting for change set %s to be deleted", name), nil
	}
	switch cur.ExecutionStatus {
	case types.ExecutionStatusAvailable:
		if csType == types.ChangeSetTypeUpdate && !want.AllowAdoptionReplacements && ownerOf(tagMap(st.Tags), want.Owner.UID) == ownedByNobody {
			// The first update of a stack someone else made: what it would replace is looked at first.
			risks, err := d.adoptionRisks(ctx, id)
			if err != nil {
				return res, err
			}
			if len(risks) > 0 {
				return res, adoptionStopped(want.StackName, risks)
			}
		}
		memoOf(ctx).forget()
		_, err := d.cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(id)})
		if apiCode(err) == "InvalidChangeSetStatus" || apiCode(err) == "InvalidChangeSetStatusException" {
			return d.waiting(res, "change set %s cannot be executed yet", name), nil
		}
		if err != nil {
			return res, fmt.Errorf("executing change set %s of stack %s: %w", name, want.StackName, err)
		}
		res.Action = ActionExecuteChangeSet
		return d.waiting(res, "executing change set %s", name), nil
	case types.ExecutionStatusExecuteComplete:
		// Spent: the stack holds it now.
		if err := d.deleteChangeSet(ctx, id); err != nil {
			return res, err
		}
		res.Action = ActionDeleteChangeSet
		if Plan(st.StackStatus).Sync == StepConverge {
			return d.converged(res, st, want, "the stack matches the spec"), nil
		}
		return d.waiting(res, "deleted spent change set %s", name), nil
	case types.ExecutionStatusExecuteFailed, types.ExecutionStatusObsolete:
		// Spent without effect: clear it so that the next call can make it anew under the same name.
		if err := d.deleteChangeSet(ctx, id); err != nil {
			return res, err
		}
		res.Action = ActionDeleteChangeSet
		return d.waiting(res, "deleted change set %s (%s) to try again", name, cur.ExecutionStatus), nil
	default: // UNAVAILABLE (the stack is busy) or EXECUTE_IN_PROGRESS
		return d.waiting(res, "change set %s is %s", name, cur.ExecutionStatus), nil
	}
}

// start creates the change set called name, for digest; the one reverting want.RevertDrift is drift-aware.
func (d *Driver) start(ctx context.Context, want Desired, digest, name string, st *types.Stack, res Result, csType types.ChangeSetType) (Result, error) {
	if csType == types.ChangeSetTypeUpdate {
		adopting := st != nil && ownerOf(tagMap(st.Tags), want.Owner.UID) == ownedByNobody
		body, err := d.liveSpelling(ctx, want.StackName, want.TemplateBody, adopting)
		if err != nil {
			return res, err
		}
		want.TemplateBody = body
	}
	src, err := d.source(ctx, want)
	if err != nil {
		return res, err
	}
	caps, err := Capabilities(want.TemplateBody)
	if err != nil {
		return res, terminal(csv1.ReasonChangeSetFailed, err, "the template of stack %s is not valid JSON", want.StackName)
	}
	in := &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(want.StackName),
		ChangeSetName: aws.String(name),
		ChangeSetType: csType,
		TemplateBody:  src.body,
		TemplateURL:   src.url,
		Capabilities:  caps,
		Parameters:    parameters(want.Parameters),
		Tags:          tags(stackTags(want)),
		Description:   aws.String(fmt.Sprintf("composestack %s/%s, digest %s", want.Owner.Namespace, want.Owner.Name, digest)),
	}
	if want.RevertDrift != "" && name == revertChangeSetName(digest, want.RevertDrift) {
		// A drift-aware change set compares the template with the resources as they are, so the unchanged
		// template modifies the drifted ones back; a plain one compares templates and would find nothing to do.
		in.DeploymentMode = types.DeploymentModeRevertDrift
		in.Description = aws.String(fmt.Sprintf("composestack %s/%s, digest %s, reverting drift", want.Owner.Namespace, want.Owner.Name, digest))
	}
	// No ClientToken: a change set deleted to be tried again is made anew under the same name, which a
	// reused token would turn into a replay of the old request. A lost response is caught as
	// AlreadyExistsException instead.
	memoOf(ctx).forget()
	out, err := d.cf.CreateChangeSet(ctx, in)
	if err != nil {
		msg := apiMessage(err)
		switch code := apiCode(err); {
		case isNoChanges(msg) && csType == types.ChangeSetTypeUpdate:
			return d.converged(res, st, want, "the stack already matches the spec"), nil
		case code == "AlreadyExistsException" || code == "AlreadyExists":
			if st == nil {
				// The stack exists though no reading showed it yet: it is described on its own next time.
				d.obs.wrote(want.StackName)
			}
			return d.waiting(res, "change set %s exists already", name), nil
		case code == "InsufficientCapabilitiesException" || code == "InsufficientCapabilities":
			return res, terminal(csv1.ReasonChangeSetFailed, err, "CloudFormation needs more capabilities for stack %s than composestack grants", want.StackName)
		case code == "ValidationError" && !transientValidation(msg):
			return res, terminal(csv1.ReasonChangeSetFailed, err,
				"CloudFormation rejected the template or parameters of stack %s; correct the compose project, overlays or parameters", want.StackName)
		}
		return res, fmt.Errorf("creating change set %s for stack %s: %w", name, want.StackName, err)
	}
	if res.StackID == "" {
		res.StackID = aws.ToString(out.StackId)
	}
	res.Action = ActionCreateChangeSet
	res.ChangeSet = &ChangeSet{Name: name, ID: aws.ToString(out.Id), Type: string(csType), Status: string(types.ChangeSetStatusCreatePending)}
	return d.waiting(res, "created %s change set %s", csType, name), nil
}

// transientValidation recognises the ValidationErrors that come from the stack's state at the moment (it
// is busy, or it vanished) rather than from the template: those pass on their own.
func transientValidation(msg string) bool {
	for _, s := range []string{"does not exist", "_IN_PROGRESS state", "can not be updated", "cannot be updated", "already exists"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func parameters(ps []Parameter) []types.Parameter {
	out := make([]types.Parameter, 0, len(ps))
	for _, p := range ps {
		out = append(out, types.Parameter{ParameterKey: aws.String(p.Key), ParameterValue: aws.String(p.Value)})
	}
	return out
}

func tags(m map[string]string) []types.Tag {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]types.Tag, 0, len(m))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// changeSetNameOf extracts the name from a change set ARN (…:changeSet/<name>/<uuid>).
func changeSetNameOf(arn string) string {
	_, rest, ok := strings.Cut(arn, ":changeSet/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}
