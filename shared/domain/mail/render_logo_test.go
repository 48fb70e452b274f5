package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

const logoURL = "https://api.example.com/v1/orgs/org_1/logo"

// TestEveryTemplateShowsTheOrgLogo: every template, given a logo with its
// URL, heads its HTML body with the image (its alternative text, the org's
// name, escaped, and its size bounded) and leaves it out of the text body;
// without a logo, with a logo not given a URL, or with the layout's keys
// slipped into the data, there is no image at all.
func TestEveryTemplateShowsTheOrgLogo(t *testing.T) {
	const alt = `Acme & "Sons" <b>`
	wantImg := `<img src="` + logoURL + `" alt="Acme &amp; &#34;Sons&#34; &lt;b&gt;" height="48" style="display:block;height:auto;width:auto;max-height:48px;max-width:200px;`
	for _, name := range mail.TemplateNames() {
		t.Run(name, func(t *testing.T) {
			data := dataFor(t, name, "x")
			tests := []struct {
				name string
				logo *mail.Logo
				data map[string]string
				img  bool
			}{
				{"logo", &mail.Logo{Alt: alt, URL: logoURL}, data, true},
				{"no logo", nil, data, false},
				{"a logo without its URL", &mail.Logo{Alt: alt}, data, false},
				{"the layout's keys in the data", nil, with(with(data, "LogoURL", ptr("https://evil.example/x.png")), "LogoAlt", ptr("x")), false},
			}
			for _, tt := range tests {
				r, err := mail.Render(mail.Message{Template: name, Data: tt.data, Logo: tt.logo})
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				if got := strings.Contains(r.HTML, wantImg); got != tt.img {
					t.Errorf("%s: the HTML holds the logo: %v, want %v:\n%s", tt.name, got, tt.img, r.HTML)
				}
				if !tt.img && strings.Contains(r.HTML, "<img") {
					t.Errorf("%s: the HTML holds an image:\n%s", tt.name, r.HTML)
				}
				if tt.img && strings.Index(r.HTML, "<img") > strings.Index(r.HTML, "<h1") && strings.Contains(r.HTML, "<h1") {
					t.Errorf("%s: the logo is not above the heading:\n%s", tt.name, r.HTML)
				}
				if strings.Contains(r.Text, logoURL) || strings.Contains(r.Text, "evil.example") {
					t.Errorf("%s: the text body shows the logo's URL:\n%s", tt.name, r.Text)
				}
			}
		})
	}
}

// TestDispatcherShowsTheLogoFromItsBase: the mailer builds the logo's URL
// from its own base and the message's org; a URL carried on the queue is
// ignored, and there is no logo without a base, without an org, or for a
// message without a logo.
func TestDispatcherShowsTheLogoFromItsBase(t *testing.T) {
	queued, err := mail.ParseMessage(`{"id":"e1","to":"ada@example.com","template":"invitation","orgId":"org_1",` +
		`"data":{"LearnerName":"Ada","OrgName":"Acme","ProgramName":"P","ProgramTagline":"","AcceptURL":"https://learn.example.com/i/t","ExpiresOn":"1 May"},` +
		`"logo":{"alt":"Acme","url":"https://evil.example/x.png"}}`)
	if err != nil {
		t.Fatal(err)
	}
	noOrg := queued
	noOrg.OrgID = ""
	noLogo := queued
	noLogo.Logo = nil
	tests := []struct {
		name string
		base string
		m    mail.Message
		want string // the img tag's start, "" for none
	}{
		{"logo and base", "https://api.example.com/", queued, `<img src="` + logoURL + `" alt="Acme"`},
		{"no base", "", queued, ""},
		{"no org", "https://api.example.com", noOrg, ""},
		{"no logo", "https://api.example.com", noLogo, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var html string
			claims, _, _ := memClaims()
			sender := &fakeSender{send: func(_ context.Context, _, _ string, r mail.Rendered) error { html = r.HTML; return nil }}
			d := mail.NewDispatcher(claims, sender, noLimit, from, slog.New(slog.DiscardHandler))
			if tt.base != "" {
				d = d.WithLogos(tt.base)
			}
			if err := d.Deliver(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(html, "evil.example") {
				t.Fatalf("the queued URL was shown:\n%s", html)
			}
			if tt.want == "" && strings.Contains(html, "<img") || tt.want != "" && !strings.Contains(html, tt.want) {
				t.Fatalf("HTML, want logo %q:\n%s", tt.want, html)
			}
		})
	}
	if queued.Logo.URL != "" {
		t.Errorf("Deliver changed the caller's logo: %+v", queued.Logo)
	}
}

func TestOrgLogoAndLogoURL(t *testing.T) {
	if l := mail.OrgLogo(bo.Org{ID: "org_1", Name: "Acme"}); l != nil {
		t.Errorf("an org without a logo: %+v", l)
	}
	org := bo.Org{ID: "org_1", Name: "Acme", Brand: bo.Brand{LogoKey: "logos/org_1/logo_1", LogoContentType: "image/png"}}
	if l := mail.OrgLogo(org); l == nil || *l != (mail.Logo{Alt: "Acme"}) {
		t.Errorf("an org with a logo: %+v", l)
	}
	for _, tt := range []struct{ base, org, want string }{
		{"https://api.example.com", "org_1", logoURL},
		{"https://api.example.com/", "org_1", logoURL},
		{"http://127.0.0.1:8080", "org/../x?y", "http://127.0.0.1:8080/v1/orgs/org%2F..%2Fx%3Fy/logo"},
	} {
		if got := mail.LogoURL(tt.base, tt.org); got != tt.want {
			t.Errorf("LogoURL(%q, %q) = %q, want %q", tt.base, tt.org, got, tt.want)
		}
	}
}
