package members_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

// resendRules are the rules over fakes: reach by email key, and a cap
// that admits the keys in admit.
type resendRules struct {
	reach map[string]bo.Reach
	admit map[string]bool
}

func (r resendRules) Reachability(_ context.Context, _ string, keys []string) (map[string]bo.Reach, error) {
	out := map[string]bo.Reach{}
	for _, k := range keys {
		if why, ok := r.reach[k]; ok {
			out[k] = why
		}
	}
	return out, nil
}

func (r resendRules) Admit(_ context.Context, _, emailKey, emailID string, _ time.Time) (bool, error) {
	if !strings.HasPrefix(emailID, "invitation-resend/rsd_") {
		return false, errors.New("the cap's email id is not the resend's")
	}
	return r.admit[emailKey], nil
}

// fakeResender records the invitations resent.
type fakeResender struct {
	mu   sync.Mutex
	sent []string
	fail error
}

func (f *fakeResender) ResendPending(_ context.Context, _ bo.Program, l bo.Learner, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, l.EmailKey)
	return nil
}

type programs struct{}

func (programs) GetProgram(_ context.Context, orgID, programID string) (bo.Program, error) {
	return bo.Program{ID: programID, OrgID: orgID}, nil
}

// pickStore answers GetLearners from a map.
type pickStore struct {
	fakeStore
	learners map[string]bo.Learner
}

func (p pickStore) GetLearners(_ context.Context, _ string, keys []string) (map[string]bo.Learner, error) {
	out := map[string]bo.Learner{}
	for _, k := range keys {
		if l, ok := p.learners[k]; ok {
			out[k] = l
		}
	}
	return out, nil
}

// TestResendKeepsTheRules: a resend of the view's selection or of picked
// addresses sends each pending invitation again unless the reminders'
// rules or the cap hold it back, and counts every learner once by outcome.
func TestResendKeepsTheRules(t *testing.T) {
	learner := func(key string, st bo.LearnerState, undeliverable bool) bo.Learner {
		return bo.Learner{OrgID: "org_1", ProgramID: "prg_1", Email: key, EmailKey: key, State: st, Undeliverable: undeliverable}
	}
	all := map[string]bo.Learner{
		"ada@acme.edu": learner("ada@acme.edu", bo.StateInvited, false),
		"bob@acme.edu": learner("bob@acme.edu", bo.StateInvited, false),
		"cy@acme.edu":  learner("cy@acme.edu", bo.StateInvited, false),
		"dee@acme.edu": learner("dee@acme.edu", bo.StateInvited, true),
		"eve@acme.edu": learner("eve@acme.edu", bo.StateInvited, false),
		"fay@acme.edu": learner("fay@acme.edu", bo.StateMember, false),
	}
	rules := resendRules{
		reach: map[string]bo.Reach{"bob@acme.edu": bo.Suppressed, "cy@acme.edu": bo.Unsubscribed},
		admit: map[string]bool{"ada@acme.edu": true},
	}
	tests := []struct {
		name    string
		sel     members.ResendSelection
		sent    []string
		resent  int
		skipped map[string]int
	}{
		{"the view's pending invitations", members.ResendSelection{}, []string{"ada@acme.edu"}, 1,
			map[string]int{members.SkipSuppressed: 1, members.SkipUnsubscribed: 1, members.SkipUndeliverable: 1, members.SkipCapped: 1}},
		{"picked addresses", members.ResendSelection{Emails: []string{"ADA@acme.edu", "fay@acme.edu", "zed@acme.edu", "ada@acme.edu"}}, []string{"ada@acme.edu"}, 1,
			map[string]int{members.SkipNotPending: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newExportWorld(t, 0)
			var streamed bo.MemberQuery
			view := pickStore{learners: all, fakeStore: fakeStore{stream: func(_ context.Context, q bo.MemberQuery, fn func([]bo.Learner) error) error {
				streamed = q
				var batch []bo.Learner
				for _, k := range slices.Sorted(maps.Keys(all)) {
					if all[k].State == bo.StateInvited {
						batch = append(batch, all[k])
					}
				}
				return fn(batch)
			}}}
			svc := members.NewService(view, fakeAuth{}, nil, "https://learn.example.com")
			svc.Now, svc.Log = func() time.Time { return now }, slog.New(slog.DiscardHandler)
			sender := &fakeResender{}
			x := members.NewResends(svc, w.store, programs{}, sender, rules, w.work)
			r, err := x.Create(t.Context(), boss, "org_1", "prg_1", tt.sel)
			if err != nil || r.Status != members.ExportQueued || !strings.HasPrefix(r.ID, "rsd_") {
				t.Fatalf("Create = %+v, %v", r, err)
			}
			if len(w.sent) != 1 || w.sent[0].Kind != members.WorkInvitationResend || w.sent[0].ExportID != r.ID {
				t.Fatalf("work sent %+v", w.sent)
			}
			body, _ := json.Marshal(w.sent[0])
			if err := x.Handle(t.Context(), string(body)); err != nil {
				t.Fatal(err)
			}
			got, err := x.Get(t.Context(), boss, "org_1", "prg_1", r.ID)
			if err != nil {
				t.Fatal(err)
			}
			considered := tt.resent
			for _, n := range tt.skipped {
				considered += n
			}
			if got.Status != members.ExportDone || got.Resent != tt.resent || !maps.Equal(got.Skipped, tt.skipped) || got.Considered != considered {
				t.Errorf("resend %+v, want %d resent, skipped %v", got, tt.resent, tt.skipped)
			}
			if !slices.Equal(sender.sent, tt.sent) {
				t.Errorf("resent %v, want %v", sender.sent, tt.sent)
			}
			if len(tt.sel.Emails) == 0 && (streamed.Status != bo.MemberInvitedNever) {
				t.Errorf("streamed %+v, want the invited_not_joined selection", streamed)
			}
			// The export route does not show it.
			if _, err := w.x.Get(t.Context(), boss, "org_1", "prg_1", r.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
				t.Errorf("the export route shows a resend: %v", err)
			}
		})
	}
}

// TestResendRefuses: bad selections and other callers write nothing.
func TestResendRefuses(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		sel    members.ResendSelection
		code   string
	}{
		{"picks with a filter", boss, members.ResendSelection{Emails: []string{"ada@acme.edu"}, Search: "a"}, bo.EINVALID},
		{"a bad address", boss, members.ResendSelection{Emails: []string{"ada"}}, bo.EINVALID},
		{"too many picks", boss, members.ResendSelection{Emails: slices.Repeat([]string{"ada@acme.edu"}, members.MaxSelectedLearners+1)}, bo.EINVALID},
		{"too many contracts", boss, members.ResendSelection{ContractIDs: manyIDs(members.MaxFilterIDs + 1)}, bo.EINVALID},
		{"not an admin of the program", bo.Caller{Subject: "other"}, members.ResendSelection{}, bo.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newExportWorld(t, 0)
			svc := members.NewService(fakeStore{}, fakeAuth{}, nil, "")
			svc.Now = func() time.Time { return now }
			x := members.NewResends(svc, w.store, programs{}, &fakeResender{}, resendRules{}, w.work)
			if _, err := x.Create(t.Context(), tt.caller, "org_1", "prg_1", tt.sel); bo.ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if len(w.exports) != 0 || len(w.sent) != 0 {
				t.Fatalf("a refused resend wrote %v, sent %v", w.exports, w.sent)
			}
		})
	}
}
