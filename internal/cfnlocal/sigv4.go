package cfnlocal

import (
	"net/http"
	"strings"
)

// signingService returns the service named in a SigV4 credential scope
// (Credential=AKID/20260101/us-east-1/cloudformation/aws4_request), taken
// from the Authorization header or, for presigned URLs, X-Amz-Credential.
// The signature itself is never checked: any credentials are accepted.
func signingService(r *http.Request) string {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		i := strings.Index(auth, "Credential=")
		if i < 0 {
			return ""
		}
		cred = auth[i+len("Credential="):]
		if end := strings.IndexAny(cred, ", "); end >= 0 {
			cred = cred[:end]
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}
