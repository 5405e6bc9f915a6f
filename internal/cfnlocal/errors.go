package cfnlocal

import (
	"fmt"
	"net/http"
)

// Error codes returned by the CloudFormation endpoint, as AWS spells them.
const (
	codeValidation             = "ValidationError"
	codeAlreadyExists          = "AlreadyExistsException"
	codeChangeSetNotFound      = "ChangeSetNotFound"
	codeInsufficientCapability = "InsufficientCapabilitiesException"
	codeInvalidChangeSetStatus = "InvalidChangeSetStatus"
	codeThrottling             = "Throttling"
	codeInternalFailure        = "InternalFailure"
	codeInvalidAction          = "InvalidAction"
	codeMissingAction          = "MissingAction"
)

// apiError is an error a handler returns to the client. It carries the HTTP
// status and whether the fault is the caller's (Sender) or ours (Receiver),
// which the query protocol puts in the error body.
type apiError struct {
	Status  int
	Code    string
	Message string
	Sender  bool
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// validationError builds the 400 ValidationError CloudFormation uses for most
// rejected requests.
func validationError(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeValidation, Message: fmt.Sprintf(format, args...), Sender: true}
}

// senderError builds a 400 error with a specific code.
func senderError(code, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...), Sender: true}
}

// stackNotFound is AWS's wording for any lookup of a stack that is not there.
func stackNotFound(id string) *apiError {
	return validationError("Stack with id %s does not exist", id)
}
