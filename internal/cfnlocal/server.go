package cfnlocal

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Region and AccountID appear in ARNs and pseudo parameters. Defaults:
	// us-east-1 and 123456789012.
	Region    string
	AccountID string
	// ResourceDelay is how long each resource (and each change set phase)
	// takes, so *_IN_PROGRESS states can be observed. Zero runs operations
	// as fast as the goroutines allow.
	ResourceDelay time.Duration
	// ManualStep makes every such delay wait for a call to Step instead,
	// for tests that must observe each intermediate state deterministically.
	ManualStep bool
	// LintTemplates runs cfn-lint on every submitted template and rejects
	// templates with errors.
	LintTemplates bool
	// LintCommand is the cfn-lint executable; default "cfn-lint".
	LintCommand string
	// MaxEventsPerStack, MaxChangeSetsPerStack and MaxDeletedStacks bound
	// memory; the oldest entries are dropped. Defaults 1000, 100 and 100.
	MaxEventsPerStack     int
	MaxChangeSetsPerStack int
	MaxDeletedStacks      int
	// MaxObjectBytes bounds the total size of stored S3 objects; default
	// 64 MiB.
	MaxObjectBytes int64
	// Seed seeds the random numbers used by probabilistic faults.
	Seed uint64
	// RateLimits are the account's CloudFormation request rates; beyond them calls are throttled.
	RateLimits RateLimits
	// ListenAddr is where NewServer listens (host:port); default
	// 127.0.0.1:0, a free loopback port.
	ListenAddr string
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.LintCommand == "" {
		o.LintCommand = "cfn-lint"
	}
	if o.MaxEventsPerStack <= 0 {
		o.MaxEventsPerStack = 1000
	}
	if o.MaxChangeSetsPerStack <= 0 {
		o.MaxChangeSetsPerStack = 100
	}
	if o.MaxDeletedStacks <= 0 {
		o.MaxDeletedStacks = 100
	}
	if o.MaxObjectBytes <= 0 {
		o.MaxObjectBytes = 64 << 20
	}
	return o
}

// Server is the local endpoint. It is an http.Handler, so it can be mounted
// on an httptest.Server, or started on its own listener with NewServer.
type Server struct {
	opts Options

	mu       sync.Mutex
	stacks   []*stack // live stacks, in creation order
	deleted  []*stack // DELETE_COMPLETE stacks, oldest first
	exports  map[string]exportEntry
	buckets  map[string]*bucket
	objBytes int64
	faults   faultSet
	rng      *rand.Rand
	calls    map[string]int
	outcomes map[string]int
	// tokens remembers results of calls that carried an idempotency token.
	tokens     map[string]any
	tokenOrder []string
	seq        int64
	// detections are the drift detections by ID, detectionOrder their IDs oldest first, for the bound.
	detections     map[string]*driftDetection
	detectionOrder []string
	// ops counts running operations; idle is closed when it drops to zero.
	ops  int
	idle chan struct{}
	// waiting counts operations blocked in pause; changed is closed (and
	// replaced) whenever ops or waiting changes, for Settle.
	waiting int
	changed chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	closed  bool

	step    chan chan struct{}
	limits  *rateLimiter
	reqSeq  atomic.Int64
	httpSrv *http.Server
	ln      net.Listener
	srvDone chan struct{}
}

// exportEntry is one exported output.
type exportEntry struct {
	StackID, StackName, Value string
}

// New returns a Server that is not listening; use it as an http.Handler.
// Call Close to stop its operations.
func New(opts Options) *Server {
	o := opts.withDefaults()
	s := &Server{opts: o, step: make(chan chan struct{}), limits: newRateLimiter(o.RateLimits)}
	s.resetLocked()
	return s
}

// resetLocked (re)initialises all state; the caller holds mu or owns s.
func (s *Server) resetLocked() {
	s.stacks = nil
	s.deleted = nil
	s.exports = map[string]exportEntry{}
	s.buckets = map[string]*bucket{}
	s.objBytes = 0
	s.faults = faultSet{}
	s.rng = rand.New(rand.NewPCG(s.opts.Seed, 0x6366_6e6c_6f63_616c))
	s.calls = map[string]int{}
	s.outcomes = map[string]int{}
	s.tokens = map[string]any{}
	s.tokenOrder = nil
	s.detections = map[string]*driftDetection{}
	s.detectionOrder = nil
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.idle = make(chan struct{})
	close(s.idle)
	s.changed = make(chan struct{})
}

