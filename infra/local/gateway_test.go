package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/golang-jwt/jwt/v5"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
)

var testSecret = []byte("test-secret")

// testRoutes covers literal, parameter and public routes of two functions.
var testRoutes = []httpapi.Route{
	{Method: "GET", Path: "/v1/health", Function: "admin", Public: true},
	{Method: "POST", Path: "/v1/orgs", Function: "admin"},
	{Method: "GET", Path: "/v1/orgs/{orgId}", Function: "admin"},
	{Method: "DELETE", Path: "/v1/orgs/{orgId}/admins/{email}", Function: "admin"},
	{Method: "POST", Path: "/v1/orgs/{orgId}/programs/{programId}/invitation-imports", Function: "invitations"},
	{Method: "GET", Path: "/v1/programs/{slug}", Function: "join"},
	{Method: "GET", Path: "/v1/programs/featured", Function: "admin"},
	{Method: "GET", Path: "/v1/files/{key+}", Function: "admin", Public: true},
	{Method: "GET", Path: "/v1/unwired", Function: "reports"},
}

// fake is a function that records the event it was given and answers resp.
type fake struct {
	calls int
	got   events.APIGatewayV2HTTPRequest
	ctx   context.Context
	resp  events.APIGatewayV2HTTPResponse
	err   error
	panic bool
}

func (f *fake) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	f.calls++
	f.got, f.ctx = req, ctx
	if f.panic {
		panic("boom")
	}
	return f.resp, f.err
}

