package cfnlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Drift detection: a resource's actual configuration is kept apart from what the stack last wrote to it
// (resourceState.Actual, nil while the two agree), so that an admin call can change or delete a resource out of
// band and DetectStackDrift finds the difference, as CloudFormation finds one made in the service's console.

// Drift statuses and detection statuses, as AWS spells them.
const (
	driftInSync       = "IN_SYNC"
	driftDrifted      = "DRIFTED"
	driftNotChecked   = "NOT_CHECKED"
	driftModified     = "MODIFIED"
	driftDeleted      = "DELETED"
	detectionRunning  = "DETECTION_IN_PROGRESS"
	detectionComplete = "DETECTION_COMPLETE"
	detectionFailed   = "DETECTION_FAILED"
	// maxDetections bounds the detections kept for DescribeStackDriftDetectionStatus; the oldest go first.
	maxDetections = 1000
)

// driftDetection is one DetectStackDrift operation and, once complete, what it found.
type driftDetection struct {
	ID, StackID      string
	Status, Reason   string
	StackDriftStatus string
	Drifted          int
	Time             time.Time
	// Resources are the results per resource, by logical ID order; set when the detection completes.
	Resources []resourceDrift
}

// resourceDrift is the drift of one resource as a detection found it.
type resourceDrift struct {
	LogicalID, PhysicalID, Type, Status string
	Expected, Actual                    map[string]any
	Differences                         []propertyDifference
	Time                                time.Time
}

// propertyDifference is one PropertyDifference: a JSON pointer into the properties, and both values.
type propertyDifference struct {
	Path, Expected, Actual, Type string
}

// ResourceDrift is a change made to a stack resource outside CloudFormation, for tests and demos.
type ResourceDrift struct {
	StackName         string `json:"stackName"`
	LogicalResourceID string `json:"logicalResourceId"`
	// Properties set top-level properties of the resource to these values; a null value removes the
	// property, as a console edit that clears a setting would.
	Properties map[string]any `json:"properties,omitempty"`
	// Delete deletes the resource itself.
	Delete bool `json:"delete,omitempty"`
}

