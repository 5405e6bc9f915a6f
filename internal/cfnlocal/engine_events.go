package cfnlocal

import (
	"encoding/json"
	"fmt"
	"time"
)

// stackEventLocked records a stack-level event; the caller holds mu.
func (s *Server) stackEventLocked(st *stack, status, reason string) {
	s.appendEventLocked(st, &event{
		LogicalID: st.Name, PhysicalID: st.ID, ResourceType: "AWS::CloudFormation::Stack",
		Status: status, Reason: reason,
	})
}

// setStackStatusLocked changes a stack's status and records the event.
func (s *Server) setStackStatusLocked(st *stack, status, reason string) {
	st.Status = status
	st.Reason = reason
	if status != "CREATE_IN_PROGRESS" && status != "REVIEW_IN_PROGRESS" && status != "DELETE_COMPLETE" {
		st.Updated = time.Now()
	}
	s.stackEventLocked(st, status, reason)
}

// resourceEventLocked sets a resource's status and records the event.
func (s *Server) resourceEventLocked(st *stack, r *resourceState, status, reason string) {
	r.Status = status
	r.Reason = reason
	r.Updated = time.Now()
	props := ""
	if r.Props != nil && (status == "CREATE_IN_PROGRESS" || status == "UPDATE_IN_PROGRESS") {
		if b, err := json.Marshal(r.Props); err == nil {
			props = string(b)
		}
	}
	s.appendEventLocked(st, &event{
		LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, ResourceType: r.Type,
		Status: status, Reason: reason, Properties: props,
	})
}

func (s *Server) appendEventLocked(st *stack, e *event) {
	e.Seq = s.nextSeq()
	e.Time = time.Now()
	e.Token = st.Token
	if e.ResourceType == "AWS::CloudFormation::Stack" {
		e.ID = fmt.Sprintf("%08x-%04x-4000-8000-%012x", uint32(e.Seq), uint16(e.Seq>>32), e.Seq)
	} else {
		e.ID = fmt.Sprintf("%s-%s-%s", e.LogicalID, e.Status, e.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
		e.ID = fmt.Sprintf("%s-%d", e.ID, e.Seq)
	}
	st.Events = append(st.Events, e)
	if over := len(st.Events) - s.opts.MaxEventsPerStack; over > 0 {
		st.Events = append([]*event(nil), st.Events[over:]...)
	}
}
