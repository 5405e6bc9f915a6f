package cfnlocal

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cfnNamespace is the XML namespace of every CloudFormation response.
const cfnNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// cfnVersion is the only API version the query protocol accepts for
// CloudFormation.
const cfnVersion = "2010-05-15"

// awsTime formats a timestamp the way the query protocol serialises it.
func awsTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// form wraps the decoded request parameters of a query-protocol call.
type form url.Values

func (f form) get(key string) string { return url.Values(f).Get(key) }

func (f form) has(key string) bool { _, ok := f[key]; return ok }

func (f form) bool(key string) bool {
	b, _ := strconv.ParseBool(f.get(key))
	return b
}

// list returns the values of a flattened list such as Capabilities.member.1,
// Capabilities.member.2 in index order. EC2 omits the ".member" part, so the
// caller passes the full prefix including it where needed.
func (f form) list(prefix string) []string {
	idx := f.indices(prefix)
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, f.get(prefix+"."+strconv.Itoa(i)))
	}
	return out
}

// structs returns the members of a list of structures such as
// Parameters.member.1.ParameterKey, each as a map of field to value.
func (f form) structs(prefix string) []map[string]string {
	idx := f.indices(prefix)
	out := make([]map[string]string, 0, len(idx))
	for _, i := range idx {
		p := prefix + "." + strconv.Itoa(i) + "."
		m := map[string]string{}
		for k, v := range f {
			if strings.HasPrefix(k, p) && len(v) > 0 {
				m[strings.TrimPrefix(k, p)] = v[0]
			}
		}
		out = append(out, m)
	}
	return out
}

// indices finds the distinct numeric indexes used under prefix.
func (f form) indices(prefix string) []int {
	seen := map[int]bool{}
	p := prefix + "."
	for k := range f {
		if !strings.HasPrefix(k, p) {
			continue
		}
		rest := strings.TrimPrefix(k, p)
		if dot := strings.IndexByte(rest, '.'); dot >= 0 {
			rest = rest[:dot]
		}
		if n, err := strconv.Atoi(rest); err == nil && n > 0 {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// writeQueryResult writes <ActionResponse><ActionResult>...</ActionResult>
// <ResponseMetadata/></ActionResponse>, the envelope the SDK unwraps.
func writeQueryResult(w http.ResponseWriter, namespace, action, requestID string, result any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString(`<` + action + `Response xmlns="` + namespace + `">`)
	enc := xml.NewEncoder(&buf)
	if result == nil {
		// The SDK expects the Result element even for empty outputs.
		result = struct{}{}
	}
	{
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			writeQueryError(w, requestID, &apiError{Status: http.StatusInternalServerError, Code: codeInternalFailure, Message: "cannot encode response: " + err.Error()})
			return
		}
		_ = enc.Flush()
	}
	buf.WriteString(`<ResponseMetadata><RequestId>` + requestID + `</RequestId></ResponseMetadata>`)
	buf.WriteString(`</` + action + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	// An explicit length avoids chunked encoding, as AWS's endpoints do.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// queryErrorBody is the query protocol's error document.
type queryErrorBody struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeQueryError writes CloudFormation's <ErrorResponse> with the error's HTTP status.
func writeQueryError(w http.ResponseWriter, requestID string, e *apiError) {
	writeQueryErrorIn(cfnNamespace, w, requestID, e)
}

// writeQueryErrorIn writes the query protocol's <ErrorResponse> in a service's XML namespace; the SDK reads the
// code from Error/Code.
func writeQueryErrorIn(namespace string, w http.ResponseWriter, requestID string, e *apiError) {
	typ := "Receiver"
	if e.Sender {
		typ = "Sender"
	}
	body, _ := xml.Marshal(queryErrorBody{Xmlns: namespace, Type: typ, Code: e.Code, Message: e.Message, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

// answerQueryFault applies the API faults for op to a query-protocol call, answering a throttle or a server error
// through writeErr. It returns the fault, and whether the call is over (answered, or its connection dropped);
// a FaultDropResponse is left to the caller, which serves the call first.
func (s *Server) answerQueryFault(w http.ResponseWriter, r *http.Request, op, requestID string, writeErr func(http.ResponseWriter, string, *apiError)) (FaultKind, bool) {
	fault := s.injectFaults(w, r, op)
	switch fault {
	case FaultDrop:
		return fault, true
	case FaultThrottle:
		s.countCall(op, codeThrottling)
		writeErr(w, requestID, senderError(codeThrottling, "Rate exceeded"))
		return fault, true
	case FaultServerError:
		s.countCall(op, codeInternalFailure)
		writeErr(w, requestID, &apiError{Status: http.StatusInternalServerError, Code: codeInternalFailure, Message: "An internal error occurred."})
		return fault, true
	}
	return fault, false
}
