package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want wire.Mailer
		errs []string // substrings of the error; none for success
	}{
		{
			name: "defaults",
			vars: map[string]string{"TABLE_NAME": "t", "MAIL_FROM": "Acme Learning <noreply@acme.example>", "PUBLIC_BASE_URL": "https://api.acme.example"},
			want: wire.Mailer{Base: wire.Base{Table: "t", LogLevel: "info", AuditRetentionDays: 400}, From: "Acme Learning <noreply@acme.example>", SendRate: 0, Concurrency: 2,
				PublicBaseURL: "https://api.acme.example"},
		},
		{
			name: "everything set",
			vars: map[string]string{"TABLE_NAME": "t", "MAIL_FROM": "noreply@acme.example", "MAIL_SEND_RATE": "14", "MAIL_CONCURRENCY": "5", "LOG_LEVEL": "debug",
				"MAIL_CONFIGURATION_SET": "backoffice-feedback", "PUBLIC_BASE_URL": "http://127.0.0.1:8080"},
			want: wire.Mailer{Base: wire.Base{Table: "t", LogLevel: "debug", AuditRetentionDays: 400}, From: "noreply@acme.example", SendRate: 14, Concurrency: 5,
				ConfigurationSet: "backoffice-feedback", PublicBaseURL: "http://127.0.0.1:8080"},
		},
		{
			name: "every missing variable named",
			vars: map[string]string{"LOG_LEVEL": "debug"},
			errs: []string{"TABLE_NAME", "MAIL_FROM", "PUBLIC_BASE_URL"},
		},
		{
			name: "every invalid variable named with the missing ones",
			vars: map[string]string{"MAIL_FROM": "not an address", "MAIL_SEND_RATE": "fast", "MAIL_CONCURRENCY": "0", "PUBLIC_BASE_URL": "api.acme.example"},
			errs: []string{"TABLE_NAME", `MAIL_FROM="not an address"`, `MAIL_SEND_RATE="fast"`, "MAIL_CONCURRENCY=0", `PUBLIC_BASE_URL="api.acme.example"`},
		},
		{
			name: "a negative rate",
			vars: map[string]string{"TABLE_NAME": "t", "MAIL_FROM": "noreply@acme.example", "MAIL_SEND_RATE": "-1", "PUBLIC_BASE_URL": "https://api.acme.example"},
			errs: []string{"MAIL_SEND_RATE=-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := wire.ReadMailer(env.NewFrom(env.Map(tt.vars)))
			if len(tt.errs) == 0 {
				if err != nil || c != tt.want {
					t.Fatalf("config = %+v, %v; want %+v", c, err, tt.want)
				}
				return
			}
			var e *env.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want an *env.Error", err)
			}
			for _, s := range tt.errs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %s", err, s)
				}
			}
		})
	}
}

// fakeRate is a rateSource of one function field.
type fakeRate struct {
	maxSendRate func(ctx context.Context) (float64, error)
}

func (f *fakeRate) MaxSendRate(ctx context.Context) (float64, error) { return f.maxSendRate(ctx) }

func TestInstanceRate(t *testing.T) {
	calls := 0
	src := &fakeRate{maxSendRate: func(context.Context) (float64, error) { calls++; return 14, nil }}
	if account, each, err := wire.InstanceRate(context.Background(), wire.Mailer{SendRate: 10, Concurrency: 4}, src); err != nil || account != 10 || each != 2.5 || calls != 0 {
		t.Fatalf("configured rate: %v, %v, %v after %d SES calls; want 10, 2.5 and no call", account, each, err, calls)
	}
	if account, each, err := wire.InstanceRate(context.Background(), wire.Mailer{Concurrency: 2}, src); err != nil || account != 14 || each != 7 || calls != 1 {
		t.Fatalf("rate from SES: %v, %v, %v after %d calls; want 14, 7 after 1", account, each, err, calls)
	}
	failing := &fakeRate{maxSendRate: func(context.Context) (float64, error) { return 0, errors.New("AccessDenied") }}
	if _, _, err := wire.InstanceRate(context.Background(), wire.Mailer{Concurrency: 2}, failing); err == nil || !strings.Contains(err.Error(), "MAIL_SEND_RATE") {
		t.Fatalf("SES failing: %v, want an error that points at MAIL_SEND_RATE", err)
	}
}

