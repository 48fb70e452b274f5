package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

// memStore keeps everything the service and the planner store in maps,
// with the conditions of the DynamoDB store. Its function fields, when set,
// are called first and may fail a call (to inject faults).
type memStore struct {
	mu         sync.Mutex
	orgs       map[string]bo.Org
	admins     map[string]bo.Admin // by email key
	programs   map[string]bo.Program
	learners   map[string]map[string]bo.Learner // program id -> email key -> learner
	messages   map[string]Message
	settings   map[string]Settings
	reach      map[string]bo.Reach // email key -> reach, in every org
	caps       map[string]CapState // org id + "/" + email key
	deliveries map[string]Delivery // campaign + "/" + email key
	pages      map[string]bool
	counts     map[string]map[string]int
	optOuts    map[string]time.Time

	putCap      func(orgID, emailKey string) error
	advancePlan func() error
	listMembers func(programID string, q bo.MemberQuery) error
}

var (
	_ Store       = (*memStore)(nil)
	_ PlanStore   = (*memStore)(nil)
	_ OptOutStore = (*memStore)(nil)
	_ Authorizer  = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{orgs: map[string]bo.Org{}, admins: map[string]bo.Admin{}, programs: map[string]bo.Program{},
		learners: map[string]map[string]bo.Learner{}, messages: map[string]Message{}, settings: map[string]Settings{},
		reach: map[string]bo.Reach{}, caps: map[string]CapState{}, deliveries: map[string]Delivery{}, pages: map[string]bool{},
		counts: map[string]map[string]int{}, optOuts: map[string]time.Time{}}
}

func notFound(what string) error { return bo.Errorf(bo.ENOTFOUND, "%s not found", what) }

