package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/messaging"
)

// previewRequest names the learner to preview a message for; an empty body
// previews it for the first learner of its audience.
type previewRequest struct {
	Email string `json:"email,omitempty"`
}

// sendRequest sends a message once its author accepts the terms of use.
type sendRequest struct {
	AcceptTerms *bool `json:"acceptTerms"`
}

// NewMessagingHandler returns the handler of the messaging function's API:
// drafting, previewing and sending messages, the presets, the org's
// messaging settings, and the public unsubscribe pages of emails.
func NewMessagingHandler(svc *messaging.Service, unsub *messaging.Unsubscriber, logger *slog.Logger) Handler {
	return newHandler(FunctionMessaging, messagingRoutes(svc, unsub, logger), logger)
}

func messagingRoutes(svc *messaging.Service, unsub *messaging.Unsubscriber, logger *slog.Logger) map[Route]RouteFunc {
	routes := map[Route]RouteFunc{
		routeMessagePresets: func(ctx context.Context, r *Request) (int, any, error) {
			presets, err := svc.Presets(ctx, r.Caller, r.Param("orgId"))
			return http.StatusOK, List[messaging.PresetInfo]{Items: presets}, err
		},
		routeCreateMessage: func(ctx context.Context, r *Request) (int, any, error) {
			var in messaging.Draft
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			m, err := svc.Create(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusCreated, m, err
		},
		routeGetMessage: func(ctx context.Context, r *Request) (int, any, error) {
			m, err := svc.Get(ctx, r.Caller, r.Param("orgId"), r.Param("messageId"))
			return http.StatusOK, m, err
		},
		routeUpdateMessage: func(ctx context.Context, r *Request) (int, any, error) {
			var in messaging.Change
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			m, err := svc.Update(ctx, r.Caller, r.Param("orgId"), r.Param("messageId"), in)
			return http.StatusOK, m, err
		},
		routePreviewMessage: func(ctx context.Context, r *Request) (int, any, error) {
			var in previewRequest
			if err := r.DecodeOptional(&in); err != nil {
				return 0, nil, err
			}
			p, err := svc.Preview(ctx, r.Caller, r.Param("orgId"), r.Param("messageId"), in.Email)
			return http.StatusOK, p, err
		},
		routeSendMessage: func(ctx context.Context, r *Request) (int, any, error) {
			var in sendRequest
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			if in.AcceptTerms == nil {
				return 0, nil, bo.Invalid("acceptTerms is required: accept the terms of use and the privacy policy to send",
					bo.FieldError{Field: "acceptTerms", Message: "is required"})
			}
			m, err := svc.Send(ctx, r.Caller, r.Param("orgId"), r.Param("messageId"), *in.AcceptTerms)
			return http.StatusAccepted, m, err
		},
		routeGetMessagingSettings: func(ctx context.Context, r *Request) (int, any, error) {
			s, err := svc.Settings(ctx, r.Caller, r.Param("orgId"))
			return http.StatusOK, s, err
		},
		routeSetMessagingSettings: func(ctx context.Context, r *Request) (int, any, error) {
			var in messaging.Settings
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			s, err := svc.PutSettings(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusOK, s, err
		},
	}
	for k, fn := range unsubscribeRoutes(unsub, logger) {
		routes[k] = fn
	}
	for k, fn := range messageListRoutes(svc) {
		routes[k] = fn
	}
	return routes
}

// OneClickField and OneClickValue are the form field and value of an RFC
// 8058 one-click unsubscribe: mail providers POST them to the link of the
// List-Unsubscribe header, and the confirmation page's button does too.
const (
	OneClickField = "List-Unsubscribe"
	OneClickValue = "One-Click"
)

// maxFormBytes bounds the body of an unsubscribe POST: one short field.
const maxFormBytes = 16 << 10

// unsubscribeRoutes answer learners' browsers and mail providers with HTML
// pages, errors included.
func unsubscribeRoutes(unsub *messaging.Unsubscriber, logger *slog.Logger) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		RouteUnsubscribePage: func(ctx context.Context, r *Request) (int, any, error) {
			sub, err := unsub.Lookup(ctx, r.Param("token"))
			return unsubscribePage(ctx, logger, confirmPage, sub, err)
		},
		RouteUnsubscribe: func(ctx context.Context, r *Request) (int, any, error) {
			if err := oneClick(r); err != nil {
				return unsubscribePage(ctx, logger, nil, messaging.Subscription{}, err)
			}
			sub, err := unsub.OptOut(ctx, r.Param("token"))
			return unsubscribePage(ctx, logger, donePage, sub, err)
		},
	}
}

