package stackfake

import (
	"fmt"

	"github.com/aws/smithy-go"
)

func apiError(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func validationError(format string, args ...any) error {
	return apiError("ValidationError", format, args...)
}

// ThrottlingError is the error CloudFormation answers with when a caller exceeds its request rate.
func ThrottlingError() error {
	return apiError("Throttling", "Rate exceeded")
}