// DriftResource changes or deletes a resource of a live stack out of band. The stack's template and its record
// of the resource are untouched: only DetectStackDrift sees the change, and an update that writes the
// properties again (or a REVERT_DRIFT change set) undoes it.
func (s *Server) DriftResource(d ResourceDrift) error {
	if d.Delete == (len(d.Properties) > 0) {
		return fmt.Errorf("drift: give either properties to change or delete: true")
	}
	// Values take the shapes a parsed template has (numbers are float64), so that equal values compare equal.
	b, err := json.Marshal(d.Properties)
	if err != nil {
		return fmt.Errorf("drift: properties: %w", err)
	}
	var props map[string]any
	if err := json.Unmarshal(b, &props); err != nil {
		return fmt.Errorf("drift: properties: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(d.StackName)
	if st == nil || st.Status == "DELETE_COMPLETE" {
		return fmt.Errorf("drift: no live stack %q", d.StackName)
	}
	r := st.Resources[d.LogicalResourceID]
	if r == nil || r.PhysicalID == "" || r.Status == "DELETE_COMPLETE" {
		return fmt.Errorf("drift: stack %s has no resource %q", d.StackName, d.LogicalResourceID)
	}
	if d.Delete {
		r.Gone = true
		return nil
	}
	actual := maps.Clone(r.actual())
	if actual == nil {
		actual = map[string]any{}
	}
	for k, v := range props {
		if v == nil {
			delete(actual, k)
		} else {
			actual[k] = v
		}
	}
	r.setActual(actual)
	return nil
}

// actual is the resource's configuration as the service has it.
func (r *resourceState) actual() map[string]any {
	if r.Actual != nil {
		return r.Actual
	}
	return r.Props
}

// setActual records the resource's actual configuration, forgetting it when it agrees with the stack's.
func (r *resourceState) setActual(actual map[string]any) {
	if reflect.DeepEqual(actual, r.Props) {
		r.Actual = nil
		return
	}
	r.Actual = actual
}

// wrote records that an update changed the resource's properties from old to its Props. A plain update writes
// only the top-level properties whose template values changed, so drift elsewhere survives it, as it does in
// CloudFormation; a REVERT_DRIFT update writes them all.
func (r *resourceState) wrote(old map[string]any, revert bool) {
	if r.Actual == nil || revert {
		r.Actual = nil
		return
	}
	actual := maps.Clone(r.Actual)
	for k := range mergeKeys(old, r.Props) {
		if reflect.DeepEqual(old[k], r.Props[k]) {
			continue
		}
		if v, ok := r.Props[k]; ok {
			actual[k] = v
		} else {
			delete(actual, k)
		}
	}
	r.setActual(actual)
}

func mergeKeys(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// detectStackDrift starts a detection that completes after one pause (Options.ResourceDelay or a Step), as
// CloudFormation's runs asynchronously.
func (s *Server) detectStackDrift(_ context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	if ids := f.list("LogicalResourceIds.member"); len(ids) > 0 {
		return nil, validationError("cfnlocal detects drift on whole stacks only; LogicalResourceIds is not supported")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil || st.Status == "DELETE_COMPLETE" {
		return nil, stackNotFound(name)
	}
	if !driftable(st.Status) {
		return nil, validationError("Drift detection cannot be performed on stack [%s] in %s state.", st.ID, st.Status)
	}
	if st.detecting != nil {
		return nil, validationError("Drift detection is already in progress for stack [%s].", st.ID)
	}
	n := s.nextSeq()
	det := &driftDetection{
		ID:      fmt.Sprintf("%08x-%04x-4000-a000-%012x", uint32(n*2654435761), uint16(n), n),
		StackID: st.ID, Status: detectionRunning, StackDriftStatus: st.driftStatus(), Time: time.Now(),
	}
	s.detections[det.ID] = det
	s.detectionOrder = append(s.detectionOrder, det.ID)
	if len(s.detectionOrder) > maxDetections {
		delete(s.detections, s.detectionOrder[0])
		s.detectionOrder = s.detectionOrder[1:]
	}
	st.detecting = det
	s.startOpLocked(func(ctx context.Context) { s.runDriftDetection(ctx, st, det) })
	return detectStackDriftResult{StackDriftDetectionId: det.ID}, nil
}

// driftable: CloudFormation detects drift on stacks that are not in the middle of an operation and exist.
func driftable(status string) bool {
	return !inProgress(status) && status != "REVIEW_IN_PROGRESS" && status != "DELETE_COMPLETE"
}

// driftStatus is the stack's drift status as of its last completed detection.
func (st *stack) driftStatus() string {
	if st.lastDrift == nil {
		return driftNotChecked
	}
	return st.lastDrift.StackDriftStatus
}

// runDriftDetection compares every resource's actual configuration with the stack's record of it. An
// operation that started meanwhile fails the detection, as the stack's resources are then in motion.
func (s *Server) runDriftDetection(ctx context.Context, st *stack, det *driftDetection) {
	err := s.pause(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	st.detecting = nil
	if err != nil {
		det.Status, det.Reason = detectionFailed, "Drift detection was stopped"
		return
	}
	if !driftable(st.Status) {
		det.Status, det.Reason = detectionFailed, fmt.Sprintf("Stack entered %s state during drift detection", st.Status)
		return
	}
	now := time.Now()
	det.Resources = nil
	det.Drifted = 0
	for _, r := range stackResourcesLocked(st) {
		if r.PhysicalID == "" || r.Status == "DELETE_COMPLETE" {
			continue
		}
		rd := resourceDrift{LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, Type: r.Type, Status: driftInSync, Expected: r.Props, Actual: r.actual(), Time: now}
		switch {
		case r.Gone:
			rd.Status, rd.Actual = driftDeleted, nil
		case r.Actual != nil:
			rd.Differences = differences("", r.Props, r.Actual, nil)
			if len(rd.Differences) > 0 {
				rd.Status = driftModified
			}
		}
		if rd.Status != driftInSync {
			det.Drifted++
		}
		det.Resources = append(det.Resources, rd)
	}
	det.Status, det.Time = detectionComplete, now
	det.StackDriftStatus = driftInSync
	if det.Drifted > 0 {
		det.StackDriftStatus = driftDrifted
	}
	st.lastDrift = det
}

// differences lists where actual differs from expected, as JSON pointers (RFC 6901) below path.
func differences(path string, expected, actual any, out []propertyDifference) []propertyDifference {
	switch e := expected.(type) {
	case map[string]any:
		if a, ok := actual.(map[string]any); ok {
			for _, k := range slices.Sorted(maps.Keys(mergeKeys(e, a))) {
				p := path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
				ev, inE := e[k]
				av, inA := a[k]
				switch {
				case !inA:
					out = append(out, propertyDifference{Path: p, Expected: driftValue(ev), Actual: "null", Type: "REMOVE"})
				case !inE:
					out = append(out, propertyDifference{Path: p, Expected: "null", Actual: driftValue(av), Type: "ADD"})
				default:
					out = differences(p, ev, av, out)
				}
			}
			return out
		}
	case []any:
		if a, ok := actual.([]any); ok {
			for i := 0; i < max(len(e), len(a)); i++ {
				p := path + "/" + strconv.Itoa(i)
				switch {
				case i >= len(a):
					out = append(out, propertyDifference{Path: p, Expected: driftValue(e[i]), Actual: "null", Type: "REMOVE"})
				case i >= len(e):
					out = append(out, propertyDifference{Path: p, Expected: "null", Actual: driftValue(a[i]), Type: "ADD"})
				default:
					out = differences(p, e[i], a[i], out)
				}
			}
			return out
		}
	}
	if !reflect.DeepEqual(expected, actual) {
		out = append(out, propertyDifference{Path: path, Expected: driftValue(expected), Actual: driftValue(actual), Type: "NOT_EQUAL"})
	}
	return out
}

// driftValue writes a property value as CloudFormation does in a PropertyDifference: a string as it is,
// anything else as JSON.
func driftValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (s *Server) describeStackDriftDetectionStatus(_ context.Context, f form) (any, *apiError) {
	id := f.get("StackDriftDetectionId")
	if id == "" {
		return nil, validationError("1 validation error detected: Value null at 'stackDriftDetectionId' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	det := s.detections[id]
	if det == nil {
		return nil, validationError("Drift detection with id %s does not exist", id)
	}
	res := describeDriftDetectionResult{
		StackId: det.StackID, StackDriftDetectionId: det.ID, DetectionStatus: det.Status,
		DetectionStatusReason: det.Reason, Timestamp: awsTime(det.Time),
	}
	if det.Status == detectionComplete {
		res.StackDriftStatus = det.StackDriftStatus
		res.DriftedStackResourceCount = det.Drifted
	}
	return res, nil
}

// describeStackResourceDrifts returns the results of the stack's last completed detection, filtered by
// status, in pages of MaxResults (at most 100).
func (s *Server) describeStackResourceDrifts(_ context.Context, f form) (any, *apiError) {
	name, from, aerr := pageRequest(f)
	if aerr != nil {
		return nil, aerr
	}
	if from < 0 {
		from = 0
	}
	limit := pageSize
	if m := f.get("MaxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 100 {
			return nil, validationError("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", m)
		}
		limit = n
	}
	filters := f.list("StackResourceDriftStatusFilters.member")
	for _, v := range filters {
		switch v {
		case driftInSync, driftModified, driftDeleted, driftNotChecked, "UNKNOWN", "UNSUPPORTED":
		default:
			return nil, validationError("1 validation error detected: Value '[%s]' at 'stackResourceDriftStatusFilters' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [IN_SYNC, MODIFIED, DELETED, NOT_CHECKED, UNKNOWN, UNSUPPORTED]]", v)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	res := describeResourceDriftsResult{StackResourceDrifts: []xmlResourceDrift{}}
	if st.lastDrift == nil {
		return res, nil
	}
	var list []resourceDrift
	for _, rd := range st.lastDrift.Resources {
		if len(filters) == 0 || slices.Contains(filters, rd.Status) {
			list = append(list, rd)
		}
	}
	for i := int(min(from, int64(len(list)))); i < len(list); i++ {
		if len(res.StackResourceDrifts) == limit {
			res.NextToken = pageToken(int64(i))
			break
		}
		res.StackResourceDrifts = append(res.StackResourceDrifts, xmlResourceDriftOf(st.ID, list[i]))
	}
	return res, nil
}

func xmlResourceDriftOf(stackID string, rd resourceDrift) xmlResourceDrift {
	x := xmlResourceDrift{
		StackId: stackID, LogicalResourceId: rd.LogicalID, PhysicalResourceId: rd.PhysicalID, ResourceType: rd.Type,
		ExpectedProperties: propertiesJSON(rd.Expected), StackResourceDriftStatus: rd.Status, Timestamp: awsTime(rd.Time),
		PropertyDifferences: []xmlPropertyDifference{},
	}
	if rd.Actual != nil {
		x.ActualProperties = propertiesJSON(rd.Actual)
	}
	for _, d := range rd.Differences {
		x.PropertyDifferences = append(x.PropertyDifferences, xmlPropertyDifference{PropertyPath: d.Path, ExpectedValue: d.Expected, ActualValue: d.Actual, DifferenceType: d.Type})
	}
	return x
}

func propertiesJSON(props map[string]any) string {
	if props == nil {
		props = map[string]any{}
	}
	b, err := json.Marshal(props)
	if err != nil {
		return "{}"
	}
	return string(b)
}

type detectStackDriftResult struct {
	StackDriftDetectionId string
}

type describeDriftDetectionResult struct {
	StackId                   string
	StackDriftDetectionId     string
	StackDriftStatus          string `xml:",omitempty"`
	DetectionStatus           string
	DetectionStatusReason     string `xml:",omitempty"`
	DriftedStackResourceCount int    `xml:",omitempty"`
	Timestamp                 string
}

type xmlPropertyDifference struct {
	PropertyPath, ExpectedValue, ActualValue, DifferenceType string
}

type xmlResourceDrift struct {
	StackId                  string
	LogicalResourceId        string
	PhysicalResourceId       string `xml:",omitempty"`
	ResourceType             string
	ExpectedProperties       string                  `xml:",omitempty"`
	ActualProperties         string                  `xml:",omitempty"`
	PropertyDifferences      []xmlPropertyDifference `xml:"PropertyDifferences>member"`
	StackResourceDriftStatus string
	Timestamp                string
}

type describeResourceDriftsResult struct {
	StackResourceDrifts []xmlResourceDrift `xml:"StackResourceDrifts>member"`
	NextToken           string             `xml:",omitempty"`
}
