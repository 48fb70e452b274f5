package privacy

import (
	"context"
	"regexp"
	"slices"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// addresses returns the person's address as the org's items spell it: the
// request's, its canonical key, and each learner item's (an invitation
// keeps the case the admin typed), each once.
func addresses(email bo.Email, data Sections) []string {
	out := []string{email.Display, email.Key}
	for _, p := range data["profile"] {
		if e, _ := p["email"].(string); e != "" {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// freeTextActions are the actions whose changed values hold text an admin
// typed, which may be someone's address: a member export's search.
var freeTextActions = []string{audit.MemberExportStart}

// auditPartitions returns where the audit records naming the person are:
// the partitions of the actor keys of their addresses, of the invitation,
// member and admin targets named by each spelling, of the enrollment
// targets of each of their enrollments, of the free-text actions, and the
// org's messages picked for them by hand (see AuditPartitions). Only the
// records that name them are kept (auditRecords).
func auditPartitions(email bo.Email, data Sections) AuditPartitions {
	spellings := addresses(email, data)
	p := AuditPartitions{Addresses: spellings, Actions: freeTextActions}
	for _, a := range spellings {
		p.ActorKeys = append(p.ActorKeys, strings.ToLower(a))
		for _, t := range []string{audit.TargetInvitation, audit.TargetMember, audit.TargetAdmin} {
			p.Targets = append(p.Targets, audit.Target{Type: t, ID: a})
		}
		for _, e := range data["enrollments"] {
			if item, _ := e["itemId"].(string); item != "" {
				p.Targets = append(p.Targets, audit.Target{Type: audit.TargetEnrollment, ID: a + "/" + item})
			}
		}
	}
	slices.Sort(p.ActorKeys)
	p.ActorKeys = slices.Compact(p.ActorKeys)
	slices.SortFunc(p.Targets, func(a, b audit.Target) int { return strings.Compare(a.Type+"#"+a.ID, b.Type+"#"+b.ID) })
	p.Targets = slices.Compact(p.Targets)
	return p
}

// auditRecords returns the org's audit records that name the person (as
// actor, target, or in a changed field's value), newest first.
func (s *Service) auditRecords(ctx context.Context, orgID string, email bo.Email, data Sections) ([]audit.Record, error) {
	p := auditPartitions(email, data)
	recs, err := s.store.AuditNaming(ctx, orgID, p)
	if err != nil {
		return nil, err
	}
	re := addressPattern(p.Addresses)
	out := recs[:0]
	for _, r := range recs {
		if names(re, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// addressPattern matches any of the addresses, in any case.
func addressPattern(addrs []string) *regexp.Regexp {
	alts := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if a != "" {
			alts = append(alts, regexp.QuoteMeta(a))
		}
	}
	if len(alts) == 0 {
		return regexp.MustCompile(`$^`)
	}
	return regexp.MustCompile("(?i)" + strings.Join(alts, "|"))
}

// names reports whether the record holds one of the addresses re matches.
func names(re *regexp.Regexp, r audit.Record) bool {
	if re.MatchString(r.Actor.Email) || re.MatchString(r.Target.ID) {
		return true
	}
	return slices.ContainsFunc(r.Changes, func(c audit.Change) bool { return re.MatchString(c.Old) || re.MatchString(c.New) })
}

// otherAddress is an email address in a changed value (a message's
// audience lists several people).
var otherAddress = regexp.MustCompile(`[^\s"',;:<>()\[\]{}]+@[^\s"',;:<>()\[\]{}]+`)

// othersWithheld stands for someone else's address in an export.
const othersWithheld = "(someone else)"

// auditSection is the export's audit section: one record per audit
// record, its changes as a list, with the addresses of anyone but the
// person in changed values withheld (othersWithheld): the export is the
// person's data, not their fellow recipients'. Who made each change
// stays.
func auditSection(recs []audit.Record, addrs []string) []Record {
	mine := addressPattern(addrs)
	withhold := func(v string) string {
		return otherAddress.ReplaceAllStringFunc(v, func(a string) string {
			if m := mine.FindString(a); m != "" && len(m) == len(a) {
				return a
			}
			return othersWithheld
		})
	}
	out := make([]Record, len(recs))
	for i, r := range recs {
		changes := make([]audit.Change, len(r.Changes))
		for j, c := range r.Changes {
			changes[j] = audit.Change{Field: c.Field, Old: withhold(c.Old), New: withhold(c.New)}
		}
		out[i] = Record{"id": r.ID, "at": r.At, "action": r.Action, "actorEmail": r.Actor.Email, "actorRole": r.Actor.Role,
			"targetType": r.Target.Type, "targetId": r.Target.ID, "programId": r.ProgramID, "changes": changes,
			"requestId": r.RequestID}
	}
	return out
}

// AnonymiseRecord returns the audit record with the person taken out, and
// whether it named them: each of the addresses (in any case) replaced by
// the anonymous address in the actor, the target and the changed values;
// a changed value equal to one of their names or external ids emptied, and
// one holding it (a JSON value) with it cut out; and when they made the
// change themself, their sign-in subject and source address dropped too.
// The action, time, program and the other fields stay, so the log still
// says what happened and when.
func (r Redactor) AnonymiseRecord(rec audit.Record) (audit.Record, bool) {
	re := addressPattern(append([]string{r.EmailKey}, r.Addresses...))
	if !names(re, rec) {
		return rec, false
	}
	out := rec
	if re.MatchString(rec.Actor.Email) {
		out.Actor = audit.Actor{Email: re.ReplaceAllLiteralString(rec.Actor.Email, r.Anon), Role: rec.Actor.Role}
		out.SourceIP = ""
	}
	out.Target.ID = re.ReplaceAllLiteralString(rec.Target.ID, r.Anon)
	out.Changes = make([]audit.Change, len(rec.Changes))
	for i, c := range rec.Changes {
		out.Changes[i] = audit.Change{Field: c.Field, Old: r.scrubValue(re, c.Old), New: r.scrubValue(re, c.New)}
	}
	return out, true
}

// scrubValue takes the person out of one changed value.
func (r Redactor) scrubValue(re *regexp.Regexp, v string) string {
	v = re.ReplaceAllLiteralString(v, r.Anon)
	for _, s := range append(append([]string{}, r.Names...), r.ExternalIDs...) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return ""
		}
		v = regexp.MustCompile("(?i)"+regexp.QuoteMeta(s)).ReplaceAllLiteralString(v, "")
	}
	return v
}

// eraseAudit anonymises every audit record naming the person
// (AnonymiseRecord), each record's copies replaced in one transaction, so
// that a second run finds nothing to change. It returns how many it
// rewrote.
func (s *Service) eraseAudit(ctx context.Context, orgID string, email bo.Email, data Sections, red Redactor) (int, error) {
	recs, err := s.auditRecords(ctx, orgID, email, data)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rec := range recs {
		updated, changed := red.AnonymiseRecord(rec)
		if !changed {
			continue
		}
		replaced, err := s.store.ReplaceAudit(ctx, rec, updated)
		if err != nil {
			return n, err
		}
		if replaced {
			n++
		}
	}
	return n, nil
}
