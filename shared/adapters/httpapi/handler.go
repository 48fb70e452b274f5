// Package httpapi adapts API Gateway HTTP API events (payload version 2.0) to
// the back office's services: it routes on the route key, reads the caller
// from the JWT authorizer's claims, decodes JSON bodies strictly, and turns
// every error into the one JSON error shape with its HTTP status.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// Handler is a Lambda handler for API Gateway HTTP API events.
type Handler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// MaxBodyBytes is the largest JSON body an API route accepts.
const MaxBodyBytes = 256 << 10

// Request is one API request as a route sees it.
type Request struct {
	Event  events.APIGatewayV2HTTPRequest
	Caller bo.Caller
}

// Param returns a path parameter. API Gateway hands parameters over
// URL-decoded.
func (r *Request) Param(name string) string { return r.Event.PathParameters[name] }

// Page reads the "limit" and "cursor" query parameters. It returns EINVALID
// naming "limit" when it is not a positive whole number.
func (r *Request) Page() (limit int, cursor string, err error) {
	q := r.Event.QueryStringParameters
	if s := q["limit"]; s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 {
			return 0, "", bo.Invalid("limit must be a whole number from 1 to 100",
				bo.FieldError{Field: "limit", Message: "must be a whole number from 1 to 100"})
		}
	}
	return limit, q["cursor"], nil
}

// Decode reads the JSON body into v, strictly: the body must be one JSON
// object (not null, an array, a string, a number or a boolean) of at most
// MaxBodyBytes with no unknown fields and values of the right types. It
// returns EINVALID naming the field at fault ("body" for a body that is
// missing or not an object), or ETOOLARGE.
func (r *Request) Decode(v any) error {
	return r.DecodeLimit(v, MaxBodyBytes)
}

// DecodeOptional is Decode for a route whose body may be left out: an empty
// body leaves v as it is and returns nil; any other body must be a JSON
// object as Decode requires (null is not an empty body).
func (r *Request) DecodeOptional(v any) error {
	body, err := r.body(MaxBodyBytes)
	if err != nil || len(bytes.TrimLeft(body, jsonSpace)) == 0 {
		return err
	}
	return decodeObject(body, v)
}

// DecodeLimit is Decode with another size limit, for routes that carry files.
func (r *Request) DecodeLimit(v any, maxBytes int) error {
	body, err := r.body(maxBytes)
	if err != nil {
		return err
	}
	if len(bytes.TrimLeft(body, jsonSpace)) == 0 {
		return bo.Invalid("a JSON body is required", bo.FieldError{Field: "body", Message: "is required"})
	}
	return decodeObject(body, v)
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

// body returns the request's body, base64-decoded when API Gateway encoded
// it. It returns EINVALID for bad base64 and ETOOLARGE above maxBytes.
func (r *Request) body(maxBytes int) ([]byte, error) {
	body := []byte(r.Event.Body)
	if r.Event.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(r.Event.Body); err != nil {
			return nil, bo.Invalid("the body is not valid base64", bo.FieldError{Field: "body", Message: "is not valid base64"})
		}
	}
	if len(body) > maxBytes {
		return nil, bo.Errorf(bo.ETOOLARGE, "the body is larger than %d bytes", maxBytes)
	}
	return body, nil
}

// decodeObject decodes body, which must be one JSON object, into v. The
// object check comes first: encoding/json decodes null into a struct as
// "nothing to change" and an array or scalar only fails once it meets a
// field, so without it a body of null would pass as an empty request.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, jsonSpace)
	var kind string
	switch c := trimmed[0]; {
	case c == '{':
	case c == 'n':
		kind = "null"
	case c == '[':
		kind = "an array"
	case c == '"':
		kind = "a string"
	case c == 't' || c == 'f':
		kind = "a boolean"
	case c == '-' || c >= '0' && c <= '9':
		kind = "a number"
	}
	if kind != "" {
		return bo.Invalid("the body must be a JSON object, not "+kind,
			bo.FieldError{Field: "body", Message: "must be a JSON object, not " + kind})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bo.Invalid("the body must hold one JSON object", bo.FieldError{Field: "body", Message: "has data after the JSON object"})
	}
	return nil
}

