package v1alpha1

// Condition types, per the kstatus conventions: Ready is always present; Reconciling and Stalled are set only
// while true.
const (
	// ConditionReady is True when the stack matches the current generation of the spec.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the controller converges the stack.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True while the controller cannot go on without a change from the user.
	ConditionStalled = "Stalled"
	// ConditionDrifted is True when the last drift detection found resources changed outside CloudFormation
	// (and while they are corrected), False when it found none; present only with spec.drift.
	ConditionDrifted = "Drifted"
	// ConditionInUse is True on a ComposeNetwork while ComposeStacks refer to it; its message names them.
	ConditionInUse = "InUse"
)

// Condition reasons.
const (
	// ReasonSucceeded: the stack matches the spec.
	ReasonSucceeded = "Succeeded"
	// ReasonProgressing: a stack operation or change set is under way.
	ReasonProgressing = "Progressing"
	// ReasonSuspended: spec.suspend is set, so no change is made.
	ReasonSuspended = "Suspended"
	// ReasonInvalidCompose: the compose project cannot be loaded or converted.
	ReasonInvalidCompose = "InvalidCompose"
	// ReasonInvalidOverlay: an overlay is not a valid template fragment.
	ReasonInvalidOverlay = "InvalidOverlay"
	// ReasonReferenceNotFound: a referenced ConfigMap, Secret or key does not exist.
	ReasonReferenceNotFound = "ReferenceNotFound"
	// ReasonOwnershipConflict: the stack exists and belongs to another object or to nobody.
	ReasonOwnershipConflict = "OwnershipConflict"
	// ReasonTemplateTooLarge: the template is too large to be sent inline and no bucket is configured, or
	// too large for CloudFormation at all.
	ReasonTemplateTooLarge = "TemplateTooLarge"
	// ReasonRoleNotAllowed: spec.stack.roleARN is not among the roles the controller may assume.
	ReasonRoleNotAllowed = "RoleNotAllowed"
	// ReasonNetworkNotFound: the VPC or its subnets cannot be found (no default VPC, an unknown VPC ID), or the
	// load balancer x-aws-loadbalancer names does not exist.
	ReasonNetworkNotFound = "NetworkNotFound"
	// ReasonNetworkNotReady: the ComposeNetwork that spec.network.networkRef names does not exist, has not been
	// Ready yet, or is being deleted; the stack waits for it.
	ReasonNetworkNotReady = "NetworkNotReady"
	// ReasonNetworkInUse: ComposeStacks refer to the ComposeNetwork, so it is not deleted until they are gone.
	ReasonNetworkInUse = "NetworkInUse"
	// ReasonInvalidNetwork: the ComposeNetwork's spec cannot be made into a network template.
	ReasonInvalidNetwork = "InvalidNetwork"
	// ReasonAdoptionWouldReplace: adopting the stack would replace or remove resources that hold state or
	// traffic; the change set is left unexecuted until spec.stack.allowAdoptionReplacements is set.
	ReasonAdoptionWouldReplace = "AdoptionWouldReplace"
	// ReasonFileSystemReattached: the stack mounts a file system an earlier stack of the project retained (an
	// Event reason).
	ReasonFileSystemReattached = "FileSystemReattached"
	// ReasonOutputsConflict: the ConfigMap or Secret that spec.outputs names exists and belongs to another
	// object or to nobody, so the outputs are not written to it.
	ReasonOutputsConflict = "OutputsConflict"
	// ReasonOutputsWritten: the stack's outputs were written to the object spec.outputs names (an Event
	// reason).
	ReasonOutputsWritten = "OutputsWritten"
	// ReasonStackEvent: a CloudFormation stack event of the running operation, mirrored (an Event reason).
	ReasonStackEvent = "StackEvent"
	// ReasonStackEventFailed: a CloudFormation stack event of the running operation that reports a
	// failure, mirrored (a Warning Event reason).
	ReasonStackEventFailed = "StackEventFailed"
	// ReasonStackFailed: the last stack operation failed; the root cause is in status.failedResources.
	ReasonStackFailed = "StackFailed"
	// ReasonChangeSetFailed: CloudFormation rejected the change set.
	ReasonChangeSetFailed = "ChangeSetFailed"
	// ReasonDeleting: the stack is being deleted.
	ReasonDeleting = "Deleting"
	// ReasonDeleteFailed: CloudFormation could not delete the stack.
	ReasonDeleteFailed = "DeleteFailed"
	// ReasonDeleted: the stack was deleted (an Event reason; the object goes with it).
	ReasonDeleted = "Deleted"
	// ReasonRetained: the stack was left in place, as spec.stack.deletionPolicy Retain asks (an Event
	// reason; the object goes without it).
	ReasonRetained = "Retained"
	// ReasonAWSError: an AWS call failed in a way that may pass; it is retried with backoff.
	ReasonAWSError = "AWSError"
	// ReasonThrottled: CloudFormation throttled the controller; it retries later.
	ReasonThrottled = "Throttled"
	// ReasonStackDrifted: the last drift detection found resources that differ from the template.
	ReasonStackDrifted = "StackDrifted"
	// ReasonNoDrift: the last drift detection found every resource as the template has it.
	ReasonNoDrift = "NoDrift"
	// ReasonDriftDetectionFailed: CloudFormation could not finish the last drift detection.
	ReasonDriftDetectionFailed = "DriftDetectionFailed"
	// ReasonCorrectingDrift: an update that reverts the drifted properties is under way.
	ReasonCorrectingDrift = "CorrectingDrift"
	// ReasonDriftCorrected: the correcting update ran (an Event reason); a check follows at once.
	ReasonDriftCorrected = "DriftCorrected"
	// ReasonDriftCorrectionFailed: the correcting update failed and CloudFormation rolled it back.
	ReasonDriftCorrectionFailed = "DriftCorrectionFailed"
)

// Labels and tags the controller writes.
const (
	// TagOwnerNamespace, TagOwnerName and TagOwnerUID name the ComposeStack or ComposeNetwork that owns a stack.
	TagOwnerNamespace = "composestack.dev/namespace"
	TagOwnerName      = "composestack.dev/name"
	TagOwnerUID       = "composestack.dev/uid"
	// TagDockerComposeProject is the tag Docker Compose for ECS put on its stacks.
	TagDockerComposeProject = "com.docker.compose.project"
	// LabelOutputsOf marks a ConfigMap or Secret as holding the outputs of the ComposeStack whose UID it
	// holds (a name may be too long for a label value), so that one spec.outputs no longer names is found
	// and deleted.
	LabelOutputsOf = "composestack.dev/outputs-of"
	// AnnotationDetectDrift asks for a drift check now, whatever spec.drift.interval says: each new value
	// (a timestamp, say) asks for one check, as `kubectl annotate cstack NAME composestack.dev/detect-drift="$(date +%s)" --overwrite`.
	AnnotationDetectDrift = "composestack.dev/detect-drift"
	// Finalizer keeps a ComposeStack or ComposeNetwork until its stack is deleted or retained.
	Finalizer = "composestack.dev/stack"
)
