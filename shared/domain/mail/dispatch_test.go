package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/learnops/backoffice/shared/domain/mail"
)

const from = "Acme Learning <noreply@acme.example>"

func invitation(id string) mail.Message {
	return mail.Message{ID: id, To: "Ada@Example.COM", Template: mail.TemplateInvitation, Data: invitationData(), OrgID: "org_1"}
}

func testLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
}

// counter counts sends from any goroutine.
type counter struct{ n atomic.Int64 }

func countingSender(c *counter) *fakeSender {
	return &fakeSender{send: func(context.Context, string, string, mail.Rendered) error { c.n.Add(1); return nil }}
}

func TestDeliverSendsWhatItRendered(t *testing.T) {
	claims, held, _ := memClaims()
	var got struct{ from, to, subject, html string }
	sender := &fakeSender{send: func(_ context.Context, f, to string, r mail.Rendered) error {
		got.from, got.to, got.subject, got.html = f, to, r.Subject, r.HTML
		return nil
	}}
	logger, logs := testLogger()
	d := mail.NewDispatcher(claims, sender, noLimit, from, logger)
	if err := d.Deliver(context.Background(), invitation("invitation/inv_1/tok_1")); err != nil {
		t.Fatal(err)
	}
	if got.from != from || got.to != "Ada@example.com" || got.subject != "Acme University invites you to join Data Skills" ||
		!strings.Contains(got.html, "Hi Ada Lovelace,") {
		t.Fatalf("sent %+v", got)
	}
	if !held["invitation/inv_1/tok_1"] {
		t.Fatal("the claim of a sent email is not kept")
	}
	if strings.Contains(strings.ToLower(logs.String()), "ada@example.com") {
		t.Fatalf("the log names the recipient: %s", logs)
	}
}

