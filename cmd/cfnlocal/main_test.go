package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-listen", "127.0.0.1:0", "-resource-delay", "50ms", "-lint", "-region", "eu-west-1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.ResourceDelay != 50*time.Millisecond || !c.opts.LintTemplates || c.opts.Region != "eu-west-1" || c.opts.ListenAddr != "127.0.0.1:0" {
		t.Errorf("options %+v", c.opts)
	}
	c, err = parseFlags([]string{"-read-rate", "5", "-write-rate", "2.5", "-operation-rates", "DescribeStacks=1, ListStacks=0.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if l := c.opts.RateLimits; l.Reads != 5 || l.Writes != 2.5 || l.Operations["DescribeStacks"] != 1 || l.Operations["ListStacks"] != 0.5 || len(l.Operations) != 2 {
		t.Errorf("rate limits %+v", l)
	}
	for _, bad := range [][]string{{"-resource-delay", "soon"}, {"extra"}, {"-resource-delay", "-1s"}, {"-nope"},
		{"-read-rate", "-1"}, {"-operation-rates", "DescribeStacks"}, {"-operation-rates", "DescribeStacks=fast"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	faults := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(faults, []byte(`{"api":[{"operation":"DescribeStacks","kind":"throttle","times":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-faults", faults}, pw)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.TrimSpace(strings.TrimPrefix(line, "cfnlocal listening on "))
	resp, err := http.Get(url + "/_cfnlocal/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v", err)
	}
	_ = resp.Body.Close()
	// The preloaded fault throttles the first DescribeStacks.
	resp, err = http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=DescribeStacks&Version=2010-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>Throttling</Code>") {
		t.Errorf("preloaded fault not applied: %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunRejectsBadFaultsFile(t *testing.T) {
	faults := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(faults, []byte(`{"api":[{"kind":"explode"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-listen", "127.0.0.1:0", "-faults", faults}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown fault kind") {
		t.Errorf("error %v", err)
	}
}
