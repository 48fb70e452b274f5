package messaging

import (
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func validMessage() Message {
	return Message{Subject: "Hi {{learnerName}}", Content: "Welcome to {{programName}} at {{orgName}}: {{programUrl}}",
		CallToAction: &CallToAction{Label: "Go", URL: PlaceholderProgramURL}, SenderName: "Dean", ReplyTo: ReplyToAuthor,
		Audience: Audience{Status: bo.MemberJoined}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Message)
		fields []string // the fields named, in order; none for a valid message
	}{
		{"valid", func(*Message) {}, nil},
		{"an https button", func(m *Message) { m.CallToAction.URL = "https://acme.edu/x?y=1" }, nil},
		{"learners picked by hand", func(m *Message) {
			m.Audience = Audience{Learners: &LearnerList{ProgramID: "p1", Emails: []string{"a@acme.edu"}}}
		}, nil},
		{"everything missing", func(m *Message) { *m = Message{} },
			[]string{"subject", "content", "senderName", "replyTo", "audience.status"}},
		{"a subject on two lines, too long", func(m *Message) { m.Subject = "a\nb" + strings.Repeat("x", MaxSubjectRunes) },
			[]string{"subject"}},
		{"a subject on two lines", func(m *Message) { m.Subject = "a\r\nBcc: x@evil.example" }, []string{"subject"}},
		{"unknown placeholders", func(m *Message) { m.Subject = "Hi {{name}}"; m.Content = "{{ learnerName }}" },
			[]string{"subject", "content"}},
		{"content too long", func(m *Message) { m.Content = strings.Repeat("é", MaxContentRunes+1) }, []string{"content"}},
		{"a javascript button", func(m *Message) { m.CallToAction.URL = "javascript:alert(1)" }, []string{"callToAction.url"}},
		{"an http button", func(m *Message) { m.CallToAction.URL = "http://acme.edu" }, []string{"callToAction.url"}},
		{"a button URL with a space", func(m *Message) { m.CallToAction.URL = "https://acme.edu/a b" }, []string{"callToAction.url"}},
		{"a button URL with a user", func(m *Message) { m.CallToAction.URL = "https://x@acme.edu/" }, []string{"callToAction.url"}},
		{"a button without a label", func(m *Message) { m.CallToAction.Label = "" }, []string{"callToAction.label"}},
		{"a sender name that would forge an address", func(m *Message) { m.SenderName = `Boss <boss@evil.example>` }, []string{"senderName"}},
		{"a sender name on two lines", func(m *Message) { m.SenderName = "a\nb" }, []string{"senderName"}},
		{"a NUL in the subject", func(m *Message) { m.Subject = "Hi\x00" }, []string{"subject"}},
		{"an escape in the content", func(m *Message) { m.Content = "Hi\n\t\x1b[2J there" }, []string{"content"}},
		{"tabs and new lines in the content", func(m *Message) { m.Content = "Hi,\r\n\tthere\n" }, nil},
		{"a NUL in the sender name", func(m *Message) { m.SenderName = "Boss\x00" }, []string{"senderName"}},
		{"a tab in the button label", func(m *Message) { m.CallToAction.Label = "Go\t" }, []string{"callToAction.label"}},
		{"another reply-to", func(m *Message) { m.ReplyTo = "someone@else" }, []string{"replyTo"}},
		{"the removed status", func(m *Message) { m.Audience.Status = bo.MemberRemoved }, []string{"audience.status"}},
		{"filters repeated and blank", func(m *Message) {
			m.Audience.ProgramIDs = []string{"p1", "p1"}
			m.Audience.ContractIDs = []string{" "}
		}, []string{"audience.programIds[1]", "audience.contractIds[0]"}},
		{"too many courses", func(m *Message) {
			for i := range MaxCourses + 1 {
				m.Audience.CourseIDs = append(m.Audience.CourseIDs, strings.Repeat("c", i+1))
			}
		}, []string{"audience.courseIds"}},
		{"learners with filters and bad emails", func(m *Message) {
			m.Audience = Audience{Status: bo.MemberJoined, Learners: &LearnerList{Emails: []string{"ok@acme.edu", "nope"}}}
		}, []string{"audience.learners", "audience.learners.programId", "audience.learners.emails[1]"}},
		{"no learners listed", func(m *Message) { m.Audience = Audience{Learners: &LearnerList{ProgramID: "p1"}} },
			[]string{"audience.learners.emails"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.change(&m)
			err := validate(m)
			var got []string
			for _, d := range bo.ErrorDetails(err) {
				got = append(got, d.Field)
			}
			if !slices.Equal(got, tt.fields) || (len(tt.fields) > 0) != (bo.ErrorCode(err) == bo.EINVALID) {
				t.Fatalf("fields %q (%v), want %q", got, err, tt.fields)
			}
		})
	}
}