// TestDeliverIsAtMostOnce delivers one message twice in a row and then ten
// times at once: one email is sent.
func TestDeliverIsAtMostOnce(t *testing.T) {
	claims, _, _ := memClaims()
	var sent counter
	logger, logs := testLogger()
	d := mail.NewDispatcher(claims, countingSender(&sent), noLimit, from, logger)
	m := invitation("invitation/inv_1/tok_1")
	for range 2 {
		if err := d.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if sent.n.Load() != 1 {
		t.Fatalf("two deliveries sent %d emails, want 1", sent.n.Load())
	}
	if !strings.Contains(logs.String(), "already sent") {
		t.Fatalf("the redelivery is not logged: %s", logs)
	}

	m2 := invitation("invitation/inv_2/tok_2")
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() { errs <- d.Deliver(context.Background(), m2) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if sent.n.Load() != 2 {
		t.Fatalf("ten concurrent deliveries of one message sent %d emails, want 1", sent.n.Load()-1)
	}
}

// TestDeliverReleasesOnTransientFailure fails the first send: the error comes
// back (so the queue delivers again), the claim is released, and the
// redelivery sends.
func TestDeliverReleasesOnTransientFailure(t *testing.T) {
	claims, held, _ := memClaims()
	throttled := errors.New("Throttling: Maximum sending rate exceeded")
	var calls, sent int
	sender := &fakeSender{send: func(context.Context, string, string, mail.Rendered) error {
		calls++
		if calls == 1 {
			return throttled
		}
		sent++
		return nil
	}}
	d := mail.NewDispatcher(claims, sender, noLimit, from, slog.New(slog.DiscardHandler))
	m := invitation("invitation/inv_1/tok_1")
	err := d.Deliver(context.Background(), m)
	if !errors.Is(err, throttled) || mail.IsPermanent(err) {
		t.Fatalf("first delivery: %v, want the transient send error", err)
	}
	if held[m.ID] {
		t.Fatal("the claim was not released after a transient failure")
	}
	if err := d.Deliver(context.Background(), m); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if sent != 1 || !held[m.ID] {
		t.Fatalf("sent %d, claimed %v after the redelivery; want 1, true", sent, held[m.ID])
	}
}

// TestDeliverDropsPermanentFailure: a rejected email is logged and dropped
// (nil, so the queue deletes the message), and its claim kept, so that a
// redelivery neither sends nor counts it again.
func TestDeliverDropsPermanentFailure(t *testing.T) {
	claims, held, _ := memClaims()
	calls := 0
	sender := &fakeSender{send: func(context.Context, string, string, mail.Rendered) error {
		calls++
		return mail.Permanent(errors.New("MessageRejected: address blacklisted"))
	}}
	logger, logs := testLogger()
	d := mail.NewDispatcher(claims, sender, noLimit, from, logger)
	m := invitation("invitation/inv_1/tok_1")
	if err := d.Deliver(context.Background(), m); err != nil {
		t.Fatalf("Deliver = %v, want nil for a permanent failure", err)
	}
	if calls != 1 || !held[m.ID] {
		t.Fatalf("send calls %d, claim held %v; want 1, true", calls, held[m.ID])
	}
	if err := d.Deliver(context.Background(), m); err != nil || calls != 1 {
		t.Fatalf("redelivery: %v after %d send calls; want nil after 1", err, calls)
	}
	if !strings.Contains(logs.String(), "rejected permanently") || !strings.Contains(logs.String(), "blacklisted") {
		t.Fatalf("the drop is not logged with its reason: %s", logs)
	}
}

func TestDeliverRefusals(t *testing.T) {
	deadline := errors.New("deadline")
	tests := []struct {
		name      string
		msg       mail.Message
		claimErr  error
		waitErr   error
		wantErr   string // "" for nil
		wantClaim bool   // whether Claim is called
	}{
		{name: "no id", msg: mail.Message{To: "a@b.example", Template: mail.TemplateInvitation, Data: invitationData()}, wantErr: "id is required"},
		{name: "id too long", msg: mail.Message{ID: strings.Repeat("x", 513), To: "a@b.example", Template: mail.TemplateInvitation, Data: invitationData()}, wantErr: "longer than 512"},
		{name: "no template", msg: mail.Message{ID: "e", To: "a@b.example"}, wantErr: "template is required"},
		{name: "no recipient", msg: mail.Message{ID: "e", Template: mail.TemplateInvitation, Data: invitationData()}, wantErr: "to is required"},
		{name: "unknown template", msg: mail.Message{ID: "e", To: "a@b.example", Template: "nope"}, wantErr: `unknown template "nope"`},
		{name: "missing data", msg: mail.Message{ID: "e", To: "a@b.example", Template: mail.TemplateProgramWelcome, Data: invitationData()}, wantErr: `no entry for key "ProgramURL"`},
		// A malformed address can never be delivered: dropped, like a
		// rejection, its claim kept.
		{name: "malformed recipient", msg: mail.Message{ID: "e", To: "ada at example", Template: mail.TemplateInvitation, Data: invitationData()}, wantClaim: true},
		{name: "reply-to not an address", msg: withMsg(invitation("e"), func(m *mail.Message) { m.ReplyTo = "dean at acme" }), wantErr: "replyTo is not an email address"},
		{name: "unsubscribe URL not absolute", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "/v1/unsubscribe/x" }), wantErr: "unsubscribeUrl must be"},
		{name: "unsubscribe URL not http", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "mailto:u@acme.example" }), wantErr: "unsubscribeUrl must be"},
		{name: "unsubscribe URL breaking the header", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "https://api.example/u/x>, <https://evil.example" }), wantErr: "unsubscribeUrl must be"},
		{name: "unsubscribe URL with a line break", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "https://api.example/u/x\r\nBcc: x@evil.example" }), wantErr: "unsubscribeUrl must be"},
		{name: "unsubscribe URL without an org", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "https://api.example/u/x"; m.OrgID = "" }), wantErr: "needs the orgId"},
		// A dispatcher without WithCampaigns cannot check reach or count.
		{name: "unsubscribe URL without a reach check", msg: withMsg(invitation("e"), func(m *mail.Message) { m.UnsubscribeURL = "https://api.example/u/x" }), wantErr: "WithCampaigns"},
		{name: "campaign without counters", msg: withMsg(invitation("e"), func(m *mail.Message) { m.Campaign = "message/org_1/msg_1" }), wantErr: "WithCampaigns"},
		{name: "claim fails", msg: invitation("e"), claimErr: errors.New("table unavailable"), wantErr: "table unavailable", wantClaim: true},
		{name: "no turn before the deadline", msg: invitation("e"), waitErr: deadline, wantErr: "deadline", wantClaim: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claimed, released, sent := false, false, false
			claims := &fakeClaims{
				claim:   func(context.Context, string) (bool, error) { claimed = true; return tt.claimErr == nil, tt.claimErr },
				release: func(context.Context, string) error { released = true; return nil },
			}
			sender := &fakeSender{send: func(context.Context, string, string, mail.Rendered) error { sent = true; return nil }}
			limiter := &fakeLimiter{wait: func(context.Context) error { return tt.waitErr }}
			err := mail.NewDispatcher(claims, sender, limiter, from, slog.New(slog.DiscardHandler)).Deliver(context.Background(), tt.msg)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Deliver = %v, want %q", err, tt.wantErr)
			}
			if claimed != tt.wantClaim || sent {
				t.Fatalf("claimed %v, sent %v; want %v, false", claimed, sent, tt.wantClaim)
			}
			if released != (tt.waitErr != nil) {
				t.Fatalf("released %v, want %v (only a claim that was made is released)", released, tt.waitErr != nil)
			}
		})
	}
}

