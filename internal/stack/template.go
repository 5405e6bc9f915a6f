package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/limits"
)

const (
	// MaxInlineTemplate is the largest TemplateBody CloudFormation accepts; larger templates go through S3.
	MaxInlineTemplate = limits.TemplateBodyBytes
	// MaxTemplate is the largest template CloudFormation accepts from S3.
	MaxTemplate = limits.TemplateURLBytes
)

// templateSource is how a change set gets its template: inline, or by the URL of an uploaded copy.
type templateSource struct {
	body, url *string
}

// templateKey is the content-addressed key of an uploaded template: the same template is uploaded once,
// and an object is never overwritten with different content.
func templateKey(body []byte) string {
	sum := sha256.Sum256(body)
	return "templates/" + hex.EncodeToString(sum[:]) + ".json"
}

// templateURL is where CloudFormation fetches an uploaded template from. It is always the real S3 address,
// whatever endpoint the driver's S3 client talks to: CloudFormation resolves it, not the driver.
func templateURL(bucket, region, key string) string {
	domain := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	if strings.Contains(bucket, ".") {
		// A dotted bucket name does not match the wildcard certificate of virtual-hosted addresses.
		return fmt.Sprintf("https://s3.%s.%s/%s/%s", region, domain, bucket, key)
	}
	return fmt.Sprintf("https://%s.s3.%s.%s/%s", bucket, region, domain, key)
}

// source decides how to pass the template, uploading it when it is too large to send inline.
func (d *Driver) source(ctx context.Context, want Desired) (templateSource, error) {
	body := want.TemplateBody
	if len(body) <= MaxInlineTemplate {
		return templateSource{body: aws.String(string(body))}, nil
	}
	if len(body) > MaxTemplate {
		return templateSource{}, terminal(csv1.ReasonTemplateTooLarge, nil,
			"the template of stack %s is %d bytes, more than CloudFormation accepts (%d); split the project or drop overlays that inflate it",
			want.StackName, len(body), MaxTemplate)
	}
	if want.TemplateBucket == "" {
		return templateSource{}, terminal(csv1.ReasonTemplateTooLarge, nil,
			"the template of stack %s is %d bytes, more than CloudFormation accepts inline (%d), and no template bucket is configured; set spec.stack.templateBucket (or the manager's default bucket)",
			want.StackName, len(body), MaxInlineTemplate)
	}
	if d.s3 == nil {
		return templateSource{}, fmt.Errorf("uploading the template of stack %s: the driver has no S3 client", want.StackName)
	}
	key := templateKey(body)
	// The key names the content, so an object that exists already holds this very template.
	if _, err := d.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(want.TemplateBucket), Key: aws.String(key)}); err != nil {
		_, err := d.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String(want.TemplateBucket),
			Key:         aws.String(key),
			Body:        bytes.NewReader(body),
			ContentType: aws.String("application/json"),
		})
		if err != nil {
			return templateSource{}, fmt.Errorf("uploading the template of stack %s to s3://%s/%s: %w", want.StackName, want.TemplateBucket, key, err)
		}
	}
	return templateSource{url: aws.String(templateURL(want.TemplateBucket, d.opts.Region, key))}, nil
}
