package audit

import (
	"context"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// request is who is behind a request and which request it is, as the
// adapter that received it saw them. The role is learnt later, when the
// caller's access to an org is read (SetRole).
type request struct {
	mu        sync.Mutex
	actor     Actor
	requestID string
	sourceIP  string
}

type requestKey struct{}

// WithCaller returns ctx carrying the caller, the request's id and its
// source address, for the records of the changes the request makes. The
// HTTP adapter calls it once a request; a platform operator's role is set
// from the start.
func WithCaller(ctx context.Context, caller bo.Caller, requestID, sourceIP string) context.Context {
	r := &request{actor: Actor{Subject: caller.Subject, Email: caller.Email}, requestID: requestID, sourceIP: sourceIP}
	if e, err := bo.ParseEmail(caller.Email); err == nil {
		r.actor.Email = e.Display
	}
	if caller.IsOperator() {
		r.actor.Role = RoleOperator
	}
	return context.WithValue(ctx, requestKey{}, r)
}

// WithActor returns ctx carrying an actor with no request: background work
// acting for the person who started it (an import, a message's sending).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, requestKey{}, &request{actor: a})
}

// SetRole records the role the caller of ctx acts in (an admin role, once
// their access to the org is known). It does nothing on a ctx without a
// caller, and keeps a platform operator's role.
func SetRole(ctx context.Context, role string) {
	r, ok := ctx.Value(requestKey{}).(*request)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.actor.Role != RoleOperator || role == RoleOperator {
		r.actor.Role = role
	}
}

// ActorOf returns the actor of ctx: its caller with their role, or the
// platform itself (RoleSystem) when ctx carries none.
func ActorOf(ctx context.Context) Actor {
	r, ok := ctx.Value(requestKey{}).(*request)
	if !ok {
		return Actor{Role: RoleSystem}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.actor
}

// New returns a record of action on target in the org at the given time,
// by the actor of ctx, with its request id and source address, and a new
// id. The caller adds ProgramID and Changes.
func New(ctx context.Context, at time.Time, orgID, action string, target Target) Record {
	rec := Record{
		ID: bo.NewID("aud", at), OrgID: orgID, At: at.UTC(), Actor: ActorOf(ctx), Action: action, Target: target,
		Changes: []Change{},
	}
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		rec.RequestID, rec.SourceIP = r.requestID, r.sourceIP
	}
	return rec
}

// pending is a record waiting for the write of the change it describes.
type pending struct {
	mu      sync.Mutex
	rec     Record
	busy    bool
	written bool
}

type pendingKey struct{}

// Attach returns ctx carrying rec for the store to write with the next
// change made under it: the store's first transaction that succeeds under
// the returned ctx carries the record, and later ones do not. A change
// refused by a condition writes no record, and the next attempt may carry
// it.
func Attach(ctx context.Context, rec Record) context.Context {
	return context.WithValue(ctx, pendingKey{}, &pending{rec: rec})
}

// Claim returns the record attached to ctx that no write has carried yet,
// and done, to be called with whether the write that carried it succeeded.
// ok is false when there is no such record (none attached, written
// already, or being written by another write at this moment).
func Claim(ctx context.Context) (rec Record, done func(written bool), ok bool) {
	p, found := ctx.Value(pendingKey{}).(*pending)
	if !found {
		return Record{}, nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy || p.written {
		return Record{}, nil, false
	}
	p.busy = true
	return p.rec, func(written bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.busy, p.written = false, written
	}, true
}

// Written reports whether the record attached to ctx has been written.
func Written(ctx context.Context) bool {
	p, found := ctx.Value(pendingKey{}).(*pending)
	if !found {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}

// For returns ctx carrying a record (Attach) of action on target in the
// org, made at at by the actor of ctx (New), about the program (""
// for the org as a whole), with the fields changed. The store writes it
// with the next change made under the returned ctx.
func For(ctx context.Context, at time.Time, orgID, programID, action string, target Target, changes []Change) context.Context {
	rec := New(ctx, at, orgID, action, target)
	rec.ProgramID = programID
	if changes != nil {
		rec.Changes = changes
	}
	return Attach(ctx, rec)
}
