package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/messaging"
)

// optOuts is a messaging.OptOutStore of function fields.
type optOuts struct {
	getOrg func(ctx context.Context, orgID string) (bo.Org, error)
	optOut func(ctx context.Context, orgID, emailKey string, at time.Time) error
}

func (o optOuts) GetOrg(ctx context.Context, orgID string) (bo.Org, error) {
	return o.getOrg(ctx, orgID)
}
func (o optOuts) OptOut(ctx context.Context, orgID, emailKey string, at time.Time) error {
	return o.optOut(ctx, orgID, emailKey, at)
}

// tokens accepts "<org>.<email>" and nothing else.
type tokens struct{}

func (tokens) Verify(token string) (string, string, error) {
	org, email, ok := strings.Cut(token, ".")
	if !ok || org == "" {
		return "", "", bo.Invalid("invalid unsubscribe link: use the link of the email as it is")
	}
	return org, email, nil
}

func multipartForm(t *testing.T, field, value string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField(field, value); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

func TestUnsubscribePages(t *testing.T) {
	var recorded []string
	store := optOuts{
		getOrg: func(_ context.Context, orgID string) (bo.Org, error) {
			if orgID == "gone" {
				return bo.Org{}, bo.Errorf(bo.ENOTFOUND, "no org")
			}
			return bo.Org{ID: orgID, Name: `Acme <b>"&"</b>`}, nil
		},
		optOut: func(_ context.Context, orgID, emailKey string, _ time.Time) error {
			recorded = append(recorded, orgID+"/"+emailKey)
			return nil
		},
	}
	h := NewMessagingHandler(nil, messaging.NewUnsubscriber(tokens{}, store), slog.New(slog.DiscardHandler))
	form := OneClickField + "=" + OneClickValue
	multi, multiType := multipartForm(t, OneClickField, OneClickValue)
	wrongMulti, wrongMultiType := multipartForm(t, OneClickField, "Yes")
	tests := []struct {
		name        string
		method      string
		token       string
		contentType string
		body        string
		base64      bool
		status      int
		want        []string
		recorded    string // the opt-out made, if any
	}{
		{name: "the page of a link changes nothing", method: "GET", token: "org1.ann@acme.edu", status: 200,
			want: []string{"Unsubscribe from Acme &lt;b&gt;&#34;&amp;&#34;&lt;/b&gt;'s messages?", "<strong>ann@acme.edu</strong>",
				`<form method="post"`, `<input type="hidden" name="List-Unsubscribe" value="One-Click">`}},
		{name: "a forged link", method: "GET", token: "forged", status: 400,
			want: []string{"This unsubscribe link does not work", "use the link of the email as it is"}},
		{name: "one click, url-encoded", method: "POST", token: "org1.ann@acme.edu", contentType: "application/x-www-form-urlencoded",
			body: form, status: 200, want: []string{"You are unsubscribed", "<strong>ann@acme.edu</strong>"}, recorded: "org1/ann@acme.edu"},
		{name: "one click, url-encoded in base64 as API Gateway hands it over", method: "POST", token: "org1.bob@acme.edu",
			contentType: "application/x-www-form-urlencoded; charset=utf-8", body: base64.StdEncoding.EncodeToString([]byte(form)), base64: true,
			status: 200, recorded: "org1/bob@acme.edu"},
		{name: "one click, multipart", method: "POST", token: "org1.cy@acme.edu", contentType: multiType, body: multi,
			status: 200, recorded: "org1/cy@acme.edu"},
		{name: "an org that is gone", method: "POST", token: "gone.dee@acme.edu", contentType: "application/x-www-form-urlencoded",
			body: form, status: 200, want: []string{"this organisation"}, recorded: "gone/dee@acme.edu"},
		{name: "no body", method: "POST", token: "org1.eve@acme.edu", status: 400, want: []string{"List-Unsubscribe=One-Click"}},
		{name: "another value", method: "POST", token: "org1.eve@acme.edu", contentType: wrongMultiType, body: wrongMulti, status: 400},
		{name: "the value in the query only", method: "POST", token: "org1.eve@acme.edu", contentType: "text/plain", body: form, status: 400},
		{name: "a forged link, one click", method: "POST", token: "forged", contentType: "application/x-www-form-urlencoded", body: form, status: 400},
		{name: "an oversized body", method: "POST", token: "org1.eve@acme.edu", contentType: "application/x-www-form-urlencoded",
			body: form + "&x=" + strings.Repeat("a", maxFormBytes), status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorded = nil
			ev := events.APIGatewayV2HTTPRequest{RouteKey: tt.method + " /v1/unsubscribe/{token}", PathParameters: map[string]string{"token": tt.token},
				Headers: map[string]string{"content-type": tt.contentType}, Body: tt.body, IsBase64Encoded: tt.base64}
			res, err := h(context.Background(), ev)
			if err != nil || res.StatusCode != tt.status {
				t.Fatalf("status %d, %v; want %d: %s", res.StatusCode, err, tt.status, res.Body)
			}
			if ct := res.Headers["content-type"]; ct != "text/html; charset=utf-8" || !strings.Contains(res.Headers["content-security-policy"], "default-src 'none'") ||
				res.Headers["referrer-policy"] != "no-referrer" || !strings.HasPrefix(res.Body, "<!DOCTYPE html>") {
				t.Fatalf("not a locked-down HTML page: %v\n%s", res.Headers, res.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Body, w) {
					t.Errorf("page lacks %q:\n%s", w, res.Body)
				}
			}
			if strings.Contains(res.Body, "<b>") {
				t.Errorf("the org's name is not escaped:\n%s", res.Body)
			}
			if got := strings.Join(recorded, ","); got != tt.recorded {
				t.Errorf("opt-outs %q, want %q", got, tt.recorded)
			}
		})
	}
}