// notifyLocked wakes Settle callers; the caller holds mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Settle blocks until every running operation is either finished or waiting
// in a pause (for a Step or its delay), so the state a test reads next is
// exactly the state between two steps.
func (s *Server) Settle(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.waiting == s.ops {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("settle: %w", ctx.Err())
		}
	}
}

// NewServer starts a Server listening on opts.ListenAddr.
func NewServer(opts Options) (*Server, error) {
	addr := opts.ListenAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := New(opts)
	s.ln = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.srvDone = make(chan struct{})
	go func() {
		defer close(s.srvDone)
		_ = s.httpSrv.Serve(ln)
	}()
	return s, nil
}

// URL is the base endpoint to give the SDK clients ("" unless started with
// NewServer).
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops running operations and, if listening, the HTTP server.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.cancel()
	idle := s.idle
	s.mu.Unlock()
	<-idle
	if s.httpSrv != nil {
		err := s.httpSrv.Close()
		<-s.srvDone
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("close http server: %w", err)
		}
	}
	return nil
}

// Reset drops every stack, object, fault and call count, after stopping
// running operations.
func (s *Server) Reset() {
	s.mu.Lock()
	s.cancel()
	idle := s.idle
	s.mu.Unlock()
	<-idle
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

// WaitIdle blocks until no stack or change set operation is running.
func (s *Server) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for idle: %w", ctx.Err())
	}
}

// Step lets one waiting operation make one step (with ManualStep). It blocks
// until an operation takes the step or ctx ends; call Settle afterwards to
// wait for the step's effects.
func (s *Server) Step(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case s.step <- ack:
	case <-ctx.Done():
		return fmt.Errorf("step: %w", ctx.Err())
	}
	// The operation acknowledges once it no longer counts as waiting, so a
	// following Settle cannot return before the step has been acted on.
	<-ack
	return nil
}

// startOpLocked runs fn in a goroutine owned by the server; the caller
// holds mu. fn gets a context cancelled by Close and Reset.
func (s *Server) startOpLocked(fn func(ctx context.Context)) {
	if s.closed {
		return
	}
	if s.ops == 0 {
		s.idle = make(chan struct{})
	}
	s.ops++
	s.notifyLocked()
	ctx := s.ctx
	go func() {
		defer func() {
			s.mu.Lock()
			s.ops--
			if s.ops == 0 {
				close(s.idle)
			}
			s.notifyLocked()
			s.mu.Unlock()
		}()
		fn(ctx)
	}()
}

// pause is one unit of simulated work: the configured delay, or a Step.
func (s *Server) pause(ctx context.Context) error {
	s.mu.Lock()
	s.waiting++
	s.notifyLocked()
	s.mu.Unlock()
	done := func() {
		s.mu.Lock()
		s.waiting--
		s.notifyLocked()
		s.mu.Unlock()
	}
	if s.opts.ManualStep {
		select {
		case ack := <-s.step:
			done()
			close(ack)
			return nil
		case <-ctx.Done():
			done()
			return ctx.Err()
		}
	}
	defer done()
	if s.opts.ResourceDelay <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(s.opts.ResourceDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// nextSeq returns a server-wide increasing number; the caller holds mu.
func (s *Server) nextSeq() int64 {
	s.seq++
	return s.seq
}

// requestID makes a UUID-shaped request ID.
func (s *Server) requestID() string {
	n := s.reqSeq.Add(1)
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(n>>16), n)
}

// Calls returns how many API calls each operation received, keyed by
// operation ("CreateChangeSet", "s3:PutObject", "ec2:DescribeVpcs").
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// CallOutcomes returns call counts keyed by "operation outcome", where the
// outcome is "OK", the error code returned, "Dropped" (no answer, call not
// handled) or "DroppedResponse" (handled, then no answer).
func (s *Server) CallOutcomes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.outcomes))
	for k, v := range s.outcomes {
		out[k] = v
	}
	return out
}

func (s *Server) countCall(op, outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	s.outcomes[op+" "+outcome]++
}
