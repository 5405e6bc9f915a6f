package render

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// One render reports the blocking problems of every service, in service order, each with its field.
func TestRenderReportsEveryProblem(t *testing.T) {
	_, err := renderYAML(t, `
services:
  web:
    image: nginx
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
    ports:
      - "8080:80/sctp"
  api:
    image: example/api
    deploy:
      mode: global
  db:
    image: postgres
`, Options{})
	var problems Problems
	if !errors.As(err, &problems) {
		t.Fatalf("error %v is not Problems", err)
	}
	want := []string{"services.api.deploy.mode", "services.web.volumes[0]", "services.web.volumes[1]", "services.web.ports[0]"}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i].Error(), w) {
			t.Errorf("problem %d = %q, want it to start with %s", i, problems[i], w)
		}
	}
	if !strings.HasPrefix(err.Error(), "4 problems:\n  services.api") {
		t.Errorf("error text = %q", err)
	}
}

// Summary keeps every problem that fits, says how many did not, and never passes its limit.
func TestProblemsSummaryIsBounded(t *testing.T) {
	var p Problems
	for i := range 200 {
		p = append(p, fmt.Errorf("services.svc%03d.volumes[0]: bind mount of /srv/data%03d over /data: refused", i, i))
	}
	for _, limit := range []int{100, 1024, 4096} {
		s := p.Summary(limit)
		if len(s) > limit {
			t.Errorf("Summary(%d) is %d bytes", limit, len(s))
		}
		if !strings.HasPrefix(s, "200 problems:") || !strings.Contains(s, "more") {
			t.Errorf("Summary(%d) = %q: want the count and how many were left out", limit, s)
		}
	}
	if s := p[:2].Summary(4096); !strings.Contains(s, "svc000") || !strings.Contains(s, "svc001") || strings.Contains(s, "more") {
		t.Errorf("Summary of two short problems = %q", s)
	}
	if s := (Problems{errors.New(strings.Repeat("é", 100))}).Summary(51); len(s) > 51 || !strings.HasSuffix(s, "...") {
		t.Errorf("one long problem: %q (%d bytes)", s, len(s))
	}
}
