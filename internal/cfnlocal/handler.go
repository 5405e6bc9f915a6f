package cfnlocal

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxRequestBytes bounds a request body: templates are at most 1 MB, and
// S3 objects here hold templates.
const maxRequestBytes = 16 << 20

// adminPrefix is where the JSON admin endpoints live.
const adminPrefix = "/_cfnlocal/"

// ServeHTTP routes a request to the admin endpoints or to the service named
// by its SigV4 credential scope.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	switch svc := signingService(r); svc {
	case "cloudformation":
		s.serveCloudFormation(w, r)
	case "ec2":
		s.serveEC2(w, r)
	case "elasticloadbalancing":
		s.serveELBv2(w, r)
	case "s3":
		s.serveS3(w, r)
	case "elasticfilesystem":
		s.serveEFS(w, r)
	case "":
		// Unsigned: a query call names its API version; anything else is S3.
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if err := r.ParseForm(); err == nil {
				switch r.PostForm.Get("Version") {
				case ec2Version:
					s.serveEC2(w, r)
					return
				case elbv2Version:
					s.serveELBv2(w, r)
					return
				}
			}
			s.serveCloudFormation(w, r)
			return
		}
		s.serveS3(w, r)
	default:
		id := s.requestID()
		writeQueryError(w, id, senderError("UnrecognizedClientException", "cfnlocal does not serve the %s service", svc))
	}
}

// injectFaults applies the API faults for op. It returns the failure to
// answer with, "" to serve the call normally, or FaultDrop once the
// connection has been dropped.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request, op string) FaultKind {
	latency, failure := s.apiFaults(op)
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	// S3 and EC2 operations ("s3:PutObject") are dropped before handling
	// even for FaultDropResponse.
	if failure == FaultDrop || failure == FaultDropResponse && strings.Contains(op, ":") {
		s.countCall(op, "Dropped")
		dropConnection(w)
		return FaultDrop
	}
	return failure
}

// dropConnection closes the client's connection without a response, which
// the SDK sees as a transport error it may retry.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without hijacking (HTTP/2), aborting the handler resets the stream;
	// net/http recovers this sentinel by design.
	panic(http.ErrAbortHandler)
}

// faultsRequest is the body of POST /_cfnlocal/faults.
type faultsRequest struct {
	API       []APIFault      `json:"api"`
	Resources []ResourceFault `json:"resources"`
}

// serveAdmin handles the JSON endpoints the demo binary needs:
// POST/DELETE /_cfnlocal/faults, POST /_cfnlocal/drift, GET /_cfnlocal/calls,
// POST /_cfnlocal/reset and GET /_cfnlocal/health.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, adminPrefix)
	switch {
	case path == "health" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case path == "calls" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]map[string]int{"calls": s.Calls(), "outcomes": s.CallOutcomes()})
	case path == "reset" && r.Method == http.MethodPost:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	case path == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case path == "drift" && r.Method == http.MethodPost:
		var d ResourceDrift
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "decode drift: " + err.Error()})
			return
		}
		if err := s.DriftResource(d); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "faults" && r.Method == http.MethodPost:
		if err := s.LoadFaults(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no admin endpoint " + r.Method + " " + r.URL.Path})
	}
}

// LoadFaults installs faults from JSON of the form
// {"api": [APIFault...], "resources": [ResourceFault...]}, all or none.
func (s *Server) LoadFaults(r io.Reader) error {
	var req faultsRequest
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	for _, f := range req.API {
		if err := f.validate(); err != nil {
			return fmt.Errorf("invalid api fault: %w", err)
		}
	}
	for _, f := range req.Resources {
		if err := f.validate(); err != nil {
			return fmt.Errorf("invalid resource fault: %w", err)
		}
	}
	for _, f := range req.API {
		if err := s.AddAPIFault(f); err != nil {
			return err
		}
	}
	for _, f := range req.Resources {
		if err := s.AddResourceFault(f); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
