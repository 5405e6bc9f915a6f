package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// previewPrefix starts the name of a preview's change set. It differs from changeSetPrefix so that a
// controller driving the same stack never takes a preview for one of its own, nor deletes it as stale.
const previewPrefix = "preview-"

// Preview is what applying a Desired would do to its stack, as a change set computed and deleted again.
type Preview struct {
	// StackName is the stack previewed.
	StackName string `json:"stackName"`
	// Create says there is no stack yet (or only a failed first attempt, which the controller replaces):
	// every resource of the template would be added.
	Create bool `json:"create,omitempty"`
	// Changes are the resource changes, sorted by logical ID.
	Changes []ResourceChange `json:"changes"`
	// Risks are the changes that replace or remove a resource holding state or traffic (RiskyChanges).
	Risks []string `json:"risks,omitempty"`
}

// ResourceChange is one resource a preview would add, modify or remove.
type ResourceChange struct {
	LogicalID  string `json:"logicalID"`
	PhysicalID string `json:"physicalID,omitempty"`
	Type       string `json:"type"`
	// Action is Add, Modify, Remove, Import or Dynamic, as CloudFormation says.
	Action string `json:"action"`
	// Replacement is True, False or Conditional for a Modify; empty otherwise.
	Replacement string `json:"replacement,omitempty"`
	// Causes are the properties whose change makes the modification, with whether each recreates it.
	Causes []Cause `json:"causes,omitempty"`
}

// Cause is one change to a resource's definition that a change set reports.
type Cause struct {
	// Property is the property (or Metadata, Tags, ...) that changes.
	Property string `json:"property"`
	// RequiresRecreation is Never, Conditionally or Always.
	RequiresRecreation string `json:"requiresRecreation,omitempty"`
	// CausingEntity is the parameter or resource whose value changes it, when that is why.
	CausingEntity string `json:"causingEntity,omitempty"`
}

// Preview proposes want as a change set, reads what it would change and deletes it; it never executes it.
// A stack that does not exist yet is not made (a CREATE change set would leave a stack in
// REVIEW_IN_PROGRESS behind): its preview lists the template's resources as added. Ownership is checked as
// Sync checks it, but want.Owner.UID may be empty: the preview then carries the live stack's owner tags,
// so that tags do not show as changes. The change set is waited on every PollInterval until ctx ends.
func (d *Driver) Preview(ctx context.Context, want Desired) (p *Preview, err error) {
	if want.StackName == "" {
		return nil, errors.New("the stack has no name")
	}
	st, err := d.describeStack(ctx, want.StackName, 0)
	if err != nil {
		return nil, err
	}
	var status types.StackStatus
	if st != nil {
		status = st.StackStatus
	}
	switch Plan(status).Sync {
	case StepCreate, StepRecreate:
		return createPreview(want)
	case StepWait:
		return nil, fmt.Errorf("stack %s is %s: preview again once it is done", want.StackName, status)
	}
	if st.StackStatus == types.StackStatusReviewInProgress {
		return createPreview(want)
	}
	owner, err := previewOwner(st, tagMap(st.Tags), want)
	if err != nil {
		return nil, err
	}
	want.Owner = owner
	// A stack nobody owns is previewed as its adoption, deferred task definitions included.
	adopting := ownerOf(tagMap(st.Tags), owner.UID) == ownedByNobody
	body, err := d.liveSpelling(ctx, want.StackName, want.TemplateBody, adopting)
	if err != nil {
		return nil, err
	}
	want.TemplateBody = body
	src, err := d.source(ctx, want)
	if err != nil {
		return nil, err
	}
	caps, err := Capabilities(want.TemplateBody)
	if err != nil {
		return nil, fmt.Errorf("the template of stack %s is not valid JSON: %w", want.StackName, err)
	}
	out, err := d.cf.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     st.StackId,
		ChangeSetName: aws.String(previewName(Digest(want))),
		ChangeSetType: types.ChangeSetTypeUpdate,
		TemplateBody:  src.body,
		TemplateURL:   src.url,
		Capabilities:  caps,
		Parameters:    parameters(want.Parameters),
		Tags:          tags(previewTags(want)),
		Description:   aws.String("composestack diff: a preview, never executed"),
	})
	if err != nil {
		if isNoChanges(apiMessage(err)) {
			return &Preview{StackName: want.StackName, Changes: []ResourceChange{}}, nil
		}
		return nil, fmt.Errorf("creating a change set for stack %s: %w", want.StackName, err)
	}
	id := aws.ToString(out.Id)
	defer func() {
		// The change set goes even when ctx has ended: a preview leaves nothing behind.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if derr := d.deleteChangeSet(cleanup, id); derr != nil && err == nil {
			err = derr
		}
	}()
	return d.readPreview(ctx, want.StackName, id)
}

