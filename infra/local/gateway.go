// Package local runs the back office on a developer's machine: a local
// stand-in for API Gateway's HTTP API that turns HTTP requests into the very
// events AWS delivers to the functions, local JWTs for it, demo data, and the
// `make dev` start-up that ties them to the emulator.
package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/golang-jwt/jwt/v5"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
)

// Limits of API Gateway and Lambda that the gateway enforces as AWS does.
const (
	// MaxBodyBytes is API Gateway's HTTP API payload limit.
	MaxBodyBytes = 10 << 20
	// MaxInvokeBytes is Lambda's limit on a synchronous invocation's request
	// and response, JSON-encoded.
	MaxInvokeBytes = 6 << 20
	// IntegrationTimeout is API Gateway's HTTP API integration timeout; the
	// handler's context has this deadline, as a function's has its timeout.
	IntegrationTimeout = 30 * time.Second
)

// Handler is the signature of every API function's handler: what
// lambda.Start is given in AWS.
type Handler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// gateway is the http.Handler NewGateway returns.
type gateway struct {
	routes   []compiledRoute
	handlers map[string]Handler
	secret   []byte
	logger   *slog.Logger
	now      func() time.Time
	// corsOrigin is the one origin CORS admits; "" means no CORS.
	corsOrigin string
}

// GatewayOption changes how NewGateway's gateway answers.
type GatewayOption func(*gateway)

// WithCORS makes the gateway answer CORS as the stack configures API
// Gateway (httpapi's CORS values) for the console's origin: it answers
// every OPTIONS request itself with 204, with the preflight headers when
// the request's Origin is origin and none otherwise, and adds
// access-control-allow-origin to the responses to requests from origin.
func WithCORS(origin string) GatewayOption {
	return func(g *gateway) { g.corsOrigin = origin }
}

// NewGateway returns an http.Handler that serves routes as API Gateway's HTTP
// API does with payload format 2.0 and a JWT authorizer:
//
//   - a request matches the most specific route template (literal segments
//     beat {param} segments); no match is a 404, a known path with another
//     method a 405, both as JSON errors;
//   - a route that is not Public needs "Authorization: Bearer <jwt>", an
//     HS256 token signed with secret, issued by TokenIssuer for the audience
//     TokenAudience (its aud, or without one its client_id, as API Gateway
//     checks), and not expired; anything else is a 401;
//   - the request becomes an events.APIGatewayV2HTTPRequest as AWS builds it
//     (decoded path parameters, lower-cased and comma-joined headers, cookies
//     apart, base64 bodies for non-text content types, and the token's claims
//     as strings: "true", "1700000000", "[a b]"), passed through JSON as Lambda
//     passes it, to handlers[route.Function];
//   - the handler's response is written back (base64 bodies decoded, cookies
//     as Set-Cookie); a handler error or panic is API Gateway's 500
//     {"message":"Internal Server Error"};
//   - bodies over MaxBodyBytes are a 413, as are events over Lambda's
//     MaxInvokeBytes.
//
// Handlers are called concurrently, where in AWS each instance serves one
// request at a time. Each request is logged as JSON with its method, path,
// status and duration (to slog.Default() when logger is nil). Ambiguous route
// templates and functions without a handler are logged as warnings; the
// routes of such functions answer 501.
func NewGateway(routes []httpapi.Route, handlers map[string]Handler, secret []byte, logger *slog.Logger, opts ...GatewayOption) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	g := &gateway{handlers: handlers, secret: secret, logger: logger, now: time.Now}
	for _, opt := range opts {
		opt(g)
	}
	for _, r := range routes {
		g.routes = append(g.routes, compile(r))
	}
	for _, problem := range routeProblems(routes) {
		logger.Warn("route conflict", "problem", problem)
	}
	for _, fn := range functions(routes) {
		if handlers[fn] == nil {
			logger.Warn("function not wired into the local gateway; its routes answer 501", "function", fn)
		}
	}
	return g
}

func functions(routes []httpapi.Route) []string {
	var names []string
	for _, r := range routes {
		if !slices.Contains(names, r.Function) {
			names = append(names, r.Function)
		}
	}
	return names
}

