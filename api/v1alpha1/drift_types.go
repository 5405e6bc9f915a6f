package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DriftMode says what the controller does about drift it detects.
// +kubebuilder:validation:Enum=Detect;Correct
type DriftMode string

const (
	// DriftDetect reports drift in status, in the Drifted condition and as an Event, and changes nothing.
	DriftDetect DriftMode = "Detect"
	// DriftCorrect also runs a correcting update: a drift-aware change set that brings the resources whose
	// properties drifted back to the template.
	DriftCorrect DriftMode = "Correct"
)

// DriftSpec turns on CloudFormation drift detection: changes made to the stack's resources outside
// CloudFormation (in the console, by a script) are found and reported, and corrected when asked.
type DriftSpec struct {
	// Interval is how often drift is checked once the stack is Ready, a Go duration such as `30m` or `6h`. Each
	// check is a CloudFormation drift detection, which reads every resource of the stack and counts against the
	// account's API rate limits, so it is at least 5m. Checks start up to a tenth later than the interval, so
	// that stacks do not all check at once.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('5m')",message="spec.drift.interval must be at least 5m: a drift detection reads every resource of the stack"
	Interval metav1.Duration `json:"interval"`

	// Mode is `Detect` (report drift) or `Correct` (report it, then run an update that reverts the drifted
	// properties to the template). A resource deleted outside CloudFormation is reported but not recreated.
	// +optional
	// +kubebuilder:default=Detect
	Mode DriftMode `json:"mode,omitempty"`
}

// DriftStatus is what the last drift detection found, and the correction under way.
type DriftStatus struct {
	// DetectionID is the CloudFormation drift detection under way, if any.
	// +optional
	DetectionID string `json:"detectionID,omitempty"`

	// LastChecked is when the last drift detection finished.
	// +optional
	LastChecked *metav1.Time `json:"lastChecked,omitempty"`

	// StackDriftStatus is what the last detection said of the stack: `IN_SYNC`, `DRIFTED`, or
	// `DETECTION_FAILED` when CloudFormation could not finish it.
	// +optional
	StackDriftStatus string `json:"stackDriftStatus,omitempty"`

	// Message says why the last detection failed.
	// +optional
	Message string `json:"message,omitempty"`

	// DriftedResourceCount is how many resources drifted, including any that Resources leaves out.
	// +optional
	DriftedResourceCount int32 `json:"driftedResourceCount,omitempty"`

	// Resources are the resources that drifted (at most 20), by logical ID.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Resources []DriftedResource `json:"resources,omitempty"`

	// Correction is the last correcting update, with spec.drift.mode Correct.
	// +optional
	Correction *DriftCorrection `json:"correction,omitempty"`

	// LastRequest is the value of the `composestack.dev/detect-drift` annotation that the controller last
	// acted on, so that each new value asks for one check.
	// +optional
	LastRequest string `json:"lastRequest,omitempty"`

	// Verify says the next check confirms a correction; it does not start another correction.
	// +optional
	Verify bool `json:"verify,omitempty"`
}

// DriftedResource is a resource of the stack that differs from the template.
type DriftedResource struct {
	// LogicalID is the resource's logical ID in the template.
	LogicalID string `json:"logicalID"`
	// Type is the resource's type, such as `AWS::ECS::Service`.
	// +optional
	Type string `json:"type,omitempty"`
	// Status is `MODIFIED` (its properties differ) or `DELETED` (it was deleted outside CloudFormation).
	Status string `json:"status"`
	// Differences are the properties that differ (at most 10).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Differences []PropertyDifference `json:"differences,omitempty"`
	// MoreDifferences counts the differences left out of Differences.
	// +optional
	MoreDifferences int32 `json:"moreDifferences,omitempty"`
}

// PropertyDifference is one property of a drifted resource that differs from the template.
type PropertyDifference struct {
	// Path is the property, as a JSON pointer into the resource's properties, such as `/DesiredCount`.
	Path string `json:"path"`
	// Expected is the value the template gives (cut short past 256 bytes).
	// +optional
	Expected string `json:"expected,omitempty"`
	// Actual is the value the resource has (cut short past 256 bytes).
	// +optional
	Actual string `json:"actual,omitempty"`
	// Type is `ADD`, `REMOVE` or `NOT_EQUAL`.
	Type string `json:"type"`
}

// DriftCorrection is a correcting update of drifted resources.
type DriftCorrection struct {
	// DetectionID is the drift detection whose findings are corrected.
	DetectionID string `json:"detectionID"`
	// State is `InProgress`, `Succeeded` (the update ran; the next check confirms it) or `Failed`.
	State string `json:"state"`
	// Resources are the logical IDs of the resources corrected.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Resources []string `json:"resources,omitempty"`
	// StartedAt is when the correction started.
	StartedAt metav1.Time `json:"startedAt"`
	// FinishedAt is when it ended.
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
}

// Correction states.
const (
	CorrectionInProgress = "InProgress"
	CorrectionSucceeded  = "Succeeded"
	CorrectionFailed     = "Failed"
)
