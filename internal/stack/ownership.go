package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// ownership is whose a stack is, by its owner tags.
type ownership int

const (
	ownedByNobody ownership = iota
	ownedByUs
	ownedByOther
)

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func ownerOf(tags map[string]string, uid string) ownership {
	switch v, ok := tags[csv1.TagOwnerUID]; {
	case !ok || v == "":
		return ownedByNobody
	case v == uid:
		return ownedByUs
	default:
		return ownedByOther
	}
}

// owner says whose the stack is. CloudFormation shows a stack in review with the tags of the CREATE change
// set that made it; where an endpoint does not (moto), the tags of the stack's change sets tell.
func (d *Driver) owner(ctx context.Context, st *types.Stack, uid string) (ownership, map[string]string, error) {
	tags := tagMap(st.Tags)
	own := ownerOf(tags, uid)
	if own != ownedByNobody || st.StackStatus != types.StackStatusReviewInProgress {
		return own, tags, nil
	}
	sums, err := d.ourChangeSets(ctx, st)
	if err != nil {
		return own, tags, err
	}
	for _, s := range sums {
		out, err := d.cf.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: s.ChangeSetId})
		if isChangeSetNotFound(err) {
			continue
		}
		if err != nil {
			return own, tags, fmt.Errorf("describing change set %s: %w", aws.ToString(s.ChangeSetName), err)
		}
		if o := ownerOf(tagMap(out.Tags), uid); o != ownedByNobody {
			return o, tagMap(out.Tags), nil
		}
	}
	return own, tags, nil
}

// conflict is the error for a stack the caller may not touch.
func conflict(st *types.Stack, own ownership, tags map[string]string, verb string) *TerminalError {
	name := aws.ToString(st.StackName)
	if own == ownedByOther {
		return terminal(csv1.ReasonOwnershipConflict, nil,
			// Which object owns it is another tenant's business: only the stack is named.
			"stack %s belongs to another ComposeStack or ComposeNetwork, not to this one, so it is not %s; choose another stack name (spec.stack.name)",
			name, verb)
	}
	made := "was not created by composestack"
	if p := tags[csv1.TagDockerComposeProject]; p != "" {
		made = fmt.Sprintf("was created by Docker Compose for ECS (project %s)", p)
	}
	if verb == "deleted" {
		return terminal(csv1.ReasonOwnershipConflict, nil,
			"stack %s %s and has no owner tags for this object, so it is not deleted; delete it yourself or set spec.stack.deletionPolicy to Retain",
			name, made)
	}
	return terminal(csv1.ReasonOwnershipConflict, nil,
		"stack %s exists and %s, so it is not %s; set spec.stack.adopt to true to take it over, or choose another stack name (spec.stack.name)",
		name, made, verb)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