// readPreview waits for change set id to be computed and reads its changes.
func (d *Driver) readPreview(ctx context.Context, stackName, id string) (*Preview, error) {
	p := &Preview{StackName: stackName, Changes: []ResourceChange{}}
	var raw []types.Change
	in := &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)}
	for {
		out, err := d.cf.DescribeChangeSet(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describing change set %s: %w", id, err)
		}
		switch out.Status {
		case types.ChangeSetStatusCreatePending, types.ChangeSetStatusCreateInProgress:
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for the change set of stack %s: %w", stackName, ctx.Err())
			case <-time.After(d.opts.PollInterval):
			}
			continue
		case types.ChangeSetStatusFailed:
			if reason := aws.ToString(out.StatusReason); !isNoChanges(reason) {
				return nil, terminal(csv1.ReasonChangeSetFailed, nil, "CloudFormation rejected the change set for stack %s: %s", stackName, reason)
			}
			return p, nil
		case types.ChangeSetStatusCreateComplete:
		default:
			return nil, fmt.Errorf("change set %s of stack %s is %s", id, stackName, out.Status)
		}
		raw = append(raw, out.Changes...)
		for _, c := range out.Changes {
			if c.ResourceChange != nil {
				p.Changes = append(p.Changes, resourceChangeOf(c.ResourceChange))
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.SortStableFunc(p.Changes, func(a, b ResourceChange) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	p.Risks = RiskyChanges(raw)
	return p, nil
}

func resourceChangeOf(rc *types.ResourceChange) ResourceChange {
	out := ResourceChange{
		LogicalID:   aws.ToString(rc.LogicalResourceId),
		PhysicalID:  aws.ToString(rc.PhysicalResourceId),
		Type:        aws.ToString(rc.ResourceType),
		Action:      string(rc.Action),
		Replacement: string(rc.Replacement),
	}
	for _, det := range rc.Details {
		if det.Target == nil {
			continue
		}
		c := Cause{Property: aws.ToString(det.Target.Name), RequiresRecreation: string(det.Target.RequiresRecreation),
			CausingEntity: aws.ToString(det.CausingEntity)}
		if c.Property == "" {
			c.Property = string(det.Target.Attribute)
		}
		if !slices.Contains(out.Causes, c) {
			out.Causes = append(out.Causes, c)
		}
	}
	return out
}

// createPreview lists every resource of want's template as added.
func createPreview(want Desired) (*Preview, error) {
	var tpl struct {
		Resources map[string]struct{ Type string } `json:"Resources"`
	}
	if err := json.Unmarshal(want.TemplateBody, &tpl); err != nil {
		return nil, fmt.Errorf("reading the template of stack %s: %w", want.StackName, err)
	}
	p := &Preview{StackName: want.StackName, Create: true, Changes: []ResourceChange{}}
	for _, id := range slices.Sorted(maps.Keys(tpl.Resources)) {
		p.Changes = append(p.Changes, ResourceChange{LogicalID: id, Type: tpl.Resources[id].Type, Action: string(types.ChangeActionAdd)})
	}
	return p, nil
}

// previewOwner is the owner whose tags the preview carries: the live one when want names none (or names
// the same object), refused as Sync refuses it when the stack belongs to someone else.
func previewOwner(st *types.Stack, tags map[string]string, want Desired) (Owner, error) {
	live := Owner{Namespace: tags[csv1.TagOwnerNamespace], Name: tags[csv1.TagOwnerName], UID: tags[csv1.TagOwnerUID]}
	switch {
	case live.UID == "" && want.Owner.Name != "" && !want.Adopt:
		return Owner{}, conflict(st, ownedByNobody, tags, "updated")
	case live.UID == "" && want.Owner.Name == "":
		return Owner{}, nil // nobody's stack, previewed for nobody: no owner tags either side
	case live.UID == "":
		// An adoption: the controller would add its owner tags; the preview shows that with a stand-in UID.
		if want.Owner.UID == "" {
			want.Owner.UID = "preview"
		}
		return want.Owner, nil
	case want.Owner.Name == "" || (want.Owner.Namespace == live.Namespace && want.Owner.Name == live.Name):
		return live, nil
	default:
		return Owner{}, conflict(st, ownedByOther, tags, "updated")
	}
}

// previewTags are the tags Sync would give the stack, without owner tags when there is no owner.
func previewTags(want Desired) map[string]string {
	t := stackTags(want)
	if want.Owner == (Owner{}) {
		delete(t, csv1.TagOwnerNamespace)
		delete(t, csv1.TagOwnerName)
		delete(t, csv1.TagOwnerUID)
	}
	return t
}

// previewName is unique per call, so that two pipelines previewing the same spec do not collide.
func previewName(digest string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return previewPrefix + digest[:16] + "-" + hex.EncodeToString(b[:])
}