// oneClick checks that the body of an unsubscribe POST is the one-click
// form, url-encoded or multipart as RFC 8058 allows. It returns EINVALID
// otherwise.
func oneClick(r *Request) error {
	body := []byte(r.Event.Body)
	if r.Event.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(r.Event.Body); err != nil {
			body = nil
		}
	}
	refused := bo.Invalid("this address unsubscribes with the form "+OneClickField+"="+OneClickValue+": use the button of the page the link opens",
		bo.FieldError{Field: OneClickField, Message: "must be " + OneClickValue})
	if len(body) > maxFormBytes {
		return refused
	}
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return refused
	}
	req.Header.Set("Content-Type", r.Event.Headers["content-type"])
	if err := req.ParseMultipartForm(maxFormBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return refused
	}
	if req.PostForm.Get(OneClickField) != OneClickValue {
		return refused
	}
	return nil
}

// pageData fills the unsubscribe pages.
type pageData struct {
	Org, Email, Problem string
}

// unsubscribePage renders the page of an unsubscribe request, or for err
// the error page with err's status (its detail logged, as the router does
// for JSON answers).
func unsubscribePage(ctx context.Context, logger *slog.Logger, page *template.Template, sub messaging.Subscription, err error) (int, any, error) {
	data := pageData{Org: sub.OrgName, Email: sub.Email}
	if data.Org == "" {
		data.Org = "this organisation"
	}
	status := http.StatusOK
	if err != nil {
		code := bo.ErrorCode(err)
		if code == bo.EINTERNAL {
			logger.ErrorContext(ctx, "unsubscribe failed", slog.String("error", err.Error()))
		}
		status, page, data.Problem = StatusOf(code), errorPage, bo.ErrorMessage(err)
	}
	var b strings.Builder
	if err := page.Execute(&b, data); err != nil {
		return 0, nil, err
	}
	return status, Page{HTML: b.String()}, nil
}

// The unsubscribe pages: plain HTML with inline styles, every value
// escaped.
var (
	pageFrame = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{block "title" .}}{{end}}</title>
</head>
<body style="margin:0;background-color:#f3f4f6;font-family:Arial,Helvetica,sans-serif;color:#1f2937;">
<main style="max-width:520px;margin:48px auto;padding:32px 40px;background-color:#ffffff;border-radius:8px;line-height:24px;">
{{block "content" .}}{{end}}
</main>
</body>
</html>
`
	confirmPage = template.Must(template.Must(template.New("confirm").Parse(pageFrame)).Parse(`
{{define "title"}}Unsubscribe from {{.Org}}'s messages{{end}}
{{define "content"}}<h1 style="font-size:24px;line-height:32px;margin:0 0 16px;">Unsubscribe from {{.Org}}'s messages?</h1>
<p style="margin:0 0 16px;"><strong>{{.Email}}</strong> will no longer get the messages and reminders of {{.Org}}'s learning programs. Emails about your own invitations, enrollments and account still come.</p>
<form method="post" style="margin:24px 0 0;">
<input type="hidden" name="` + OneClickField + `" value="` + OneClickValue + `">
<button type="submit" style="padding:12px 24px;font-size:16px;font-weight:bold;color:#ffffff;background-color:#1d4ed8;border:0;border-radius:6px;cursor:pointer;">Unsubscribe</button>
</form>{{end}}`))
	donePage = template.Must(template.Must(template.New("done").Parse(pageFrame)).Parse(`
{{define "title"}}You are unsubscribed{{end}}
{{define "content"}}<h1 style="font-size:24px;line-height:32px;margin:0 0 16px;">You are unsubscribed</h1>
<p style="margin:0;"><strong>{{.Email}}</strong> will no longer get the messages and reminders of {{.Org}}'s learning programs.</p>{{end}}`))
	errorPage = template.Must(template.Must(template.New("error").Parse(pageFrame)).Parse(`
{{define "title"}}This unsubscribe link does not work{{end}}
{{define "content"}}<h1 style="font-size:24px;line-height:32px;margin:0 0 16px;">This unsubscribe link does not work</h1>
<p style="margin:0;">{{.Problem}}</p>{{end}}`))
)
