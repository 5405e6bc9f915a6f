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

// Drift detection runs in CloudFormation for as long as the stack's resources take to read, so it is split in
// calls that each return at once: DetectDrift starts a detection and returns its ID, which the caller keeps (in
// status) and hands to DriftResult on a later call until the detection is done. Correcting drift is a Sync with
// Desired.RevertDrift set.

// Limits on what one drift report holds, whatever the stack: a report is written to an object's status.
const (
	// MaxDriftedResources bounds the drifted resources a report lists.
	MaxDriftedResources = 20
	// MaxPropertyDifferences bounds the property differences listed per resource.
	MaxPropertyDifferences = 10
	// maxDriftPages bounds the pages of DescribeStackResourceDrifts read for one report.
	maxDriftPages = 5
)

// DriftReport is what a drift detection found, or that it is still running.
type DriftReport struct {
	// DetectionID identifies the detection; empty when none could be started yet.
	DetectionID string
	// RequeueAfter is when to look again while the detection runs, or could not start.
	RequeueAfter time.Duration
	// Done says the detection finished, completed or failed; until then the other fields are empty.
	Done bool
	// Failed says CloudFormation could not finish it, for Reason.
	Failed bool
	Reason string
	// StackDriftStatus is IN_SYNC or DRIFTED once completed.
	StackDriftStatus string
	// Drifted counts the drifted resources, including any Resources leaves out.
	Drifted int
	// Resources are the MODIFIED and DELETED resources, at most MaxDriftedResources, by logical ID.
	Resources []DriftedResource
}

// DriftedResource is a resource that differs from the template.
type DriftedResource struct {
	LogicalID, Type string
	// Status is MODIFIED or DELETED.
	Status string
	// Differences are the property differences of a MODIFIED resource, at most MaxPropertyDifferences.
	Differences []PropertyDifference
	// MoreDifferences counts the differences left out.
	MoreDifferences int
}

// PropertyDifference is one property that differs: a JSON pointer into the resource's properties, the value
// the template gives and the one the resource has, and whether it was ADDed, REMOVEd or is NOT_EQUAL.
type PropertyDifference struct {
	Path, Expected, Actual, Type string
}

// DetectDrift starts a drift detection on the stack; the report names it, to be read with DriftResult after
// RequeueAfter. It starts none (DetectionID empty) when the stack is not in a stable *_COMPLETE state: a
// detection during an operation reads resources in motion, and CloudFormation refuses one on a busy stack.
func (d *Driver) DetectDrift(ctx context.Context, stackName string) (DriftReport, error) {
	rep := DriftReport{RequeueAfter: d.opts.PollInterval}
	st, err := d.describeStack(ctx, stackName, 0)
	if err != nil {
		return rep, err
	}
	if st == nil || !driftCheckable(st.StackStatus) {
		return rep, nil
	}
	out, err := d.cf.DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: st.StackId})
	if apiCode(err) == "ValidationError" && transientValidation(apiMessage(err)) {
		// It became busy since it was described: a later call starts one.
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("starting drift detection on stack %s: %w", stackName, err)
	}
	rep.DetectionID = aws.ToString(out.StackDriftDetectionId)
	return rep, nil
}

// driftCheckable: the stack has a template's resources and no operation running.
func driftCheckable(s types.StackStatus) bool {
	switch s {
	case types.StackStatusCreateComplete, types.StackStatusUpdateComplete, types.StackStatusUpdateRollbackComplete,
		types.StackStatusImportComplete, types.StackStatusImportRollbackComplete:
		return true
	}
	return false
}