func TestPlaceholdersAreFilledAsText(t *testing.T) {
	v := values{learnerName: "{{orgName}} <b>", programName: "Data & AI", orgName: "Acme", programURL: "https://learn.example.com/programs/d"}
	tests := []struct{ in, want string }{
		{"", ""},
		{"no placeholder", "no placeholder"},
		{"Hi {{learnerName}}!", "Hi {{orgName}} <b>!"}, // a value is never read as a placeholder
		{"{{programName}}{{orgName}}{{programUrl}}", "Data & AIAcmehttps://learn.example.com/programs/d"},
		{"{{unknown}} and {{ learnerName }} stay", "{{unknown}} and {{ learnerName }} stay"},
		{"{{{learnerName}}}", "{{{orgName}} <b>}"},
	}
	for _, tt := range tests {
		if got := compile(tt.in).fill(v); got != tt.want {
			t.Errorf("fill(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAdmit(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) int64 { return now.Add(-d).UnixMilli() }
	day := 24 * time.Hour
	cap3 := Settings{CapLimit: 3, CapWindowDays: 7}
	tests := []struct {
		name     string
		set      Settings
		sends    map[string]int64
		ok       bool
		write    bool
		wantKeep []string // the message ids of the state written
	}{
		{"first message", cap3, nil, true, true, []string{"m"}},
		{"two recent", cap3, map[string]int64{"a": ago(day), "b": ago(2 * day)}, true, true, []string{"a", "b", "m"}},
		{"three recent: capped", cap3, map[string]int64{"a": ago(day), "b": ago(2 * day), "c": ago(6 * day)}, false, false, nil},
		{"three, one out of the window", cap3, map[string]int64{"a": ago(day), "b": ago(2 * day), "c": ago(8 * day)}, true, true, []string{"a", "b", "m"}},
		{"exactly a window ago is out", cap3, map[string]int64{"a": ago(day), "b": ago(2 * day), "c": ago(7 * day)}, true, true, []string{"a", "b", "m"}},
		{"holds a place already", cap3, map[string]int64{"a": ago(day), "b": ago(day), "m": ago(day)}, true, false, nil},
		{"a cap of one", Settings{CapLimit: 1, CapWindowDays: 1}, map[string]int64{"a": ago(time.Hour)}, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, next, write := tt.set.admit(CapState{Sends: tt.sends, Version: 4}, "m", now)
			if ok != tt.ok || write != tt.write {
				t.Fatalf("admit = %v, write %v; want %v, %v", ok, write, tt.ok, tt.write)
			}
			if write {
				if got := slices.Sorted(func(yield func(string) bool) {
					for k := range next.Sends {
						yield(k)
					}
				}); !slices.Equal(got, tt.wantKeep) || next.Version != 4 || next.Sends["m"] != now.UnixMilli() {
					t.Fatalf("next = %+v, want ids %v at version 4", next, tt.wantKeep)
				}
			}
		})
	}
}

func TestSettingsBounds(t *testing.T) {
	for _, s := range []Settings{{0, 7}, {MaxCapLimit + 1, 7}, {3, 0}, {3, MaxCapWindowDays + 1}} {
		if bo.ErrorCode(s.validate()) != bo.EINVALID {
			t.Errorf("%+v accepted", s)
		}
	}
	if err := DefaultSettings.validate(); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
}

func TestSegments(t *testing.T) {
	m := Message{Audience: Audience{Status: bo.MemberJoined, ContractIDs: []string{"c1", "c2"}, CourseIDs: []string{"k1"}}}
	got := segmentsOf(m, []string{"p1", "p2"})
	want := []segment{{"p1", "c1", "k1"}, {"p1", "c2", "k1"}, {"p2", "c1", "k1"}, {"p2", "c2", "k1"}}
	if !slices.Equal(got, want) {
		t.Fatalf("segments = %v, want %v", got, want)
	}
	if got := segmentsOf(Message{Audience: Audience{Status: bo.MemberJoined}}, []string{"p1"}); !slices.Equal(got, []segment{{program: "p1"}}) {
		t.Fatalf("unfiltered segments = %v", got)
	}
	listed := Message{Audience: Audience{Learners: &LearnerList{ProgramID: "p2", Emails: []string{"a@b.c"}}}}
	if got := segmentsOf(listed, []string{"p2"}); !slices.Equal(got, []segment{{program: "p2"}}) {
		t.Fatalf("listed segments = %v", got)
	}
}

func TestPresetsAreValidMessages(t *testing.T) {
	seen := map[bo.MemberStatus]bool{}
	for _, p := range Presets {
		cta := p.CallToAction
		m := Message{Subject: p.Subject, Content: p.Content, CallToAction: &cta, SenderName: "x", ReplyTo: ReplyToNoReply,
			Audience: Audience{Status: p.Status}}
		if err := validate(m); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
		if seen[p.Status] {
			t.Errorf("preset %s: a second preset for %s", p.Name, p.Status)
		}
		seen[p.Status] = true
	}
	want := []bo.MemberStatus{bo.MemberInvitedNever, bo.MemberNoEnrollments, bo.MemberNoCompletions, bo.MemberInactive30, bo.MemberCompleted30}
	for _, s := range want {
		if !seen[s] {
			t.Errorf("no preset for %s", s)
		}
	}
}