func (s *memStore) AuthorizeOrg(_ context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	e, err := caller.VerifiedEmail()
	if err != nil {
		return bo.Admin{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.admins[e.Key]
	if !ok || a.OrgID != orgID {
		return bo.Admin{}, bo.Errorf(bo.EFORBIDDEN, "you are not an admin of organisation %s", orgID)
	}
	return a, nil
}

func (s *memStore) CreateMessage(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := m.OrgID + "/" + m.ID
	if _, ok := s.messages[k]; ok {
		return bo.Errorf(bo.ECONFLICT, "exists")
	}
	s.messages[k] = roundTrip(m)
	return nil
}

// roundTrip copies a message as storage would, sharing nothing with it.
func roundTrip(m Message) Message {
	b, _ := json.Marshal(m)
	var c Message
	_ = json.Unmarshal(b, &c)
	c.Targets, c.Version, c.Frontier = slices.Clone(m.Targets), m.Version, m.Frontier
	return c
}

func (s *memStore) GetMessage(_ context.Context, orgID, id string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[orgID+"/"+id]
	if !ok {
		return Message{}, notFound("message " + id)
	}
	return roundTrip(m), nil
}

func (s *memStore) UpdateDraft(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := m.OrgID + "/" + m.ID
	old, ok := s.messages[k]
	if !ok || old.Status != StatusDraft || old.Version != m.Version-1 {
		return bo.Errorf(bo.ECONFLICT, "changed")
	}
	s.messages[k] = roundTrip(m)
	return nil
}

func (s *memStore) setStatus(orgID, id string, from, to Status, change func(*Message)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := orgID + "/" + id
	m, ok := s.messages[k]
	if !ok || m.Status != from {
		return false
	}
	m.Status = to
	m.Version++
	change(&m)
	s.messages[k] = m
	return true
}

func (s *memStore) MarkSending(_ context.Context, orgID, id string, targets []string, by string, at time.Time) error {
	if !s.setStatus(orgID, id, StatusDraft, StatusSending, func(m *Message) {
		m.Targets, m.SendingAt, m.Frontier, m.TermsAcceptedBy, m.TermsAcceptedAt = slices.Clone(targets), &at, "", by, &at
	}) {
		return bo.Errorf(bo.ECONFLICT, "not a draft")
	}
	return nil
}

func (s *memStore) RevertSending(_ context.Context, orgID, id string) error {
	s.setStatus(orgID, id, StatusSending, StatusDraft, func(m *Message) { m.Targets, m.SendingAt, m.TermsAcceptedBy, m.TermsAcceptedAt = nil, nil, "", nil })
	return nil
}

func (s *memStore) MarkSent(_ context.Context, orgID, id string, at time.Time) error {
	s.setStatus(orgID, id, StatusSending, StatusSent, func(m *Message) { m.SentAt = &at })
	return nil
}

func (s *memStore) AdvancePlan(_ context.Context, orgID, id, from, to string) (bool, error) {
	if s.advancePlan != nil {
		if err := s.advancePlan(); err != nil {
			return false, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := orgID + "/" + id
	m, ok := s.messages[k]
	if !ok || m.Status != StatusSending || m.Frontier != from {
		return false, nil
	}
	m.Frontier = to
	s.messages[k] = m
	return true, nil
}

func (s *memStore) CampaignCounts(_ context.Context, campaign string) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts[campaign]), nil
}

func (s *memStore) MessagingSettings(_ context.Context, orgID string) (Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set, ok := s.settings[orgID]; ok {
		return set, nil
	}
	return DefaultSettings, nil
}

func (s *memStore) PutMessagingSettings(_ context.Context, orgID string, set Settings, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[orgID] = set
	return nil
}

func (s *memStore) GetOrg(_ context.Context, orgID string) (bo.Org, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[orgID]
	if !ok {
		return bo.Org{}, notFound("org " + orgID)
	}
	return o, nil
}

func (s *memStore) GetProgram(_ context.Context, orgID, id string) (bo.Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.programs[id]
	if !ok || p.OrgID != orgID {
		return bo.Program{}, notFound("program " + id)
	}
	return p, nil
}

func (s *memStore) ListPrograms(_ context.Context, orgID string, page bo.Page) ([]bo.Program, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bo.Program
	for _, id := range slices.Sorted(maps.Keys(s.programs)) {
		if p := s.programs[id]; p.OrgID == orgID && id > page.Cursor && len(out) < page.Limit {
			out = append(out, p)
		}
	}
	next := ""
	if len(out) == page.Limit {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// matches reports whether a learner is in a members view's status and filters.
func matches(l bo.Learner, q bo.MemberQuery) bool {
	active := func(days int) bool {
		return l.LastActivityAt != nil && l.LastActivityAt.After(q.Now.AddDate(0, 0, -days))
	}
	ok := false
	switch q.Status {
	case bo.MemberInvitedNever:
		ok = l.State == bo.StateInvited
	case bo.MemberJoined:
		ok = l.State == bo.StateMember
	case bo.MemberNoEnrollments:
		ok = l.State == bo.StateMember && l.CurrentEnrollments == 0
	case bo.MemberNoCompletions:
		ok = l.State == bo.StateMember && l.CurrentEnrollments > 0 && l.Completions == 0
	case bo.MemberInactive30:
		ok = l.State == bo.StateMember && l.CurrentEnrollments > 0 && !active(30)
	case bo.MemberInactive90:
		ok = l.State == bo.StateMember && !active(90)
	case bo.MemberCompleted30:
		ok = l.State == bo.StateMember && l.LastCompletionAt != nil && l.LastCompletionAt.After(q.Now.AddDate(0, 0, -30))
	}
	course := len(q.CourseIDs) == 0
	for _, c := range q.CourseIDs {
		course = course || slices.Contains(l.CurrentItems, c)
	}
	return ok && (len(q.ContractIDs) == 0 || slices.Contains(q.ContractIDs, l.ContractID)) && course
}

// ListMembers pages through the program's learners in email order; the
// cursor is the last email key of the page.
func (s *memStore) ListMembers(_ context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error) {
	if s.listMembers != nil {
		if err := s.listMembers(programID, q); err != nil {
			return bo.MemberPage{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.learners[programID]
	page := bo.MemberPage{Items: []bo.Learner{}}
	for _, k := range slices.Sorted(maps.Keys(ls)) {
		if k <= q.Cursor || !matches(ls[k], q) {
			continue
		}
		if len(page.Items) == q.Limit {
			page.NextCursor = page.Items[len(page.Items)-1].EmailKey
			break
		}
		page.Items = append(page.Items, ls[k])
		page.Read++
	}
	return page, nil
}

func (s *memStore) GetLearners(_ context.Context, programID string, keys []string) (map[string]bo.Learner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bo.Learner{}
	for _, k := range keys {
		if l, ok := s.learners[programID][k]; ok {
			out[k] = l
		}
	}
	return out, nil
}

func (s *memStore) Reachability(_ context.Context, orgID string, keys []string) (map[string]bo.Reach, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bo.Reach{}
	for _, k := range keys {
		if r := s.reach[k]; r != bo.Reachable {
			out[k] = r
		}
		if _, ok := s.optOuts[orgID+"/"+k]; ok && out[k] == bo.Reachable {
			out[k] = bo.Unsubscribed
		}
	}
	return out, nil
}

func (s *memStore) CapStates(_ context.Context, orgID string, keys []string) (map[string]CapState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]CapState{}
	for _, k := range keys {
		if c, ok := s.caps[orgID+"/"+k]; ok {
			out[k] = CapState{Sends: maps.Clone(c.Sends), Version: c.Version}
		}
	}
	return out, nil
}

func (s *memStore) PutCap(_ context.Context, orgID, emailKey string, st CapState, _ time.Time) error {
	if s.putCap != nil {
		if err := s.putCap(orgID, emailKey); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := orgID + "/" + emailKey
	if s.caps[k].Version != st.Version {
		return bo.Errorf(bo.ECONFLICT, "cap changed")
	}
	s.caps[k] = CapState{Sends: maps.Clone(st.Sends), Version: st.Version + 1}
	return nil
}

func (s *memStore) PutDelivery(_ context.Context, d Delivery) (Delivery, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := d.Campaign + "/" + d.EmailKey
	if old, ok := s.deliveries[k]; ok {
		return old, false, nil
	}
	s.deliveries[k] = d
	return d, true, nil
}

func (s *memStore) CountPage(_ context.Context, campaign, page string, counts map[string]int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pages[campaign+"/"+page] {
		return nil
	}
	s.pages[campaign+"/"+page] = true
	if s.counts[campaign] == nil {
		s.counts[campaign] = map[string]int{}
	}
	for k, n := range counts {
		s.counts[campaign][k] += n
	}
	return nil
}

func (s *memStore) OptOut(_ context.Context, orgID, emailKey string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.optOuts[orgID+"/"+emailKey]; !ok {
		s.optOuts[orgID+"/"+emailKey] = at
	}
	return nil
}

// addLearner puts a learner in a program; the email is its key.
func (s *memStore) addLearner(programID string, l bo.Learner) bo.Learner {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.programs[programID]
	l.OrgID, l.ProgramID = p.OrgID, programID
	if l.EmailKey == "" {
		l.EmailKey = strings.ToLower(l.Email)
	}
	if s.learners[programID] == nil {
		s.learners[programID] = map[string]bo.Learner{}
	}
	s.learners[programID][l.EmailKey] = l
	return l
}

// outbox records the emails published, and fails when fail says so.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
	fail func(msgs []mail.Message) error
}

func (o *outbox) Publish(_ context.Context, msgs []mail.Message) error {
	if o.fail != nil {
		if err := o.fail(msgs); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, msgs...)
	return nil
}

// byID returns the emails published, the last of each id.
func (o *outbox) byID() map[string]mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]mail.Message{}
	for _, m := range o.sent {
		out[m.ID] = m
	}
	return out
}

// planQueue is an in-process plan queue.
type planQueue struct {
	mu    sync.Mutex
	items []PlanItem
	fail  error
}

func (q *planQueue) Send(_ context.Context, item any) error {
	if q.fail != nil {
		return q.fail
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, item.(PlanItem))
	return nil
}

func (q *planQueue) take() (PlanItem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return PlanItem{}, false
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it, true
}

// links makes fake unsubscribe links.
type links struct{}

func (links) URL(orgID, emailKey string) string {
	return "https://api.example.com/v1/unsubscribe/" + orgID + "." + emailKey
}

// world is an org with an org admin, a program admin of p1, and two
// programs.
type world struct {
	store   *memStore
	svc     *Service
	planner *Planner
	outbox  *outbox
	plans   *planQueue
	now     time.Time
	boss    bo.Caller
	pa      bo.Caller
}

func newWorld(t testing.TB) *world {
	t.Helper()
	s := newMemStore()
	s.orgs["org1"] = bo.Org{ID: "org1", Name: "Acme"}
	s.programs["p1"] = bo.Program{OrgID: "org1", ID: "p1", Name: "Data Skills", Slug: "data-skills"}
	s.programs["p2"] = bo.Program{OrgID: "org1", ID: "p2", Name: "Leadership", Slug: "leadership"}
	s.programs["other"] = bo.Program{OrgID: "org2", ID: "other", Name: "Elsewhere", Slug: "elsewhere"}
	s.admins["dean@acme.edu"] = bo.Admin{OrgID: "org1", EmailKey: "dean@acme.edu", Role: bo.RoleOrgAdmin}
	s.admins["pa@acme.edu"] = bo.Admin{OrgID: "org1", EmailKey: "pa@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{"p1"}}
	w := &world{store: s, outbox: &outbox{}, plans: &planQueue{}, now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		boss: bo.Caller{Subject: "u1", Email: "Dean@acme.edu", Name: "Dean Moriarty", EmailVerified: true},
		pa:   bo.Caller{Subject: "u2", Email: "pa@acme.edu", EmailVerified: true}}
	w.svc = NewService(s, s, w.plans, Config{LearnerAppURL: "https://learn.example.com/"})
	w.svc.Now = func() time.Time { return w.now }
	w.planner = NewPlanner(s, w.outbox, w.plans, links{}, PlanConfig{LearnerAppURL: "https://learn.example.com", PageSize: 100})
	w.planner.Now = func() time.Time { return w.now }
	w.planner.Log = slog.New(slog.DiscardHandler)
	return w
}

// drain plans every item on the plan queue, each delivered twice when
// twice is set, and returns how many items it planned.
func (w *world) drain(t testing.TB, twice bool) int {
	t.Helper()
	n := 0
	for {
		it, ok := w.plans.take()
		if !ok {
			return n
		}
		n++
		for range map[bool]int{false: 1, true: 2}[twice] {
			if err := w.planner.Plan(context.Background(), it); err != nil {
				t.Fatalf("plan %+v: %v", it, err)
			}
		}
	}
}

// members adds n learners to a program, named and addressed by prefix and
// index, and returns them.
func (w *world) members(programID, prefix string, n int, l bo.Learner) []bo.Learner {
	var out []bo.Learner
	for i := range n {
		x := l
		x.Email = fmt.Sprintf("%s%04d@acme.edu", prefix, i)
		x.FullName = fmt.Sprintf("Learner %s%d", prefix, i)
		out = append(out, w.store.addLearner(programID, x))
	}
	return out
}

func ptr[T any](v T) *T { return &v }