// DriftResult reads how the detection id on the stack went: not Done while it runs, else its findings.
func (d *Driver) DriftResult(ctx context.Context, stackName, id string) (DriftReport, error) {
	rep := DriftReport{DetectionID: id}
	st, err := d.cf.DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: aws.String(id)})
	if err != nil {
		return rep, fmt.Errorf("reading drift detection %s of stack %s: %w", id, stackName, err)
	}
	switch st.DetectionStatus {
	case types.StackDriftDetectionStatusDetectionInProgress:
		rep.RequeueAfter = d.opts.PollInterval
		return rep, nil
	case types.StackDriftDetectionStatusDetectionFailed:
		// A detection that failed for some resources still says what it found for the others; it is reported
		// as failed, for the user to look at, rather than as a partial truth.
		rep.Done, rep.Failed, rep.Reason = true, true, aws.ToString(st.DetectionStatusReason)
		return rep, nil
	}
	rep.Done = true
	rep.StackDriftStatus = string(st.StackDriftStatus)
	rep.Drifted = int(aws.ToInt32(st.DriftedStackResourceCount))
	if st.StackDriftStatus != types.StackDriftStatusDrifted {
		return rep, nil
	}
	in := &cloudformation.DescribeStackResourceDriftsInput{
		StackName: aws.String(stackName),
		StackResourceDriftStatusFilters: []types.StackResourceDriftStatus{
			types.StackResourceDriftStatusModified, types.StackResourceDriftStatusDeleted,
		},
		MaxResults: aws.Int32(100),
	}
	for range maxDriftPages {
		out, err := d.cf.DescribeStackResourceDrifts(ctx, in)
		if err != nil {
			return rep, fmt.Errorf("reading the resource drifts of stack %s: %w", stackName, err)
		}
		for _, r := range out.StackResourceDrifts {
			if len(rep.Resources) < MaxDriftedResources {
				rep.Resources = append(rep.Resources, driftedResource(r))
			}
		}
		if aws.ToString(out.NextToken) == "" || len(rep.Resources) >= MaxDriftedResources {
			break
		}
		in.NextToken = out.NextToken
	}
	rep.Drifted = max(rep.Drifted, len(rep.Resources))
	return rep, nil
}

func driftedResource(r types.StackResourceDrift) DriftedResource {
	out := DriftedResource{LogicalID: aws.ToString(r.LogicalResourceId), Type: aws.ToString(r.ResourceType), Status: string(r.StackResourceDriftStatus)}
	for i, p := range r.PropertyDifferences {
		if i == MaxPropertyDifferences {
			out.MoreDifferences = len(r.PropertyDifferences) - i
			break
		}
		out.Differences = append(out.Differences, PropertyDifference{
			Path: aws.ToString(p.PropertyPath), Expected: aws.ToString(p.ExpectedValue),
			Actual: aws.ToString(p.ActualValue), Type: string(p.DifferenceType),
		})
	}
	return out
}

// Revertible says whether a drift-aware change set can bring the resource back to the template: one whose
// properties changed can be; one deleted outside CloudFormation needs an import or a replacement.
func (r DriftedResource) Revertible() bool {
	return r.Status == string(types.StackResourceDriftStatusModified)
}

// revertChangeSetName is the change set that reverts the drift token names on the stack built from digest.
func revertChangeSetName(digest, token string) string {
	return ChangeSetName(digest) + "-r" + shortToken(token)
}

// reverting says whether the change set called name reverted drift on the stack built from digest.
func reverting(name, digest string) bool { return strings.HasPrefix(name, ChangeSetName(digest)+"-r") }

// shortToken keeps a change set name within CloudFormation's 128 characters and its alphabet.
func shortToken(token string) string {
	var b strings.Builder
	for _, c := range token {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
		if b.Len() == 12 {
			break
		}
	}
	return b.String()
}

// revertDrift takes the stack, which runs want already, one step through the drift-aware change set that
// reverts the drift want.RevertDrift names. It is done once the stack's last change set is that one and it
// succeeded; one rolled back is reported as converged without DriftReverted.
func (d *Driver) revertDrift(ctx context.Context, want Desired, digest string, st *types.Stack, res Result) (Result, error) {
	name := revertChangeSetName(digest, want.RevertDrift)
	if changeSetNameOf(aws.ToString(st.ChangeSetId)) == name && Plan(st.StackStatus).Sync == StepConverge {
		res.DriftReverted = true
		return d.converged(res, st, want, "the drift was reverted"), nil
	}
	res, err := d.advanceNamed(ctx, want, digest, name, st, res, types.ChangeSetTypeUpdate)
	if err == nil && res.Phase == PhaseConverged {
		// The change set had nothing to change (the drift is of a kind it cannot revert), or it ran and its
		// spent change set was cleared: either way this correction is over.
		res.DriftReverted = true
	}
	return res, err
}
