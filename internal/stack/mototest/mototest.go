// Package mototest runs moto_server, a local stand-in for AWS, for integration tests.
//
// moto is not AWS: stacks are created synchronously, nothing fails or rolls back, and outputs are not
// computed after change sets. Tests against it show that requests and responses go through the real SDK over
// HTTP; the failure paths are tested against package cfnlocal.
package mototest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region tests use with moto.
const Region = "us-east-1"

// Credentials are the dummy static credentials moto accepts; it routes requests by their signature's
// service name.
var Credentials = credentials.NewStaticCredentialsProvider("AKIDMOTO", "moto-secret", "")

// Server is a running moto_server.
type Server struct {
	// URL is the endpoint of every service, e.g. http://127.0.0.1:40123.
	URL string

	cmd    *exec.Cmd
	output *lockedBuffer
	done   chan struct{}
}

// Start runs moto_server on a free loopback port and waits until it answers. A missing moto_server is an
// error that says how to install it: tests must fail, not skip, without it.
func Start(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH; install it with pip install 'moto[server]==5.2.1': %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), output: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /moto-api/ until moto answers, it exits, or a minute has passed.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("moto_server exited before it was ready: %s", s.output.String())
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer on %s: %w; output: %s", s.URL, ctx.Err(), s.output.String())
		case <-tick.C:
		}
	}
}

// Reset clears every resource in moto, so tests do not see each other's.
func (s *Server) Reset(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resetting moto: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resetting moto: %s", resp.Status)
	}
	return nil
}

// Stop kills moto_server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

// Config is an SDK configuration that talks to moto: dummy credentials, one attempt per call (moto's
// answers do not change on retry).
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      Credentials,
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

// Output returns what moto_server printed, for failure messages.
func (s *Server) Output() string { return s.output.String() }

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
