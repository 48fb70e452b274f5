package messaging

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestCreateDraft(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		caller func(w *world) bo.Caller
		draft  Draft
		code   string
		check  func(t *testing.T, m Message)
	}{
		{
			name: "a preset's defaults, from the author", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Preset: PresetRemindToJoin},
			check: func(t *testing.T, m Message) {
				p, _ := presetNamed(PresetRemindToJoin)
				if m.Status != StatusDraft || m.Audience.Status != bo.MemberInvitedNever || m.Subject != p.Subject || m.Content != p.Content ||
					m.CallToAction == nil || m.CallToAction.URL != PlaceholderProgramURL || m.SenderName != "Dean Moriarty" ||
					m.ReplyTo != ReplyToAuthor || m.Author.Email != "Dean@acme.edu" || len(m.Audience.ProgramIDs) != 0 {
					t.Fatalf("draft %+v", m)
				}
			},
		},
		{
			name: "a preset edited, with filters", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Preset: PresetCongratulate, Change: Change{Subject: ptr("  Well done, {{learnerName}}  "),
				Audience: &Audience{ProgramIDs: []string{"p2"}, CourseIDs: []string{"c1"}}, ReplyTo: ReplyToNoReply,
				CallToAction: &CallToAction{}, SenderName: ptr("The L&D team")}},
			check: func(t *testing.T, m Message) {
				if m.Audience.Status != bo.MemberCompleted30 || m.Subject != "Well done, {{learnerName}}" || m.CallToAction != nil ||
					m.ReplyTo != ReplyToNoReply || m.SenderName != "The L&D team" || m.Audience.ProgramIDs[0] != "p2" {
					t.Fatalf("draft %+v", m)
				}
			},
		},
		{
			name: "a custom message to learners picked by hand, emails deduplicated", caller: func(w *world) bo.Caller { return w.pa },
			draft: Draft{Change: Change{Subject: ptr("Hello"), Content: ptr("Hi"),
				Audience: &Audience{Learners: &LearnerList{ProgramID: "p1", Emails: []string{"Ann@ACME.edu", "ann@acme.edu", "bob@acme.edu"}}}}},
			check: func(t *testing.T, m Message) {
				if got := m.Audience.Learners.Emails; len(got) != 2 || got[0] != "Ann@acme.edu" || m.SenderName != "pa@acme.edu" {
					t.Fatalf("draft %+v", m)
				}
			},
		},
		{
			name: "a program admin's audience is their programs", caller: func(w *world) bo.Caller { return w.pa },
			draft: Draft{Preset: PresetRemindToEnroll},
			check: func(t *testing.T, m Message) {
				if len(m.Audience.ProgramIDs) != 1 || m.Audience.ProgramIDs[0] != "p1" {
					t.Fatalf("programs %v, want [p1]", m.Audience.ProgramIDs)
				}
			},
		},
		{
			name: "a program admin naming another program", caller: func(w *world) bo.Caller { return w.pa },
			draft: Draft{Preset: PresetRemindToEnroll, Change: Change{Audience: &Audience{ProgramIDs: []string{"p1", "p2"}}}},
			code:  bo.EFORBIDDEN,
		},
		{
			name: "a program admin picking learners of another program", caller: func(w *world) bo.Caller { return w.pa },
			draft: Draft{Preset: PresetRemindToEnroll, Change: Change{Audience: &Audience{Learners: &LearnerList{ProgramID: "p2", Emails: []string{"a@acme.edu"}}}}},
			code:  bo.EFORBIDDEN,
		},
		{
			name: "a program of another org", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Preset: PresetRemindToEnroll, Change: Change{Audience: &Audience{ProgramIDs: []string{"other"}}}},
			code:  bo.ENOTFOUND,
		},
		{
			name: "an unknown preset", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Preset: "newsletter"}, code: bo.EINVALID,
		},
		{
			name: "a status that is not the preset's", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Preset: PresetRemindToJoin, Change: Change{Audience: &Audience{Status: bo.MemberJoined}}}, code: bo.EINVALID,
		},
		{
			name: "a custom message without its text", caller: func(w *world) bo.Caller { return w.boss },
			draft: Draft{Change: Change{Audience: &Audience{Status: bo.MemberJoined}}}, code: bo.EINVALID,
		},
		{
			name: "no admin of the org", caller: func(w *world) bo.Caller { return bo.Caller{Email: "x@evil.example", EmailVerified: true} },
			draft: Draft{Preset: PresetRemindToJoin}, code: bo.EFORBIDDEN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			m, err := w.svc.Create(ctx, tt.caller(w), "org1", tt.draft)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if err != nil {
				if len(w.store.messages) != 0 {
					t.Fatal("a refused draft was stored")
				}
				return
			}
			tt.check(t, m)
			stored, _ := w.store.GetMessage(ctx, "org1", m.ID)
			if stored.Subject != m.Subject || stored.Version != 1 {
				t.Fatalf("stored %+v", stored)
			}
		})
	}
}

