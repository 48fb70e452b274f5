package messaging

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// audienceStore reads the learners of an audience: from the members
// view's indexes, or by address for learners picked by hand.
type audienceStore interface {
	// ListMembers returns one page of a program's members view.
	ListMembers(ctx context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error)
	// GetLearners returns the program's learners among the email keys.
	GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error)
}

// pageSize is how many learners one read of the audience asks for by
// default (PlanConfig.PageSize): the planner's unit of work, of
// idempotency and of counting, and the most learners it holds at once. It
// is the members view's query limit per shard.
const pageSize = 250

// segment is one indexed read of an audience: the learners of a program
// in the audience's status, on one contract (or any), currently enrolled
// in one course (or not narrowed by course). A learner may be in several
// segments; the planner's delivery records keep them to one email.
type segment struct {
	program, contract, course string
}

// segmentsOf returns the segments of a message's audience over the target
// programs, in a fixed order: a plan item names its place by the index of
// its segment.
func segmentsOf(m Message, targets []string) []segment {
	if l := m.Audience.Learners; l != nil {
		return []segment{{program: l.ProgramID}}
	}
	orAny := func(ids []string) []string {
		if len(ids) == 0 {
			return []string{""}
		}
		return ids
	}
	var out []segment
	for _, p := range targets {
		for _, c := range orAny(m.Audience.ContractIDs) {
			for _, k := range orAny(m.Audience.CourseIDs) {
				out = append(out, segment{program: p, contract: c, course: k})
			}
		}
	}
	return out
}

// reader reads a message's audience a page at a time.
type reader struct {
	store audienceStore
	m     Message
	// now ends the audience's activity windows (30 days inactive, ...).
	now  time.Time
	size int
}

// page returns the learners of a segment after the cursor ("" for the
// first page), and the cursor of the next page ("" after the last). A page
// of a narrow filter may be short, or empty with a cursor (the members
// view's reading budget).
func (r reader) page(ctx context.Context, seg segment, cursor string) ([]bo.Learner, string, error) {
	if l := r.m.Audience.Learners; l != nil {
		return r.listed(ctx, seg.program, l.Emails, cursor)
	}
	p, err := r.store.ListMembers(ctx, seg.program, bo.MemberQuery{Status: r.m.Audience.Status, Sort: bo.MembersByEmail,
		ContractIDs: idList(seg.contract), CourseIDs: idList(seg.course), Limit: r.size, Cursor: cursor, Now: r.now})
	if err != nil {
		return nil, "", err
	}
	return p.Items, p.NextCursor, nil
}

// listed returns a page of learners picked by hand, in the order given,
// leaving out addresses that are no learner of the program or were removed
// from it. The cursor is the index of the page's first address.
func (r reader) listed(ctx context.Context, programID string, emails []string, cursor string) ([]bo.Learner, string, error) {
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(emails) {
			return nil, "", fmt.Errorf("cursor %q is not a place in the list of %d learners", cursor, len(emails))
		}
		start = n
	}
	end := min(start+r.size, len(emails))
	keys := make([]string, 0, end-start)
	for _, s := range emails[start:end] {
		if e, err := bo.ParseEmail(s); err == nil {
			keys = append(keys, e.Key)
		}
	}
	found, err := r.store.GetLearners(ctx, programID, keys)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.Learner, 0, len(keys))
	for _, k := range keys {
		if l, ok := found[k]; ok && l.State != bo.StateDeletedMember {
			out = append(out, l)
		}
	}
	next := ""
	if end < len(emails) {
		next = strconv.Itoa(end)
	}
	return out, next, nil
}

// each calls fn with every learner of the segments, page by page, until fn
// returns false or the segments end. It returns the store's error.
func (r reader) each(ctx context.Context, segs []segment, fn func(bo.Learner) bool) error {
	for _, seg := range segs {
		cursor := ""
		for {
			learners, next, err := r.page(ctx, seg, cursor)
			if err != nil {
				return err
			}
			for _, l := range learners {
				if !fn(l) {
					return nil
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return nil
}

// idList is a segment's contract or course as the members view's filter:
// none for "any".
func idList(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}
