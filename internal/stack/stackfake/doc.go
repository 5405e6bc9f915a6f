// Package stackfake is an in-memory CloudFormation, S3 and EC2 for tests of code that uses the narrow
// interfaces of package stack.
//
// The fake CloudFormation runs operations asynchronously: each operation is a queue of steps, and every
// DescribeStacks call on a stack (or an Advance call) takes one step, so *_IN_PROGRESS statuses, rollbacks and
// their stack events can be observed one after the other, deterministically. Failures are injected per
// resource (FailResource, FailDelete, FailRollback), per change set (FailNextChangeSet) and per API
// operation (Throttle, InjectError); Calls counts every API call by operation name.
package stackfake