func TestMessagesOfOtherProgramsAreHiddenFromProgramAdmins(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	all, err := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin})
	if err != nil {
		t.Fatal(err)
	}
	own, err := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin, Change: Change{Audience: &Audience{ProgramIDs: []string{"p1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Get(ctx, w.pa, "org1", all.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("a program admin read a message to every program: %v", err)
	}
	if _, err := w.svc.Get(ctx, w.pa, "org1", own.ID); err != nil {
		t.Fatalf("a program admin cannot read a message to their program: %v", err)
	}
	if _, err := w.svc.Send(ctx, w.pa, "org1", all.ID, true); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("a program admin sent a message to every program: %v", err)
	}
}

func TestUpdateDraft(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	m, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin})
	up, err := w.svc.Update(ctx, w.boss, "org1", m.ID, Change{Content: ptr("New {{orgName}}"), CallToAction: &CallToAction{}})
	if err != nil || up.Content != "New {{orgName}}" || up.CallToAction != nil || up.Subject != m.Subject || up.Version != 2 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if _, err := w.svc.Update(ctx, w.boss, "org1", m.ID, Change{Subject: ptr("")}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("blank subject: %v", err)
	}
	if _, err := w.svc.Send(ctx, w.boss, "org1", m.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Update(ctx, w.boss, "org1", m.ID, Change{Subject: ptr("Late")}); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("edit after sending: %v, want conflict", err)
	}
}

func TestSendOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	m, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin})
	_, err := w.svc.Send(ctx, w.boss, "org1", m.ID, false)
	if d := bo.ErrorDetails(err); bo.ErrorCode(err) != bo.EINVALID || len(d) != 1 || d[0].Field != "acceptTerms" {
		t.Fatalf("send without accepting the terms: %v", err)
	}

	// Twenty sends at once: one wins, the others are told it was sent.
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 20 {
		wg.Go(func() {
			_, err := w.svc.Send(ctx, w.boss, "org1", m.ID, true)
			mu.Lock()
			codes[bo.ErrorCode(err)]++
			mu.Unlock()
			if err != nil && !strings.Contains(bo.ErrorMessage(err), "sending it again does nothing") {
				t.Errorf("message of a second send: %v", err)
			}
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[bo.ECONFLICT] != 19 || len(w.plans.items) != 1 {
		t.Fatalf("codes %v and %d plan items; want one send and one plan item", codes, len(w.plans.items))
	}
	got, _ := w.store.GetMessage(ctx, "org1", m.ID)
	if got.Status != StatusSending || len(got.Targets) != 2 || got.SendingAt == nil {
		t.Fatalf("message after sending: %+v (every program of the org is a target)", got)
	}

	// A plan that cannot be queued leaves a draft that can be sent again.
	m2, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin})
	w.plans.fail = errors.New("queue down")
	if _, err := w.svc.Send(ctx, w.boss, "org1", m2.ID, true); err == nil {
		t.Fatal("send with the plan queue down succeeded")
	}
	if got, _ := w.store.GetMessage(ctx, "org1", m2.ID); got.Status != StatusDraft {
		t.Fatalf("status after a failed send: %s, want draft", got.Status)
	}
	w.plans.fail = nil
	if _, err := w.svc.Send(ctx, w.boss, "org1", m2.ID, true); err != nil {
		t.Fatalf("second try: %v", err)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if s, err := w.svc.Settings(ctx, w.pa, "org1"); err != nil || s != DefaultSettings {
		t.Fatalf("default settings = %+v, %v", s, err)
	}
	if _, err := w.svc.PutSettings(ctx, w.pa, "org1", Settings{CapLimit: 5, CapWindowDays: 7}); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("a program admin changed the cap: %v", err)
	}
	if _, err := w.svc.PutSettings(ctx, w.boss, "org1", Settings{CapLimit: 0, CapWindowDays: 7}); bo.ErrorCode(err) != bo.EINVALID {
		t.Fatalf("a cap of 0: %v", err)
	}
	if _, err := w.svc.PutSettings(ctx, w.boss, "org1", Settings{CapLimit: 5, CapWindowDays: 14}); err != nil {
		t.Fatal(err)
	}
	if s, _ := w.svc.Settings(ctx, w.boss, "org1"); s != (Settings{CapLimit: 5, CapWindowDays: 14}) {
		t.Fatalf("settings = %+v", s)
	}
}

