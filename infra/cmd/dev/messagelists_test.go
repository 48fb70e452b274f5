package main

import (
	"slices"
	"testing"
)

// TestMessageListsBlackBox runs the lists and undo of messages and reports
// on the local system: an org's and a program's messages with their
// status, discarding a draft, the terms acceptance recorded on send, and
// the past reports list, as org admin and program admin; an admin of
// another org is refused on each route.
func TestMessageListsBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	mk := func(name string) (string, string) {
		p := dean.do("POST", orgPath+"/programs", map[string]any{"name": name + " " + s.sender[:8]}).must(t, 201)
		return p.str("id"), orgPath + "/programs/" + p.str("id")
	}
	p1, p1Path := mk("Lists One")
	p2, p2Path := mk("Lists Two")
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pa@acme.edu", "role": "program_admin", "programIds": []string{p1}}).must(t, 201)
	pa := s.as("pa@acme.edu")
	draft := func(c caller, programs ...string) string {
		return c.do("POST", orgPath+"/messages", map[string]any{"preset": "remind_to_join",
			"audience": map[string]any{"programIds": programs}}).must(t, 201).str("id")
	}
	m1 := draft(dean, p1)
	m2 := draft(dean, p2)
	m3 := draft(pa, p1)
	sent := dean.do("POST", orgPath+"/messages/"+m1+"/send", map[string]any{"acceptTerms": true}).must(t, 202)
	if sent.str("termsAcceptedBy") != "dean@acme.edu" || sent.str("termsAcceptedAt") == "" {
		t.Errorf("send: %s", sent.raw)
	}
	got := dean.do("GET", orgPath+"/messages/"+m1, nil).must(t, 200)
	if got.str("termsAcceptedBy") != "dean@acme.edu" || got.str("termsAcceptedAt") != got.str("sendingAt") {
		t.Errorf("stored acceptance: %s", got.raw)
	}
	ids := func(r reply) []string {
		var out []string
		for _, it := range r.get("items").([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	for _, c := range []struct {
		who  caller
		path string
		want []string
	}{
		{dean, orgPath + "/messages", []string{m3, m2, m1}},
		{dean, orgPath + "/messages?status=draft", []string{m3, m2}},
		{dean, p2Path + "/messages", []string{m2}},
		{pa, orgPath + "/messages", []string{m3, m1}},
		{pa, p1Path + "/messages?status=draft", []string{m3}},
	} {
		if got := ids(c.who.do("GET", c.path, nil).must(t, 200)); !slices.Equal(got, c.want) {
			t.Errorf("GET %s: %v, want %v", c.path, got, c.want)
		}
	}
	pa.do("GET", p2Path+"/messages", nil).must(t, 403)
	dean.do("GET", orgPath+"/messages?status=lost", nil).must(t, 400)

	// Discard: not a sent message, not another program's draft; a draft
	// once.
	dean.do("DELETE", orgPath+"/messages/"+m1, nil).must(t, 409)
	pa.do("DELETE", orgPath+"/messages/"+m2, nil).must(t, 404)
	pa.do("DELETE", orgPath+"/messages/"+m3, nil).must(t, 204)
	pa.do("DELETE", orgPath+"/messages/"+m3, nil).must(t, 404)
	if got := ids(dean.do("GET", orgPath+"/messages?status=draft", nil).must(t, 200)); !slices.Equal(got, []string{m2}) {
		t.Errorf("drafts after the discard: %v", got)
	}

	// Past reports, newest first, each program admin's own.
	r1 := dean.do("POST", orgPath+"/reports", map[string]any{"scope": "all_time"}).must(t, 202).str("id")
	r2 := pa.do("POST", orgPath+"/reports", map[string]any{"scope": "all_time"}).must(t, 202).str("id")
	if got := ids(dean.do("GET", orgPath+"/reports", nil).must(t, 200)); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("dean's reports: %v", got)
	}
	if got := ids(pa.do("GET", orgPath+"/reports", nil).must(t, 200)); !slices.Equal(got, []string{r2}) {
		t.Errorf("program admin's reports: %v", got)
	}

	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Evil", "admins": []any{map[string]any{"email": "eve@evil.org"}}}).must(t, 201)
	eve := s.as("eve@evil.org")
	for _, c := range []struct{ method, path string }{
		{"GET", orgPath + "/messages"}, {"GET", p1Path + "/messages"}, {"DELETE", orgPath + "/messages/" + m2}, {"GET", orgPath + "/reports"},
	} {
		if r := eve.do(c.method, c.path, nil); r.status != 403 && r.status != 404 {
			t.Errorf("%s %s as another org's admin: %d %s", c.method, c.path, r.status, r.raw)
		}
	}
}