// segment kinds, in increasing order of specificity.
const (
	greedySegment  = iota // {proxy+}: the rest of the path
	paramSegment          // {name}: one non-empty segment
	literalSegment        // text that must match exactly
)

type compiledRoute struct {
	route    httpapi.Route
	segments []string // literal text, or the parameter's name
	kinds    []int
}

func compile(r httpapi.Route) compiledRoute {
	c := compiledRoute{route: r}
	for _, s := range strings.Split(strings.TrimPrefix(r.Path, "/"), "/") {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			c.segments, c.kinds = append(c.segments, s[1:len(s)-2]), append(c.kinds, greedySegment)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			c.segments, c.kinds = append(c.segments, s[1:len(s)-1]), append(c.kinds, paramSegment)
		default:
			c.segments, c.kinds = append(c.segments, s), append(c.kinds, literalSegment)
		}
	}
	return c
}

// match returns the path parameters when the decoded path segments match
// the template.
func (c compiledRoute) match(segs []string) (map[string]string, bool) {
	params := map[string]string{}
	for i, kind := range c.kinds {
		if kind == greedySegment {
			if i >= len(segs) {
				return nil, false
			}
			params[c.segments[i]] = strings.Join(segs[i:], "/")
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		switch kind {
		case literalSegment:
			if segs[i] != c.segments[i] {
				return nil, false
			}
		case paramSegment:
			if segs[i] == "" {
				return nil, false
			}
			params[c.segments[i]] = segs[i]
		}
	}
	return params, len(segs) == len(c.kinds)
}

// moreSpecific reports whether c beats d when both match a path: at the first
// segment where they differ in kind, the more specific kind wins.
func (c compiledRoute) moreSpecific(d compiledRoute) bool {
	for i := 0; i < len(c.kinds) && i < len(d.kinds); i++ {
		if c.kinds[i] != d.kinds[i] {
			return c.kinds[i] > d.kinds[i]
		}
	}
	return len(c.kinds) > len(d.kinds)
}

// shape is the template with parameter names erased: two routes of one
// method with the same shape match exactly the same requests.
func (c compiledRoute) shape() string {
	parts := make([]string, len(c.kinds))
	for i, kind := range c.kinds {
		switch kind {
		case greedySegment:
			parts[i] = "{+}"
		case paramSegment:
			parts[i] = "{}"
		default:
			parts[i] = c.segments[i]
		}
	}
	return "/" + strings.Join(parts, "/")
}

// routeProblems describes every pair of routes that no request could tell
// apart (same method, same template up to parameter names), which API
// Gateway refuses to deploy.
func routeProblems(routes []httpapi.Route) []string {
	var problems []string
	seen := map[string]httpapi.Route{}
	for _, r := range routes {
		key := r.Method + " " + compile(r).shape()
		if prev, dup := seen[key]; dup {
			problems = append(problems, fmt.Sprintf("%q and %q match the same requests", prev.Key(), r.Key()))
			continue
		}
		seen[key] = r
	}
	return problems
}

// splitPath splits an escaped URL path into its decoded segments. A segment
// is decoded on its own, so an encoded "/" stays inside its segment.
func splitPath(escaped string) ([]string, error) {
	raw := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, err
		}
		segs[i] = d
	}
	return segs, nil
}

// route finds the route of a request. When none matches it returns the
// methods the path does answer to (empty for an unknown path).
func (g *gateway) route(method string, segs []string) (*compiledRoute, map[string]string, []string) {
	var best *compiledRoute
	var bestParams map[string]string
	var allowed []string
	for i := range g.routes {
		c := &g.routes[i]
		params, ok := c.match(segs)
		if !ok {
			continue
		}
		if c.route.Method != method && c.route.Method != "ANY" {
			if !slices.Contains(allowed, c.route.Method) {
				allowed = append(allowed, c.route.Method)
			}
			continue
		}
		// A route for the exact method beats ANY, then specificity decides.
		if best == nil || (best.route.Method == "ANY" && c.route.Method != "ANY") ||
			(best.route.Method == c.route.Method && c.moreSpecific(*best)) {
			best, bestParams = c, params
		}
	}
	slices.Sort(allowed)
	return best, bestParams, allowed
}

