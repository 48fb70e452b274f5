package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// pngLogo is the start of a PNG file: enough for its type to be known.
var pngLogo = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), make([]byte, 64)...)

// upload PUTs body to a presigned URL with the content type it was signed for.
func upload(t *testing.T, url, contentType string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("upload: %d %s", res.StatusCode, b)
	}
}

// noRedirects is a client that stops at a redirect, to look at it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// publicLogo GETs the org's public logo route without a token: it must
// redirect, cacheable for 5 minutes; it returns the bytes the redirect
// leads to.
func (s *system) publicLogo(t *testing.T, orgPath string) []byte {
	t.Helper()
	res, err := noRedirects.Get(s.base + orgPath + "/logo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	where := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || where == "" || res.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("logo route: %d, Location %q, Cache-Control %q", res.StatusCode, where, res.Header.Get("Cache-Control"))
	}
	img, err := http.Get(where)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Body.Close()
	got, _ := io.ReadAll(img.Body)
	if img.StatusCode != http.StatusOK {
		t.Fatalf("the logo's link: %d %s", img.StatusCode, got)
	}
	return got
}

// publicLogoMissing GETs the public logo route of an org that must have
// none, without a token, and returns the 404's body.
func (s *system) publicLogoMissing(t *testing.T, orgPath string) string {
	t.Helper()
	res, err := noRedirects.Get(s.base + orgPath + "/logo")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Location") != "" || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("logo route of %s: %d, Location %q, Content-Type %q: %s", orgPath, res.StatusCode, res.Header.Get("Location"), res.Header.Get("Content-Type"), body)
	}
	return string(body)
}

// invitationEmail waits for the invitation email to the address.
func (s *system) invitationEmail(t *testing.T, email string) sestest.Sent {
	t.Helper()
	for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], email) && strings.Contains(m.Subject, "invit") {
				return m
			}
		}
	}
	t.Fatalf("no invitation email to %s arrived", email)
	return sestest.Sent{}
}

