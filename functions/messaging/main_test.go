package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/optout"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadMessaging(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID", "PLAN_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
	c, level, err := wire.ReadMessaging(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l",
		"MAIL_QUEUE_URL": "q", "PUBLIC_BASE_URL": "https://api", "UNSUBSCRIBE_SECRET_ID": "s", "PLAN_QUEUE_URL": "p", "LOG_LEVEL": "debug"})))
	if err != nil || c.Table != "t" || c.PlanQueueURL != "p" || c.PublicBaseURL != "https://api" || c.UnsubscribeSecretID != "s" || level != "debug" {
		t.Fatalf("config = %+v, %q, %v", c, level, err)
	}
}

// invitee invites the email to the world's program, without joining.
func invitee(t *testing.T, w *wiretest.World, email string) {
	t.Helper()
	e, _ := bo.ParseEmail(email)
	now := time.Now().UTC()
	l := bo.Learner{OrgID: w.Org.ID, ProgramID: w.Program.ID, Email: e.Display, EmailKey: e.Key, FullName: "Invitee " + e.Key,
		State: bo.StateInvited, ContractID: w.Contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := w.Store.PutInvitationRow(t.Context(), l, nil); err != nil {
		t.Fatal(err)
	}
}

// sample is one replay of a sample event through the function's handler,
// as Lambda invokes it: the raw JSON of events/messaging/<file>.
type sample struct {
	file   string
	status int // of an API answer; 0 for a queue event
	want   []string
}

// TestSampleEvents replays every sample of events/messaging through the
// function's one handler, on a world with three invitees and a member:
// presets, a draft from a preset, an invalid draft, an edit, a preview,
// sending without and with the terms (and again), the plan item, the
// settings and the unsubscribe link.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	for _, e := range []string{"Ada@Acme.edu", "grace@acme.edu", "linus@acme.edu"} {
		invitee(t, w, e)
	}
	wiretest.Member(t, w, "jo@acme.edu")
	secret := strings.Repeat("s", 64)
	planURL, _ := emulatortest.NewQueue(t, w.AWS, resources.PlanQueue)
	c := wire.Messaging{Base: w.Conf.Base, LearnerAppURL: w.Conf.LearnerAppURL, MailQueueURL: w.Conf.MailQueueURL,
		PublicBaseURL: "https://api.example.com", UnsubscribeSecretID: emulatortest.NewSecret(t, w.AWS, secret), PlanQueueURL: planURL}
	h, err := wire.MessagingHandler(ctx, w.AWS, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := optout.NewSigner([]byte(secret), c.PublicBaseURL)
	replace := map[string]string{"tok_x": signer.Token(w.Org.ID, "grace@acme.edu")}

	used := map[string]bool{}
	replay := func(s sample) string {
		t.Helper()
		used[s.file] = true
		var raw json.RawMessage
		w.Event(t, "messaging", s.file, &raw, replace)
		out, err := h.Handle(ctx, raw)
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		var body string
		switch res := out.(type) {
		case events.APIGatewayV2HTTPResponse:
			if res.StatusCode != s.status {
				t.Fatalf("%s: status %d, want %d: %s", s.file, res.StatusCode, s.status, res.Body)
			}
			body = res.Body
		case events.SQSEventResponse:
			if s.status != 0 || len(res.BatchItemFailures) != 0 {
				t.Fatalf("%s: %+v", s.file, res)
			}
		default:
			t.Fatalf("%s: answer %T", s.file, out)
		}
		for _, want := range s.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: body %s lacks %s", s.file, body, want)
			}
		}
		return body
	}

	replay(sample{file: "presets.json", status: 200, want: []string{`"name":"remind_to_join"`, `"status":"invited_not_joined"`}})
	replay(sample{file: "create-message-invalid.json", status: 400, want: []string{`"field":"subject"`, `"field":"content"`,
		`"field":"callToAction.url"`, `"field":"audience.status"`}})
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(replay(sample{file: "create-message.json", status: 201,
		want: []string{`"status":"draft"`, `"preset":"remind_to_join"`, `"senderName":"The Acme Learning team"`, `"replyTo":"author"`,
			`"author":{"email":"dean@acme.edu","name":"Dean Moriarty"}`}})), &created); err != nil || created.ID == "" {
		t.Fatalf("no message id: %v", err)
	}
	replace["msg_x"] = created.ID
	replay(sample{file: "get-message.json", status: 200, want: []string{`"id":"` + created.ID, `"counts":{"planned":0`}})
	replay(sample{file: "update-message.json", status: 200, want: []string{`"subject":"Last call: join {{programName}} this week, {{learnerName}}"`}})
	replay(sample{file: "preview.json", status: 200, want: []string{`"subject":"Last call: join Data Skills this week, Invitee ada@acme.edu"`,
		`"recipient":{"email":"Ada@acme.edu"`, `"audience":{"count":3,"complete":true}`, optOutStandIn()}})
	replay(sample{file: "send-without-terms.json", status: 400, want: []string{`"field":"acceptTerms"`}})
	replay(sample{file: "send.json", status: 202, want: []string{`"status":"sending"`}})
	replay(sample{file: "send.json", status: 409, want: []string{"sending it again does nothing"}})
	replay(sample{file: "list-messages.json", status: 200, want: []string{`"items":[]`}})
	replay(sample{file: "discard.json", status: 409, want: []string{"only a draft can be discarded"}})

	// The plan item the send queued is the sample's: replaying it plans the
	// three invitees (a redelivery changes nothing).
	replay(sample{file: "plan-item.json"})
	replay(sample{file: "plan-item.json"})
	replay(sample{file: "get-message.json", status: 200, want: []string{`"status":"sent"`, `"planned":3,"queued":3`}})
	emails := receiveAll(t, w.AWS, w.Conf.MailQueueURL)
	if len(emails) != 3 {
		t.Fatalf("%d emails queued, want 3 (the three invitees, each once)", len(emails))
	}
	for _, m := range emails {
		if m.Template != mail.TemplateAdminMessage || m.Campaign != "message/"+w.Org.ID+"/"+created.ID ||
			!strings.HasPrefix(m.UnsubscribeURL, "https://api.example.com/v1/unsubscribe/") || m.FromName != "The Acme Learning team" ||
			m.ReplyTo != "dean@acme.edu" || !strings.Contains(m.Data["Subject"], "join Data Skills this week") {
			t.Errorf("queued email %+v", m)
		}
		if _, email, err := signer.Verify(strings.TrimPrefix(m.UnsubscribeURL, "https://api.example.com/v1/unsubscribe/")); err != nil || !strings.EqualFold(email, m.To) {
			t.Errorf("the unsubscribe link of %s is for %q (%v)", m.To, email, err)
		}
	}

	replay(sample{file: "get-settings.json", status: 200, want: []string{`{"capLimit":3,"capWindowDays":7}`}})
	replay(sample{file: "put-settings.json", status: 200, want: []string{`{"capLimit":2,"capWindowDays":14}`}})
	replay(sample{file: "unsubscribe-page.json", status: 200, want: []string{"grace@acme.edu", "Acme", `value="One-Click"`}})
	if reach, _ := w.Store.Reachability(ctx, w.Org.ID, []string{"grace@acme.edu"}); len(reach) != 0 {
		t.Fatalf("the unsubscribe page unsubscribed: %v", reach)
	}
	replay(sample{file: "unsubscribe-one-click.json", status: 200, want: []string{"You are unsubscribed"}})
	if reach, _ := w.Store.Reachability(ctx, w.Org.ID, []string{"grace@acme.edu"}); reach["grace@acme.edu"] != bo.Unsubscribed {
		t.Fatalf("after one click: %v", reach)
	}
	replace["tok_x"] = "forged.token"
	replay(sample{file: "unsubscribe-one-click.json", status: 400, want: []string{"This unsubscribe link does not work"}})

	for _, name := range wiretest.Samples(t, "messaging") {
		if !used[name] {
			t.Errorf("events/messaging/%s is replayed by no case: add one", name)
		}
	}
}

// optOutStandIn is how the preview's unsubscribe link appears in JSON.
func optOutStandIn() string { return "unsubscribe.example.invalid/preview" }

// receiveAll drains the queue and returns its mail messages.
func receiveAll(t *testing.T, cfg aws.Config, url string) []mail.Message {
	t.Helper()
	client := sqs.NewFromConfig(cfg)
	var out []mail.Message
	for {
		res, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			msg, err := mail.ParseMessage(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, msg)
			if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