// decodeError names the field that made JSON decoding fail.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var perr *time.ParseError
	field, msg := "body", "is not valid JSON"
	switch {
	case errors.As(err, &syntax):
		msg = fmt.Sprintf("is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		field = typ.Field
		if field == "" {
			field = "body"
		}
		msg = "must be " + jsonKind(typ.Type.String())
		if shape := objectShape(typ.Type); shape != "" {
			msg = "must be an object" + shape
		}
	case errors.As(err, &perr):
		msg = fmt.Sprintf("holds a time %q that is not RFC 3339 (like 2026-01-31T09:00:00Z)", perr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		msg = "is not a known field"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "is truncated JSON"
	}
	return bo.Invalid("invalid "+field+": "+msg, bo.FieldError{Field: field, Message: msg})
}

// objectShape shows the fields of an object the JSON must hold, as
// ` like {"email": …, "name": …}`, when t is a struct (an item of a list
// included: admins: ["a@b"] is told what each admin looks like); "" for
// any other type.
func objectShape(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() == "time" {
		return ""
	}
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" {
			names = append(names, strconv.Quote(name)+": …")
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " like {" + strings.Join(names, ", ") + "}"
}

// jsonKind names the JSON type that decodes into the Go type.
func jsonKind(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		if goType == "time.Time" {
			return "an RFC 3339 time string"
		}
		if strings.HasPrefix(goType, "backoffice.") {
			return "a string"
		}
		return "an object"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "of another type"
}

// RouteFunc serves one route: it returns the status and the value to send as
// JSON, or an error.
type RouteFunc func(ctx context.Context, r *Request) (int, any, error)

// router dispatches events to routes by their route key.
type router struct {
	routes map[string]RouteFunc
	logger *slog.Logger
}

// newHandler returns a Handler serving the routes, each keyed by its Route
// value of routes.go (routeGetOrg), which is where a route's method and path
// are written, once. It panics unless the routes are exactly the function's
// routes in the catalogue Routes (checkRoutes): a route served but not
// declared would never be reached in AWS, and one declared but not served
// would answer 404.
func newHandler(function string, routes map[Route]RouteFunc, logger *slog.Logger) Handler {
	if err := checkRoutes(function, routes); err != nil {
		panic("httpapi: " + err.Error())
	}
	byKey := make(map[string]RouteFunc, len(routes))
	for r, fn := range routes {
		byKey[r.Key()] = fn
	}
	rt := &router{routes: byKey, logger: logger}
	return rt.handle
}

// checkRoutes returns an error naming every route the function serves that
// the catalogue Routes does not give it, and every route the catalogue
// gives it that it does not serve; nil when they are the same.
func checkRoutes(function string, routes map[Route]RouteFunc) error {
	var problems []string
	declared := map[Route]bool{}
	for _, r := range Routes {
		if r.Function == function {
			declared[r] = true
			if routes[r] == nil {
				problems = append(problems, r.Key()+" has no handler")
			}
		}
	}
	for r := range routes {
		if !declared[r] {
			problems = append(problems, r.Key()+" is not declared for it in Routes")
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("function %s: %s", function, strings.Join(problems, "; "))
}

func (rt *router) handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	req := &Request{Event: ev, Caller: CallerFromClaims(ev.RequestContext.Authorizer)}
	// The changes the request makes are recorded with who made them, the
	// request's id and its source address (audit.New reads them from ctx).
	ctx = audit.WithCaller(ctx, req.Caller, ev.RequestContext.RequestID, ev.RequestContext.HTTP.SourceIP)
	var (
		status int
		body   any
		err    error = bo.Errorf(bo.ENOTFOUND, "no route %s", ev.RouteKey)
	)
	if fn, ok := rt.routes[ev.RouteKey]; ok {
		status, body, err = fn(ctx, req)
	}
	if err != nil {
		status, body = errorResponse(err)
	}
	attrs := []any{
		slog.String("route", ev.RouteKey), slog.Int("status", status), slog.String("requestId", ev.RequestContext.RequestID),
		slog.String("caller", req.Caller.Subject), slog.Duration("duration", time.Since(start)),
	}
	switch {
	case status >= 500:
		rt.logger.ErrorContext(ctx, "request failed", append(attrs, slog.String("error", err.Error()))...)
	case err != nil:
		rt.logger.InfoContext(ctx, "request refused", append(attrs, slog.String("error", err.Error()))...)
	default:
		rt.logger.InfoContext(ctx, "request", attrs...)
	}
	if f, ok := body.(File); ok && err == nil {
		return f.response(status), nil
	}
	if l, ok := body.(Located); ok && err == nil {
		res := JSON(status, l.Body)
		res.Headers["location"] = l.Location
		return res, nil
	}
	if p, ok := body.(Page); ok && err == nil {
		return p.response(status), nil
	}
	if rd, ok := body.(Redirect); ok && err == nil {
		return rd.response(status), nil
	}
	return JSON(status, body), nil
}

// Located is a route's JSON answer that names, in a Location header, the
// resource it created or started (a path of this API).
type Located struct {
	Location string
	Body     any
}

// Redirect is a route's answer that sends the client to another URL (a
// presigned link to a file): the route's status (302) with the URL in a
// Location header and no body. Clients and shared caches may keep it for
// MaxAge when it is positive; otherwise it is not stored.
type Redirect struct {
	Location string
	MaxAge   time.Duration
}

func (rd Redirect) response(status int) events.APIGatewayV2HTTPResponse {
	cache := "no-store"
	if rd.MaxAge > 0 {
		cache = "public, max-age=" + strconv.Itoa(int(rd.MaxAge.Seconds()))
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{
		"location":               rd.Location,
		"cache-control":          cache,
		"x-content-type-options": "nosniff",
	}}
}

// Page is a route's answer that is an HTML page for a browser rather than
// JSON: the unsubscribe pages, which learners open from an email.
type Page struct {
	HTML string
}

func (p Page) response(status int) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: p.HTML, Headers: map[string]string{
		"content-type":  "text/html; charset=utf-8",
		"cache-control": "no-store",
		// The page has inline styles and a form that posts to itself, and
		// nothing else: no script, no frame, no other origin; its URL holds
		// a token, which no referrer may carry off.
		"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"referrer-policy":         "no-referrer",
		"x-content-type-options":  "nosniff",
		"x-frame-options":         "DENY",
	}}
}

