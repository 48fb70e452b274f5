package messaging

import (
	"context"
	"slices"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// ListStore lists and discards an org's messages.
type ListStore interface {
	// ListMessages returns up to limit of the org's messages, newest
	// first, after the message id after ("" from the newest), in one
	// status (any when ""), and the id to continue after ("" at the end).
	ListMessages(ctx context.Context, orgID string, status Status, after string, limit int) ([]Message, string, error)
	// DeleteDraft deletes a message on condition that it is a draft;
	// ECONFLICT otherwise (ENOTFOUND when there is none).
	DeleteDraft(ctx context.Context, orgID, messageID string) error
}

// ListQuery selects a page of an org's messages.
type ListQuery struct {
	// Status keeps the messages in it (draft, sending or sent); any when "".
	Status Status
	// ProgramID keeps the messages whose audience covers the program.
	ProgramID string
	Limit     int
	Cursor    string
}

// MessagesPage is a page of an org's messages.
type MessagesPage struct {
	Items      []Message `json:"items"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// listReadPages bounds the store pages one list request reads when a
// program filter leaves few messages: the answer may then be short, with a
// cursor.
const listReadPages = 5

// List returns a page of the org's messages, newest first, each with its
// counts so far (none for drafts): any of them for an org admin, and for a
// program admin those whose audience lies within their programs, as Get
// shows them. It returns EINVALID naming a bad status or limit,
// EFORBIDDEN for a program admin who asks for another program, and the
// errors of AuthorizeOrg.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID string, q ListQuery) (MessagesPage, error) {
	acc, err := s.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return MessagesPage{}, err
	}
	var v bo.Validation
	v.Check(q.Status == "" || slices.Contains([]Status{StatusDraft, StatusSending, StatusSent}, q.Status), "status", "must be draft, sending or sent")
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit >= 1 && q.Limit <= 100, "limit", "must be between 1 and 100")
	if err := v.Err(); err != nil {
		return MessagesPage{}, err
	}
	if q.ProgramID != "" {
		if !acc.CanAdminister(q.ProgramID) {
			return MessagesPage{}, bo.Errorf(bo.EFORBIDDEN, "you do not administer program %s", q.ProgramID)
		}
		if _, err := s.store.GetProgram(ctx, orgID, q.ProgramID); err != nil {
			return MessagesPage{}, err
		}
	}
	out := MessagesPage{Items: []Message{}}
	after := q.Cursor
	for range listReadPages {
		ms, next, err := s.store.ListMessages(ctx, orgID, q.Status, after, q.Limit-len(out.Items))
		if err != nil {
			return MessagesPage{}, err
		}
		for _, m := range ms {
			if !visible(acc, m) || (q.ProgramID != "" && !covers(m, q.ProgramID)) {
				continue
			}
			if m.Status != StatusDraft {
				counts, err := s.store.CampaignCounts(ctx, Campaign(orgID, m.ID))
				if err != nil {
					return MessagesPage{}, err
				}
				m.Counts = bo.CampaignCountsOf(counts)
			}
			out.Items = append(out.Items, m)
		}
		out.NextCursor, after = next, next
		if next == "" || len(out.Items) == q.Limit {
			break
		}
	}
	return out, nil
}

// visible reports whether an admin may see a message: an org admin any,
// a program admin one whose audience names only programs of theirs.
func visible(acc bo.Admin, m Message) bool {
	if acc.Role == bo.RoleOrgAdmin {
		return true
	}
	programs := m.Audience.programs()
	for _, id := range programs {
		if !acc.CanAdminister(id) {
			return false
		}
	}
	return len(programs) > 0
}

// covers reports whether a message's audience covers the program: named
// in it, among the programs it went to, or (a draft for every program)
// any program of the org.
func covers(m Message, programID string) bool {
	if ps := m.Audience.programs(); len(ps) > 0 {
		return slices.Contains(ps, programID)
	}
	if m.Status != StatusDraft {
		return slices.Contains(m.Targets, programID)
	}
	return true
}

// Discard deletes a draft (the guide's "Discard message"). It returns
// ECONFLICT for a message that is being sent or was sent (or is sent at
// the same time), and the errors of Get.
func (s *Service) Discard(ctx context.Context, caller bo.Caller, orgID, messageID string) error {
	m, _, err := s.message(ctx, caller, orgID, messageID)
	if err != nil {
		return err
	}
	if m.Status != StatusDraft {
		return bo.Errorf(bo.ECONFLICT, "message %s is %s: only a draft can be discarded", messageID, m.Status)
	}
	return s.store.DeleteDraft(ctx, orgID, messageID)
}
