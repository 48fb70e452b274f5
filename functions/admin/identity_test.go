package main

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
)

// TestLookAlikeEmailIsNotTheAdmin: a signed, verified token whose email
// claim only looks like an org admin's address (surrounding white space, a
// Unicode character that case folding maps onto the admin's ASCII) is
// refused on the org's admin routes with 403; the address itself, in any
// ASCII case, is the admin.
func TestLookAlikeEmailIsNotTheAdmin(t *testing.T) {
	secret := []byte("test-secret")
	h := newTestHandler(t)
	gw := local.NewGateway(httpapi.Routes, map[string]local.Handler{httpapi.FunctionAdmin: local.Handler(h)}, secret,
		slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(gw)
	defer srv.Close()
	as := func(email string, groups ...string) client {
		tok, err := local.MintToken(secret, local.TokenClaims{Subject: "sub", Email: email, EmailVerified: true, Groups: groups}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return client{t: t, base: srv.URL, token: tok}
	}
	operator := as("op@platform.example.com", "platform-operators")
	org := operator.do("POST", "/v1/orgs", map[string]any{"name": "Kacme",
		"admins": []any{map[string]any{"email": "kate@kacme.edu"}}}).must(t, 201)
	orgPath := "/v1/orgs/" + org.str("id")

	tests := []struct {
		name, email string
		status      int
	}{
		{"the admin", "kate@kacme.edu", 200},
		{"the admin in upper case", "KATE@KACME.EDU", 200},
		{"leading space", " kate@kacme.edu", 403},
		{"trailing space", "kate@kacme.edu ", 403},
		{"leading tab", "\tkate@kacme.edu", 403},
		{"trailing tab", "kate@kacme.edu\t", 403},
		{"KELVIN SIGN in the local part", "\u212Aate@kacme.edu", 403},
		{"KELVIN SIGN in the domain", "kate@\u212Aacme.edu", 403},
		{"LONG S in the local part", "kate\u017F@kacme.edu", 403},
		{"full-width letters", "kate@\uff4bacme.edu", 403},
		{"NUL", "kate@kacme.edu\x00", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := as(tt.email).do("GET", orgPath, nil)
			if r.Status != tt.status {
				t.Fatalf("GET %s as %q: status %d, want %d: %s", orgPath, tt.email, r.Status, tt.status, r.Raw)
			}
			if tt.status == 403 {
				// Nor may it write: adding a contract as the look-alike is refused.
				as(tt.email).do("POST", orgPath+"/contracts", map[string]any{"name": "x", "licences": 1,
					"startsAt": "2026-01-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z"}).must(t, 403)
			}
		})
	}
}
