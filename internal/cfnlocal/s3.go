package cfnlocal

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// bucket is an S3 bucket holding objects in memory.
type bucket struct {
	Created time.Time
	Objects map[string]*object
}

// object is a stored S3 object.
type object struct {
	Data        []byte
	ContentType string
	ETag        string
	Modified    time.Time
}

type s3ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, id string, status int, code, msg string) {
	w.Header().Set("x-amz-request-id", id)
	if r.Method == http.MethodHead {
		// HEAD responses have no body; the SDK maps the status.
		w.WriteHeader(status)
		return
	}
	body, _ := xml.Marshal(s3ErrorBody{Code: code, Message: msg, Resource: r.URL.Path, RequestID: id})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

// splitS3Path splits a path-style request path into bucket and key.
func splitS3Path(p string) (string, string) {
	p = strings.TrimPrefix(p, "/")
	b, k, _ := strings.Cut(p, "/")
	return b, k
}

// virtualHostBucket recognises virtual-hosted-style requests
// (bucket.localhost:4566 or bucket.s3.region.amazonaws.com), which the SDK
// sends for a hostname endpoint unless UsePathStyle is set.
func virtualHostBucket(host string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b, ok := strings.CutSuffix(host, ".localhost"); ok && b != "" {
		return b, true
	}
	if i := strings.Index(host, ".s3"); i > 0 && strings.HasSuffix(host, ".amazonaws.com") {
		return host[:i], true
	}
	return "", false
}

// s3Operation names a REST request the way the SDK's operations are named.
func s3Operation(method, bucketName, key string) string {
	switch {
	case bucketName == "":
		return "s3:Unsupported"
	case key == "" && method == http.MethodPut:
		return "s3:CreateBucket"
	case key == "" && method == http.MethodHead:
		return "s3:HeadBucket"
	case key != "" && method == http.MethodPut:
		return "s3:PutObject"
	case key != "" && method == http.MethodGet:
		return "s3:GetObject"
	case key != "" && method == http.MethodHead:
		return "s3:HeadObject"
	}
	return "s3:Unsupported"
}

// serveS3 implements the path-style S3 REST calls used to upload and read
// templates: CreateBucket, HeadBucket, PutObject, GetObject, HeadObject.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	bucketName, key := splitS3Path(r.URL.EscapedPath())
	if b, ok := virtualHostBucket(r.Host); ok {
		bucketName, key = b, strings.TrimPrefix(r.URL.EscapedPath(), "/")
	}
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	op := s3Operation(r.Method, bucketName, key)
	switch s.injectFaults(w, r, op) {
	case FaultDrop:
		return
	case FaultThrottle:
		s.countCall(op, "SlowDown")
		writeS3Error(w, r, id, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		return
	case FaultServerError:
		s.countCall(op, "InternalError")
		writeS3Error(w, r, id, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	}
	fail := func(status int, code, msg string) {
		s.countCall(op, code)
		writeS3Error(w, r, id, status, code, msg)
	}
	switch op {
	case "s3:CreateBucket":
		s.mu.Lock()
		_, exists := s.buckets[bucketName]
		if !exists {
			s.buckets[bucketName] = &bucket{Created: time.Now(), Objects: map[string]*object{}}
		}
		s.mu.Unlock()
		if exists {
			fail(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
			return
		}
		s.countCall(op, "OK")
		w.Header().Set("Location", "/"+bucketName)
		w.WriteHeader(http.StatusOK)
	case "s3:HeadBucket":
		s.mu.Lock()
		_, exists := s.buckets[bucketName]
		s.mu.Unlock()
		if !exists {
			fail(http.StatusNotFound, "NotFound", "Not Found")
			return
		}
		s.countCall(op, "OK")
		w.WriteHeader(http.StatusOK)
	case "s3:PutObject":
		data, err := readS3Body(r)
		if err != nil {
			fail(http.StatusBadRequest, "IncompleteBody", "cannot read request body: "+err.Error())
			return
		}
		sum := md5.Sum(data)
		obj := &object{Data: data, ContentType: r.Header.Get("Content-Type"), ETag: `"` + hex.EncodeToString(sum[:]) + `"`, Modified: time.Now()}
		s.mu.Lock()
		b, ok := s.buckets[bucketName]
		var old int64
		if ok && b.Objects[key] != nil {
			old = int64(len(b.Objects[key].Data))
		}
		tooBig := ok && s.objBytes-old+int64(len(data)) > s.opts.MaxObjectBytes
		if ok && !tooBig {
			b.Objects[key] = obj
			s.objBytes += int64(len(data)) - old
		}
		s.mu.Unlock()
		switch {
		case !ok:
			fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		case tooBig:
			fail(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the storage cfnlocal allows.")
		default:
			s.countCall(op, "OK")
			w.Header().Set("ETag", obj.ETag)
			w.WriteHeader(http.StatusOK)
		}
	case "s3:GetObject", "s3:HeadObject":
		s.mu.Lock()
		b, ok := s.buckets[bucketName]
		var obj *object
		if ok {
			obj = b.Objects[key]
		}
		s.mu.Unlock()
		if !ok {
			fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
			return
		}
		if obj == nil {
			fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		s.countCall(op, "OK")
		ct := obj.ContentType
		if ct == "" {
			ct = "binary/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("ETag", obj.ETag)
		w.Header().Set("Last-Modified", obj.Modified.UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Length", strconv.Itoa(len(obj.Data)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(obj.Data)
		}
	default:
		fail(http.StatusNotImplemented, "NotImplemented", "A header or operation you provided implies functionality that is not implemented.")
	}
}

// readS3Body reads an object body, decoding the aws-chunked framing the SDK
// uses when it streams a payload with a trailing checksum.
func readS3Body(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		return data, nil
	}
	return decodeAWSChunked(data)
}

// decodeAWSChunked strips "size[;ext]\r\n data \r\n" framing up to the
// zero-size chunk; trailers (checksums) are ignored.
func decodeAWSChunked(data []byte) ([]byte, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: missing chunk header: %w", err)
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		size, err := strconv.ParseInt(sizeText, 16, 64)
		if err != nil || size < 0 {
			return nil, errors.New("aws-chunked: bad chunk size")
		}
		if size == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, fmt.Errorf("aws-chunked: short chunk: %w", err)
		}
		if crlf, err := br.ReadString('\n'); err != nil || strings.TrimSpace(crlf) != "" {
			return nil, errors.New("aws-chunked: chunk not terminated by CRLF")
		}
	}
}

// readTemplateURL fetches a TemplateURL from the in-memory S3, accepting
// path-style URLs on any host and virtual-hosted *.s3*.amazonaws.com URLs.
func (s *Server) readTemplateURL(raw string) (string, *apiError) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", validationError("TemplateURL must be a supported URL.")
	}
	host := u.Hostname()
	path := strings.TrimPrefix(u.Path, "/")
	var candidates [][2]string
	if i := strings.Index(host, ".s3"); i > 0 && strings.HasSuffix(host, ".amazonaws.com") {
		candidates = append(candidates, [2]string{host[:i], path})
	}
	b, k, _ := strings.Cut(path, "/")
	candidates = append(candidates, [2]string{b, k})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range candidates {
		if bk, ok := s.buckets[c[0]]; ok {
			if obj, ok := bk.Objects[c[1]]; ok {
				if aerr := checkBodySize(string(obj.Data), true); aerr != nil {
					return "", aerr
				}
				return string(obj.Data), nil
			}
		}
	}
	return "", validationError("S3 error: Access Denied For more information check http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")
}
