package local

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestSignInPageMintsATokenAndReturnsToALocalPath(t *testing.T) {
	secret := []byte("s3cret")
	tests := []struct {
		name, email, operator, ret string
		wantStatus                 int
		wantLocation               string // prefix, before the fragment
		wantGroups                 bool
	}{
		{name: "admin", email: "ada@example.com", ret: "/orgs/o1/members", wantStatus: http.StatusSeeOther, wantLocation: "/orgs/o1/members#id_token="},
		{name: "operator", email: "op@example.com", operator: "1", ret: "/", wantStatus: http.StatusSeeOther, wantLocation: "/#id_token=", wantGroups: true},
		{name: "absolute return is not followed", email: "ada@example.com", ret: "https://evil.example/", wantStatus: http.StatusSeeOther, wantLocation: "/#id_token="},
		{name: "scheme-relative return is not followed", email: "ada@example.com", ret: "//evil.example/x", wantStatus: http.StatusSeeOther, wantLocation: "/#id_token="},
		{name: "bad email", email: "not-an-email", ret: "/", wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"email": {tt.email}, "return": {tt.ret}}
			if tt.operator != "" {
				form.Set("operator", tt.operator)
			}
			req := httptest.NewRequest(http.MethodPost, SignInPath, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			SignInPage(secret).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != http.StatusSeeOther {
				if !strings.Contains(rec.Body.String(), `value="not-an-email"`) || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
					t.Fatalf("the form should come back with the email as typed and marked invalid: %s", rec.Body)
				}
				return
			}
			loc := rec.Header().Get("Location")
			if !strings.HasPrefix(loc, tt.wantLocation) {
				t.Fatalf("Location %q, want prefix %q", loc, tt.wantLocation)
			}
			raw, _ := url.QueryUnescape(loc[strings.Index(loc, "#id_token=")+len("#id_token="):])
			claims := jwt.MapClaims{}
			if _, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithIssuer(TokenIssuer)); err != nil {
				t.Fatalf("token does not verify: %v", err)
			}
			if claims["email"] != tt.email || claims["email_verified"] != true {
				t.Fatalf("claims %v", claims)
			}
			if _, ok := claims["cognito:groups"]; ok != tt.wantGroups {
				t.Fatalf("groups present %v, want %v: %v", ok, tt.wantGroups, claims)
			}
		})
	}
}

func TestConsoleServesFilesAndFallsBackToIndexOutsideTheAPI(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html>console</html>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "assets", "app-123.js"), []byte("js"), 0o644))
	console := ConsoleFiles(dir)
	if console == nil {
		t.Fatal("ConsoleFiles returned nil for a built console")
	}
	if ConsoleFiles(t.TempDir()) != nil {
		t.Fatal("ConsoleFiles should return nil without index.html")
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("api")) })
	h := withConsole(api, console)
	tests := []struct {
		method, path, want, cache string
	}{
		{"GET", "/", "<html>console</html>", "no-cache"},
		{"GET", "/orgs/o1/programs", "<html>console</html>", "no-cache"},
		{"GET", "/assets/app-123.js", "js", "public, max-age=31536000, immutable"},
		{"GET", "/../../etc/passwd", "invalid URL path\n", ""}, // refused, never read outside dir
		{"GET", "/v1/health", "api", ""},
		{"POST", "/orgs", "api", ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Body.String() != tt.want || rec.Header().Get("Cache-Control") != tt.cache {
			t.Errorf("%s %s: body %q cache %q, want %q %q", tt.method, tt.path, rec.Body, rec.Header().Get("Cache-Control"), tt.want, tt.cache)
		}
	}
}
