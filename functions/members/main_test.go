package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/learnops/backoffice/shared/wire"
	"github.com/learnops/backoffice/shared/wire/wiretest"
)

// TestSampleEvents replays events/members on a program with two members.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	h := wire.Members(w.AWS, w.Conf, slog.New(slog.DiscardHandler))
	w.Replay(t, "members", h, []wiretest.Case{
		{File: "list.json", Status: 200, Want: []string{`"email":"ann@acme.edu"`, `"email":"jo@acme.edu"`, `"read":2`}},
		{File: "remove.json", Status: 200, Want: []string{`"state":"DELETED_MEMBER"`, `"allowReturn":true`, `"removedAt":`}},
		{File: "remove.json", Status: 409, Want: []string{`"code":"conflict"`}},
		{File: "remove-many.json", Status: 200, Want: []string{`{"email":"ann@acme.edu","removed":true}`, `"email":"nobody@acme.edu","removed":false`}},
	})
	c, _ := w.Store.GetContract(context.Background(), w.Org.ID, w.Contract.ID)
	if c.Used != 0 {
		t.Fatalf("licences still used after removing both members: %d", c.Used)
	}
}