// errorBody is the API's error shape.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // the values written here always encode
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	var body errorBody
	body.Error.Code, body.Error.Message = code, message
	writeJSON(w, status, body)
}

// writeGatewayMessage writes API Gateway's own error shape, used where AWS
// answers instead of the function.
func writeGatewayMessage(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]string{"message": http.StatusText(status)})
}

// statusWriter records the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// ServeHTTP implements http.Handler.
func (g *gateway) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := g.now()
	requestID := newRequestID()
	w := &statusWriter{ResponseWriter: rw}
	w.Header().Set("Apigw-Requestid", requestID)
	attrs := []slog.Attr{slog.String("requestId", requestID), slog.String("method", r.Method), slog.String("path", r.URL.Path)}
	defer func() {
		attrs = append(attrs, slog.Int("status", w.status), slog.Float64("durationMs", float64(g.now().Sub(start).Microseconds())/1000))
		g.logger.LogAttrs(r.Context(), levelFor(w.status), "request", attrs...)
	}()

	if g.corsOrigin != "" {
		origin := r.Header.Get("Origin")
		// API Gateway answers preflights itself, before routes and authorizers.
		if r.Method == http.MethodOptions {
			for k, v := range httpapi.CORSPreflightHeaders(origin, g.corsOrigin) {
				w.Header().Set(k, v)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if origin != "" && strings.EqualFold(origin, g.corsOrigin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
		}
	}

	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "the path has malformed percent-encoding: a % must be followed by two hexadecimal digits, like %2F")
		return
	}
	c, params, allowed := g.route(r.Method, segs)
	switch {
	case c == nil && len(allowed) > 0:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
		return
	case c == nil:
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	attrs = append(attrs, slog.String("route", c.route.Key()), slog.String("function", c.route.Function))

	var claims map[string]string
	if !c.route.Public {
		claims, err = g.verify(r.Header.Get("Authorization"))
		if err != nil {
			attrs = append(attrs, slog.String("authError", err.Error()))
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unauthorised", "a valid bearer token is required: "+err.Error())
			return
		}
	}

	body, err := readBody(w, r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large",
				fmt.Sprintf("the request body is over the API's limit of %d bytes", MaxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "invalid", "could not read the request body")
		return
	}

	handler := g.handlers[c.route.Function]
	if handler == nil {
		writeError(w, http.StatusNotImplemented, "not_implemented",
			fmt.Sprintf("function %q is not wired into the local gateway", c.route.Function))
		return
	}

	event := g.event(r, c.route, params, claims, body, requestID, start)
	resp, status, err := g.invoke(r.Context(), handler, c.route.Function, requestID, event)
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge {
			writeError(w, status, "payload_too_large",
				fmt.Sprintf("the request is over Lambda's invocation limit of %d bytes once encoded", MaxInvokeBytes))
			return
		}
		writeGatewayMessage(w, status)
		return
	}
	if err := writeResponse(w, resp); err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, &http.MaxBytesError{Limit: MaxBodyBytes}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
}

// verify checks a bearer token as the JWT authorizer does and returns its
// claims in the authorizer's string form.
func (g *gateway) verify(header string) (map[string]string, error) {
	if header == "" {
		return nil, errors.New("no Authorization header")
	}
	token := header
	// The authorizer takes the token with or without the Bearer prefix.
	if scheme, rest, ok := strings.Cut(header, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(TokenIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithJSONNumber(),
		jwt.WithTimeFunc(g.now),
	)
	claims := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return g.secret, nil }); err != nil {
		return nil, err
	}
	// As API Gateway: the aud claim must name the audience, or, when the
	// token has none, its client_id.
	aud, err := claims.GetAudience()
	if err != nil {
		return nil, err
	}
	switch {
	case len(aud) > 0 && !slices.Contains(aud, TokenAudience):
		return nil, fmt.Errorf("token has invalid audience %v, want %s", []string(aud), TokenAudience)
	case len(aud) == 0 && claims["client_id"] != TokenAudience:
		return nil, fmt.Errorf("token has no audience (aud or client_id) %s", TokenAudience)
	}
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = ClaimString(v)
	}
	return out, nil
}

