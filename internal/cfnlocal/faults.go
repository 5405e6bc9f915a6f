package cfnlocal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FaultKind is what an APIFault does to a matching call.
type FaultKind string

// Fault kinds.
const (
	// FaultThrottle answers with the service's throttling error (400
	// Throttling "Rate exceeded" for CloudFormation).
	FaultThrottle FaultKind = "throttle"
	// FaultServerError answers with a 500 (InternalFailure).
	FaultServerError FaultKind = "error"
	// FaultDrop closes the connection without answering.
	FaultDrop FaultKind = "drop"
	// FaultDropResponse serves a CloudFormation call, then closes the
	// connection instead of answering, so the client cannot tell whether
	// the call took effect. S3 and EC2 calls are dropped before handling.
	FaultDropResponse FaultKind = "drop-response"
	// FaultLatency delays the call by Latency, then serves it.
	FaultLatency FaultKind = "latency"
)

// Duration is a time.Duration that reads "250ms" (or nanoseconds) in JSON.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("parse duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration must be a string or integer: %w", err)
	}
	*d = Duration(n)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// APIFault makes matching API calls misbehave.
type APIFault struct {
	// Operation is the call to affect, as counted by Calls
	// ("DescribeStacks", "s3:PutObject"); "" or "*" matches every call.
	Operation string    `json:"operation,omitempty"`
	Kind      FaultKind `json:"kind"`
	// Times is how many matching calls to affect; 0 means no limit.
	Times int `json:"times,omitempty"`
	// Probability, when in (0,1), affects each matching call with that
	// chance, drawn from the server's seeded generator.
	Probability float64 `json:"probability,omitempty"`
	// Latency is the delay for FaultLatency.
	Latency Duration `json:"latency,omitempty"`
}

func (f APIFault) validate() error {
	switch f.Kind {
	case FaultThrottle, FaultServerError, FaultDrop, FaultDropResponse:
	case FaultLatency:
		if f.Latency <= 0 {
			return fmt.Errorf("latency fault needs a positive latency")
		}
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Times < 0 || f.Probability < 0 || f.Probability > 1 {
		return fmt.Errorf("times must be >= 0 and probability within [0, 1]")
	}
	return nil
}

// ResourceFault makes a resource operation fail inside a stack operation,
// which starts CloudFormation's rollback.
type ResourceFault struct {
	// StackName, LogicalResourceID and ResourceType narrow the match; empty
	// fields match anything.
	StackName         string `json:"stackName,omitempty"`
	LogicalResourceID string `json:"logicalResourceId,omitempty"`
	ResourceType      string `json:"resourceType,omitempty"`
	// Operation is CREATE, UPDATE or DELETE; "" matches all three. Rolling
	// back an update is an UPDATE to the previous properties.
	Operation string `json:"operation,omitempty"`
	// DuringRollback restricts the fault to rollback and cleanup work.
	DuringRollback bool `json:"duringRollback,omitempty"`
	// Times is how many matching operations fail; 0 means no limit.
	Times int `json:"times,omitempty"`
	// Reason is the ResourceStatusReason of the failure.
	Reason string `json:"reason,omitempty"`
}

func (f ResourceFault) validate() error {
	switch f.Operation {
	case "", "CREATE", "UPDATE", "DELETE":
	default:
		return fmt.Errorf("resource fault operation must be CREATE, UPDATE or DELETE, not %q", f.Operation)
	}
	if f.Times < 0 {
		return fmt.Errorf("times must be >= 0")
	}
	return nil
}

type apiFaultState struct {
	APIFault
	used int
}

type resourceFaultState struct {
	ResourceFault
	used int
}

// faultSet holds the configured faults and how often each has fired.
type faultSet struct {
	api       []*apiFaultState
	resources []*resourceFaultState
}

// maxFaults bounds the fault lists an admin client can grow.
const maxFaults = 1000

// AddAPIFault installs an API fault.
func (s *Server) AddAPIFault(f APIFault) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("invalid api fault: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults.api) >= maxFaults {
		return fmt.Errorf("too many api faults (max %d)", maxFaults)
	}
	s.faults.api = append(s.faults.api, &apiFaultState{APIFault: f})
	return nil
}

// AddResourceFault installs a resource fault.
func (s *Server) AddResourceFault(f ResourceFault) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("invalid resource fault: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults.resources) >= maxFaults {
		return fmt.Errorf("too many resource faults (max %d)", maxFaults)
	}
	s.faults.resources = append(s.faults.resources, &resourceFaultState{ResourceFault: f})
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultSet{}
}

// apiFaults returns the faults that fire for this call, consuming their
// counts: at most one latency and at most one failure.
func (s *Server) apiFaults(op string) (latency time.Duration, failure FaultKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults.api {
		if f.Operation != "" && f.Operation != "*" && !strings.EqualFold(f.Operation, op) {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		if f.Kind == FaultLatency && latency > 0 || f.Kind != FaultLatency && failure != "" {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && s.rng.Float64() >= f.Probability {
			continue
		}
		f.used++
		if f.Kind == FaultLatency {
			latency = time.Duration(f.Latency)
		} else {
			failure = f.Kind
		}
	}
	return latency, failure
}

// resourceFaultLocked reports whether an operation on a resource must fail,
// and why; the caller holds mu.
func (s *Server) resourceFaultLocked(stackName string, r *resourceState, op string, rollback bool) (string, bool) {
	for _, f := range s.faults.resources {
		if f.StackName != "" && f.StackName != stackName ||
			f.LogicalResourceID != "" && f.LogicalResourceID != r.LogicalID ||
			f.ResourceType != "" && f.ResourceType != r.Type ||
			f.Operation != "" && f.Operation != op ||
			f.DuringRollback && !rollback {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		reason := f.Reason
		if reason == "" {
			reason = fmt.Sprintf("Resource handler returned message: \"Simulated %s failure injected by cfnlocal\" (HandlerErrorCode: InternalFailure)", strings.ToLower(op))
		}
		return reason, true
	}
	return "", false
}
