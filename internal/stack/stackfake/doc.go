// Package stackfake is an in-memory CloudFormation, S3 and EC2 for tests of code that uses the narrow
// interfaces of package stack.
//
// The fake CloudFormation runs operations asynchronously: each operation is a queue of steps, and every
// DescribeStacks call on a stack takes one step of its operation, as every ListChangeSets or
// DescribeChangeSet call takes one step of the change sets it returns (a change set is computed in two). With
// ManualAdvance set only Advance takes steps, like a tick of CloudFormation's clock. So *_IN_PROGRESS
// statuses, rollbacks and their stack events can be observed one after the other, deterministically. Seed
// puts a stack into any status, with its events and last change set. Failures are injected per
// resource (FailResource, FailDelete, FailRollback), per change set (FailNextChangeSet) and per API
// operation (Throttle, InjectError); Calls counts every API call by operation name.
package stackfake