// ClaimString renders a decoded JWT claim value as API Gateway's JWT
// authorizer hands it to the function: strings as they are, booleans "true"
// or "false", numbers in their decimal text, arrays as their elements
// rendered the same way, space-separated in brackets ("[a b]"), and null as
// "". Objects, which the authorizer does not document, become their JSON.
func ClaimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = ClaimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case []string:
		return "[" + strings.Join(v, " ") + "]"
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// textTypes are the media types API Gateway's HTTP API passes as text; every
// other body (even with no Content-Type, even form-encoded) is base64-encoded.
var textTypes = []string{"application/json", "application/xml", "application/javascript"}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || slices.Contains(textTypes, mt)
}

// event builds the payload format 2.0 event of a request.
func (g *gateway) event(r *http.Request, route httpapi.Route, params, claims map[string]string, body []byte,
	requestID string, at time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for name, values := range r.Header {
		headers[strings.ToLower(name)] = strings.Join(values, ",")
	}
	var cookies []string
	if c, ok := headers["cookie"]; ok {
		delete(headers, "cookie")
		for _, part := range strings.Split(strings.ReplaceAll(c, ",", ";"), ";") {
			if part = strings.TrimSpace(part); part != "" {
				cookies = append(cookies, part)
			}
		}
	}
	headers["host"] = r.Host
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	headers["x-amzn-trace-id"] = traceID(at)

	var query map[string]string
	if values := r.URL.Query(); len(values) > 0 {
		query = make(map[string]string, len(values))
		for k, vs := range values {
			query[k] = strings.Join(vs, ",")
		}
	}
	if len(params) == 0 {
		params = nil
	}

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.Key(),
		RawPath:               r.URL.Path, // the HTTP API delivers the path decoded
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    requestID,
			APIID:        "local",
			DomainName:   hostOnly(r.Host),
			DomainPrefix: strings.SplitN(hostOnly(r.Host), ".", 2)[0],
			Time:         at.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    at.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// invoke calls the handler as Lambda would: the event and the response go
// through JSON, the context carries the Lambda context and the integration
// deadline. A non-zero status is the answer API Gateway gives instead of the
// function's (413 for an oversized event, 500 for an error, 503 past the
// deadline), with the error that caused it.
func (g *gateway) invoke(ctx context.Context, h Handler, function, requestID string,
	ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, status int, err error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, http.StatusInternalServerError, fmt.Errorf("encode event: %w", err)
	}
	if len(payload) > MaxInvokeBytes {
		return resp, http.StatusRequestEntityTooLarge, fmt.Errorf("event of %d bytes is over Lambda's limit", len(payload))
	}
	var in events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &in); err != nil {
		return resp, http.StatusInternalServerError, fmt.Errorf("decode event: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, IntegrationTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:" + function,
	})

	out, err := callHandler(ctx, h, in)
	if ctx.Err() == context.DeadlineExceeded {
		return resp, http.StatusServiceUnavailable, fmt.Errorf("function ran past the integration timeout of %s", IntegrationTimeout)
	}
	if err != nil {
		return resp, http.StatusInternalServerError, fmt.Errorf("function error: %w", err)
	}
	encoded, err := json.Marshal(out)
	if err != nil {
		return resp, http.StatusInternalServerError, fmt.Errorf("encode response: %w", err)
	}
	if len(encoded) > MaxInvokeBytes {
		return resp, http.StatusInternalServerError, fmt.Errorf("response of %d bytes is over Lambda's limit of %d", len(encoded), MaxInvokeBytes)
	}
	if err := json.Unmarshal(encoded, &resp); err != nil {
		return resp, http.StatusInternalServerError, fmt.Errorf("decode response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return resp, http.StatusInternalServerError, fmt.Errorf("function returned status code %d", resp.StatusCode)
	}
	return resp, 0, nil
}

// callHandler calls h, turning a panic into an error as the Lambda runtime does.
func callHandler(ctx context.Context, h Handler, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, ev)
}

// writeResponse writes a function's response as API Gateway does.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			writeGatewayMessage(w, http.StatusInternalServerError)
			return fmt.Errorf("response body marked base64 is not: %w", err)
		}
		body = decoded
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, err := w.Write(body)
	return err
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// traceID returns an X-Ray trace header as API Gateway adds one.
func traceID(at time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", at.Unix(), hex.EncodeToString(b[:]))
}
