package wire_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/functions/mailer"
	"github.com/learnops/backoffice/shared/app/functions/messaging"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// reader reads one function's settings from vars: its read function, with
// the settings as any.
type reader func(vars *env.Reader) (any, error)

func readerOf[C any](read func(*env.Reader) (C, string, error)) reader {
	return func(vars *env.Reader) (any, error) {
		c, _, err := read(vars)
		return c, err
	}
}

// TestEachFunctionReadsItsOwnSpec: each function's read function reports
// exactly the required variables its settings struct declares when none
// is set, and reads every variable it declares (none is left out of the
// struct's tags, none is read by hand beside it).
func TestEachFunctionReadsItsOwnSpec(t *testing.T) {
	tests := []struct {
		name     string
		settings any
		read     reader
		required []string
	}{
		{"admin", wire.AdminConfig{}, readerOf(wire.ReadAdmin), []string{"TABLE_NAME", "LEARNER_APP_URL", "WORK_QUEUE_URL", "FILES_BUCKET"}},
		{"invitations", wire.InvitationsConfig{}, readerOf(wire.ReadInvitations), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET"}},
		{"invitation-import", wire.InvitationImportConfig{}, readerOf(wire.ReadInvitationImport), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET"}},
		{"join", wire.JoinConfig{}, readerOf(wire.ReadJoin), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET"}},
		{"whitelist", wire.WhitelistConfig{}, readerOf(wire.ReadWhitelist), []string{"TABLE_NAME"}},
		{"enrollment", wire.EnrollmentConfig{}, readerOf(wire.ReadEnrollment), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL"}},
		{"members", wire.MembersConfig{}, readerOf(wire.ReadMembers), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET"}},
		{"worker", wire.WorkerConfig{}, readerOf(wire.ReadWorker), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET"}},
		{"activity", wire.ActivityConfig{}, readerOf(wire.ReadActivity), []string{"TABLE_NAME"}},
		{"reminders", wire.RemindersConfig{}, readerOf(wire.ReadReminders), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID"}},
		{"reports", wire.Reports{}, readerOf(wire.ReadReports), []string{"TABLE_NAME", "MAIL_QUEUE_URL", "REPORT_QUEUE_URL", "FILES_BUCKET"}},
		{"feedback", wire.Base{}, readerOf(wire.ReadFeedback), []string{"TABLE_NAME"}},
		{"mailer", mailer.Config{}, readerOf(mailer.Read), []string{"TABLE_NAME", "MAIL_FROM", "PUBLIC_BASE_URL"}},
		{"messaging", messaging.Config{}, readerOf(messaging.Read), []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID", "PLAN_QUEUE_URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := env.Required(tc.settings); !slices.Equal(got, tc.required) {
				t.Errorf("the settings require %v, want %v", got, tc.required)
			}
			_, err := tc.read(env.NewFrom(env.Map(nil)))
			var e *env.Error
			if !errors.As(err, &e) || !slices.Equal(e.Missing, tc.required) {
				t.Fatalf("reading nothing: %v; want exactly %v missing", err, tc.required)
			}
			// Every variable read comes from the struct's tags: set
			// each to a recognisable value, and every string field holds
			// its variable's.
			vars := map[string]string{}
			for _, name := range env.Names(tc.settings) {
				vars[name] = "v-" + name
			}
			for name, v := range map[string]string{"LOG_LEVEL": "debug", "AUDIT_RETENTION_DAYS": "30", "REMINDER_HOUR_UTC": "7",
				"MAIL_FROM": "a@example.com", "MAIL_SEND_RATE": "5", "MAIL_CONCURRENCY": "2", "PUBLIC_BASE_URL": "https://api.example.com"} {
				if _, ok := vars[name]; ok {
					vars[name] = v
				}
			}
			got, err := tc.read(env.NewFrom(env.Map(vars)))
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range stringFields(reflect.ValueOf(got)) {
				if v != vars[name] {
					t.Errorf("%s = %q, want %q", name, v, vars[name])
				}
			}
		})
	}
}

// stringFields returns the string fields of a settings struct by their
// variable, embedded structs' included.
func stringFields(v reflect.Value) map[string]string {
	out := map[string]string{}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Anonymous {
			for k, x := range stringFields(v.Field(i)) {
				out[k] = x
			}
			continue
		}
		if name, ok := f.Tag.Lookup("env"); ok && f.Type.Kind() == reflect.String {
			name, _, _ = strings.Cut(name, ",")
			out[name] = v.Field(i).String()
		}
	}
	return out
}

// TestReminderHourDefault: the reminders' settings default to the hour
// the domain documents.
func TestReminderHourDefault(t *testing.T) {
	c, _, err := wire.ReadReminders(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l",
		"MAIL_QUEUE_URL": "q", "PUBLIC_BASE_URL": "https://a", "UNSUBSCRIBE_SECRET_ID": "s"})))
	if err != nil || c.HourUTC != reminders.DefaultHourUTC {
		t.Fatalf("%+v, %v; want hour %d", c, err, reminders.DefaultHourUTC)
	}
	for _, bad := range []string{"24", "-1"} {
		_, _, err := wire.ReadReminders(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t", "LEARNER_APP_URL": "https://l",
			"MAIL_QUEUE_URL": "q", "PUBLIC_BASE_URL": "https://a", "UNSUBSCRIBE_SECRET_ID": "s", "REMINDER_HOUR_UTC": bad, "AUDIT_RETENTION_DAYS": "0"})))
		var e *env.Error
		if !errors.As(err, &e) || len(e.Invalid) != 2 {
			t.Errorf("hour %s, retention 0: %v; want both invalid", bad, err)
		}
	}
}
