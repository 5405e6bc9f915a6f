package stack

import (
	"time"
)

// Owner names the object a stack belongs to. UID tells two objects of the same name apart.
type Owner struct {
	Namespace, Name, UID string
}

// Parameter is one template parameter. A Sensitive value goes into the digest but never into a Result,
// an error or a log line.
type Parameter struct {
	Key, Value string
	Sensitive  bool
}

// Desired is the stack a Sync call converges to.
type Desired struct {
	// StackName is the CloudFormation stack name.
	StackName string
	// TemplateBody is the template as canonical JSON.
	TemplateBody []byte
	// Parameters are the template parameters.
	Parameters []Parameter
	// Tags are the user's stack tags; the driver adds the owner tags.
	Tags map[string]string
	// Project is the compose project name. The stack is tagged com.docker.compose.project with it, as Docker
	// Compose for ECS tagged its stacks, so an adopted stack keeps the tag and tools that list projects find it.
	Project string
	// Owner is the object the stack belongs to.
	Owner Owner
	// Adopt allows taking over a stack that nobody owns (no owner tags), e.g. one that Docker Compose for
	// ECS created. A stack owned by another object is never taken over.
	Adopt bool
	// AllowAdoptionReplacements lets the adoption change set run even when it replaces or removes a resource
	// that holds state or traffic (a service, load balancer, listener, target group, file system, mount
	// target, log group, namespace or secret). Without it the driver stops with ReasonAdoptionWouldReplace.
	AllowAdoptionReplacements bool
	// TemplateBucket is where templates too large to send inline are uploaded; empty means none. It must be
	// in the stack's region.
	TemplateBucket string
	// ResyncInterval is when to look again once the stack matches (Result.RequeueAfter of a converged stack).
	ResyncInterval time.Duration
	// LastAppliedDigest is the digest of the last spec the stack converged to, as the caller recorded it.
	// It lets a stable stack be recognised with a single DescribeStacks call when CloudFormation does not
	// say which change set it last executed.
	LastAppliedDigest string
	// LastAttemptedDigest is the digest of the last operation the caller recorded starting (a Result whose
	// Action is ActionCreateStack or ActionExecuteChangeSet). A stack still CREATE_COMPLETE that no change set
	// changed was then created from it: no events need to be read to say so.
	LastAttemptedDigest string
	// LastStackStatus is the stack status the caller last recorded. When it was an operation in progress,
	// Sync reads that operation's events once more after it ends, so that none of its last ones is missed.
	LastStackStatus string
	// RevertDrift, when set, names a drift to correct (the caller's detection ID): once the stack runs this
	// spec, a drift-aware change set (DeploymentMode REVERT_DRIFT) with the same template brings the
	// resources whose properties drifted back to it. Result.DriftReverted says when that is over.
	RevertDrift string
}

// Phase summarises where the stack stands after a call.
type Phase string

const (
	// PhaseConverged means the stack matches the desired spec.
	PhaseConverged Phase = "Converged"
	// PhaseInProgress means an operation or change set is under way, or the driver was throttled; look again
	// after RequeueAfter.
	PhaseInProgress Phase = "InProgress"
	// PhaseFailed means the last operation failed. The driver retries on a new spec or after RequeueAfter, as
	// the Message says; FailedResources holds the root cause.
	PhaseFailed Phase = "Failed"
	// PhaseDeleted means the stack does not exist (any more).
	PhaseDeleted Phase = "Deleted"
)

// Actions a call can report having taken.
const (
	ActionNone                   = "None"
	ActionCreateStack            = "CreateStack"
	ActionCreateChangeSet        = "CreateChangeSet"
	ActionExecuteChangeSet       = "ExecuteChangeSet"
	ActionDeleteChangeSet        = "DeleteChangeSet"
	ActionDeleteStack            = "DeleteStack"
	ActionContinueUpdateRollback = "ContinueUpdateRollback"
)

// ChangeSet describes the change set a call worked on.
type ChangeSet struct {
	Name, ID, Status, ExecutionStatus, Type string
	// StatusReason says why a change set failed.
	StatusReason string
}

// FailedResource is one resource whose failure caused the last operation to fail.
type FailedResource struct {
	LogicalID, Type, Status, Reason string
}

// Result is what a call saw and did.
type Result struct {
	Phase Phase
	// Action is what this call did, one of the Action constants.
	Action string
	// StackID, StackStatus and StackStatusReason are as CloudFormation reported them; empty when there is
	// no stack.
	StackID, StackStatus, StackStatusReason string
	// ChangeSet is the change set this call created, waited on or executed, if any.
	ChangeSet *ChangeSet
	// Digest is the digest of the desired template, parameters and tags (empty for Delete).
	Digest string
	// Outputs are the stack outputs, set once the stack has converged.
	Outputs map[string]string
	// FailedResources is the root cause of the last failed operation: the first resources that failed, not
	// the ones cancelled because of them.
	FailedResources []FailedResource
	// Progress is how far the running operation has got, with its events; set while an operation runs, on
	// the call after it ends, and, with no events, once the stack converged.
	Progress *Progress
	// DriftReverted says the correction Desired.RevertDrift asked for is over: its change set ran, or had
	// nothing it could change. A correction that failed and was rolled back gives a converged Result in
	// UPDATE_ROLLBACK_COMPLETE without it.
	DriftReverted bool
	// Throttled says CloudFormation throttled this call; it is retried after RequeueAfter and is no failure.
	Throttled bool
	// RequeueAfter is when to call again.
	RequeueAfter time.Duration
	// Message says what happens next, in words.
	Message string
}
