package audit

import (
	"context"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestDiff(t *testing.T) {
	type program struct {
		Name    string            `json:"name"`
		Limit   int               `json:"limit"`
		Token   string            `json:"inviteToken"`
		Tags    []string          `json:"tags"`
		Nested  map[string]string `json:"nested"`
		Updated string            `json:"updatedAt"`
	}
	a := program{Name: "Data", Limit: 3, Token: "t1", Tags: []string{"x"}, Nested: map[string]string{"apiSecret": "s", "k": "v"}, Updated: "1"}
	tests := []struct {
		name          string
		before, after any
		skip          []string
		want          []Change
	}{
		{name: "nothing changed", before: a, after: a, want: []Change{}},
		{name: "a field changed, a skipped one and a secret one left out",
			before: a, after: func() program { b := a; b.Name, b.Token, b.Updated = "Data 2", "t2", "2"; return b }(),
			skip: []string{"updatedAt"}, want: []Change{{Field: "name", Old: "Data", New: "Data 2"}}},
		{name: "a creation shows every field but secrets; nested secrets are scrubbed",
			before: nil, after: a, skip: []string{"updatedAt"},
			want: []Change{{Field: "limit", New: "3"}, {Field: "name", New: "Data"}, {Field: "nested", New: `{"k":"v"}`}, {Field: "tags", New: `["x"]`}}},
		{name: "a deletion shows the old values", before: map[string]any{"domain": "acme.com"}, after: nil,
			want: []Change{{Field: "domain", Old: "acme.com"}}},
		{name: "a nil pointer is nothing", before: (*program)(nil), after: map[string]any{"n": 1},
			want: []Change{{Field: "n", New: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.before, tt.after, tt.skip...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestIsSecretAndSet(t *testing.T) {
	for field, want := range map[string]bool{
		"token": true, "inviteToken": true, "clientSecret": true, "password": true, "tokenHash": true,
		"name": false, "email": false, "contractId": false,
	} {
		if got := IsSecret(field); got != want {
			t.Errorf("IsSecret(%q) = %v, want %v", field, got, want)
		}
	}
	got := Set("rows", "10", "signingSecret", "s", "status", "done")
	want := []Change{{Field: "rows", New: "10"}, {Field: "status", New: "done"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Set = %v, want %v", got, want)
	}
}

func TestNewReadsTheCallerOfTheRequest(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		ctx    func() context.Context
		role   string
		want   Actor
		reqID  string
		source string
	}{
		{name: "an admin, role learnt later",
			ctx: func() context.Context {
				return WithCaller(context.Background(), bo.Caller{Subject: "s1", Email: "Ada@Acme.edu"}, "req-1", "203.0.113.9")
			},
			role: string(bo.RoleOrgAdmin), want: Actor{Subject: "s1", Email: "Ada@acme.edu", Role: "org_admin"}, reqID: "req-1", source: "203.0.113.9"},
		{name: "an operator keeps their role",
			ctx: func() context.Context {
				return WithCaller(context.Background(), bo.Caller{Subject: "op", Email: "op@x.com", Groups: []string{bo.GroupPlatformOperators}}, "r", "")
			},
			role: string(bo.RoleOrgAdmin), want: Actor{Subject: "op", Email: "op@x.com", Role: RoleOperator}, reqID: "r"},
		{name: "background work for someone",
			ctx: func() context.Context {
				return WithActor(context.Background(), Actor{Subject: "s", Email: "a@b.co", Role: "program_admin"})
			},
			want: Actor{Subject: "s", Email: "a@b.co", Role: "program_admin"}},
		{name: "the platform itself", ctx: context.Background, role: "org_admin", want: Actor{Role: RoleSystem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx()
			if tt.role != "" {
				SetRole(ctx, tt.role)
			}
			r := New(ctx, at, "org_1", ProgramCreate, Target{Type: TargetProgram, ID: "prg_1"})
			if r.Actor != tt.want || r.RequestID != tt.reqID || r.SourceIP != tt.source {
				t.Errorf("record by %+v request %q from %q, want %+v %q %q", r.Actor, r.RequestID, r.SourceIP, tt.want, tt.reqID, tt.source)
			}
			if !r.At.Equal(at) || !strings.HasPrefix(r.ID, "aud_") || r.OrgID != "org_1" {
				t.Errorf("record %+v", r)
			}
		})
	}
}

func TestClaimCarriesARecordOnce(t *testing.T) {
	if _, _, ok := Claim(context.Background()); ok {
		t.Fatal("a record claimed from a ctx without one")
	}
	ctx := For(context.Background(), time.Unix(0, 0), "org_1", "", AdminAdd, Target{Type: TargetAdmin, ID: "a@b.co"}, nil)
	rec, done, ok := Claim(ctx)
	if !ok || rec.Action != AdminAdd || rec.Changes == nil {
		t.Fatalf("claim: %v %+v", ok, rec)
	}
	if _, _, ok := Claim(ctx); ok {
		t.Error("a record being written was claimed by a second write")
	}
	done(false) // the write was refused: nothing was written
	if Written(ctx) {
		t.Error("a refused write counts as written")
	}
	_, done, ok = Claim(ctx)
	if !ok {
		t.Fatal("a record whose write was refused cannot be claimed again")
	}
	done(true)
	if _, _, ok := Claim(ctx); ok || !Written(ctx) {
		t.Error("a written record was claimed again")
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	recs := []Record{{ID: "aud_1", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Actor: Actor{Email: "=cmd@x.co", Role: "org_admin"},
		Action: ProgramUpdate, Target: Target{Type: TargetProgram, ID: "prg_1"}, ProgramID: "prg_1",
		Changes: []Change{{Field: "name", Old: "a", New: "+SUM(A1)"}}, RequestID: "@r", SourceIP: "-1"}}
	out := WriteCSV(recs)
	if !strings.HasPrefix(string(out), csvBOM) {
		t.Error("no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(out), csvBOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], Columns) || len(rows) != 2 {
		t.Fatalf("rows %q", rows)
	}
	got := map[string]string{}
	for i, c := range Columns {
		got[c] = rows[1][i]
	}
	for col, want := range map[string]string{"actorEmail": "'=cmd@x.co", "changes": "name: a -> +SUM(A1)", "requestId": "'@r", "sourceIp": "'-1", "at": "2026-01-02T03:04:05Z"} {
		if got[col] != want {
			t.Errorf("%s = %q, want %q", col, got[col], want)
		}
	}
}

const csvBOM = "\ufeff"
