package messaging

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// ListMessages lists the org's messages newest first (ids sort by time),
// as the DynamoDB store does.
func (s *memStore) ListMessages(_ context.Context, orgID string, status Status, after string, limit int) ([]Message, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []Message
	for k, m := range s.messages {
		if strings.HasPrefix(k, orgID+"/") && (after == "" || m.ID < after) {
			all = append(all, roundTrip(m))
		}
	}
	slices.SortFunc(all, func(a, b Message) int { return strings.Compare(b.ID, a.ID) })
	var out []Message
	for i, m := range all {
		if status != "" && m.Status != status {
			continue
		}
		out = append(out, m)
		if len(out) == limit {
			if i == len(all)-1 {
				return out, "", nil
			}
			return out, m.ID, nil
		}
	}
	return out, "", nil
}

func (s *memStore) DeleteDraft(_ context.Context, orgID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[orgID+"/"+id]
	if !ok || m.Status != StatusDraft {
		return bo.Errorf(bo.ECONFLICT, "not a draft")
	}
	delete(s.messages, orgID+"/"+id)
	return nil
}

func TestListDiscardAndTerms(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc, boss, pa := w.svc, w.boss, w.pa
	// Message ids sort by their creation's millisecond: each call is a
	// second later.
	svc.Now = func() time.Time { w.now = w.now.Add(time.Second); return w.now }
	draft := func(c bo.Caller, programs ...string) Message {
		m, err := svc.Create(ctx, c, "org1", Draft{Preset: PresetRemindToJoin, Change: Change{Audience: &Audience{ProgramIDs: programs}}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1, m2, m3 := draft(boss, "p1"), draft(boss, "p2"), draft(pa)
	sent, err := svc.Send(ctx, boss, "org1", m1.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if sent.TermsAcceptedBy != "Dean@acme.edu" || sent.TermsAcceptedAt == nil {
		t.Errorf("send records terms by %q at %v", sent.TermsAcceptedBy, sent.TermsAcceptedAt)
	}
	if got, _ := svc.Get(ctx, boss, "org1", m1.ID); got.TermsAcceptedBy != "Dean@acme.edu" || !got.TermsAcceptedAt.Equal(*got.SendingAt) {
		t.Errorf("stored terms %q at %v", got.TermsAcceptedBy, got.TermsAcceptedAt)
	}
	ids := func(p MessagesPage) []string {
		var out []string
		for _, m := range p.Items {
			out = append(out, m.ID)
		}
		return out
	}
	tests := []struct {
		name     string
		caller   bo.Caller
		q        ListQuery
		want     []string
		wantCode string
	}{
		{"org admin, all, newest first", boss, ListQuery{}, []string{m3.ID, m2.ID, m1.ID}, ""},
		{"drafts", boss, ListQuery{Status: StatusDraft}, []string{m3.ID, m2.ID}, ""},
		{"sending", boss, ListQuery{Status: StatusSending}, []string{m1.ID}, ""},
		{"a program's", boss, ListQuery{ProgramID: "p2"}, []string{m2.ID}, ""},
		{"program admin sees their programs' only", pa, ListQuery{}, []string{m3.ID, m1.ID}, ""},
		{"program admin, another program", pa, ListQuery{ProgramID: "p2"}, nil, bo.EFORBIDDEN},
		{"bad status", boss, ListQuery{Status: "lost"}, nil, bo.EINVALID},
		{"bad limit", boss, ListQuery{Limit: 101}, nil, bo.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := svc.List(ctx, tt.caller, "org1", tt.q)
			if bo.ErrorCode(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Fatalf("error %v, want %q", err, tt.wantCode)
			}
			if tt.wantCode == "" && !slices.Equal(ids(p), tt.want) {
				t.Errorf("got %v, want %v", ids(p), tt.want)
			}
		})
	}
	// Paging one at a time walks the same list.
	var walked []string
	for q := (ListQuery{Limit: 1}); ; {
		p, err := svc.List(ctx, boss, "org1", q)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, ids(p)...)
		if q.Cursor = p.NextCursor; q.Cursor == "" {
			break
		}
	}
	if !slices.Equal(walked, []string{m3.ID, m2.ID, m1.ID}) {
		t.Errorf("paged one at a time: %v", walked)
	}

	// Discard: a draft goes; a sent one, someone else's program or a
	// second discard do not.
	if err := svc.Discard(ctx, boss, "org1", m1.ID); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Errorf("discard a message being sent: %v", err)
	}
	if err := svc.Discard(ctx, pa, "org1", m2.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("program admin discards another program's draft: %v", err)
	}
	if err := svc.Discard(ctx, pa, "org1", m3.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Discard(ctx, pa, "org1", m3.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("discard again: %v", err)
	}
}
