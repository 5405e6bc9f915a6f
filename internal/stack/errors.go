package stack

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// TerminalError is a failure only the user can fix: retrying with the same spec would fail the same way.
type TerminalError struct {
	// Reason is a condition reason of api/v1alpha1, so the reconciler can use it as it is.
	Reason string
	// Message says what is wrong and what to do.
	Message string
	// Err is the underlying error, if any.
	Err error
}

// Error gives the message and the underlying error.
func (e *TerminalError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying error.
func (e *TerminalError) Unwrap() error { return e.Err }

func terminal(reason string, err error, format string, args ...any) *TerminalError {
	return &TerminalError{Reason: reason, Message: fmt.Sprintf(format, args...), Err: err}
}

// IsTerminal says whether err, or an error it wraps, is a TerminalError.
func IsTerminal(err error) bool {
	var t *TerminalError
	return errors.As(err, &t)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// isThrottle says whether CloudFormation (or S3, EC2) asked the caller to slow down. CloudFormation's
// LimitExceededException is a quota (too many stacks), not a rate, although the SDK retries it as one.
func isThrottle(err error) bool {
	if err == nil || apiCode(err) == "LimitExceededException" {
		return false
	}
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}

// isStackNotFound recognises DescribeStacks' answer for a missing stack, a ValidationError (there is no
// dedicated code).
func isStackNotFound(err error) bool {
	return apiCode(err) == "ValidationError" && strings.Contains(apiMessage(err), "does not exist")
}

func isChangeSetNotFound(err error) bool {
	c := apiCode(err)
	return c == "ChangeSetNotFound" || c == "ChangeSetNotFoundException"
}

// Reasons CloudFormation gives for a change set, or an update, that would change nothing.
const (
	noChangesReason = "didn't contain changes"
	noUpdatesReason = "No updates are to be performed"
)

func isNoChanges(reason string) bool {
	return strings.Contains(reason, noChangesReason) || strings.Contains(reason, noUpdatesReason)
}
