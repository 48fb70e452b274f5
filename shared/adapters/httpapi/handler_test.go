package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestCallerFromClaims(t *testing.T) {
	auth := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: map[string]string{"sub": "u1", "email": "a@x.org", "email_verified": "true", "cognito:groups": "[admins platform-operators]"},
	}}
	c := CallerFromClaims(auth)
	if c.Subject != "u1" || c.Email != "a@x.org" || !c.EmailVerified || !c.IsOperator() || len(c.Groups) != 2 {
		t.Fatalf("caller = %+v", c)
	}
	auth.JWT.Claims["email_verified"] = "false"
	auth.JWT.Claims["cognito:groups"] = "platform-operators-not"
	if c := CallerFromClaims(auth); c.EmailVerified || c.IsOperator() {
		t.Fatalf("caller = %+v", c)
	}
	if c := CallerFromClaims(nil); c.Subject != "" || c.IsOperator() {
		t.Fatalf("no authorizer gave %+v", c)
	}
}

func TestCallerFromClaimsTakesIDTokensOnly(t *testing.T) {
	claims := map[string]string{"sub": "u1", "email": "a@x.org", "email_verified": "true", "cognito:groups": "[platform-operators]"}
	for _, tt := range []struct {
		tokenUse string // "" leaves the claim out, as other OIDC issuers do
		caller   bool
	}{{"id", true}, {"", true}, {"access", false}, {"refresh", false}} {
		t.Run("token_use="+tt.tokenUse, func(t *testing.T) {
			c := maps.Clone(claims)
			if tt.tokenUse != "" {
				c["token_use"] = tt.tokenUse
			}
			got := CallerFromClaims(&events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c}})
			if (got.Subject != "") != tt.caller || (got.IsOperator() != tt.caller) {
				t.Fatalf("caller %+v, want a caller: %v", got, tt.caller)
			}
			if _, err := got.VerifiedEmail(); (err == nil) != tt.caller {
				t.Fatalf("VerifiedEmail: %v", err)
			}
		})
	}
}