func loadEvent(t *testing.T, name string) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "mailer", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// sampleBaseURL is the API's public base URL the test mailer builds the
// logos' URL on.
const sampleBaseURL = "https://api.learn.acme.example"

// newTestHandler returns the function's handler on a fresh table of the
// emulator, sending from a verified address of its own, which it returns
// with the table's store. The send rate is left unset, so it is read from
// the emulator's SES as at a cold start in AWS.
func newTestHandler(t *testing.T) (queue.Handler, string, *dynamo.Store) {
	t.Helper()
	cfg := emulatortest.Config(t)
	table := emulatortest.NewTable(t, cfg)
	from := strings.TrimSuffix(emulator.UniquePrefix("mailer"), "-") + "@learnops.example"
	if err := emulator.VerifySender(context.Background(), cfg, from); err != nil {
		t.Fatal(err)
	}
	// One instance: the whole (emulated) account rate, so the test is quick.
	c := wire.Mailer{Base: wire.Base{Table: table, LogLevel: "info"}, From: "Acme Learning <" + from + ">", Concurrency: 1,
		ConfigurationSet: emulatortest.NewConfigurationSet(t, cfg), PublicBaseURL: sampleBaseURL}
	h, err := wire.MailerHandler(context.Background(), cfg, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return h, from, dynamo.NewStore(dynamodb.NewFromConfig(cfg), table)
}

// TestSampleEvent replays events/mailer/sqs-batch.json through the handler:
// every email arrives once, the one of an org with a logo showing it; replaying the event sends nothing more; bad
// records added to it are reported as failures while the others succeed.
func TestSampleEvent(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "mailer", "*.json"))
	if len(files) != 2 {
		t.Fatalf("events/mailer has %d samples, the tests know 2 (sqs-batch.json, admin-message.json): add the new ones", len(files))
	}
	h, from, _ := newTestHandler(t)
	endpoint := emulatortest.Endpoint(t)
	ev := loadEvent(t, "sqs-batch.json")
	ctx := context.Background()

	wantSent := map[string]string{ // recipient -> subject
		"ada.lovelace@example.com": "Acme University invites you to join Data Skills for Analysts",
		"Grace.Hopper@example.org": "Acme University invites you to join Data Skills for Analysts",
		"alan.turing@example.com":  "Welcome to Data Skills for Analysts",
	}
	checkSent := func(when string) {
		t.Helper()
		sent := sestest.SentFrom(t, endpoint, from)
		got := map[string]string{}
		for _, s := range sent {
			if len(s.To) != 1 {
				t.Fatalf("%s: an email to %v", when, s.To)
			}
			if _, dup := got[s.To[0]]; dup {
				t.Fatalf("%s: %s got two emails", when, s.To[0])
			}
			got[s.To[0]] = s.Subject
			if !strings.Contains(s.Body, "<html") || !strings.Contains(s.Body, "https://learn.acme.example/") {
				t.Fatalf("%s: the email to %s has no HTML body with its link: %s", when, s.To[0], s.Body)
			}
			// Ada's invitation is of an org with a logo: it shows it from
			// the API's public route; the others show none.
			if logo := strings.Contains(s.Body, `<img src="`+sampleBaseURL+`/v1/orgs/org_01jdb9w2e4r6t8y0u2i4o6p8a0/logo" alt="Acme University"`); logo != (s.To[0] == "ada.lovelace@example.com") ||
				(!logo && strings.Contains(s.Body, "<img")) {
				t.Fatalf("%s: the email to %s shows the logo: %v: %s", when, s.To[0], logo, s.Body)
			}
		}
		if len(sent) != len(wantSent) || len(got) != len(wantSent) {
			t.Fatalf("%s: %d emails sent to %v, want one to each of %v", when, len(sent), got, wantSent)
		}
		for to, subject := range wantSent {
			if got[to] != subject {
				t.Fatalf("%s: the email to %s has subject %q, want %q", when, to, got[to], subject)
			}
		}
	}

	resp, err := h(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("first delivery: failures %v, error %v", resp.BatchItemFailures, err)
	}
	checkSent("after the first delivery")

	resp, err = h(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("replay: failures %v, error %v", resp.BatchItemFailures, err)
	}
	checkSent("after the event was replayed")

	// Bad records among the good ones: only they are reported.
	bad := ev.Records[0]
	bad.MessageId, bad.Body = "bad-json", "{not json"
	missing := ev.Records[2]
	missing.MessageId, missing.Body = "bad-data", `{"id":"program-welcome/x","to":"x@example.com","template":"program-welcome","data":{"LearnerName":"X"}}`
	mixed := events.SQSEvent{Records: []events.SQSMessage{ev.Records[0], bad, ev.Records[1], missing, ev.Records[2]}}
	resp, err = h(ctx, mixed)
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if err != nil || !slices.Equal(failed, []string{"bad-json", "bad-data"}) {
		t.Fatalf("mixed batch: failures %v, error %v; want bad-json and bad-data only", failed, err)
	}
	checkSent("after the mixed batch")
}

