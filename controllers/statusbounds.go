package controllers

import (
	"fmt"
	"maps"
	"slices"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/limits"
	"github.com/composestack/composestack/internal/stack"
)

// Bounds on what status holds, whatever the input: an object's status lives in etcd, whose objects are limited
// to about 1.5 MB, and a status over that leaves the object without any condition at all.
const (
	maxStatusWarnings        = 50
	maxStatusFailedResources = 20
	maxStatusListeners       = limits.ListenersPerLoadBalancer
	maxStatusOutputs         = limits.Outputs
	// maxStatusText bounds each message, reason, warning and output value.
	maxStatusText = 2048
	// maxStatusDriftedResources and maxStatusDriftDifferences bound the drift report; maxStatusDriftValue
	// bounds each value in it, as a property can hold a whole document (a policy, a container definition).
	maxStatusDriftedResources = stack.MaxDriftedResources
	maxStatusDriftDifferences = stack.MaxPropertyDifferences
	maxStatusDriftValue       = 256
)

// boundStatus caps every list and text in st. A list cut short says so in its last entry where it can
// (warnings); the others keep their first, most relevant entries (failed resources are root causes first).
func boundStatus(st *csv1.ComposeStackStatus) {
	st.StackStatusReason = clip(st.StackStatusReason)
	if n := len(st.Warnings); n > maxStatusWarnings {
		st.Warnings = append(st.Warnings[:maxStatusWarnings-1:maxStatusWarnings-1],
			fmt.Sprintf("... and %d more warnings (run the CLI's convert to see them all)", n-maxStatusWarnings+1))
	}
	for i := range st.Warnings {
		st.Warnings[i] = clip(st.Warnings[i])
	}
	if len(st.FailedResources) > maxStatusFailedResources {
		st.FailedResources = st.FailedResources[:maxStatusFailedResources]
	}
	for i := range st.FailedResources {
		st.FailedResources[i].Reason = clip(st.FailedResources[i].Reason)
	}
	if e := st.Endpoints; e != nil && len(e.Listeners) > maxStatusListeners {
		e.Listeners = e.Listeners[:maxStatusListeners]
	}
	if len(st.Outputs) > maxStatusOutputs {
		keep := slices.Sorted(maps.Keys(st.Outputs))[:maxStatusOutputs]
		out := make(map[string]string, len(keep))
		for _, k := range keep {
			out[k] = st.Outputs[k]
		}
		st.Outputs = out
	}
	for k, v := range st.Outputs {
		st.Outputs[k] = clip(v)
	}
	for i := range st.Conditions {
		st.Conditions[i].Message = clip(st.Conditions[i].Message)
	}
	if d := st.Drift; d != nil {
		boundDrift(d)
	}
}

// boundDrift caps the drift report. Resources and differences cut off are counted, not listed.
func boundDrift(d *csv1.DriftStatus) {
	d.Message = clip(d.Message)
	if len(d.Resources) > maxStatusDriftedResources {
		d.Resources = d.Resources[:maxStatusDriftedResources]
	}
	for i := range d.Resources {
		r := &d.Resources[i]
		if n := len(r.Differences); n > maxStatusDriftDifferences {
			r.MoreDifferences += int32(n - maxStatusDriftDifferences)
			r.Differences = r.Differences[:maxStatusDriftDifferences]
		}
		for j := range r.Differences {
			p := &r.Differences[j]
			p.Path, p.Expected, p.Actual = clipTo(p.Path, maxStatusDriftValue), clipTo(p.Expected, maxStatusDriftValue), clipTo(p.Actual, maxStatusDriftValue)
		}
	}
	if c := d.Correction; c != nil && len(c.Resources) > maxStatusDriftedResources {
		c.Resources = c.Resources[:maxStatusDriftedResources]
	}
}

// clip cuts s to maxStatusText bytes, on a rune boundary, marking the cut.
func clip(s string) string { return clipTo(s, maxStatusText) }

// clipTo cuts s to n bytes, on a rune boundary, marking the cut.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = " [...]"
	cut := n - len(mark)
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + mark
}
