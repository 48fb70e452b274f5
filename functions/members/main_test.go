package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/wire"
	"github.com/learnops/backoffice/shared/wire/wiretest"
)

// TestSampleEvents replays events/members on a program with two members.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	h := wire.Members(w.AWS, w.Conf, slog.New(slog.DiscardHandler))
	tests := []struct {
		file   string
		status int
		want   []string
	}{
		{"remove.json", 200, []string{`"state":"DELETED_MEMBER"`, `"allowReturn":true`, `"removedAt":`}},
		{"remove.json", 409, []string{`"code":"conflict"`}},
		{"remove-many.json", 200, []string{`{"email":"ann@acme.edu","removed":true}`, `"email":"nobody@acme.edu","removed":false`}},
	}
	if got := wiretest.Samples(t, "members"); len(got) != 2 {
		t.Fatalf("events/members has %v; the test knows 2", got)
	}
	for _, tt := range tests {
		var ev events.APIGatewayV2HTTPRequest
		w.Event(t, "members", tt.file, &ev, nil)
		res, err := h(context.Background(), ev)
		if err != nil || res.StatusCode != tt.status {
			t.Fatalf("%s: %d %s (%v), want %d", tt.file, res.StatusCode, res.Body, err, tt.status)
		}
		for _, want := range tt.want {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: %s lacks %s", tt.file, res.Body, want)
			}
		}
	}
	c, _ := w.Store.GetContract(context.Background(), w.Org.ID, w.Contract.ID)
	if c.Used != 0 {
		t.Fatalf("licences still used after removing both members: %d", c.Used)
	}
}