// TestOrgAdminBlackBox is the "done when" of issue 14's items 1 to 3 over
// HTTP: organisation settings with a logo (served publicly for emails, and
// shown in them) and invitation messages,
// contract edits, renewals and per-enrollment licences, and what org and
// program admins may do to admins and programs; an admin of another org
// gets 403 on every new route and nothing is written on a 4xx.
func TestOrgAdminBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	seats := s.contract(t, dean, orgPath, "Seats", 2)
	progA := dean.do("POST", orgPath+"/programs", map[string]any{"name": "A " + s.sender[:8]}).must(t, 201)
	progB := dean.do("POST", orgPath+"/programs", map[string]any{"name": "B " + s.sender[:8]}).must(t, 201)
	pathA, pathB := orgPath+"/programs/"+progA.str("id"), orgPath+"/programs/"+progB.str("id")

	// 1. Settings: a bad colour writes nothing; good ones are kept.
	dean.do("PATCH", orgPath, map[string]any{"name": "Acme Corp", "brandColor": "red;x"}).must(t, 400)
	if org := dean.do("GET", orgPath, nil).must(t, 200); org.str("name") != "Acme" {
		t.Fatalf("a refused change was written: %s", org.raw)
	}
	org := dean.do("PATCH", orgPath, map[string]any{"name": "Acme Corp", "brandColor": "#0A66C2",
		"invitationMessage": "Welcome <b>all</b>"}).must(t, 200)
	if org.str("name") != "Acme Corp" || org.str("brand", "color") != "#0a66c2" || org.str("brand", "invitationMessage") != "Welcome <b>all</b>" {
		t.Fatalf("settings %s", org.raw)
	}
	// The logo: an upload URL, the file, then the settings name it. A file
	// that is not an image is refused and the logo stays.
	up := dean.do("POST", orgPath+"/logo-uploads", map[string]any{"contentType": "image/png", "size": len(pngLogo)}).must(t, 201)
	upload(t, up.str("uploadUrl"), "image/png", pngLogo)
	org = dean.do("PATCH", orgPath, map[string]any{"logoUploadId": up.str("id")}).must(t, 200)
	if org.str("brand", "logoContentType") != "image/png" || org.str("brand", "logoUrl") == "" {
		t.Fatalf("logo %s", org.raw)
	}
	if got := fetch(t, org.str("brand", "logoUrl")); !bytes.Equal(got, pngLogo) {
		t.Fatalf("the logo link gives %d bytes, want the PNG", len(got))
	}
	fake := []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
	bad := dean.do("POST", orgPath+"/logo-uploads", map[string]any{"contentType": "image/png", "size": len(fake)}).must(t, 201)
	upload(t, bad.str("uploadUrl"), "image/png", fake)
	dean.do("PATCH", orgPath, map[string]any{"logoUploadId": bad.str("id")}).must(t, 400)
	dean.do("POST", orgPath+"/logo-uploads", map[string]any{"contentType": "image/svg+xml", "size": 10}).must(t, 400)
	if o := dean.do("GET", orgPath, nil).must(t, 200); o.str("brand", "logoContentType") != "image/png" {
		t.Fatalf("a refused logo changed the settings: %s", o.raw)
	}
	// The public logo route, which emails load the logo from: no token, a
	// redirect (kept for minutes) to the bytes uploaded.
	if got := s.publicLogo(t, orgPath); !bytes.Equal(got, pngLogo) {
		t.Fatalf("the public logo route leads to %d bytes, want the PNG", len(got))
	}

	// Invitations carry the org's message or their own, escaped, in the
	// brand colour.
	dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Ada", "email": "ada@acme.edu", "contractId": seats}).must(t, 201)
	dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Bob", "email": "bob@acme.edu", "contractId": seats,
		"message": "Hi Bob,\n<script>alert(1)</script>"}).must(t, 201)
	dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Cy", "email": "cy@acme.edu", "contractId": seats,
		"message": strings.Repeat("x", 2001)}).must(t, 400)
	imp := dean.do("POST", pathA+"/invitation-imports", map[string]any{"contractId": seats, "csv": "Full Name,Email,External ID\nCy,cy@acme.edu,\n",
		"message": "From the import & co"}).must(t, 202)
	if j := waitImport(t, dean, pathA+"/invitation-imports/"+imp.str("id")); j.num("progress", "outcomes", "invited") != 1 || j.str("message") != "From the import & co" {
		t.Fatalf("import %s", j.raw)
	}
	if cy := s.invitationEmail(t, "cy@acme.edu"); !strings.Contains(cy.Body, "From the import &amp; co") || strings.Contains(cy.Body, "Welcome &lt;b&gt;") {
		t.Errorf("the import's invitation lacks its own message: %s", cy.Body)
	}
	ada, bob := s.invitationEmail(t, "ada@acme.edu"), s.invitationEmail(t, "bob@acme.edu")
	if !strings.Contains(ada.Body, "Welcome &lt;b&gt;all&lt;/b&gt;") || !strings.Contains(ada.Body, "#0a66c2") {
		t.Errorf("ada's invitation lacks the org's message or colour: %s", ada.Body)
	}
	// ... and its logo, from the public route, named after the org.
	if img := `<img src="` + s.base + orgPath + `/logo" alt="Acme Corp"`; !strings.Contains(ada.Body, img) {
		t.Errorf("ada's invitation lacks the logo %s: %s", img, ada.Body)
	}
	if !strings.Contains(bob.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(bob.Body, "<script>") ||
		strings.Contains(bob.Body, "Welcome &lt;b&gt;") {
		t.Errorf("bob's invitation does not carry his message escaped, alone: %s", bob.Body)
	}

	// 2. Contracts: two members on two licences; fewer than in use is refused.
	dean.do("POST", pathA+"/domains", map[string]any{"domain": "acme.edu", "contractId": seats}).must(t, 201)
	s.as("jo@acme.edu").do("POST", "/v1/programs/"+progA.str("slug")+"/join", nil).must(t, 200)
	s.as("ann@acme.edu").do("POST", "/v1/programs/"+progA.str("slug")+"/join", nil).must(t, 200)
	r := dean.do("PATCH", orgPath+"/contracts/"+seats, map[string]any{"licences": 1}).must(t, 409)
	if r.str("error", "code") != "limit_reached" {
		t.Fatalf("lowering below those in use: %s", r.raw)
	}
	c := dean.do("PATCH", orgPath+"/contracts/"+seats, map[string]any{"name": "Seats 2026", "licences": 3,
		"endsAt": now.AddDate(2, 0, 0)}).must(t, 200)
	if c.num("licences") != 3 || c.num("used") != 2 || c.num("remaining") != 1 || c.str("name") != "Seats 2026" || c.str("licenceKind") != "membership" {
		t.Fatalf("edited contract %s", c.raw)
	}
	renewed := dean.do("POST", orgPath+"/contracts/"+seats+"/renewal", map[string]any{"name": "Seats 2027"}).must(t, 201)
	if renewed.str("renewsId") != seats || renewed.num("licences") != 3 || renewed.str("status") != "upcoming" {
		t.Fatalf("renewal %s", renewed.raw)
	}
	dean.do("POST", orgPath+"/contracts/"+seats+"/renewal", map[string]any{}).must(t, 409)

	// A per-enrollment contract of one licence: both join, one enrollment fits.
	perEnrollment := dean.do("POST", orgPath+"/contracts", map[string]any{"name": "Enrollments", "licences": 1, "licenceKind": "enrollment",
		"startsAt": now.Add(-time.Hour), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201).str("id")
	dean.do("POST", pathB+"/domains", map[string]any{"domain": "acme.edu", "contractId": perEnrollment}).must(t, 201)
	items := []any{map[string]any{"id": "c0", "type": "course", "name": "Course 0"}}
	dean.do("POST", pathB+"/collections", map[string]any{"name": "All", "items": items}).must(t, 201)
	slugB := progB.str("slug")
	s.as("jo@acme.edu").do("POST", "/v1/programs/"+slugB+"/join", nil).must(t, 200)
	s.as("ann@acme.edu").do("POST", "/v1/programs/"+slugB+"/join", nil).must(t, 200)
	s.as("jo@acme.edu").do("POST", "/v1/programs/"+slugB+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
	if r := s.as("ann@acme.edu").do("POST", "/v1/programs/"+slugB+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 409); r.str("error", "code") != "limit_reached" {
		t.Fatalf("second enrollment on one licence: %s", r.raw)
	}
	pe := dean.do("GET", orgPath+"/contracts/"+perEnrollment, nil).must(t, 200)
	if pe.num("used") != 1 || pe.num("members") != 2 || pe.num("remaining") != 0 {
		t.Fatalf("per-enrollment contract %s", pe.raw)
	}

	// 3. Admins: a program admin of A moves to B without being removed.
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pa@acme.edu", "role": "program_admin", "programIds": []string{progA.str("id")}}).must(t, 201)
	pa := s.as("pa@acme.edu")
	pa.do("GET", pathB, nil).must(t, 404)
	moved := dean.do("PATCH", orgPath+"/admins/pa@acme.edu", map[string]any{"programIds": []string{progB.str("id")}}).must(t, 200)
	if ids, _ := moved.get("programIds").([]any); len(ids) != 1 || ids[0] != progB.str("id") {
		t.Fatalf("moved admin %s", moved.raw)
	}
	dean.do("PATCH", orgPath+"/admins/dean@acme.edu", map[string]any{"programIds": []string{progB.str("id")}}).must(t, 409)
	dean.do("PATCH", orgPath+"/admins/pa@acme.edu", map[string]any{"programIds": []string{"prg_nope"}}).must(t, 400)
	pa.do("GET", pathA, nil).must(t, 404)
	pa.do("GET", pathB, nil).must(t, 200)
	// The program admin's org-admin-only routes are refused, nothing written.
	pa.do("PATCH", orgPath, map[string]any{"name": "Mine"}).must(t, 403)
	pa.do("POST", orgPath+"/logo-uploads", map[string]any{"contentType": "image/png", "size": 10}).must(t, 403)
	pa.do("PATCH", orgPath+"/contracts/"+seats, map[string]any{"licences": 9}).must(t, 403)
	pa.do("POST", orgPath+"/contracts/"+renewed.str("id")+"/renewal", map[string]any{}).must(t, 403)
	pa.do("PATCH", orgPath+"/admins/pa@acme.edu", map[string]any{"programIds": []string{progA.str("id")}}).must(t, 403)
	// A program admin removes their program's learners, and deletes it,
	// but not another program.
	pa.do("POST", pathB+"/members/ann@acme.edu/removal", map[string]any{"allowReturn": false}).must(t, 200)
	pa.do("POST", pathA+"/members/jo@acme.edu/removal", map[string]any{"allowReturn": false}).must(t, 404)
	pa.do("DELETE", pathA, nil).must(t, 404)

	// An admin of another org gets 403 on each new route; nothing changes.
	other := s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Other", "admins": []any{map[string]any{"email": "eve@other.org"}}}).must(t, 201)
	// An org without a logo and no org at all get the same 404 from the
	// public logo route.
	noLogo, noOrg := s.publicLogoMissing(t, "/v1/orgs/"+other.str("id")), s.publicLogoMissing(t, "/v1/orgs/org_nosuchorg")
	if noLogo != noOrg || !strings.Contains(noLogo, `"code":"not_found"`) {
		t.Errorf("no logo: %s; no org: %s; want the same not_found", noLogo, noOrg)
	}
	eve := s.as("eve@other.org")
	eve.do("PATCH", orgPath, map[string]any{"name": "Eve's"}).must(t, 403)
	eve.do("POST", orgPath+"/logo-uploads", map[string]any{"contentType": "image/png", "size": 10}).must(t, 403)
	eve.do("PATCH", orgPath+"/contracts/"+seats, map[string]any{"licences": 9}).must(t, 403)
	eve.do("POST", orgPath+"/contracts/"+renewed.str("id")+"/renewal", map[string]any{}).must(t, 403)
	eve.do("PATCH", orgPath+"/admins/pa@acme.edu", map[string]any{"programIds": []string{progA.str("id")}}).must(t, 403)
	eve.do("DELETE", pathB, nil).must(t, 403)
	if o := dean.do("GET", orgPath, nil).must(t, 200); o.str("name") != "Acme Corp" {
		t.Fatalf("a refused change was written: %s", o.raw)
	}
	if c := dean.do("GET", orgPath+"/contracts/"+seats, nil).must(t, 200); c.num("licences") != 3 || c.str("renewedById") != renewed.str("id") {
		t.Fatalf("a refused change was written: %s", c.raw)
	}
	if c := dean.do("GET", orgPath+"/contracts/"+renewed.str("id"), nil).must(t, 200); c.str("renewedById") != "" {
		t.Fatalf("a refused renewal was written: %s", c.raw)
	}

	// Last, the program admin deletes their program (it has a member: in
	// the background).
	if r := pa.do("DELETE", pathB, nil); r.status != http.StatusAccepted && r.status != http.StatusNoContent {
		t.Fatalf("program admin deletes their program: %d %s", r.status, r.raw)
	}
}