// TestDeliverReleasesWhenTheContextEnds: the caller's context ends while the
// email waits for its turn; the claim is still released (on a context of its
// own) so that the redelivery sends.
func TestDeliverReleasesWhenTheContextEnds(t *testing.T) {
	claims, held, _ := memClaims()
	var releaseCtxErr error
	release := claims.release
	claims.release = func(ctx context.Context, id string) error { releaseCtxErr = ctx.Err(); return release(ctx, id) }
	ctx, cancel := context.WithCancel(context.Background())
	limiter := &fakeLimiter{wait: func(ctx context.Context) error { cancel(); return ctx.Err() }}
	var sent counter
	d := mail.NewDispatcher(claims, countingSender(&sent), limiter, from, slog.New(slog.DiscardHandler))
	m := invitation("e1")
	if err := d.Deliver(ctx, m); !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, want context.Canceled", err)
	}
	if held[m.ID] || releaseCtxErr != nil || sent.n.Load() != 0 {
		t.Fatalf("claim held %v, release context error %v, sent %d", held[m.ID], releaseCtxErr, sent.n.Load())
	}
}

func TestParseMessage(t *testing.T) {
	m, err := mail.ParseMessage(`{"id":"e1","to":"a@b.example","template":"invitation","data":{"OrgName":"Acme"},"orgId":"org_1","newField":1}`)
	if err != nil || m.ID != "e1" || m.To != "a@b.example" || m.Data["OrgName"] != "Acme" || m.OrgID != "org_1" {
		t.Fatalf("ParseMessage = %+v, %v", m, err)
	}
	for _, body := range []string{"", "not json", `{"to":"a@b.example","template":"invitation"}`, `[1]`, `{"id":"e","to":"a@b.example","template":"x","data":{"k":1}}`} {
		if _, err := mail.ParseMessage(body); err == nil {
			t.Errorf("ParseMessage(%q) succeeded", body)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("MessageRejected")
	err := mail.Permanent(base)
	if !mail.IsPermanent(err) || !errors.Is(err, base) || mail.IsPermanent(base) || mail.Permanent(nil) != nil {
		t.Fatal("Permanent does not mark, keep or pass nil")
	}
}

func TestDeliverJSON(t *testing.T) {
	claims, _, _ := memClaims()
	var sent counter
	d := mail.NewDispatcher(claims, countingSender(&sent), noLimit, from, slog.New(slog.DiscardHandler))
	if err := d.DeliverJSON(context.Background(), "{not json"); err == nil || !strings.Contains(err.Error(), "decode mail message") {
		t.Fatalf("DeliverJSON of a bad body = %v", err)
	}
	body := `{"id":"welcome/1","to":"ada@example.com","template":"program-welcome","data":{"LearnerName":"Ada","OrgName":"Acme","ProgramName":"Data","ProgramURL":"https://l.example/p"}}`
	if err := d.DeliverJSON(context.Background(), body); err != nil || sent.n.Load() != 1 {
		t.Fatalf("DeliverJSON = %v after %d sends", err, sent.n.Load())
	}
}
