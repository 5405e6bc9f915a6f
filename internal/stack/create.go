package stack

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// create makes a new stack with one CreateStack call. A change set would cost a second write (create it,
// then execute it) and a read (is it computed?) for nothing to review, and writes are what bound a wave of
// creates inside an account's rate limit. The request's token names the spec (createToken), and
// CloudFormation puts it on every event of the creation, so the stack still says which spec it was made
// from, as a change set's name does for an update.
func (d *Driver) create(ctx context.Context, want Desired, digest string) (Result, error) {
	var res Result
	src, err := d.source(ctx, want)
	if err != nil {
		return res, err
	}
	caps, err := Capabilities(want.TemplateBody)
	if err != nil {
		return res, terminal(csv1.ReasonChangeSetFailed, err, "the template of stack %s is not valid JSON", want.StackName)
	}
	memoOf(ctx).forget()
	out, err := d.cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:          aws.String(want.StackName),
		TemplateBody:       src.body,
		TemplateURL:        src.url,
		Capabilities:       caps,
		Parameters:         parameters(want.Parameters),
		Tags:               tags(stackTags(want)),
		ClientRequestToken: aws.String(createToken(digest)),
	})
	if err != nil {
		msg := apiMessage(err)
		switch code := apiCode(err); {
		case code == "AlreadyExistsException" || code == "AlreadyExists":
			// The stack exists though no reading showed it yet: it is described on its own next time.
			d.obs.wrote(want.StackName)
			return d.waiting(res, "stack %s exists already", want.StackName), nil
		case code == "InsufficientCapabilitiesException" || code == "InsufficientCapabilities":
			return res, terminal(csv1.ReasonChangeSetFailed, err, "CloudFormation needs more capabilities for stack %s than composestack grants", want.StackName)
		case code == "ValidationError" && !transientValidation(msg):
			return res, terminal(csv1.ReasonChangeSetFailed, err,
				"CloudFormation rejected the template or parameters of stack %s; correct the compose project, overlays or parameters", want.StackName)
		}
		return res, fmt.Errorf("creating stack %s: %w", want.StackName, err)
	}
	res.StackID = aws.ToString(out.StackId)
	res.Action = ActionCreateStack
	return d.waiting(res, "creating stack %s", want.StackName), nil
}

// createToken is the ClientRequestToken of a creation: the name a change set for the spec would have, and
// a random part. The SDK's retries of one call resend the same token, so CloudFormation takes them as one
// request; a later call (the stack was deleted since, and is made again from the same spec) must be a new
// request, which a token derived from the spec alone would not be.
func createToken(digest string) string {
	return fmt.Sprintf("%s-%08x", ChangeSetName(digest), rand.Uint32())
}

// tokenChangeSet is the change set name a creation's token carries, or "" for a token that is not ours.
func tokenChangeSet(token string) string {
	if !strings.HasPrefix(token, changeSetPrefix) {
		return ""
	}
	rest := strings.TrimPrefix(token, changeSetPrefix)
	digest, _, _ := strings.Cut(rest, "-")
	return ChangeSetName(digest)
}

// createdFrom says whether a stack that no change set ever changed was created by this driver from the
// spec of digest, and not changed since: its last operation is that creation, whose events carry the token.
// A caller that recorded a spec as applied has seen the creation through, and one that recorded starting
// the creation of this spec is believed while the stack is CREATE_COMPLETE (any later operation changes the
// status): nothing is read for either. Otherwise the events say it.
func (d *Driver) createdFrom(ctx context.Context, st *types.Stack, want Desired, digest string) (bool, error) {
	if aws.ToString(st.ChangeSetId) != "" || want.LastAppliedDigest != "" {
		return false, nil
	}
	if st.StackStatus == types.StackStatusCreateComplete && want.LastAttemptedDigest == digest {
		return true, nil
	}
	op, err := d.lastOperation(ctx, st)
	if err != nil {
		return false, err
	}
	if op.start == nil || op.start.ResourceStatus != types.ResourceStatusCreateInProgress {
		return false, nil
	}
	return tokenChangeSet(op.token()) == ChangeSetName(digest), nil
}