// File is a route's answer that is not JSON: a download.
type File struct {
	ContentType string
	// Name is the file name offered to the browser.
	Name string
	Body []byte
	// Headers are more response headers (a cursor to read on from).
	Headers map[string]string
}

func (f File) response(status int) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(f.Body), Headers: map[string]string{
		"content-type":           f.ContentType,
		"content-disposition":    `attachment; filename="` + f.Name + `"`,
		"cache-control":          "no-store",
		"x-content-type-options": "nosniff",
	}}
	for k, v := range f.Headers {
		res.Headers[k] = v
	}
	return res
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details []bo.FieldError `json:"details,omitempty"`
	} `json:"error"`
}

// StatusOf maps an error code to its HTTP status. This is the one place
// where that mapping lives.
func StatusOf(code string) int {
	switch code {
	case bo.EINVALID:
		return http.StatusBadRequest
	case bo.EUNAUTHORISED:
		return http.StatusUnauthorized
	case bo.EFORBIDDEN:
		return http.StatusForbidden
	case bo.ENOTFOUND:
		return http.StatusNotFound
	case bo.ECONFLICT, bo.ELIMIT:
		return http.StatusConflict
	case bo.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// errorResponse returns the status and body for err. Anything that is not a
// *backoffice.Error is an internal error whose detail stays in the log.
func errorResponse(err error) (int, errorBody) {
	var b errorBody
	b.Error.Code = bo.ErrorCode(err)
	b.Error.Message = bo.ErrorMessage(err)
	b.Error.Details = bo.ErrorDetails(err)
	return StatusOf(b.Error.Code), b
}

// JSON returns a response with the value encoded as JSON (no body for nil).
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{
		"content-type":           "application/json",
		"cache-control":          "no-store",
		"x-content-type-options": "nosniff",
	}}
	if v == nil {
		delete(res.Headers, "content-type")
		return res
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only values of this package's own making are encoded here.
		panic(fmt.Sprintf("httpapi: encode response: %v", err))
	}
	res.Body = string(b)
	return res
}

// List is the JSON shape of every list: the items and the cursor of the next
// page ("" on the last page).
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// CallerFromClaims reads the caller from the JWT authorizer's claims as API
// Gateway's HTTP API hands them over: every claim a string, booleans as
// "true", and arrays as "[a b]". The API takes ID tokens only: a token
// whose token_use claim (Cognito's) says anything but "id", such as an
// access token, gives no caller, which every role check turns away as
// unauthorised.
func CallerFromClaims(auth *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) bo.Caller {
	if auth == nil || auth.JWT == nil {
		return bo.Caller{}
	}
	c := auth.JWT.Claims
	if use, ok := c["token_use"]; ok && use != "id" {
		return bo.Caller{}
	}
	return bo.Caller{
		Subject:       c["sub"],
		Name:          c["name"],
		Email:         c["email"],
		EmailVerified: c["email_verified"] == "true",
		Groups:        claimList(c["cognito:groups"]),
		Claims:        c,
	}
}

// claimList splits an array claim "[a b]" (or a single value "a") into its values.
func claimList(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	return strings.Fields(s)
}