type harness struct {
	gw   http.Handler
	fn   map[string]*fake
	logs *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{fn: map[string]*fake{}, logs: &bytes.Buffer{}}
	handlers := map[string]Handler{}
	for _, name := range []string{"admin", "invitations", "join"} {
		f := &fake{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`,
			Headers: map[string]string{"Content-Type": "application/json"}}}
		h.fn[name] = f
		handlers[name] = f.handle
	}
	h.gw = NewGateway(testRoutes, handlers, testSecret, slog.New(slog.NewJSONHandler(h.logs, nil)))
	return h
}

func token(t *testing.T, c TokenClaims) string {
	t.Helper()
	tok, err := MintToken(testSecret, c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var ada = TokenClaims{Email: "ada@example.com", EmailVerified: true}

func (h *harness) do(t *testing.T, method, target string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = "192.0.2.7:52100"
	req.Host = "127.0.0.1:8080"
	maps.Copy(req.Header, header)
	rec := httptest.NewRecorder()
	h.gw.ServeHTTP(rec, req)
	return rec
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", rec.Body.String(), err)
	}
	return body.Error.Code
}

func TestEventIsBuiltAsAPIGatewayDoes(t *testing.T) {
	h := newHarness(t)
	header := bearer(token(t, ada))
	header["X-Multi"] = []string{"a", "b"}
	header["Cookie"] = []string{"session=s1; theme=dark"}
	header["User-Agent"] = []string{"curl/8.0"}
	rec := h.do(t, "DELETE", "/v1/orgs/org_1/admins/grace%2Bops%40example.com?x=1&x=2&y=a%20b", nil, header)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	ev := h.fn["admin"].got

	want := map[string]string{"orgId": "org_1", "email": "grace+ops@example.com"}
	if !maps.Equal(ev.PathParameters, want) {
		t.Errorf("PathParameters = %v, want %v", ev.PathParameters, want)
	}
	checks := []struct{ name, got, want string }{
		{"Version", ev.Version, "2.0"},
		{"RouteKey", ev.RouteKey, "DELETE /v1/orgs/{orgId}/admins/{email}"},
		{"RequestContext.RouteKey", ev.RequestContext.RouteKey, "DELETE /v1/orgs/{orgId}/admins/{email}"},
		{"RawPath", ev.RawPath, "/v1/orgs/org_1/admins/grace+ops@example.com"},
		{"RawQueryString", ev.RawQueryString, "x=1&x=2&y=a%20b"},
		{"Stage", ev.RequestContext.Stage, "$default"},
		{"HTTP.Method", ev.RequestContext.HTTP.Method, "DELETE"},
		{"HTTP.Path", ev.RequestContext.HTTP.Path, "/v1/orgs/org_1/admins/grace+ops@example.com"},
		{"HTTP.SourceIP", ev.RequestContext.HTTP.SourceIP, "192.0.2.7"},
		{"HTTP.UserAgent", ev.RequestContext.HTTP.UserAgent, "curl/8.0"},
		{"header x-multi", ev.Headers["x-multi"], "a,b"},
		{"header host", ev.Headers["host"], "127.0.0.1:8080"},
		{"header x-forwarded-for", ev.Headers["x-forwarded-for"], "192.0.2.7"},
		{"header authorization", ev.Headers["authorization"], header.Get("Authorization")},
		{"DomainName", ev.RequestContext.DomainName, "127.0.0.1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !maps.Equal(ev.QueryStringParameters, map[string]string{"x": "1,2", "y": "a b"}) {
		t.Errorf("QueryStringParameters = %v", ev.QueryStringParameters)
	}
	if _, ok := ev.Headers["cookie"]; ok || strings.Join(ev.Cookies, "|") != "session=s1|theme=dark" {
		t.Errorf("cookies should move out of the headers: Cookies=%v cookie=%q", ev.Cookies, ev.Headers["cookie"])
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-case", k)
		}
	}
	if ev.RequestContext.RequestID == "" || rec.Header().Get("Apigw-Requestid") != ev.RequestContext.RequestID {
		t.Errorf("request id %q, response header %q", ev.RequestContext.RequestID, rec.Header().Get("Apigw-Requestid"))
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", ev.RequestContext.Time); err != nil || ev.RequestContext.TimeEpoch == 0 {
		t.Errorf("Time %q / TimeEpoch %d: %v", ev.RequestContext.Time, ev.RequestContext.TimeEpoch, err)
	}
	if ev.Body != "" || ev.IsBase64Encoded {
		t.Errorf("a request without a body has Body %q, IsBase64Encoded %v", ev.Body, ev.IsBase64Encoded)
	}
	lc, ok := lambdacontext.FromContext(h.fn["admin"].ctx)
	if !ok || lc.AwsRequestID != ev.RequestContext.RequestID {
		t.Errorf("handler context lacks the Lambda context: %+v", lc)
	}
	if _, ok := h.fn["admin"].ctx.Deadline(); !ok {
		t.Error("handler context has no deadline, unlike a Lambda invocation")
	}
}

func TestNoQueryOrParametersAreNil(t *testing.T) {
	h := newHarness(t)
	h.do(t, "GET", "/v1/health", nil, nil)
	ev := h.fn["admin"].got
	if ev.QueryStringParameters != nil || ev.PathParameters != nil || ev.Cookies != nil {
		t.Errorf("want nil maps as API Gateway omits them: %v %v %v", ev.QueryStringParameters, ev.PathParameters, ev.Cookies)
	}
}

func TestClaimsAreHandedOverAsStrings(t *testing.T) {
	h := newHarness(t)
	tok := token(t, TokenClaims{Subject: "u-1", Email: "ops@example.com", EmailVerified: true, Groups: []string{"platform-operators", "auditors"}})
	if rec := h.do(t, "POST", "/v1/orgs", strings.NewReader("{}"), bearer(tok)); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	auth := h.fn["admin"].got.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		t.Fatal("no JWT authorizer context")
	}
	claims := auth.JWT.Claims
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := parsed.Claims.GetExpirationTime()
	want := map[string]string{
		"sub":            "u-1",
		"email":          "ops@example.com",
		"email_verified": "true",
		"cognito:groups": "[platform-operators auditors]",
		"iss":            TokenIssuer,
		"aud":            TokenAudience,
		"token_use":      "id",
		"exp":            strconv.FormatInt(exp.Unix(), 10),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %q, want %q", k, claims[k], v)
		}
	}
	if auth.JWT.Scopes != nil {
		t.Errorf("Scopes = %v, want nil", auth.JWT.Scopes)
	}

	h.do(t, "POST", "/v1/orgs", nil, bearer(token(t, TokenClaims{Email: "new@example.com"})))
	claims = h.fn["admin"].got.RequestContext.Authorizer.JWT.Claims
	if claims["email_verified"] != "false" {
		t.Errorf("email_verified = %q, want \"false\"", claims["email_verified"])
	}
	if _, ok := claims["cognito:groups"]; ok {
		t.Errorf("a token without groups should carry no cognito:groups claim, got %q", claims["cognito:groups"])
	}
	if claims["sub"] != SubjectFor("new@example.com") {
		t.Errorf("sub = %q, want the one derived from the email", claims["sub"])
	}
}

func TestClaimString(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"x", "x"},
		{true, "true"},
		{false, "false"},
		{json.Number("1700000000"), "1700000000"},
		{float64(1700000000), "1700000000"},
		{1.5, "1.5"},
		{nil, ""},
		{[]any{"a", "b"}, "[a b]"},
		{[]any{}, "[]"},
		{[]any{"a", true, json.Number("3")}, "[a true 3]"},
		{[]string{"a", "b"}, "[a b]"},
		{map[string]any{"k": "v"}, `{"k":"v"}`},
	}
	for _, tt := range tests {
		if got := ClaimString(tt.in); got != tt.want {
			t.Errorf("ClaimString(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnauthorised(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	valid := jwt.MapClaims{"iss": TokenIssuer, "aud": TokenAudience, "sub": "u", "email": "ada@example.com", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := maps.Clone(valid)
		change(c)
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// alg "none" with the signature the header claims: none at all.
	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid)

	tests := []struct {
		name   string
		header http.Header
	}{
		{"missing header", nil},
		{"empty bearer", http.Header{"Authorization": {"Bearer "}}},
		{"garbage", bearer("not.a.jwt")},
		{"wrong secret", bearer(sign(jwt.SigningMethodHS256, []byte("other"), valid))},
		{"expired", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })))},
		{"no exp", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { delete(c, "exp") })))},
		{"issued in the future", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })))},
		{"other issuer", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["iss"] = "evil" })))},
		{"other audience", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { c["aud"] = "another-client" })))},
		{"other audience, right client_id", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) {
			c["aud"], c["client_id"] = "another-client", TokenAudience
		})))},
		{"no audience", bearer(sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { delete(c, "aud") })))},
		{"alg none", bearer(none)},
		{"RS256", bearer(sign(jwt.SigningMethodRS256, rsaKey, valid))},
		{"HS512 with the right secret", bearer(sign(jwt.SigningMethodHS512, testSecret, valid))},
		{"tampered payload", bearer(tamper(t, sign(jwt.SigningMethodHS256, testSecret, valid)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := h.do(t, "GET", "/v1/orgs/org_1", nil, tt.header)
			if rec.Code != http.StatusUnauthorized || errorCode(t, rec) != "unauthorised" {
				t.Errorf("status %d body %s, want 401 unauthorised", rec.Code, rec.Body)
			}
			if h.fn["admin"].calls != 0 {
				t.Error("the function was called")
			}
		})
	}

	t.Run("no aud but the audience as client_id, as API Gateway accepts", func(t *testing.T) {
		h := newHarness(t)
		tok := sign(jwt.SigningMethodHS256, testSecret, with(func(c jwt.MapClaims) { delete(c, "aud"); c["client_id"] = TokenAudience }))
		if rec := h.do(t, "GET", "/v1/orgs/org_1", nil, bearer(tok)); rec.Code != 200 {
			t.Errorf("status %d: %s", rec.Code, rec.Body)
		}
	})

	t.Run("valid token, also without the Bearer prefix", func(t *testing.T) {
		h := newHarness(t)
		tok := sign(jwt.SigningMethodHS256, testSecret, valid)
		for _, hdr := range []http.Header{bearer(tok), {"Authorization": {tok}}, {"Authorization": {"bearer " + tok}}} {
			if rec := h.do(t, "GET", "/v1/orgs/org_1", nil, hdr); rec.Code != 200 {
				t.Errorf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// tamper changes the email in a token's payload and keeps its signature.
func tamper(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	payload = bytes.Replace(payload, []byte("ada@"), []byte("eve@"), 1)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestPublicRouteNeedsNoToken(t *testing.T) {
	h := newHarness(t)
	rec := h.do(t, "GET", "/v1/health", nil, nil)
	if rec.Code != 200 || h.fn["admin"].calls != 1 {
		t.Fatalf("status %d, calls %d", rec.Code, h.fn["admin"].calls)
	}
	if h.fn["admin"].got.RequestContext.Authorizer != nil {
		t.Error("a public route has no authorizer context")
	}
}

func TestRouting(t *testing.T) {
	tok := bearer(token(t, ada))
	tests := []struct {
		name, method, path string
		status             int
		code               string
		function           string
		params             map[string]string
		allow              string
	}{
		{name: "unknown path", method: "GET", path: "/v1/nothing", status: 404, code: "not_found"},
		{name: "trailing slash is another path", method: "POST", path: "/v1/orgs/", status: 404, code: "not_found"},
		{name: "empty parameter", method: "GET", path: "/v1/orgs/", status: 404, code: "not_found"},
		{name: "too many segments", method: "GET", path: "/v1/orgs/o1/extra/more", status: 404, code: "not_found"},
		{name: "known path, other method", method: "PUT", path: "/v1/orgs", status: 405, code: "method_not_allowed", allow: "POST"},
		{name: "known template, other method", method: "POST", path: "/v1/orgs/o1", status: 405, code: "method_not_allowed", allow: "GET"},
		{name: "literal beats parameter", method: "GET", path: "/v1/programs/featured", status: 200, function: "admin", params: nil},
		{name: "parameter", method: "GET", path: "/v1/programs/data-skills", status: 200, function: "join", params: map[string]string{"slug": "data-skills"}},
		{name: "encoded slash stays in its segment", method: "GET", path: "/v1/programs/a%2Fb", status: 200, function: "join", params: map[string]string{"slug": "a/b"}},
		{name: "greedy parameter", method: "GET", path: "/v1/files/reports/2024/r.zip", status: 200, function: "admin", params: map[string]string{"key": "reports/2024/r.zip"}},
		{name: "other function", method: "POST", path: "/v1/orgs/o1/programs/p1/invitation-imports", status: 200, function: "invitations",
			params: map[string]string{"orgId": "o1", "programId": "p1"}},
		{name: "function not wired", method: "GET", path: "/v1/unwired", status: 501, code: "not_implemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := h.do(t, tt.method, tt.path, nil, tok)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code != "" {
				if got := errorCode(t, rec); got != tt.code {
					t.Errorf("error code %q, want %q", got, tt.code)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if tt.allow != "" && rec.Header().Get("Allow") != tt.allow {
				t.Errorf("Allow = %q, want %q", rec.Header().Get("Allow"), tt.allow)
			}
			if tt.function != "" {
				f := h.fn[tt.function]
				if f.calls != 1 {
					t.Fatalf("function %s called %d times", tt.function, f.calls)
				}
				if !maps.Equal(f.got.PathParameters, tt.params) {
					t.Errorf("PathParameters = %v, want %v", f.got.PathParameters, tt.params)
				}
			}
		})
	}
}

func TestRequestBodies(t *testing.T) {
	raw := []byte{0x50, 0x4b, 0x03, 0x04, 0xff, 0x00}
	tests := []struct {
		contentType string
		body        []byte
		wantBase64  bool
	}{
		{"application/json", []byte(`{"name":"Ada"}`), false},
		{"application/json; charset=utf-8", []byte(`{}`), false},
		{"text/csv", []byte("email\nada@example.com\n"), false},
		{"application/xml", []byte("<a/>"), false},
		{"application/octet-stream", raw, true},
		{"application/zip", raw, true},
		{"application/x-www-form-urlencoded", []byte("a=b"), true},
		{"", []byte("no content type"), true},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			h := newHarness(t)
			header := bearer(token(t, ada))
			if tt.contentType != "" {
				header["Content-Type"] = []string{tt.contentType}
			}
			if rec := h.do(t, "POST", "/v1/orgs", bytes.NewReader(tt.body), header); rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			ev := h.fn["admin"].got
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("IsBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(ev.Body)
			if tt.wantBase64 {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body %q, want %q", got, tt.body)
			}
		})
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t)
	header := bearer(token(t, ada))
	header["Content-Type"] = []string{"text/csv"}
	rec := h.do(t, "POST", "/v1/orgs", bytes.NewReader(make([]byte, MaxBodyBytes+1)), header)
	if rec.Code != http.StatusRequestEntityTooLarge || errorCode(t, rec) != "payload_too_large" {
		t.Errorf("over API Gateway's limit: status %d: %s", rec.Code, rec.Body)
	}

	// Within API Gateway's limit but over Lambda's once base64-encoded.
	header["Content-Type"] = []string{"application/octet-stream"}
	rec = h.do(t, "POST", "/v1/orgs", bytes.NewReader(make([]byte, 5<<20)), header)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over Lambda's limit: status %d: %s", rec.Code, rec.Body)
	}
	if h.fn["admin"].calls != 0 {
		t.Error("the function was called with an oversized request")
	}
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		resp       events.APIGatewayV2HTTPResponse
		err        error
		panic      bool
		wantStatus int
		wantBody   []byte
		check      func(t *testing.T, h http.Header)
	}{
		{
			name: "headers, multi-value headers and cookies",
			resp: events.APIGatewayV2HTTPResponse{
				StatusCode:        201,
				Headers:           map[string]string{"Content-Type": "application/json", "Location": "/v1/orgs/o1"},
				MultiValueHeaders: map[string][]string{"Vary": {"Accept", "Origin"}},
				Cookies:           []string{"a=1; HttpOnly", "b=2"},
				Body:              `{"id":"o1"}`,
			},
			wantStatus: 201,
			wantBody:   []byte(`{"id":"o1"}`),
			check: func(t *testing.T, h http.Header) {
				if h.Get("Location") != "/v1/orgs/o1" || strings.Join(h.Values("Vary"), ",") != "Accept,Origin" ||
					strings.Join(h.Values("Set-Cookie"), "|") != "a=1; HttpOnly|b=2" {
					t.Errorf("headers %v", h)
				}
			},
		},
		{
			name: "base64 body is decoded",
			resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/zip"},
				Body: base64.StdEncoding.EncodeToString([]byte{0x50, 0x4b, 0x00, 0xff}), IsBase64Encoded: true},
			wantStatus: 200,
			wantBody:   []byte{0x50, 0x4b, 0x00, 0xff},
		},
		{
			name:       "broken base64 body",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "!!", IsBase64Encoded: true},
			wantStatus: 500,
			wantBody:   []byte(`{"message":"Internal Server Error"}`),
		},
		{
			name:       "handler error",
			err:        errors.New("table unreachable"),
			wantStatus: 500,
			wantBody:   []byte(`{"message":"Internal Server Error"}`),
		},
		{
			name:       "handler panic",
			panic:      true,
			wantStatus: 500,
			wantBody:   []byte(`{"message":"Internal Server Error"}`),
		},
		{
			name:       "no status code",
			resp:       events.APIGatewayV2HTTPResponse{Body: "x"},
			wantStatus: 500,
			wantBody:   []byte(`{"message":"Internal Server Error"}`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			f := h.fn["admin"]
			f.resp, f.err, f.panic = tt.resp, tt.err, tt.panic
			rec := h.do(t, "GET", "/v1/health", nil, nil)
			if rec.Code != tt.wantStatus || !bytes.Equal(rec.Body.Bytes(), tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.Bytes(), tt.wantStatus, tt.wantBody)
			}
			if tt.check != nil {
				tt.check(t, rec.Header())
			}
			if tt.wantStatus == 500 && !strings.Contains(h.logs.String(), `"level":"ERROR"`) {
				t.Errorf("a 500 should be logged as an error: %s", h.logs)
			}
		})
	}
}

func TestRequestsAreLoggedAsJSON(t *testing.T) {
	h := newHarness(t)
	h.do(t, "GET", "/v1/health", nil, nil)
	h.do(t, "GET", "/v1/orgs/o1", nil, nil)
	lines := strings.Split(strings.TrimSpace(h.logs.String()), "\n")
	if len(lines) != 3 { // the warning about the unwired function, then one per request
		t.Fatalf("log lines %q", lines)
	}
	for i, want := range []struct {
		status float64
		route  string
	}{{200, "GET /v1/health"}, {401, "GET /v1/orgs/{orgId}"}} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i+1]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] != "request" || rec["method"] != "GET" || rec["status"] != want.status || rec["route"] != want.route {
			t.Errorf("log record %v", rec)
		}
		if _, ok := rec["durationMs"].(float64); !ok {
			t.Errorf("log record has no duration: %v", rec)
		}
	}
}

func TestEveryRouteIsMatchedByItsOwnTemplate(t *testing.T) {
	g := NewGateway(httpapi.Routes, nil, testSecret, slog.New(slog.DiscardHandler)).(*gateway)
	for _, r := range httpapi.Routes {
		want := map[string]string{}
		var path strings.Builder
		for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/"), "/") {
			path.WriteString("/")
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "+")
				// An email, as the most awkward value a parameter takes.
				value := name + "-x+y@example.com"
				want[name] = value
				path.WriteString(strings.ReplaceAll(value, "@", "%40"))
				continue
			}
			path.WriteString(seg)
		}
		segs, err := splitPath(path.String())
		if err != nil {
			t.Fatal(err)
		}
		c, params, _ := g.route(r.Method, segs)
		if c == nil || c.route != r {
			t.Errorf("%s %s matched %v, want %s", r.Method, path.String(), c, r.Key())
			continue
		}
		if len(want) == 0 {
			want = map[string]string{}
		}
		if !maps.Equal(params, want) {
			t.Errorf("%s: params %v, want %v", r.Key(), params, want)
		}
	}
}

func TestNoTwoRoutesAreAmbiguous(t *testing.T) {
	for _, p := range routeProblems(httpapi.Routes) {
		t.Error(p)
	}
	// The check itself finds templates that differ only in parameter names.
	problems := routeProblems([]httpapi.Route{
		{Method: "GET", Path: "/v1/programs/{programId}"},
		{Method: "GET", Path: "/v1/programs/{slug}"},
		{Method: "POST", Path: "/v1/programs/{slug}"},
		{Method: "GET", Path: "/v1/programs/featured"},
	})
	if len(problems) != 1 {
		t.Errorf("problems %v, want exactly the GET /v1/programs/{programId} vs {slug} pair", problems)
	}
}

func TestCORSAsAPIGatewayAnswersIt(t *testing.T) {
	const console = "https://console.example.com"
	handlers := map[string]Handler{"admin": (&fake{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{}`}}).handle}
	h := &harness{gw: NewGateway(testRoutes, handlers, testSecret, slog.New(slog.DiscardHandler), WithCORS(console))}
	preflight := http.Header{"Origin": {console}, "Access-Control-Request-Method": {"POST"},
		"Access-Control-Request-Headers": {"authorization,content-type"}}

	// GIVEN the console's origin WHEN it sends a preflight (no token) THEN
	// 204 with the methods, headers and max age the stack configures
	rec := h.do(t, "OPTIONS", "/v1/orgs/org_1", nil, preflight)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("preflight status %d, want 204: %s", rec.Code, rec.Body)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":  console,
		"Access-Control-Allow-Methods": strings.Join(httpapi.CORSAllowMethods(), ","),
		"Access-Control-Allow-Headers": "authorization,content-type",
		"Access-Control-Max-Age":       "3600",
	} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Error("the preflight does not allow PATCH, which routes use")
	}

	// AND any other origin gets no CORS headers at all, so the browser refuses
	for _, origin := range []string{"https://evil.example.com", "null", ""} {
		other := maps.Clone(preflight)
		other["Origin"] = []string{origin}
		rec := h.do(t, "OPTIONS", "/v1/orgs/org_1", nil, other)
		if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %q: status %d, allow-origin %q", origin, rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
		}
	}

	// AND a real request from the console carries the origin back; one from elsewhere does not
	hdr := bearer(token(t, ada))
	hdr.Set("Origin", console)
	if rec := h.do(t, "GET", "/v1/orgs/org_1", nil, hdr); rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != console {
		t.Errorf("GET from the console: status %d, allow-origin %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	hdr.Set("Origin", "https://evil.example.com")
	if rec := h.do(t, "GET", "/v1/orgs/org_1", nil, hdr); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin: allow-origin %q", rec.Header().Get("Access-Control-Allow-Origin"))
	}

	// AND without CORS an OPTIONS request is routed like any other (405 here)
	if rec := newHarness(t).do(t, "OPTIONS", "/v1/orgs/org_1", nil, preflight); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("without CORS: status %d, want 405", rec.Code)
	}
}
