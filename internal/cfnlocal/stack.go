package cfnlocal

import (
	"time"
)

// Stack statuses that mean an operation is running and the stack is locked.
func inProgress(status string) bool {
	return status != "REVIEW_IN_PROGRESS" && len(status) > 12 && status[len(status)-12:] == "_IN_PROGRESS"
}

// stack is one CloudFormation stack and everything CloudFormation keeps
// about it.
type stack struct {
	ID, Name       string
	Status, Reason string
	Created        time.Time
	Updated        time.Time
	Deleted        time.Time
	Template       *template
	Params         []paramValue
	Capabilities   []string
	Tags           []tag
	Outputs        []output
	// Order lists logical IDs in creation order so deletion can reverse it.
	Resources             map[string]*resourceState
	Events                []*event
	TerminationProtection bool
	DisableRollback       bool
	OnFailure             string
	ChangeSets            []*changeSet
	LastChangeSetID       string
	// Token is the ClientRequestToken of the request that started the running or last operation; its
	// events carry it, as CloudFormation's do.
	Token string
	// Imports are the export names this stack's template imports.
	Imports map[string]bool
	// rollback is the work left when an update rollback failed, for
	// ContinueUpdateRollback.
	rollback *updateRollback
	// detecting is the drift detection under way, lastDrift the last one that completed.
	detecting, lastDrift *driftDetection
	// revertDrift says the operation under way executes a REVERT_DRIFT change set.
	revertDrift bool
}

// tag is a stack tag.
type tag struct{ Key, Value string }

// output is a computed stack output.
type output struct {
	Key, Value, Description, ExportName string
}

// event is a stack event, stack-level or per resource.
type event struct {
	Seq          int64
	ID           string
	LogicalID    string
	PhysicalID   string
	ResourceType string
	Status       string
	Reason       string
	Time         time.Time
	Properties   string
	Token        string
}

// changeSet is a proposed set of changes to a stack.
type changeSet struct {
	ID, Name        string
	StackID         string
	StackName       string
	Type            string
	Status          string
	Reason          string
	ExecutionStatus string
	Created         time.Time
	Description     string
	Template        *template
	Params          []paramValue
	Capabilities    []string
	Tags            []tag
	Changes         []resourceChange
	OnStackFailure  string
	// RevertDrift is DeploymentMode REVERT_DRIFT: the changes bring drifted resources back to the template.
	RevertDrift bool
	// Executed change sets can only be found by ARN, as in AWS.
	Executed bool
}

// resourceChange is one ResourceChange of a change set.
type resourceChange struct {
	Action      string
	LogicalID   string
	PhysicalID  string
	Type        string
	Replacement string
	// Details are the modified resource's changed top-level properties (and its Metadata), each saying
	// whether its change recreates the resource, as CloudFormation's change sets do.
	Details []changeDetail
}

// changeDetail is one changed attribute of a modified resource.
type changeDetail struct {
	Attribute, Name, RequiresRecreation string
}

// updateRollback remembers what an update rollback still has to do.
type updateRollback struct {
	// Pending are logical IDs whose previous state must be restored.
	Pending []string
	// Previous holds those resources' previous state.
	Previous map[string]*resourceState
	// Cleanup are resources (new or replacement physical ones) to delete
	// once every pending resource is back.
	Cleanup []*resourceState
	// Old are the template, parameters and outputs to restore.
	Template *template
	Params   []paramValue
	Outputs  []output
	Imports  map[string]bool
}
