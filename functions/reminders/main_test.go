package main

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reminders"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadReminders(env.NewFrom(env.Map(map[string]string{"REMINDER_HOUR_UTC": "24"})))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID", "REMINDER_HOUR_UTC=24"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
	c, _, err := wire.ReadReminders(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l",
		"MAIL_QUEUE_URL": "q", "PUBLIC_BASE_URL": "https://a", "UNSUBSCRIBE_SECRET_ID": "s"})))
	if err != nil || c.HourUTC != reminders.DefaultHourUTC {
		t.Fatalf("config %+v, %v; want the default hour", c, err)
	}
}

// TestSampleEvents replays events/reminders: the Saturday schedule's event
// (2026-11-28) twice, as a double fire would deliver it, then the
// automated messages routes. Ada, invited the Tuesday before, gets her
// first reminder; Bob, invited a fortnight before, his second; Cy, who
// joined, and Dee, invited that very Saturday, none; each once.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := t.Context()
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	ada := wiretest.Invitee(t, w, "Ada@acme.edu", at("2026-11-24T10:00:00Z"))
	bob := wiretest.Invitee(t, w, "bob@acme.edu", at("2026-11-16T10:00:00Z"))
	cy := wiretest.Invitee(t, w, "cy@acme.edu", at("2026-11-24T10:00:00Z"))
	if _, err := w.Store.Join(ctx, cy, time.Now()); err != nil {
		t.Fatal(err)
	}
	wiretest.Invitee(t, w, "dee@acme.edu", at("2026-11-28T08:00:00Z"))
	if _, err := w.Admin.AddAdmin(ctx, w.Boss, w.Org.ID, admin.NewAdmin{Email: "pa@acme.edu", Role: bo.RoleProgramAdmin,
		ProgramIDs: []string{w.Program.ID}}); err != nil {
		t.Fatal(err)
	}
	tr, err := wire.Reminders(ctx, w.AWS, wiretest.Settings(t, w.BulkEnv(t), wire.ReadReminders), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.ReplayEvents(t, "reminders", tr.Handle, []wiretest.Case{
		{File: "schedule.json"},
		{File: "schedule.json", Replace: map[string]string{"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa": "53dc4d37-second-fire", "09:00:00Z": "09:00:07Z"}},
		{File: "list.json", Status: 200, Want: []string{`"id":"invitation-reminder"`, `"enabled":true`, `"schedule":"First and second Saturday after the invitation was sent, 09:00 UTC"`,
			`"lastRun":{"date":"2026-11-28","counts":{"planned":2,"queued":2,"sent":0,"failed":0,"suppressed":0,"unsubscribed":0,"capped":0}}`,
			`"program":{"id":"` + w.Program.ID + `","name":"Data Skills"}`}},
		{File: "list.json", Replace: map[string]string{"dean@acme.edu": "pa@acme.edu"}, Status: 200, Want: []string{`"id":"` + w.Program.ID + `"`}},
		{File: "switch-off.json", Replace: map[string]string{"dean@acme.edu": "pa@acme.edu"}, Status: 403, Want: []string{`"code":"forbidden"`}},
		{File: "switch-off.json", Replace: map[string]string{`{\"enabled\":false}`: `{}`}, Status: 400, Want: []string{`"field":"enabled"`}},
		{File: "switch-off.json", Status: 200, Want: []string{`"enabled":false`, `"date":"2026-11-28"`}},
		{File: "list.json", Status: 200, Want: []string{`"enabled":false`}},
	})

	msgs := wiretest.DrainMail(t, w)
	var ids []string
	for _, m := range msgs {
		ids = append(ids, m.ID)
		if m.Template != mail.TemplateInvitationReminder || m.Campaign != reminders.Campaign(w.Org.ID, w.Program.ID, at("2026-11-28T00:00:00Z")) ||
			!strings.HasPrefix(m.UnsubscribeURL, "https://api.example.com/v1/unsubscribe/") || m.Data["UnsubscribeURL"] != m.UnsubscribeURL {
			t.Errorf("message %+v", m)
		}
		if _, err := mail.Render(m); err != nil {
			t.Errorf("%s does not render: %v", m.ID, err)
		}
	}
	slices.Sort(ids)
	want := []string{
		reminders.MessageID(w.Program.ID, ada.EmailKey, *ada.InvitedAt, 1),
		reminders.MessageID(w.Program.ID, bob.EmailKey, *bob.InvitedAt, 2),
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("queued %v, want each of %v once", ids, want)
	}
}