type decodeTarget struct {
	Name     string    `json:"name"`
	Count    *int      `json:"count"`
	StartsAt time.Time `json:"startsAt"`
	Nested   struct {
		Flag bool `json:"flag"`
	} `json:"nested"`
	People []struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"people"`
}

// TestDecodeShowsTheObjectExpected: a bare address where the items of a
// list are objects is told what each looks like.
func TestDecodeShowsTheObjectExpected(t *testing.T) {
	var v decodeTarget
	err := (&Request{Event: events.APIGatewayV2HTTPRequest{Body: `{"people":["a@b"]}`}}).Decode(&v)
	want := `invalid people: must be an object like {"email": …, "name": …}`
	if bo.ErrorCode(err) != bo.EINVALID || bo.ErrorMessage(err) != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestDecodeNamesTheField(t *testing.T) {
	tests := []struct {
		name, body string
		base64     bool
		code       string
		field      string
	}{
		{"ok", `{"name":"x","count":3}`, false, "", ""},
		{"ok base64", `{"name":"x"}`, true, "", ""},
		{"empty", `  `, false, bo.EINVALID, "body"},
		{"syntax", `{"name":`, false, bo.EINVALID, "body"},
		{"not json", `name=x`, false, bo.EINVALID, "body"},
		{"unknown field", `{"name":"x","colour":"red"}`, false, bo.EINVALID, "colour"},
		{"wrong type", `{"count":"three"}`, false, bo.EINVALID, "count"},
		{"nested wrong type", `{"nested":{"flag":"yes"}}`, false, bo.EINVALID, "nested.flag"},
		{"bad time", `{"startsAt":"tomorrow"}`, false, bo.EINVALID, "body"},
		{"array", `[1,2]`, false, bo.EINVALID, "body"},
		{"null", `null`, false, bo.EINVALID, "body"},
		{"null base64", `null`, true, bo.EINVALID, "body"},
		{"string", `"x"`, false, bo.EINVALID, "body"},
		{"number", ` 42`, false, bo.EINVALID, "body"},
		{"boolean", `true`, false, bo.EINVALID, "body"},
		{"trailing data", `{"name":"x"} {"name":"y"}`, false, bo.EINVALID, "body"},
		{"too large", `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, false, bo.ETOOLARGE, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{Body: tt.body}
			if tt.base64 {
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(tt.body)), true
			}
			var v decodeTarget
			err := (&Request{Event: ev}).Decode(&v)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if tt.field != "" {
				d := bo.ErrorDetails(err)
				if len(d) != 1 || d[0].Field != tt.field {
					t.Fatalf("details = %v, want field %q", d, tt.field)
				}
			}
			if err == nil && v.Name != "x" {
				t.Fatalf("decoded %+v", v)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	tests := map[string]int{
		bo.EINVALID: 400, bo.EUNAUTHORISED: 401, bo.EFORBIDDEN: 403, bo.ENOTFOUND: 404,
		bo.ECONFLICT: 409, bo.ELIMIT: 409, bo.ETOOLARGE: 413, bo.EINTERNAL: 500, "anything else": 500,
	}
	for code, want := range tests {
		if got := StatusOf(code); got != want {
			t.Errorf("StatusOf(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestRouterErrorsAndDispatch(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	// A router over three of the admin routes (newHandler wants them all).
	h := (&router{logger: logger, routes: map[string]RouteFunc{
		RouteHealth.Key(): func(context.Context, *Request) (int, any, error) {
			return 0, nil, errors.New("dynamodb: secret connection detail")
		},
		routeCreateOrg.Key(): func(_ context.Context, r *Request) (int, any, error) {
			return http.StatusCreated, map[string]string{"caller": r.Caller.Email}, nil
		},
		routeGetOrg.Key(): func(_ context.Context, r *Request) (int, any, error) {
			return 0, nil, bo.Invalid("bad", bo.FieldError{Field: "orgId", Message: "bad " + r.Param("orgId")})
		},
	}}).handle

	claims := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: map[string]string{"email": "a@x.org"}}}
	tests := []struct {
		routeKey string
		params   map[string]string
		status   int
		body     string
	}{
		{"GET /v1/health", nil, 500, `{"error":{"code":"internal","message":"internal error"}}`},
		{"POST /v1/orgs", nil, 201, `{"caller":"a@x.org"}`},
		{"GET /v1/orgs/{orgId}", map[string]string{"orgId": "o1"}, 400, `{"error":{"code":"invalid","message":"bad","details":[{"field":"orgId","message":"bad o1"}]}}`},
		{"GET /v1/nowhere", nil, 404, `{"error":{"code":"not_found","message":"no route GET /v1/nowhere"}}`},
	}
	for _, tt := range tests {
		res, err := h(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: tt.routeKey, PathParameters: tt.params,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: claims},
		})
		if err != nil {
			t.Fatalf("%s: handler returned a Go error (API Gateway would answer 502): %v", tt.routeKey, err)
		}
		if res.StatusCode != tt.status || res.Body != tt.body || res.Headers["content-type"] != "application/json" {
			t.Errorf("%s: got %d %s %v, want %d %s", tt.routeKey, res.StatusCode, res.Body, res.Headers, tt.status, tt.body)
		}
	}
	if !strings.Contains(logs.String(), "secret connection detail") {
		t.Errorf("the internal error's detail was not logged: %s", logs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

func TestUndeclaredRoutePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("serving a route missing from Routes did not panic")
		}
	}()
	newHandler(FunctionAdmin, map[Route]RouteFunc{{Method: "GET", Path: "/v1/secret", Function: FunctionAdmin}: nil}, slog.Default())
}

