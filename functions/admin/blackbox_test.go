package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
)

// client calls the local gateway as one signed-in person.
type client struct {
	t     *testing.T
	base  string
	token string
}

type reply struct {
	Status int
	Body   map[string]any
	Raw    string
}

func (c client) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{Status: res.StatusCode, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// must fails the test unless the reply has the status.
func (r reply) must(t *testing.T, status int) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

func (r reply) str(key string) string { s, _ := r.Body[key].(string); return s }

func (r reply) items() []map[string]any {
	var out []map[string]any
	list, _ := r.Body["items"].([]any)
	for _, it := range list {
		out = append(out, it.(map[string]any))
	}
	return out
}

func (r reply) errorField() string {
	e, _ := r.Body["error"].(map[string]any)
	d, _ := e["details"].([]any)
	if len(d) == 0 {
		return ""
	}
	return d[0].(map[string]any)["field"].(string)
}

// TestBlackBox drives the admin API through the local gateway, with real
// tokens, against the emulator: the "done when" of the foundation issue.
func TestBlackBox(t *testing.T) {
	secret := []byte("test-secret")
	h := newTestHandler(t)
	gw := local.NewGateway(httpapi.Routes, map[string]local.Handler{httpapi.FunctionAdmin: local.Handler(h)}, secret,
		slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(gw)
	defer srv.Close()
	as := func(email string, groups ...string) client {
		tok, err := local.MintToken(secret, local.TokenClaims{Subject: "sub-" + email, Email: email, EmailVerified: true, Groups: groups}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return client{t: t, base: srv.URL, token: tok}
	}
	operator := as("op@platform.example.com", "platform-operators")
	dean := as("dean@acme.edu")
	anon := client{t: t, base: srv.URL}

	anon.do("GET", "/v1/health", nil).must(t, 200)
	anon.do("POST", "/v1/orgs", map[string]any{"name": "X"}).must(t, 401)
	dean.do("POST", "/v1/orgs", map[string]any{"name": "Acme", "admins": []any{map[string]any{"email": "dean@acme.edu"}}}).must(t, 403)

	org := operator.do("POST", "/v1/orgs", map[string]any{"name": "Acme University",
		"admins": []any{map[string]any{"email": "Dean@ACME.edu", "name": "Dana Dean"}}}).must(t, 201)
	orgID := org.str("id")
	other := operator.do("POST", "/v1/orgs", map[string]any{"name": "Globex",
		"admins": []any{map[string]any{"email": "hank@globex.com"}}}).must(t, 201)
	hank := as("hank@globex.com")
	orgPath := "/v1/orgs/" + orgID

	// Malformed requests are 4xx naming the field, and write nothing.
	bad := []struct {
		body  any
		field string
	}{
		{`{"name":"2027","licences":10,"seats":1}`, "seats"},
		{`{"name":"2027","licences":"ten","startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}`, "licences"},
		{`{"name":"2027","licences":10,"startsAt":"2026-01-01T00:00:00Z"}`, "endsAt"},
		{`{"name":`, "body"},
		{`{"name":"","licences":10,"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}`, "name"},
	}
	for _, b := range bad {
		if f := dean.do("POST", orgPath+"/contracts", b.body).must(t, 400).errorField(); f != b.field {
			t.Errorf("body %v: error names %q, want %q", b.body, f, b.field)
		}
	}
	if n := len(dean.do("GET", orgPath+"/contracts", nil).must(t, 200).items()); n != 0 {
		t.Fatalf("refused requests wrote %d contracts", n)
	}

	now := time.Now().UTC()
	contract := dean.do("POST", orgPath+"/contracts", map[string]any{"name": "2026 seats", "licences": 100,
		"startsAt": now.Add(-time.Hour), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201)
	if contract.Body["remaining"] != float64(100) || contract.Body["used"] != float64(0) || contract.str("status") != "active" {
		t.Fatalf("contract = %s", contract.Raw)
	}
	dean.do("GET", orgPath+"/contracts/"+contract.str("id"), nil).must(t, 200)

	prog := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Data Skills", "tagline": "Learn data", "enrollmentLimit": 3}).must(t, 201)
	if prog.str("slug") != "data-skills" || prog.str("url") != "https://learn.example.com/programs/data-skills" {
		t.Fatalf("program = %s", prog.Raw)
	}
	progPath := orgPath + "/programs/" + prog.str("id")
	if f := hank.do("POST", "/v1/orgs/"+other.str("id")+"/programs", map[string]any{"name": "Data Skills"}).must(t, 409).errorField(); f != "slug" {
		t.Fatalf("a taken slug names %q", f)
	}
	dean.do("PATCH", progPath, map[string]any{"slug": "new-slug"}).must(t, 400)
	dean.do("PATCH", progPath, map[string]any{"name": "Data Skills 2026"}).must(t, 200)
	prog2 := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Leadership"}).must(t, 201)

	// A program admin sees only their program.
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pat@acme.edu", "role": "program_admin", "programIds": []string{prog.str("id")}}).must(t, 201)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "PAT@acme.edu", "role": "org_admin"}).must(t, 409)
	pat := as("pat@acme.edu")
	if ps := pat.do("GET", orgPath+"/programs", nil).must(t, 200).items(); len(ps) != 1 || ps[0]["id"] != prog.str("id") {
		t.Fatalf("program admin lists %v", ps)
	}
	pat.do("GET", orgPath+"/programs/"+prog2.str("id"), nil).must(t, 404)
	pat.do("POST", orgPath+"/programs", map[string]any{"name": "Mine"}).must(t, 403)
	pat.do("GET", orgPath+"/admins", nil).must(t, 403)

	// The catalogue: create, add, move, copy, reorder, delete.
	c1 := pat.do("POST", progPath+"/collections", map[string]any{"name": "Foundations", "items": []any{
		map[string]any{"id": "c-python", "type": "course", "name": "Python", "slug": "python"},
		map[string]any{"id": "c-sql", "type": "course", "name": "SQL", "slug": "sql"},
	}}).must(t, 201)
	c2 := pat.do("POST", progPath+"/collections", map[string]any{"name": "Advanced", "position": 0}).must(t, 201)
	if c2.Body["position"] != float64(0) {
		t.Fatalf("collection inserted at 0 got %s", c2.Raw)
	}
	colPath := progPath + "/collections/"
	pat.do("POST", colPath+c2.str("id")+"/items", map[string]any{"id": "s-ds", "type": "specialization", "name": "Data Science",
		"slug": "data-science", "courseIds": []string{"c-python", "c-stats"}}).must(t, 201)
	pat.do("POST", colPath+c2.str("id")+"/items", map[string]any{"id": "s-ds", "type": "specialization", "name": "Again",
		"courseIds": []string{"x"}}).must(t, 409)
	pat.do("POST", colPath+c1.str("id")+"/items", map[string]any{"id": "bad", "type": "video", "name": "X"}).must(t, 400)
	pat.do("POST", colPath+c1.str("id")+"/items/c-sql/move", map[string]any{"position": 0}).must(t, 200)
	pat.do("POST", colPath+c1.str("id")+"/items/c-python/copy", map[string]any{"collectionId": c2.str("id")}).must(t, 201)
	pat.do("POST", colPath+c1.str("id")+"/items/c-python/move", map[string]any{"collectionId": c2.str("id")}).must(t, 409)
	pat.do("POST", colPath+c1.str("id")+"/items/c-sql/move", map[string]any{"collectionId": c2.str("id"), "position": 0}).must(t, 200)
	pat.do("PATCH", colPath+c1.str("id"), map[string]any{"position": 0, "name": "Start here"}).must(t, 200)
	cols := pat.do("GET", progPath+"/collections", nil).must(t, 200).items()
	if len(cols) != 2 || cols[0]["name"] != "Start here" || cols[1]["id"] != c2.str("id") {
		t.Fatalf("collections = %v", cols)
	}
	var ids []string
	for _, it := range cols[1]["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "c-sql,s-ds,c-python" {
		t.Fatalf("items of %s = %v, want c-sql,s-ds,c-python", c2.str("id"), ids)
	}
	if items := cols[0]["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != "c-python" {
		t.Fatalf("items of %s = %v, want c-python only", c1.str("id"), items)
	}
	pat.do("DELETE", colPath+c2.str("id")+"/items/c-sql", nil).must(t, 200)
	pat.do("DELETE", colPath+c2.str("id")+"/items/c-sql", nil).must(t, 404)

	// An admin of another org sees nothing of this one.
	for _, path := range []string{orgPath, orgPath + "/contracts", orgPath + "/programs", progPath, progPath + "/collections",
		orgPath + "/contracts/" + contract.str("id"), orgPath + "/admins"} {
		if r := hank.do("GET", path, nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("GET %s as another org's admin: %d %s", path, r.Status, r.Raw)
		} else if strings.Contains(r.Raw, "Acme") || strings.Contains(r.Raw, contract.str("id")) {
			t.Errorf("GET %s leaked data: %s", path, r.Raw)
		}
	}
	hank.do("PATCH", progPath, map[string]any{"name": "Pwned"}).must(t, 403)
	hank.do("DELETE", progPath, nil).must(t, 403)

	// Paging with cursors, which cannot cross into another org.
	for i := range 3 {
		dean.do("POST", orgPath+"/contracts", map[string]any{"name": "extra " + string(rune('a'+i)), "unlimited": true,
			"startsAt": now, "endsAt": now.AddDate(1, 0, 0)}).must(t, 201)
	}
	page1 := dean.do("GET", orgPath+"/contracts?limit=3", nil).must(t, 200)
	cursor := page1.str("nextCursor")
	if len(page1.items()) != 3 || cursor == "" {
		t.Fatalf("page 1 = %s", page1.Raw)
	}
	page2 := dean.do("GET", orgPath+"/contracts?limit=3&cursor="+url.QueryEscape(cursor), nil).must(t, 200)
	if len(page2.items()) != 1 || page2.str("nextCursor") != "" {
		t.Fatalf("page 2 = %s", page2.Raw)
	}
	hank.do("GET", "/v1/orgs/"+other.str("id")+"/contracts?cursor="+url.QueryEscape(cursor), nil).must(t, 400)
	dean.do("GET", orgPath+"/contracts?limit=1000", nil).must(t, 400)

	// The last org admin stays; emails in paths are URL-encoded.
	dean.do("DELETE", orgPath+"/admins/"+url.PathEscape("Dean@acme.edu"), nil).must(t, 409)
	dean.do("DELETE", orgPath+"/admins/"+url.PathEscape("pat@acme.edu"), nil).must(t, 204)
	pat.do("GET", progPath, nil).must(t, 403)

	// Deleting a program releases its slug.
	dean.do("DELETE", progPath, nil).must(t, 204)
	dean.do("GET", progPath, nil).must(t, 404)
	hank.do("POST", "/v1/orgs/"+other.str("id")+"/programs", map[string]any{"name": "Data Skills"}).must(t, 201)
	orgNow := dean.do("GET", orgPath, nil).must(t, 200)
	summary := orgNow.Body["summary"].(map[string]any)
	if summary["programs"] != float64(1) || summary["contracts"] != float64(4) {
		t.Fatalf("summary = %v, want 1 program and 4 contracts", summary)
	}
	licences := orgNow.Body["licences"].(map[string]any)
	if licences["total"] != float64(100) || licences["unlimited"] != true || licences["used"] != float64(0) {
		t.Fatalf("licences = %v, want 100 capped and unlimited ones, none used", licences)
	}
}