// TestAdminMessageSample replays events/mailer/admin-message.json, two
// emails of an admin's message (a campaign, with unsubscribe links), one to
// an address suppressed after a bounce: only the other is sent, as a raw
// email with the sender name, reply-to and one-click unsubscribe headers,
// and the campaign counts one sent and one suppressed, however often the
// event is delivered.
func TestAdminMessageSample(t *testing.T) {
	h, from, store := newTestHandler(t)
	endpoint := emulatortest.Endpoint(t)
	ctx := context.Background()
	if err := store.Suppress(ctx, "bo.unce@example.com", "bounce", time.Now()); err != nil {
		t.Fatal(err)
	}
	ev := loadEvent(t, "admin-message.json")
	const campaign = "message/org_x/msg_01jdd0a1b2c3d4e5f6g7h8j9k0"
	for i := range 2 {
		resp, err := h(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: failures %v, error %v", i, resp.BatchItemFailures, err)
		}
		sent := sestest.SentFrom(t, endpoint, from)
		if len(sent) != 1 || !slices.Equal(sent[0].To, []string{"ada.lovelace@example.com"}) {
			t.Fatalf("delivery %d: sent %+v, want one email, to ada", i, sent)
		}
		got := sent[0]
		if got.Headers.Get("List-Unsubscribe") != "<https://api.learn.acme.example/v1/unsubscribe/eyJvIjoib3JnX3giLCJlIjoiYWRhLmxvdmVsYWNlQGV4YW1wbGUuY29tIn0.q1w2e3r4t5y6u7i8o9p0>" ||
			got.Headers.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("unsubscribe headers %q, %q", got.Headers.Get("List-Unsubscribe"), got.Headers.Get("List-Unsubscribe-Post"))
		}
		if a, err := netmail.ParseAddress(got.Headers.Get("From")); err != nil || a.Name != "Dean Smith (Acme University)" || !strings.EqualFold(a.Address, from) {
			t.Fatalf("From %q", got.Headers.Get("From"))
		}
		if rt, err := got.Headers.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "dean@acme.example" {
			t.Fatalf("Reply-To %q", got.Headers.Get("Reply-To"))
		}
		counts, err := store.CampaignCounts(ctx, campaign)
		if err != nil || counts["sent"] != 1 || counts["suppressed"] != 1 || len(counts) != 2 {
			t.Fatalf("delivery %d: counts %v, %v; want sent 1, suppressed 1", i, counts, err)
		}
	}
}