// TestCheckRoutesNamesMissingAndExtraRoutes: a function's table that lacks
// one of its catalogue routes and serves one the catalogue does not give
// it is refused, with both named.
func TestCheckRoutesNamesMissingAndExtraRoutes(t *testing.T) {
	routes := reportRoutes(nil)
	if err := checkRoutes(FunctionReports, routes); err == nil || !strings.Contains(err.Error(), "has no handler") {
		t.Fatalf("without the trends routes: %v; want them named as unserved", err)
	}
	routes = withRoutes(routes, trendRoutes(nil))
	if err := checkRoutes(FunctionReports, routes); err != nil {
		t.Fatalf("the reports function's own routes: %v", err)
	}
	routes[RouteHealth] = nil
	if err := checkRoutes(FunctionReports, routes); err == nil || !strings.Contains(err.Error(), "GET /v1/health is not declared") {
		t.Fatalf("with the admin function's health route: %v; want it named", err)
	}
}

func TestARouteWithTwoHandlersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("two handlers of one route did not panic")
		}
	}()
	withRoutes(reportRoutes(nil), reportRoutes(nil))
}

// TestEachFunctionServesExactlyItsCatalogueRoutes builds every API
// function's handler (without services: building one calls none) and so
// holds each to exactly its routes of the catalogue, each with one handler.
func TestEachFunctionServesExactlyItsCatalogueRoutes(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	handlers := map[string]func() Handler{
		FunctionAdmin:       func() Handler { return NewAdminHandler(nil, nil, nil, nil, nil, logger) },
		FunctionInvitations: func() Handler { return NewInvitationsHandler(nil, nil, logger) },
		FunctionJoin:        func() Handler { return NewJoinHandler(nil, logger) },
		FunctionWhitelist:   func() Handler { return NewWhitelistHandler(nil, logger) },
		FunctionEnrollment:  func() Handler { return NewEnrollmentHandler(nil, logger) },
		FunctionMembers:     func() Handler { return NewMembersHandler(nil, nil, nil, nil, nil, logger) },
		FunctionReminders:   func() Handler { return NewRemindersHandler(nil, logger) },
		FunctionMessaging:   func() Handler { return NewMessagingHandler(nil, nil, logger) },
		FunctionReports:     func() Handler { return NewReportsHandler(nil, nil, logger) },
	}
	for _, name := range Functions() {
		t.Run(name, func(t *testing.T) {
			build, ok := handlers[name]
			if !ok {
				t.Fatalf("function %s serves routes but has no handler here", name)
			}
			defer func() {
				if p := recover(); p != nil {
					t.Fatal(p)
				}
			}()
			build()
		})
	}
}

// bodylessRoutes are the routes with a method that may carry a body but
// that read none: their body is ignored, so no body can change what they
// do. (The unsubscribe POST reads a form, tested in messaging_test.go.)
var bodylessRoutes = map[Route]bool{
	routeResendInvitation:  true,
	routeAcceptInvitation:  true,
	routeJoinProgram:       true,
	RouteUnsubscribe:       true,
	routeRequestDataExport: true,
	routeRequestErasure:    true,
}

