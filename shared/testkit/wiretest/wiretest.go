// Package wiretest gives the functions' tests a small world on fresh
// emulator resources (an organisation with an org admin, a contract and a
// program) and the sample events of events/, pointed at that world.
package wiretest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// World is an organisation on fresh resources of the emulator.
type World struct {
	AWS      aws.Config
	Conf     Resources
	Store    *dynamo.Store
	Admin    *admin.Service
	Boss     bo.Caller
	Org      bo.Org
	Program  bo.Program
	Contract bo.Contract
}

// Resources are the world's table, queues and bucket, and the learner
// app's URL: what the stack gives the functions.
type Resources struct {
	wire.Base
	LearnerAppURL, MailQueueURL, FilesBucket, WorkQueueURL string
}

// NewWorld creates a table, a mail queue and a bucket, and in them the org
// "Acme" with org admin dean@acme.edu, a contract of the given licences
// running for a year, and the program "Data Skills". It fails the test on
// any error.
func NewWorld(t *testing.T, licences int) *World {
	t.Helper()
	ctx := t.Context()
	cfg := emulatortest.Config(t)
	queueURL, _ := emulatortest.NewQueue(t, cfg, resources.MailQueue)
	workURL, _ := emulatortest.NewQueue(t, cfg, resources.WorkQueue)
	w := &World{AWS: cfg, Boss: bo.Caller{Subject: "u-dean", Email: "dean@acme.edu", EmailVerified: true}}
	w.Conf = Resources{Base: wire.Base{Table: emulatortest.NewTable(t, cfg), LogLevel: "error"},
		LearnerAppURL: "https://learn.example.com", MailQueueURL: queueURL, FilesBucket: emulatortest.NewBucket(t, cfg), WorkQueueURL: workURL}
	w.Store = dynamo.NewStore(dynamodb.NewFromConfig(cfg), w.Conf.Table)
	w.Admin = admin.NewService(w.Store, admin.Config{LearnerAppURL: w.Conf.LearnerAppURL})
	var err error
	operator := bo.Caller{Subject: "u-op", Email: "op@platform.example.com", EmailVerified: true, Groups: []string{bo.GroupPlatformOperators}}
	if w.Org, _, err = w.Admin.CreateOrg(ctx, operator, admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "dean@acme.edu"}}}); err != nil {
		t.Fatal(err)
	}
	start, end := time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	if w.Contract, err = w.Admin.CreateContract(ctx, w.Boss, w.Org.ID, admin.NewContract{Name: "Seats", Licences: &licences, StartsAt: &start, EndsAt: &end}); err != nil {
		t.Fatal(err)
	}
	if w.Program, err = w.Admin.CreateProgram(ctx, w.Boss, w.Org.ID, admin.NewProgram{Name: "Data Skills"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// Env returns the world's variables, as the stack sets them on the
// functions: read a function's settings from them with Settings.
func (w *World) Env() map[string]string {
	return map[string]string{
		"TABLE_NAME": w.Conf.Table, "LOG_LEVEL": w.Conf.LogLevel, "LEARNER_APP_URL": w.Conf.LearnerAppURL,
		"MAIL_QUEUE_URL": w.Conf.MailQueueURL, "WORK_QUEUE_URL": w.Conf.WorkQueueURL, "FILES_BUCKET": w.Conf.FilesBucket,
	}
}

// BulkEnv returns the variables of Env and those of a function that sends
// mail that is not transactional: an API URL and a fresh unsubscribe
// signing secret.
func (w *World) BulkEnv(t *testing.T) map[string]string {
	t.Helper()
	vars := w.Env()
	vars["PUBLIC_BASE_URL"] = "https://api.example.com"
	vars["UNSUBSCRIBE_SECRET_ID"] = emulatortest.NewSecret(t, w.AWS, strings.Repeat("s3cr3t-", 10))
	return vars
}

// Settings reads a function's settings from vars with its read function
// (wire.ReadJoin, ...), as its main reads them from the environment. It
// fails the test when a variable is missing or invalid.
func Settings[C any](t testing.TB, vars map[string]string, read func(*env.Reader) (C, string, error)) C {
	t.Helper()
	c, _, err := read(env.NewFrom(env.Map(vars)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Event reads the sample event events/<function>/<name> into v, after
// replacing the sample's placeholder ids (org_x, prg_x, con_x) with the
// world's and each key of extra with its value.
func (w *World) Event(t *testing.T, function, name string, v any, extra map[string]string) {
	t.Helper()
	if err := json.Unmarshal(w.eventJSON(t, function, name, extra), v); err != nil {
		t.Fatalf("events/%s/%s: %v", function, name, err)
	}
}

// eventJSON reads the sample event events/<function>/<name> with the
// replacements of Event.
func (w *World) eventJSON(t *testing.T, function, name string, extra map[string]string) []byte {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "..", "events", function, name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("org_x", w.Org.ID, "prg_x", w.Program.ID, "con_x", w.Contract.ID).Replace(string(b))
	for from, to := range extra {
		text = strings.ReplaceAll(text, from, to)
	}
	return []byte(text)
}

// Samples returns the names of the sample events of a function.
func Samples(t *testing.T, function string) []string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	files, err := filepath.Glob(filepath.Join(filepath.Dir(self), "..", "..", "..", "events", function, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	return names
}

// Invitee writes a pending invitation of the email to the world's program
// sent at sent (backdated as a test needs), its invitation email queued
// then, as an import writes one (without counting it), and returns it.
func Invitee(t *testing.T, w *World, email string, sent time.Time) bo.Learner {
	t.Helper()
	e, err := bo.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	sent = sent.UTC()
	l := bo.Learner{OrgID: w.Org.ID, ProgramID: w.Program.ID, Email: e.Display, EmailKey: e.Key, FullName: "Invitee " + e.Key,
		State: bo.StateInvited, ContractID: w.Contract.ID, InvitationID: bo.NewID("inv", sent), InvitedAt: &sent, EmailQueuedAt: &sent,
		CreatedAt: sent, UpdatedAt: sent}
	if err := w.Store.PutInvitationRow(t.Context(), l, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

// DrainMail receives and deletes every message on the world's mail queue
// and returns them decoded, in the order received. It fails the test on
// any error.
func DrainMail(t *testing.T, w *World) []mail.Message {
	t.Helper()
	client := sqs.NewFromConfig(w.AWS)
	var out []mail.Message
	for {
		res, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(w.Conf.MailQueueURL), MaxNumberOfMessages: 10})
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
			if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(w.Conf.MailQueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Member makes the email a member of the world's program (an invitation
// accepted at once), named "Member <email>", and returns them as a verified
// caller.
func Member(t *testing.T, w *World, email string) bo.Caller {
	t.Helper()
	return NamedMember(t, w, email, "")
}

// NamedMember is Member with the learner's full name ("Member <email>"
// when empty).
func NamedMember(t *testing.T, w *World, email, fullName string) bo.Caller {
	t.Helper()
	ctx := t.Context()
	e, err := bo.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	if fullName == "" {
		fullName = "Member " + e.Key
	}
	now := time.Now().UTC()
	l := bo.Learner{OrgID: w.Org.ID, ProgramID: w.Program.ID, Email: e.Display, EmailKey: e.Key, FullName: fullName,
		State: bo.StateInvited, ContractID: w.Contract.ID, InvitationID: bo.NewID("inv", now), InvitedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := w.Store.PutInvitationRow(ctx, l, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Store.Join(ctx, l, now); err != nil {
		t.Fatal(err)
	}
	return bo.Caller{Subject: "u-" + e.Key, Email: e.Display, EmailVerified: true}
}

// Work runs the items waiting on the world's work queue through the
// worker's handler h, and the items they queue in turn, until the queue is
// empty; it returns how many items ran. It fails the test on an SQS error
// or an item h reports as failed.
func (w *World) Work(t *testing.T, h queue.Handler) int {
	t.Helper()
	client := sqs.NewFromConfig(w.AWS)
	ran := 0
	for {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(w.Conf.WorkQueueURL),
			MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return ran
		}
		m := out.Messages[0]
		res, err := h(t.Context(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: aws.ToString(m.MessageId),
			ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs"}}})
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("work item %s: %+v, %v", aws.ToString(m.Body), res, err)
		}
		if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(w.Conf.WorkQueueURL),
			ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		ran++
	}
}

// Case is one replay of a sample API event: the file under
// events/<function>/, replacements to make in it (beyond the world's ids),
// and the status and body fragments the handler must answer with.
type Case struct {
	File    string
	Replace map[string]string
	Status  int
	Want    []string
}

// Replay replays the cases, in order, through an API function's handler,
// after checking that every sample of events/<function>/ is replayed at
// least once (so that a new sample cannot go untested). It fails the test
// on a Go error (API Gateway would answer 502), another status, or a
// missing fragment.
func (w *World) Replay(t *testing.T, function string, h func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), cases []Case) {
	t.Helper()
	w.ReplayEvents(t, function, func(ctx context.Context, raw json.RawMessage) (any, error) {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		return h(ctx, ev)
	}, cases)
}

// ReplayEvents is Replay for a function with several triggers, through its
// raw handler (wire.Triggers.Handle): a case whose answer is an API
// response is checked as Replay checks it; any other event (a schedule's,
// a queue's) must be handled without error, and its case's Status must be
// 0.
func (w *World) ReplayEvents(t *testing.T, function string, h func(context.Context, json.RawMessage) (any, error), cases []Case) {
	t.Helper()
	used := map[string]bool{}
	for _, c := range cases {
		used[c.File] = true
	}
	for _, name := range Samples(t, function) {
		if !used[name] {
			t.Errorf("events/%s/%s is replayed by no case: add one", function, name)
		}
	}
	for _, c := range cases {
		out, err := h(t.Context(), w.eventJSON(t, function, c.File, c.Replace))
		if err != nil {
			t.Fatalf("%s: Go error %v", c.File, err)
		}
		res, api := out.(events.APIGatewayV2HTTPResponse)
		if !api {
			if c.Status != 0 {
				t.Fatalf("%s: answered %T, want an API response with status %d", c.File, out, c.Status)
			}
			continue
		}
		if res.StatusCode != c.Status {
			t.Fatalf("%s: status %d, want %d: %s", c.File, res.StatusCode, c.Status, res.Body)
		}
		for _, want := range c.Want {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: body %s lacks %s", c.File, res.Body, want)
			}
		}
	}
}