func TestPreview(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.members("p1", "inv", 3, bo.Learner{State: bo.StateInvited})
	w.members("p2", "inv", 2, bo.Learner{State: bo.StateInvited}) // the same two people, in p2 too
	w.store.addLearner("p2", bo.Learner{Email: "Zed@acme.edu", FullName: `Zed "<b>"`, State: bo.StateInvited})
	m, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin,
		Change: Change{Content: ptr("Hi {{learnerName}}, join {{programName}} of {{orgName}}: {{programUrl}}")}})

	p, err := w.svc.Preview(ctx, w.boss, "org1", m.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Recipient != (Recipient{Email: "inv0000@acme.edu", Name: "Learner inv0", ProgramID: "p1"}) || p.Audience != (AudienceCount{Count: 4, Complete: true}) {
		t.Fatalf("preview recipient %+v, audience %+v; want the first invitee and 4 addresses", p.Recipient, p.Audience)
	}
	if p.Subject != "Your invitation to Data Skills is waiting" ||
		!strings.Contains(p.Text, "Hi Learner inv0, join Data Skills of Acme: https://learn.example.com/programs/data-skills") ||
		!strings.Contains(p.HTML, `href="https://learn.example.com/programs/data-skills"`) || !strings.Contains(p.HTML, PreviewUnsubscribeURL) {
		t.Fatalf("preview %q\n%s\n%s", p.Subject, p.Text, p.HTML)
	}

	z, err := w.svc.Preview(ctx, w.boss, "org1", m.ID, "ZED@acme.edu")
	if err != nil || z.Recipient.ProgramID != "p2" || !strings.Contains(z.HTML, "Hi Zed &#34;&lt;b&gt;&#34;, join Leadership") {
		t.Fatalf("preview for Zed: %+v, %v", z.Recipient, err)
	}
	if _, err := w.svc.Preview(ctx, w.boss, "org1", m.ID, "nobody@acme.edu"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("preview for a stranger: %v", err)
	}

	empty, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetCongratulate})
	s, err := w.svc.Preview(ctx, w.boss, "org1", empty.ID, "")
	if err != nil || !s.Recipient.Sample || s.Audience.Count != 0 || !s.Audience.Complete || !strings.Contains(s.Text, "Ada Lovelace") {
		t.Fatalf("preview of an empty audience: %+v, %v", s, err)
	}
}

// TestPreviewShowsTheLogo: the preview of a message of an org with a logo
// shows it from the API's public logo route, as the mailer will; without
// a logo, or without the base URL, there is none.
func TestPreviewShowsTheLogo(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.members("p1", "inv", 1, bo.Learner{State: bo.StateInvited})
	m, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToJoin})
	img := `<img src="https://api.example.com/v1/orgs/org1/logo" alt="Acme"`
	for _, tt := range []struct {
		name    string
		logoKey string
		base    string
		want    bool
	}{
		{"logo", "logos/org1/logo_1", "https://api.example.com", true},
		{"no logo", "", "https://api.example.com", false},
		{"no base", "logos/org1/logo_1", "", false},
	} {
		org := w.store.orgs["org1"]
		org.Brand.LogoKey = tt.logoKey
		w.store.orgs["org1"] = org
		w.svc.cfg.PublicBaseURL = tt.base
		p, err := w.svc.Preview(ctx, w.boss, "org1", m.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(p.HTML, img); got != tt.want || (!tt.want && strings.Contains(p.HTML, "<img")) {
			t.Errorf("%s: logo shown %v, want %v:\n%s", tt.name, got, tt.want, p.HTML)
		}
	}
}

func TestPreviewCountStopsAtItsBudget(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.members("p1", "m", PreviewBudget+1, bo.Learner{State: bo.StateMember})
	m, _ := w.svc.Create(ctx, w.boss, "org1", Draft{Preset: PresetRemindToEnroll})
	p, err := w.svc.Preview(ctx, w.boss, "org1", m.ID, "")
	if err != nil || p.Audience != (AudienceCount{Count: PreviewBudget, Complete: false}) {
		t.Fatalf("audience %+v, %v; want the budget, incomplete", p.Audience, err)
	}
}

func TestUnsubscriber(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	s.orgs["org1"] = bo.Org{ID: "org1", Name: "Acme"}
	u := NewUnsubscriber(verifier{}, s)
	sub, err := u.Lookup(ctx, "org1:ann@acme.edu")
	if err != nil || sub != (Subscription{OrgName: "Acme", Email: "ann@acme.edu"}) || len(s.optOuts) != 0 {
		t.Fatalf("lookup = %+v, %v (opt-outs %v)", sub, err, s.optOuts)
	}
	for range 2 {
		if _, err := u.OptOut(ctx, "org1:ann@acme.edu"); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.optOuts["org1/ann@acme.edu"]; !ok || len(s.optOuts) != 1 {
		t.Fatalf("opt-outs %v", s.optOuts)
	}
	if _, err := u.OptOut(ctx, "forged"); bo.ErrorCode(err) != bo.EINVALID || len(s.optOuts) != 1 {
		t.Fatalf("a forged token: %v", err)
	}
	if sub, err := u.OptOut(ctx, "gone:bob@acme.edu"); err != nil || sub.OrgName != "" {
		t.Fatalf("an org that is gone: %+v, %v", sub, err)
	}
}

// verifier accepts tokens "<org>:<email key>".
type verifier struct{}

func (verifier) Verify(token string) (string, string, error) {
	org, email, ok := strings.Cut(token, ":")
	if !ok {
		return "", "", bo.Invalid("invalid unsubscribe link")
	}
	return org, email, nil
}
