// Package stack drives one CloudFormation stack toward a desired template: CreateStack for a new one,
// change sets for every update.
//
// A Driver never waits for CloudFormation. Each Sync or Delete call looks at the stack, takes at most the
// next step (create a change set, execute it, delete a failed stack, continue a rollback...), and returns a
// Result saying what it did and when to look again: soon while an operation runs, after the resync interval
// once the stack matches. Everything it needs to resume is in CloudFormation itself: change set names (and
// the request token of a creation, which CloudFormation puts on its events) are derived from a digest of the
// template, parameters and tags, so a restarted controller finds what it did before instead of doing it twice.
//
// The template sent for an update is the desired one with the live stack's spelling of values AWS reads alike,
// and, for an adopted stack, its live task definitions kept while composestack's rendering of them is the one
// recorded at adoption (deferral.go): the record is in the stack's template too.
//
// What each stack status leads to is decided by one pure function, Plan; docs/stack-status.md has the same
// table in prose.
//
// The package knows nothing of Kubernetes: the reconciler maps Results and TerminalErrors to conditions.
package stack
