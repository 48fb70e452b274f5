// Package backoffice holds the domain of the learning-program back office: its
// entities, their rules, the caller and the one error type every layer returns.
// It imports neither AWS Lambda nor the AWS SDK.
package backoffice

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in the httpapi package.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORISED = "unauthorised"
	ELIMIT        = "limit_reached"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
)

// FieldError names one field of a request (or one row of a file) and what is
// wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of the back office. Code says what kind of
// failure it is; Message is safe to show to the caller; Details name the
// fields at fault.
type Error struct {
	Code    string
	Message string
	Details []FieldError
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Details)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming each field at fault.
func Invalid(message string, details ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Details: details}
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, "" for nil, and EINTERNAL for anything else.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of the
// first *Error in its chain, and "internal error" for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorDetails returns the field errors of the first *Error in err's chain.
func ErrorDetails(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

// Validation collects field errors so that a request with several mistakes is
// answered with all of them at once.
type Validation struct {
	details []FieldError
}

// Add records that field is wrong for the given reason.
func (v *Validation) Add(field, format string, args ...any) {
	v.details = append(v.details, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records the field error when ok is false.
func (v *Validation) Check(ok bool, field, format string, args ...any) {
	if !ok {
		v.Add(field, format, args...)
	}
}

// Err returns nil when nothing was recorded, and otherwise an EINVALID error
// listing every field at fault.
func (v *Validation) Err() error {
	if len(v.details) == 0 {
		return nil
	}
	msg := "invalid " + v.details[0].Field + ": " + v.details[0].Message
	if len(v.details) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(v.details)-1)
	}
	return Invalid(msg, v.details...)
}