// TestEveryObjectBodyRefusesNonObjects sends every route of the catalogue
// that takes a JSON body a body of null, an array, a string, a number and a
// boolean, and wants a 400 naming "body" before any service is reached:
// the routes are built without services, so a body that got through would
// panic on the nil service.
func TestEveryObjectBodyRefusesNonObjects(t *testing.T) {
	all := map[string]map[Route]RouteFunc{
		FunctionAdmin:       adminRoutes(nil, nil, nil, slog.Default()),
		FunctionInvitations: invitationRoutes(nil, nil),
		FunctionJoin:        joinRoutes(nil),
		FunctionWhitelist:   whitelistRoutes(nil),
		FunctionEnrollment:  enrollmentRoutes(nil),
		FunctionMembers:     withPrivacy(memberRoutes(nil, nil, nil, nil), nil),
		FunctionReminders:   remindersRoutes(nil),
		FunctionMessaging:   messagingRoutes(nil, nil, slog.Default()),
		FunctionReports:     reportRoutes(nil),
	}
	maps.Copy(all[FunctionAdmin], profileRoutes(nil))
	maps.Copy(all[FunctionAdmin], auditRoutes(nil))
	maps.Copy(all[FunctionReports], trendRoutes(nil))
	bodies := []string{`null`, ` null `, "\n\tnull", `[]`, `[{}]`, `"x"`, `1`, `-1`, `true`, `false`}
	tested := 0
	for _, route := range Routes {
		if route.Method == "GET" || route.Method == "DELETE" || bodylessRoutes[route] {
			continue
		}
		fn := all[route.Function][route]
		if fn == nil {
			t.Errorf("%s: not served", route.Key())
			continue
		}
		tested++
		for _, body := range bodies {
			for _, encoded := range []bool{false, true} {
				ev := events.APIGatewayV2HTTPRequest{RouteKey: route.Key(), Body: body}
				if encoded {
					ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(body)), true
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("%s with body %q (base64 %v): reached the service (%v)", route.Key(), body, encoded, p)
						}
					}()
					_, _, err := fn(context.Background(), &Request{Event: ev})
					if code := bo.ErrorCode(err); code != bo.EINVALID {
						t.Errorf("%s with body %q: code %q, want invalid (%v)", route.Key(), body, code, err)
						return
					}
					if d := bo.ErrorDetails(err); len(d) != 1 || d[0].Field != "body" || !strings.HasPrefix(d[0].Message, "must be a JSON object") {
						t.Errorf("%s with body %q: details %v, want body must be a JSON object", route.Key(), body, d)
					}
				}()
			}
		}
	}
	if tested < 25 {
		t.Fatalf("only %d routes with a body were tested", tested)
	}
}

// TestDecodeOptional: an empty body is no body; null is not.
func TestDecodeOptional(t *testing.T) {
	for body, code := range map[string]string{"": "", "  \n": "", `{"name":"x"}`: "", `null`: bo.EINVALID, `[]`: bo.EINVALID, `{"colour":1}`: bo.EINVALID} {
		var v decodeTarget
		if got := bo.ErrorCode((&Request{Event: events.APIGatewayV2HTTPRequest{Body: body}}).DecodeOptional(&v)); got != code {
			t.Errorf("DecodeOptional(%q): code %q, want %q", body, got, code)
		}
	}
}

// TestRedirect: a Redirect answers with its status, the Location, the
// cache lifetime it asks for (none without one) and no body; an error
// instead is the JSON error, not stored.
func TestRedirect(t *testing.T) {
	tests := []struct {
		name    string
		answer  Redirect
		err     error
		status  int
		headers map[string]string
		body    string
	}{
		{"cached", Redirect{Location: "https://s3.example/logo?sig", MaxAge: LogoCacheAge}, nil, 302,
			map[string]string{"location": "https://s3.example/logo?sig", "cache-control": "public, max-age=300"}, ""},
		{"not cached", Redirect{Location: "https://s3.example/x"}, nil, 302,
			map[string]string{"location": "https://s3.example/x", "cache-control": "no-store"}, ""},
		{"not found", Redirect{MaxAge: LogoCacheAge}, bo.Errorf(bo.ENOTFOUND, "this organisation has no logo"), 404,
			map[string]string{"cache-control": "no-store", "content-type": "application/json"},
			`{"error":{"code":"not_found","message":"this organisation has no logo"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &router{routes: map[string]RouteFunc{
				RouteGetLogo.Key(): func(context.Context, *Request) (int, any, error) { return http.StatusFound, tt.answer, tt.err },
			}, logger: slog.New(slog.DiscardHandler)}
			res, err := rt.handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: RouteGetLogo.Key()})
			if err != nil || res.StatusCode != tt.status || res.Body != tt.body {
				t.Fatalf("%d %q, %v; want %d %q", res.StatusCode, res.Body, err, tt.status, tt.body)
			}
			for k, v := range tt.headers {
				if res.Headers[k] != v {
					t.Errorf("%s: %q, want %q (%v)", k, res.Headers[k], v, res.Headers)
				}
			}
			if _, ok := res.Headers["location"]; ok && tt.err != nil {
				t.Errorf("an error names a location: %v", res.Headers)
			}
		})
	}
}
