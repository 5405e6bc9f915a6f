package stack

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// callMemo remembers, for one Sync call, the change sets already listed and the events of the last
// operation read, so that the steps of one call (whose is the stack, which change set is ours, which ran
// last, what failed) share one ListChangeSets and one reading of the events: reads are what an account's
// rate limit runs out of first.
type callMemo struct {
	changeSets map[string][]types.ChangeSetSummary // by stack ID
	operations map[string]operation                // by stack ID
}

type callMemoKey struct{}

func withCallMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, callMemoKey{}, &callMemo{changeSets: map[string][]types.ChangeSetSummary{}, operations: map[string]operation{}})
}

func memoOf(ctx context.Context) *callMemo {
	m, _ := ctx.Value(callMemoKey{}).(*callMemo)
	return m
}

func (m *callMemo) get(stackID string) ([]types.ChangeSetSummary, bool) {
	if m == nil {
		return nil, false
	}
	s, ok := m.changeSets[stackID]
	return s, ok
}

func (m *callMemo) put(stackID string, sums []types.ChangeSetSummary) {
	if m != nil {
		m.changeSets[stackID] = sums
	}
}

func (m *callMemo) operation(stackID string) (operation, bool) {
	if m == nil {
		return operation{}, false
	}
	op, ok := m.operations[stackID]
	return op, ok
}

func (m *callMemo) putOperation(stackID string, op operation) {
	if m != nil {
		m.operations[stackID] = op
	}
}

// forget drops what was listed, after a call changed the change sets.
func (m *callMemo) forget() {
	if m != nil {
		clear(m.changeSets)
		clear(m.operations)
	}
}
