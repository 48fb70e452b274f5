// Package audit is the audit log of the back office: who changed what in an
// organisation, when, from which request. A record is written by the store in
// the same transaction as the change it describes (see Attach and Claim), so
// that neither can exist without the other. The package knows nothing of
// Lambda, HTTP or DynamoDB.
package audit

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// DefaultRetention is how long records are kept when a stage names no
// retention: 400 days, a year and a margin for a yearly review.
const DefaultRetention = 400 * 24 * time.Hour

// Roles of actors besides the admin roles of backoffice.
const (
	// RoleOperator is a platform operator acting on an org (creating it).
	RoleOperator = "platform_operator"
	// RoleSystem is the platform acting on its own schedule (no person).
	RoleSystem = "system"
	// RoleLearner is a learner acting on their own membership (joining,
	// enrolling).
	RoleLearner = "learner"
)

// Action names: <what>.<verb>. Background work records its outcome with a
// second action ending in ".finished".
const (
	OrgCreate                = "org.create"
	AdminAdd                 = "admin.add"
	AdminRemove              = "admin.remove"
	ContractCreate           = "contract.create"
	ProgramCreate            = "program.create"
	ProgramUpdate            = "program.update"
	ProgramDelete            = "program.delete"
	ProgramDeleteFinished    = "program.delete.finished"
	CollectionCreate         = "collection.create"
	CollectionUpdate         = "collection.update"
	CollectionDelete         = "collection.delete"
	CollectionItemMove       = "collection.item.move"
	CollectionItemCopy       = "collection.item.copy"
	InvitationCreate         = "invitation.create"
	InvitationResend         = "invitation.resend"
	InvitationRevoke         = "invitation.revoke"
	InvitationImportStart    = "invitation_import.start"
	InvitationImportFinished = "invitation_import.finished"
	MemberRemove             = "member.remove"
	MemberJoin               = "member.join"
	MemberRejoin             = "member.rejoin"
	EnrollmentCreate         = "enrollment.create"
	EnrollmentEnd            = "enrollment.end"
	MemberExportStart        = "member_export.start"
	DomainAdd                = "domain.add"
	DomainRemove             = "domain.remove"
	DomainImport             = "domain.import"
	MessageCreate            = "message.create"
	MessageUpdate            = "message.update"
	MessageSend              = "message.send"
	MessageSendFinished      = "message.send.finished"
	MessagingSettingsUpdate  = "messaging_settings.update"
	ReminderScheduleUpdate   = "reminder_schedule.update"
	ReportRequest            = "report.request"
	ReportScheduleUpdate     = "report_schedule.update"
	// PersonExport is an export of a person's data asked for; its target is
	// the person's digest, never their address.
	PersonExport = "person.export"
	// PersonErase is an erasure asked for, and PersonEraseFinished its
	// outcome (the anonymous id and counts); both name the person by digest.
	PersonErase         = "person.erase"
	PersonEraseFinished = "person.erase.finished"
)

// Target types.
const (
	TargetOrg               = "org"
	TargetAdmin             = "admin"
	TargetContract          = "contract"
	TargetProgram           = "program"
	TargetCollection        = "collection"
	TargetInvitation        = "invitation"
	TargetImport            = "invitation_import"
	TargetMember            = "member"
	TargetEnrollment        = "enrollment"
	TargetExport            = "member_export"
	TargetDomain            = "domain"
	TargetMessage           = "message"
	TargetMessagingSettings = "messaging_settings"
	TargetReminderSchedule  = "reminder_schedule"
	TargetReport            = "report"
	TargetReportSchedule    = "report_schedule"
	// TargetPerson is a person of a personal-data request, by digest.
	TargetPerson = "person"
)

// Actor is who made a change: the signed-in person, with the role they
// acted in, or the platform (RoleSystem).
type Actor struct {
	Subject string `json:"subject"`
	Email   string `json:"email"`
	Role    string `json:"role"`
}

// Key is the actor as the log's actor filter names them: the email address
// lower-cased, or "sub:<subject>" for an actor without one.
func (a Actor) Key() string {
	if a.Email != "" {
		return strings.ToLower(a.Email)
	}
	if a.Subject != "" {
		return "sub:" + a.Subject
	}
	return a.Role
}

// Target is what a change was made to.
type Target struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Change is one field a change set: its value before and after, as text
// ("" for none). Secret fields never appear (see Diff).
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Record is one entry of an org's audit log. Records are immutable.
type Record struct {
	ID     string    `json:"id"`
	OrgID  string    `json:"orgId"`
	At     time.Time `json:"at"`
	Actor  Actor     `json:"actor"`
	Action string    `json:"action"`
	Target Target    `json:"target"`
	// ProgramID is the program the change concerns, "" for changes to the
	// org as a whole; program admins see the records of their programs only.
	ProgramID string   `json:"programId,omitempty"`
	Changes   []Change `json:"changes"`
	RequestID string   `json:"requestId,omitempty"`
	SourceIP  string   `json:"sourceIp,omitempty"`
}

// secretWords mark a field whose value never enters the log: any field
// whose name holds one of them (case-insensitive).
var secretWords = []string{"token", "secret", "password", "signature", "credential", "apikey", "hash"}

// IsSecret reports whether a field of that name holds a secret.
func IsSecret(field string) bool {
	f := strings.ToLower(field)
	return slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(f, w) })
}

// Diff returns the fields whose values differ between before and after, in
// field order, with their old and new values as text. before and after are
// values that encode as JSON objects (structs by their json names, maps);
// nil stands for "nothing" (a creation or a deletion). Fields named in skip
// and secret fields (IsSecret) are left out, at any depth of the names'
// top level. Values that are objects or lists are compared and shown as
// JSON.
func Diff(before, after any, skip ...string) []Change {
	b, a := fields(before), fields(after)
	names := make([]string, 0, len(a)+len(b))
	for k := range b {
		names = append(names, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := []Change{}
	for _, name := range names {
		if IsSecret(name) || slices.Contains(skip, name) {
			continue
		}
		oldV, newV := text(b[name]), text(a[name])
		if oldV != newV {
			out = append(out, Change{Field: name, Old: oldV, New: newV})
		}
	}
	return out
}

// Set returns changes that set each named field from nothing to its value,
// for outcomes that are not a before and after of one value (counts of an
// import); secret fields are dropped, and the fields keep their order.
func Set(pairs ...string) []Change {
	out := []Change{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if !IsSecret(pairs[i]) {
			out = append(out, Change{Field: pairs[i], New: pairs[i+1]})
		}
	}
	return out
}

// fields decodes v's JSON object into its top-level fields, each kept as
// raw JSON; nil, and anything that is not an object, has no fields.
func fields(v any) map[string]json.RawMessage {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return map[string]json.RawMessage{}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]json.RawMessage{}
	}
	m := map[string]json.RawMessage{}
	if json.Unmarshal(raw, &m) != nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// text shows a field's JSON value as the log keeps it: a string as itself,
// null or absent as "", anything else as its JSON with secret fields of
// nested objects removed.
func text(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(scrub(v))
	return string(b)
}

// scrub removes secret fields from nested objects.
func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if IsSecret(k) {
				delete(t, k)
				continue
			}
			t[k] = scrub(e)
		}
	case []any:
		for i, e := range t {
			t[i] = scrub(e)
		}
	}
	return v
}
