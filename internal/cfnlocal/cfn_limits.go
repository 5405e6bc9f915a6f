package cfnlocal

import (
	"github.com/composestack/composestack/internal/limits"
)

// CloudFormation's quotas on what one request may carry, checked where AWS checks them, so that a template that
// passes here is not refused by the real service for its size.

// checkBodySize refuses a template body that CloudFormation would refuse for its size: fromURL says whether it
// was read from S3 (TemplateURL), which allows more than an inline TemplateBody.
func checkBodySize(body string, fromURL bool) *apiError {
	if fromURL {
		if len(body) > limits.TemplateURLBytes {
			return validationError("Template may not exceed %d bytes in size.", limits.TemplateURLBytes)
		}
		return nil
	}
	if len(body) > limits.TemplateBodyBytes {
		return validationError("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", limits.TemplateBodyBytes)
	}
	return nil
}

// checkTemplateCounts refuses a template with more resources, parameters or outputs than CloudFormation takes.
func checkTemplateCounts(t *template) *apiError {
	if n := len(t.Resources); n > limits.Resources {
		return validationError("Template format error: Number of resources, %d, is greater than maximum allowed, %d", n, limits.Resources)
	}
	if n := len(t.Parameters); n > limits.Parameters {
		return validationError("Template format error: Number of parameters, %d, is greater than maximum allowed, %d", n, limits.Parameters)
	}
	if n := len(t.Outputs); n > limits.Outputs {
		return validationError("Template format error: Number of outputs, %d, is greater than maximum allowed, %d", n, limits.Outputs)
	}
	return nil
}

// checkParameterInputs refuses more parameter values than a template may declare, before they are matched
// against the template.
func checkParameterInputs(f form) *apiError {
	if n := len(f.indices("Parameters.member")); n > limits.Parameters {
		return validationError("1 validation error detected: Value at 'parameters' failed to satisfy constraint: Member must have length less than or equal to %d", limits.Parameters)
	}
	return nil
}
